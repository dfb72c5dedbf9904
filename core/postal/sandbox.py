"""A local Russian Post tracking service for the demo and the tests (ARCHITECTURE rule 8).

It speaks both real protocols on one port: the batch service (SOAP 1.1 ``getTicket`` /
``getResponseByTicket``) at ``/batch`` and the single-item history (SOAP 1.2
``getOperationHistory``) at ``/single``. Run it alone with ``python -m core.postal.sandbox --port 8701``.

Every barcode follows a scenario chosen from the last two digits of its serial number (the 8
serial digits of an S10 number ``RA12345678?RU``, the 5 serial digits of a 14-digit number), so
demo data yields a mix and tests pick a scenario by building a number:

======  ==================================================================================
last    scenario
======  ==================================================================================
0       delivered on day 3
1       delivered on day 5
2       delivered on day 8
3       in transit, never delivered (no movement after day 2)
4       returned: the storage time expired (3.1)
5       refused by the addressee (3.4)
6       two failed delivery attempts (12), then delivered on day 9
7       unknown barcode (item error 12)
8       its ticket is "not ready" (error 6) on the first fetch, then delivered on day 4
9       by the tens digit: 0-2 its ticket has "expired" (error 17) on the first fetch, then
        delivered on day 4; 3-5 the first fetch of its ticket fails with HTTP 503, then
        delivered on day 6; 6-7 slow answer (``slow_seconds``), delivered on day 2;
        8-9 returned and handed back to the sender (3.1, then 2.2)
======  ==================================================================================

Time: the sandbox remembers when it first saw a barcode. With ``day_seconds`` 0 (the default)
the whole scenario has already happened, dated in the past; with ``day_seconds`` N an operation
of day d shows up d×N seconds after the first sighting. A ticket is ready ``ready_after``
seconds after it was issued (the real service: 15 minutes) and kept 32 hours.
"""

from __future__ import annotations

import argparse
import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from core.postal import soap
from core.postal.soap import ItemResult, Operation
from core.postal.tracking import normalize_tracking

ACCEPT = (1, 1, "Приём")
SORT = (8, 0, "Обработка")
ARRIVED = (8, 2, "Прибыло в место вручения")
DELIVER = (2, 1, "Вручение адресату")
FAILED = (12, 1, "Неудачная попытка вручения")
RETURN_EXPIRED = (3, 1, "Возврат: истек срок хранения")
RETURN_REFUSED = (3, 4, "Возврат: отказ адресата")
BACK_TO_SENDER = (2, 2, "Вручение отправителю")

Step = tuple[int, tuple[int, int, str]]  # (day, (type, attr, name))


def serial_digits(barcode: str) -> str:
    """The serial part of a tracking number: 8 digits of S10, 5 digits of the domestic number."""
    b = normalize_tracking(barcode)
    if len(b) == 14 and b.isdigit():
        return b[8:13]
    if len(b) == 13:
        return b[2:10]
    return b


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: tuple[Step, ...] = ()
    unknown: bool = False
    not_ready_once: bool = False
    expired_once: bool = False
    error_5xx_once: bool = False
    slow: bool = False


def _delivered(day: int) -> tuple[Step, ...]:
    return ((0, ACCEPT), (1, SORT), (max(day - 1, 1), ARRIVED), (day, DELIVER))


def scenario_for(barcode: str) -> Scenario:
    digits = serial_digits(barcode)
    last = int(digits[-1]) if digits[-1:].isdigit() else 7
    tens = int(digits[-2]) if digits[-2:-1].isdigit() else 0
    if last == 0:
        return Scenario("delivered day 3", _delivered(3))
    if last == 1:
        return Scenario("delivered day 5", _delivered(5))
    if last == 2:
        return Scenario("delivered day 8", _delivered(8))
    if last == 3:
        return Scenario("in transit", ((0, ACCEPT), (1, SORT), (2, SORT)))
    if last == 4:
        return Scenario("returned: storage expired", ((0, ACCEPT), (2, ARRIVED), (3, FAILED), (33, RETURN_EXPIRED)))
    if last == 5:
        return Scenario("refused", ((0, ACCEPT), (2, ARRIVED), (3, RETURN_REFUSED)))
    if last == 6:
        return Scenario(
            "failed attempts, then delivered", ((0, ACCEPT), (2, ARRIVED), (3, FAILED), (6, FAILED), (9, DELIVER))
        )
    if last == 7:
        return Scenario("unknown barcode", unknown=True)
    if last == 8:
        return Scenario("not ready on first fetch", _delivered(4), not_ready_once=True)
    if tens <= 2:
        return Scenario("expired ticket", _delivered(4), expired_once=True)
    if tens <= 5:
        return Scenario("5xx on first fetch", _delivered(6), error_5xx_once=True)
    if tens <= 7:
        return Scenario("slow answer", _delivered(2), slow=True)
    return Scenario("returned to sender", ((0, ACCEPT), (2, ARRIVED), (32, RETURN_EXPIRED), (40, BACK_TO_SENDER)))


