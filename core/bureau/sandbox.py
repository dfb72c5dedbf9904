"""A local credit-bureau gateway over HTTP, speaking the wire protocol of ``core.bureau.client``.

It parses every upload with ``core.bureau.rutdf`` (a malformed file gets 400), keeps the first
upload of each ``Idempotency-Key``, and answers per record. Scenarios make it misbehave the
ways a real gateway does, selectable per test (constructor argument or ``POST
/_sandbox/scenario``) or on the command line:

- accept all (default);
- reject some records with codes (by a text the record contains, by event code, or a share);
- 5xx on the next N uploads or acknowledgement polls; 400 "file refused" on the next N uploads;
- time out: keep the upload, then answer only after ``hang_seconds`` (the client gives up, so
  the receipt is lost, exactly like a crash between the upload and the receipt);
- a late acknowledgement: 202 "processing" for the first N polls.

``GET /_sandbox/state`` reports what it received (uploads per key, records per uid, duplicates
of already accepted records), so tests can prove nothing was sent twice.

Run standalone: ``python -m core.bureau.sandbox --port 8702`` (``make run`` does this).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from core.bureau import rutdf
from core.db import utcnow


@dataclass
class RejectRule:
    code: str
    message: str
    contains: str | None = None  # a text anywhere in the record's segment lines
    event_code: str | None = None
    share_percent: int | None = None  # reject this share of records (by a hash of the uid)

    def matches(self, record: rutdf.Record, text: str) -> bool:
        if self.contains is not None and self.contains not in text:
            return False
        if self.event_code is not None and self.event_code != record.event_code:
            return False
        if self.share_percent is not None:
            bucket = int(hashlib.sha1(record.uid.encode()).hexdigest(), 16) % 100
            if bucket >= self.share_percent:
                return False
        return True


@dataclass
class Scenario:
    name: str = "accept_all"
    reject: list[RejectRule] = field(default_factory=list)
    fail_uploads: int = 0
    refuse_uploads: int = 0  # answer 400 "file refused" to the next N uploads
    fail_polls: int = 0
    hang_uploads: int = 0
    hang_seconds: float = 2.0
    ack_after_polls: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scenario:
        rules = [RejectRule(**r) for r in data.get("reject", [])]
        return cls(**{**{k: v for k, v in data.items() if k != "reject"}, "reject": rules})


def named_scenario(name: str) -> Scenario:
    """The scenarios of the command line and the demo."""
    if name == "accept_all":
        return Scenario()
    if name == "reject_some":
        return Scenario(
            name, reject=[RejectRule("E031", "Subject identity document not found in the register", share_percent=10)]
        )
    if name == "errors_5xx":
        return Scenario(name, fail_uploads=2, fail_polls=2)
    if name == "timeouts":
        return Scenario(name, hang_uploads=1, hang_seconds=30.0)
    if name == "late_ack":
        return Scenario(name, ack_after_polls=3)
    raise ValueError(f"unknown scenario '{name}' (accept_all, reject_some, errors_5xx, timeouts, late_ack)")


@dataclass
class _Stored:
    receipt_id: str
    key: str
    received_at: str
    uids: list[str]
    results: list[dict[str, Any]]
    polls: int = 0
    processed_at: str | None = None


class GatewayState:
    def __init__(self, login: str, password: str, scenario: Scenario) -> None:
        self.login = login
        self.password = password
        self.scenario = scenario
        self.lock = threading.Lock()
        self.by_key: dict[str, _Stored] = {}
        self.by_receipt: dict[str, _Stored] = {}
        self.uploads: Counter[str] = Counter()
        self.received: Counter[str] = Counter()
        self.accepted: Counter[str] = Counter()
        self.duplicates = 0

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "scenario": asdict(self.scenario),
                "uploads": dict(self.uploads),
                "received": dict(self.received),
                "accepted": dict(self.accepted),
                "duplicates": self.duplicates,
                "submissions": len(self.by_key),
            }

    def store(self, key: str, content: bytes) -> _Stored:
        """Keep the first upload of a key; parse and judge its records once."""
        with self.lock:
            self.uploads[key] += 1
            if key in self.by_key:
                return self.by_key[key]
        report = rutdf.parse(content)
        results: list[dict[str, Any]] = []
        with self.lock:
            if key in self.by_key:  # a concurrent upload of the same key got here first
                return self.by_key[key]
            for record in report.records:
                self.received[record.uid] += 1
                text = "\t".join("\t".join(line) for line in rutdf.record_lines(record))
                if self.accepted[record.uid]:
                    self.duplicates += 1
                    results.append(
                        {"uid": record.uid, "status": "rejected", "code": "E900", "message": "Duplicate record"}
                    )
                    continue
                rule = next((r for r in self.scenario.reject if r.matches(record, text)), None)
                if rule:
                    results.append(
                        {"uid": record.uid, "status": "rejected", "code": rule.code, "message": rule.message}
                    )
                else:
                    self.accepted[record.uid] += 1
                    results.append({"uid": record.uid, "status": "accepted", "code": None, "message": None})
            stored = _Stored(
                receipt_id=f"R-{uuid.uuid4().hex[:12]}",
                key=key,
                received_at=utcnow().isoformat(),
                uids=[r.uid for r in report.records],
                results=results,
            )
            self.by_key[key] = stored
            self.by_receipt[stored.receipt_id] = stored
            return stored


def _receipt_json(stored: _Stored) -> dict[str, Any]:
    return {
        "receipt_id": stored.receipt_id,
        "idempotency_key": stored.key,
        "received_at": stored.received_at,
        "records": len(stored.uids),
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def _send(self, status: int, body: dict[str, Any] | str) -> None:
        data = (json.dumps(body) if isinstance(body, dict) else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            return

    def _authorized(self) -> bool:
        state = self.server.state
        expected = base64.b64encode(f"{state.login}:{state.password}".encode()).decode()
        if self.headers.get("Authorization") != f"Basic {expected}":
            self._send(401, {"error": "bad credentials"})
            return False
        return True

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_POST(self) -> None:
        state = self.server.state
        path = urlparse(self.path).path
        if path == "/_sandbox/scenario":
            with state.lock:
                state.scenario = Scenario.from_dict(json.loads(self._body() or b"{}"))
            self._send(200, {"ok": True})
            return
        if path != "/api/v1/submissions":
            self._send(404, {"error": "not found"})
            return
        if not self._authorized():
            return
        content = self._body()
        key = self.headers.get("Idempotency-Key")
        if not key:
            self._send(400, {"error": "Idempotency-Key header is required"})
            return
        with state.lock:
            refuse = state.scenario.refuse_uploads > 0
            if refuse:
                state.scenario.refuse_uploads -= 1
        if refuse:
            self._send(400, {"error": "file refused: the source is not registered for this format version"})
            return
        with state.lock:
            fail = state.scenario.fail_uploads > 0
            if fail:
                state.scenario.fail_uploads -= 1
            hang = not fail and state.scenario.hang_uploads > 0
            if hang:
                state.scenario.hang_uploads -= 1
            hang_seconds = state.scenario.hang_seconds
        if fail:
            self._send(503, {"error": "gateway temporarily unavailable"})
            return
        try:
            stored = state.store(key, content)
        except rutdf.RutdfError as exc:
            self._send(400, {"error": f"malformed file: {exc}"})
            return
        if hang:
            time.sleep(hang_seconds)
        self._send(201, _receipt_json(stored))

    def do_GET(self) -> None:
        state = self.server.state
        url = urlparse(self.path)
        if url.path == "/_sandbox/state":
            self._send(200, state.snapshot())
            return
        if url.path == "/health":
            self._send(200, {"ok": True})
            return
        if not self._authorized():
            return
        if url.path == "/api/v1/submissions":
            key = (parse_qs(url.query).get("idempotency_key") or [""])[0]
            with state.lock:
                stored = state.by_key.get(key)
            if stored is None:
                self._send(404, {"error": "no submission with this idempotency key"})
            else:
                self._send(200, _receipt_json(stored))
            return
        parts = url.path.strip("/").split("/")
        if len(parts) == 5 and parts[:3] == ["api", "v1", "submissions"] and parts[4] == "acknowledgement":
            self._acknowledgement(parts[3])
            return
        self._send(404, {"error": "not found"})

    def _acknowledgement(self, receipt_id: str) -> None:
        state = self.server.state
        with state.lock:
            stored = state.by_receipt.get(receipt_id)
            if stored is None:
                self._send(404, {"error": "unknown receipt"})
                return
            if state.scenario.fail_polls > 0:
                state.scenario.fail_polls -= 1
                self._send(502, {"error": "bad gateway"})
                return
            stored.polls += 1
            if stored.processed_at is None and stored.polls <= state.scenario.ack_after_polls:
                self._send(202, {"status": "processing"})
                return
            if stored.processed_at is None:
                stored.processed_at = utcnow().isoformat()
            rejected = sum(1 for r in stored.results if r["status"] == "rejected")
            status = (
                "accepted" if rejected == 0 else "rejected" if rejected == len(stored.results) else "partially_rejected"
            )
            self._send(200, {"status": status, "processed_at": stored.processed_at, "records": stored.results})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: GatewayState


class BureauSandbox:
    """The gateway in a background thread (tests, the demo): ``with BureauSandbox() as gw: gw.url``."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        login: str = "demo",
        password: str = "demo",
        scenario: Scenario | None = None,
    ) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.state = GatewayState(login, password, scenario or Scenario())
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> GatewayState:
        return self._server.state

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def set_scenario(self, scenario: Scenario) -> None:
        with self.state.lock:
            self.state.scenario = scenario

    def start(self) -> BureauSandbox:
        self._thread = threading.Thread(target=self._server.serve_forever, name="bureau-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> BureauSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        self._server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Cessio credit-bureau gateway sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8702)
    parser.add_argument("--login", default="demo")
    parser.add_argument("--password", default="demo")
    parser.add_argument(
        "--scenario", default="accept_all", help="accept_all, reject_some, errors_5xx, timeouts, late_ack"
    )
    args = parser.parse_args(argv)
    sandbox = BureauSandbox(
        args.host, args.port, login=args.login, password=args.password, scenario=named_scenario(args.scenario)
    )
    print(f"bureau sandbox on {sandbox.url} (scenario {args.scenario})", flush=True)
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        sandbox.stop()


if __name__ == "__main__":
    main()
