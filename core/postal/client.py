"""The Russian Post tracking client (httpx): the batch ticket service and the single-item history.

Network errors and 5xx answers are retried with exponential backoff; after the last attempt the
caller gets ``PostalUnavailable`` and keeps its state in the database to try again on a later tick.
The login and password travel only in the SOAP body: they are never logged, never put in an
exception message, and hidden in ``repr``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from core.config import Settings, get_settings
from core.gateway_retry import TransientFailure, call_with_backoff
from core.postal import soap

log = logging.getLogger(__name__)


class PostalError(Exception):
    """The service answered with an error code (see ``soap.ERROR_NAMES``)."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(f"Russian Post error {code}: {message}" if code is not None else message)
        self.code = code


class PostalUnavailable(Exception):
    """The service could not be reached or kept failing (network error or 5xx) after retries."""


@dataclass
class RequestStats:
    tickets: int = 0
    answers: int = 0
    histories: int = 0
    retries: int = 0

    @property
    def total(self) -> int:
        return self.tickets + self.answers + self.histories


@dataclass
class PostalClient:
    batch_url: str
    single_url: str
    login: str
    password: str = field(repr=False)
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5
    stats: RequestStats = field(default_factory=RequestStats)
    _http: httpx.Client | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> PostalClient:
        s = settings or get_settings()
        return cls(
            batch_url=s.postal_batch_url,
            single_url=s.postal_single_url,
            login=s.postal_login,
            password=s.postal_password.get_secret_value(),
            timeout=float(s.postal_timeout_seconds),
            retries=s.postal_retries,
        )

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(timeout=self.timeout)
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> PostalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _post(self, url: str, body: str, content_type: str, action: str) -> bytes:
        headers = {"Content-Type": content_type}
        if content_type.startswith("text/xml"):
            headers["SOAPAction"] = f'"{action}"'

        def once() -> bytes:
            try:
                response = self._client().post(url, content=body.encode("utf-8"), headers=headers)
            except httpx.HTTPError as exc:
                raise TransientFailure(type(exc).__name__) from None
            if response.status_code < 500:
                if response.status_code >= 400:
                    raise PostalError(None, f"the postal service refused the request (HTTP {response.status_code})")
                return response.content
            # SOAP 1.1 faults travel with HTTP 500; they carry an answer, not an outage.
            if b"Fault" in response.content and response.headers.get("content-type", "").find("xml") >= 0:
                return response.content
            raise TransientFailure(f"HTTP {response.status_code}")

        def failed(attempt: int, problem: str, last: bool) -> None:
            if last:
                log.warning("postal %s failed after %d attempts: %s", action, attempt, problem)
                return
            self.stats.retries += 1
            log.info("postal %s attempt %d failed (%s); retrying", action, attempt, problem)

        return call_with_backoff(
            once,
            attempts=self.retries + 1,
            backoff=self.backoff,
            on_failure=failed,
            unavailable=lambda problem: PostalUnavailable(
                f"the postal service is unavailable ({problem}); it will be asked again later"
            ),
        )

    def get_ticket(self, barcodes: Sequence[str]) -> str:
        """Ask for a ticket for 1..3,000 barcodes; raises ``PostalError`` with the service's code."""
        if not 1 <= len(barcodes) <= soap.MAX_BATCH:
            raise ValueError(f"a ticket covers 1 to {soap.MAX_BATCH} items, not {len(barcodes)}")
        body = soap.ticket_request(list(barcodes), self.login, self.password)
        self.stats.tickets += 1
        answer = soap.parse_ticket_response(self._post(self.batch_url, body, "text/xml; charset=utf-8", "getTicket"))
        if answer.error_code is not None or not answer.ticket:
            raise PostalError(answer.error_code, answer.error_name or "no ticket in the answer")
        return answer.ticket

    def get_response(self, ticket: str) -> soap.BatchAnswer:
        """The answer for a ticket; ticket-level errors (6 not ready, 17 expired, ...) are in ``error_code``."""
        body = soap.answer_request(ticket, self.login, self.password)
        self.stats.answers += 1
        raw = self._post(self.batch_url, body, "text/xml; charset=utf-8", "getResponseByTicket")
        return soap.parse_answer_response(raw)

    def get_history(self, barcode: str) -> soap.ItemResult:
        """One item's full history now (SOAP 1.2); an unknown barcode gives an item with error 12."""
        body = soap.history_request(barcode, self.login, self.password)
        self.stats.histories += 1
        raw = self._post(
            self.single_url,
            body,
            'application/soap+xml; charset=utf-8; action="getOperationHistory"',
            "getOperationHistory",
        )
        result = soap.parse_history_response(raw, barcode)
        if isinstance(result, soap.SingleFault):
            if "Authorization" in result.detail:
                raise PostalError(soap.ERR_AUTH, result.reason)
            return soap.ItemResult(barcode, (), soap.ERR_NO_DATA, result.reason)
        return result