@dataclass
class _Ticket:
    barcodes: list[str]
    issued: float
    fetches: int = 0


@dataclass
class SandboxState:
    login: str = "demo"
    password: str = "demo"
    day_seconds: float = 0.0
    ready_after: float = 0.0
    keep_seconds: float = 32 * 3600
    slow_seconds: float = 2.0
    clock: Callable[[], float] = time.time
    first_seen: dict[str, float] = field(default_factory=dict)
    tickets: dict[str, _Ticket] = field(default_factory=dict)
    quirks_used: set[str] = field(default_factory=set)
    requests: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, op: str) -> None:
        with self.lock:
            self.requests[op] = self.requests.get(op, 0) + 1

    def history(self, barcode: str) -> ItemResult:
        sc = scenario_for(barcode)
        if sc.unknown:
            return ItemResult(barcode, (), soap.ERR_NO_DATA, soap.ERROR_NAMES[soap.ERR_NO_DATA])
        now = self.clock()
        with self.lock:
            seen = self.first_seen.setdefault(barcode, now)
        index = barcode[:6] if barcode.isdigit() else "101000"
        last_day = max(day for day, _ in sc.steps)
        ops = []
        for day, (type_id, attr_id, name) in sc.steps:
            if self.day_seconds > 0:
                at = seen + day * self.day_seconds
                if at > now:
                    continue
                local = dt.datetime.fromtimestamp(at, dt.UTC) + dt.timedelta(hours=3)
            else:
                local = (
                    dt.datetime.fromtimestamp(seen, dt.UTC) + dt.timedelta(hours=3) - dt.timedelta(days=last_day - day)
                )
            local = local.replace(tzinfo=None, microsecond=0)
            office = index if day == 0 or (type_id, attr_id) == BACK_TO_SENDER[:2] else "125009"
            ops.append(Operation(type_id, attr_id, name, local, office))
        return ItemResult(barcode, tuple(ops))

    def quirk_once(self, kind: str, barcodes: list[str]) -> bool:
        """True when some of ``barcodes`` have not yet shown their one-off misbehaviour ``kind``.

        All of them use it up at once, so a ticket misbehaves once, not once per item in it.
        """
        keys = {f"{kind}:{b}" for b in barcodes}
        with self.lock:
            fresh = keys - self.quirks_used
            self.quirks_used.update(keys)
            return bool(fresh)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        return  # quiet: requests carry credentials in their bodies; nothing of them is logged

    def _send(self, status: int, body: str, content_type: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/") in ("/batch", "/single") or self.path.endswith("?wsdl"):
            self._send(200, "<definitions/>", "text/xml; charset=utf-8")
        else:
            self._send(404, "not found", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0") or 0)
        raw = self.rfile.read(length)
        state = self.server.state
        path = self.path.split("?")[0].rstrip("/")
        try:
            if path == "/batch":
                status, body = _batch(state, raw)
                self._send(status, body, "text/xml; charset=utf-8")
            elif path == "/single":
                status, body = _single(state, raw)
                self._send(status, body, "application/soap+xml; charset=utf-8")
            else:
                self._send(404, "not found", "text/plain")
        except soap.SoapFormatError:
            if path == "/single":
                self._send(
                    400, soap.soap12_fault("bad request", code="S:Sender"), "application/soap+xml; charset=utf-8"
                )
            else:
                self._send(200, soap.ticket_response(error_code=soap.ERR_BAD_FORMAT), "text/xml; charset=utf-8")


def _batch(state: SandboxState, raw: bytes) -> tuple[int, str]:
    kind, body = soap.parse_request_kind(raw)
    if kind == "ticketRequest":
        state.count("getTicket")
        req = soap.parse_ticket_request(raw)
        if req.login != state.login or req.password != state.password:
            return 200, soap.ticket_response(error_code=soap.ERR_AUTH)
        if not req.barcodes or any(not b for b in req.barcodes):
            return 200, soap.ticket_response(error_code=soap.ERR_BAD_FORMAT)
        if len(req.barcodes) > soap.MAX_BATCH:
            return 200, soap.ticket_response(error_code=soap.ERR_TOO_MANY)
        now = state.clock()
        with state.lock:
            stamp = dt.datetime.fromtimestamp(now, dt.UTC) + dt.timedelta(hours=3)
            ticket = f"{stamp:%Y%m%d%H%M%S}{stamp.microsecond // 1000:03d}{len(state.tickets):06d}{req.login.upper()}"
            state.tickets[ticket] = _Ticket(req.barcodes, now)
        return 200, soap.ticket_response(ticket)
    if kind == "answerByTicketRequest":
        state.count("getResponseByTicket")
        ticket_id = soap.child_text(body, "ticket")
        if soap.child_text(body, "login") != state.login or soap.child_text(body, "password") != state.password:
            return 200, soap.answer_response(error_code=soap.ERR_AUTH)
        ticket = state.tickets.get(ticket_id)
        if ticket is None:
            return 200, soap.answer_response(error_code=soap.ERR_BAD_FORMAT)
        now = state.clock()
        if now - ticket.issued > state.keep_seconds:
            return 200, soap.answer_response(error_code=soap.ERR_EXPIRED)
        if now - ticket.issued < state.ready_after:
            return 200, soap.answer_response(error_code=soap.ERR_NOT_READY)
        scenarios = {b: scenario_for(b) for b in ticket.barcodes}
        if state.quirk_once("5xx", [b for b, sc in scenarios.items() if sc.error_5xx_once]):
            return 503, "<html><body>Service Temporarily Unavailable</body></html>"
        if state.quirk_once("expired", [b for b, sc in scenarios.items() if sc.expired_once]):
            return 200, soap.answer_response(error_code=soap.ERR_EXPIRED)
        if state.quirk_once("notready", [b for b, sc in scenarios.items() if sc.not_ready_once]):
            return 200, soap.answer_response(error_code=soap.ERR_NOT_READY)
        if any(sc.slow for sc in scenarios.values()):
            time.sleep(state.slow_seconds)
        ticket.fetches += 1
        items = [state.history(b) for b in ticket.barcodes]
        prepared = (dt.datetime.fromtimestamp(now, dt.UTC) + dt.timedelta(hours=3)).strftime(soap.DATE_FORMAT)
        return 200, soap.answer_response(items, prepared=prepared)
    return 200, soap.ticket_response(error_code=soap.ERR_BAD_FORMAT)


def _single(state: SandboxState, raw: bytes) -> tuple[int, str]:
    kind, body = soap.parse_request_kind(raw)
    if kind != "getOperationHistory":
        return 400, soap.soap12_fault("unknown operation", code="S:Sender")
    state.count("getOperationHistory")
    req = soap.find_child(body, "OperationHistoryRequest")
    auth = soap.find_child(body, "AuthorizationHeader")
    if (
        auth is None
        or soap.child_text(auth, "login") != state.login
        or soap.child_text(auth, "password") != state.password
    ):
        return 500, soap.soap12_fault("Authorization failed", "AuthorizationFaultReason")
    barcode = soap.child_text(req, "Barcode") if req is not None else ""
    if not barcode:
        return 500, soap.soap12_fault("Barcode is empty", "OperationHistoryFaultReason")
    item = state.history(barcode)
    if item.error_code is not None:
        return 500, soap.soap12_fault(f"No history for {barcode}", "OperationHistoryFaultReason")
    if scenario_for(barcode).slow:
        time.sleep(state.slow_seconds)
    return 200, soap.history_response(item)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: SandboxState) -> None:
        super().__init__(address, _Handler)
        self.state = state


class PostalSandbox:
    """A running sandbox in a background thread (tests, benchmark); ``url`` is its base address."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **options: object) -> None:
        self.state = SandboxState(**options)  # type: ignore[arg-type]
        self.server = _Server((host, port), self.state)
        self.thread = threading.Thread(target=self.server.serve_forever, name="postal-sandbox", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def batch_url(self) -> str:
        return f"{self.url}/batch"

    @property
    def single_url(self) -> str:
        return f"{self.url}/single"

    def start(self) -> PostalSandbox:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> PostalSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local Russian Post tracking sandbox (batch and single-item SOAP)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument("--login", default="demo")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--day-seconds", type=float, default=0.0, help="seconds per simulated day (0: all happened)")
    parser.add_argument("--ready-after", type=float, default=0.0, help="seconds before a ticket's answer is ready")
    parser.add_argument("--slow-seconds", type=float, default=2.0, help="delay of the 'slow answer' scenario")
    args = parser.parse_args(argv)
    server = _Server(
        (args.host, args.port),
        SandboxState(
            login=args.login,
            password=args.password,
            day_seconds=args.day_seconds,
            ready_after=args.ready_after,
            slow_seconds=args.slow_seconds,
        ),
    )
    print(f"postal sandbox on http://{args.host}:{args.port} (/batch SOAP 1.1, /single SOAP 1.2)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
