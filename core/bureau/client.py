"""The bureau gateway client (httpx): upload a report file, find a receipt, poll the acknowledgement.

Wire protocol (the sandbox in ``core/bureau/sandbox.py`` speaks the same):

- ``POST /api/v1/submissions`` with the file as the body, ``Idempotency-Key`` and
  ``X-File-Name`` headers and HTTP basic credentials -> ``{"receipt_id", "idempotency_key",
  "received_at", "records"}``. The gateway keeps the first upload of a key: a repeated upload
  returns the same receipt and processes nothing again.
- ``GET /api/v1/submissions?idempotency_key=K`` -> the receipt of that key, or 404.
- ``GET /api/v1/submissions/{receipt_id}/acknowledgement`` -> 202 while processing, then
  ``{"status": "accepted" | "partially_rejected" | "rejected", "processed_at",
  "records": [{"uid", "status", "code", "message"}]}``.

Transport errors, timeouts and 5xx answers are retried with exponential backoff; 4xx are not
(they will not get better). Credentials travel only in the Authorization header; they are never
logged or put into an error message.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from core.config import Settings, get_settings
from core.errors import CessioError
from core.gateway_retry import TransientFailure, call_with_backoff

log = logging.getLogger(__name__)


class BureauUnavailable(CessioError):
    """The gateway did not answer usefully after the retries; the work is kept and retried."""


class BureauRefused(CessioError):
    """The gateway refused the request itself (4xx): credentials or the file are wrong."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True)
class Receipt:
    receipt_id: str
    idempotency_key: str
    received_at: dt.datetime
    records: int


@dataclass(frozen=True)
class RecordResult:
    uid: str
    status: str  # accepted | rejected
    code: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class Acknowledgement:
    status: str  # accepted | partially_rejected | rejected
    processed_at: dt.datetime
    records: tuple[RecordResult, ...] = field(default_factory=tuple)


def _moment(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _receipt(data: dict[str, Any]) -> Receipt:
    return Receipt(
        str(data["receipt_id"]), str(data["idempotency_key"]), _moment(data["received_at"]), int(data["records"])
    )


class BureauClient:
    def __init__(
        self,
        base_url: str,
        login: str,
        password: str,
        *,
        timeout: float = 20.0,
        attempts: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = httpx.BasicAuth(login, password)
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self._sleep = sleep

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **kwargs: Any) -> BureauClient:
        s = settings or get_settings()
        return cls(s.bureau_url, s.bureau_login, s.bureau_password.get_secret_value(), **kwargs)

    def __repr__(self) -> str:  # never show the credentials
        return f"BureauClient({self.base_url!r})"

    def _request(self, method: str, path: str, ok: tuple[int, ...], **kwargs: Any) -> httpx.Response:
        url = f"{self.base_url}{path}"

        def once() -> httpx.Response:
            try:
                with httpx.Client(timeout=self.timeout, auth=self._auth) as http:
                    response = http.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                raise TransientFailure(f"{type(exc).__name__} talking to {url}") from None
            if response.status_code in ok:
                return response
            if response.status_code < 500:
                text = f"The bureau gateway refused {method} {path} with HTTP {response.status_code}: "
                text += response.text[:300]
                if response.status_code in (401, 403):
                    text += ". Check the bureau login and password in the settings."
                raise BureauRefused(text, response.status_code)
            raise TransientFailure(f"HTTP {response.status_code} from {url}")

        def failed(attempt: int, problem: str, last: bool) -> None:
            log.warning("bureau gateway attempt %d/%d failed: %s", attempt, self.attempts, problem)

        return call_with_backoff(
            once,
            attempts=self.attempts,
            backoff=self.backoff,
            on_failure=failed,
            unavailable=lambda problem: BureauUnavailable(
                f"The bureau gateway is unavailable ({problem}) after {self.attempts} attempts; "
                "the submission is kept and will be retried on the next run."
            ),
            sleep=self._sleep,
        )

    def upload(self, content: bytes, idempotency_key: str, file_name: str) -> Receipt:
        response = self._request(
            "POST",
            "/api/v1/submissions",
            (200, 201),
            content=content,
            headers={
                "Idempotency-Key": idempotency_key,
                "X-File-Name": file_name,
                "Content-Type": "text/tab-separated-values; charset=windows-1251",
            },
        )
        return _receipt(response.json())

    def find_receipt(self, idempotency_key: str) -> Receipt | None:
        """The receipt of an earlier upload of this key, or None if the gateway never got it."""
        response = self._request("GET", "/api/v1/submissions", (200, 404), params={"idempotency_key": idempotency_key})
        if response.status_code == 404:
            return None
        return _receipt(response.json())

    def acknowledgement(self, receipt_id: str) -> Acknowledgement | None:
        """The bureau's answer per record, or None while it is still processing."""
        response = self._request("GET", f"/api/v1/submissions/{receipt_id}/acknowledgement", (200, 202))
        if response.status_code == 202:
            return None
        data = response.json()
        return Acknowledgement(
            status=str(data["status"]),
            processed_at=_moment(data["processed_at"]),
            records=tuple(
                RecordResult(str(r["uid"]), str(r["status"]), r.get("code"), r.get("message"))
                for r in data.get("records", [])
            ),
        )
