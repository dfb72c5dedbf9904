"""The processes of the fault-injection suite: each command is one real OS process that does what
a jobs process or a page does, against the database and sandboxes named in the environment.

    python -m tests.reliability.actors runner JOB [JOB ...]     the jobs loop, limited to JOBs
    python -m tests.reliability.actors bureau-pass              the bureau pass WITHOUT the lease
    python -m tests.reliability.actors bureau-acks              poll acknowledgements WITHOUT the lease
    python -m tests.reliability.actors bureau-send-now USER     the page's "Send due events now"
    python -m tests.reliability.actors postal-cycle             the postal cycle WITHOUT the lease
    python -m tests.reliability.actors postal-refresh USER ID.. the page's "Refresh this letter now"

A command prints one JSON line (its summary) and exits 0; a refused page action exits 3.
``RELIABILITY_START_AT`` (a UNIX time) makes a process wait until then, so that two processes
started by the test begin their work within a few milliseconds of each other.
"""

from __future__ import annotations

import json
import os
import sys
import time

from core.auth.models import User
from core.bureau.client import BureauClient
from core.db import session_scope
from core.errors import CessioError


def _wait_for_start() -> None:
    at = os.environ.get("RELIABILITY_START_AT")
    if at:
        delay = float(at) - time.time()
        if delay > 0:
            time.sleep(delay)


def _user(username: str) -> User:
    from sqlalchemy import select

    with session_scope() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None, username
        s.expunge(user)
        return user


def _bureau_client() -> BureauClient:
    return BureauClient.from_settings(attempts=2, backoff=0.2)


def main(argv: list[str]) -> int:
    command, args = argv[0], argv[1:]
    batch = os.environ.get("RELIABILITY_BUREAU_BATCH")
    if batch:
        import core.bureau.service as bureau_service

        bureau_service.BATCH = int(batch)  # several small files, so that passes interleave
    if command == "runner":
        import logging

        from jobs.runner import Runner, discover_jobs

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

        found = discover_jobs()
        Runner({name: found[name] for name in args}).run_forever()
        return 0
    _wait_for_start()
    if command == "bureau-pass":
        from core.bureau.service import run_submissions

        summary = run_submissions(_bureau_client(), ack_wait_seconds=float(os.environ.get("RELIABILITY_ACK_WAIT", "4")))
        print(json.dumps({"text": summary.text(), "accepted": summary.accepted, "rejected": summary.rejected}))
        return 0
    if command == "bureau-acks":
        from core.bureau.service import poll_acknowledgements

        summary = poll_acknowledgements(_bureau_client())
        print(json.dumps({"accepted": summary.accepted, "rejected": summary.rejected}))
        return 0
    if command == "bureau-send-now":
        from core.bureau.service import send_now

        try:
            summary = send_now(_user(args[0]), _bureau_client())
        except CessioError as exc:
            print(json.dumps({"refused": str(exc)}))
            return 3
        print(json.dumps({"text": summary.text(), "accepted": summary.accepted, "rejected": summary.rejected}))
        return 0
    if command == "postal-cycle":
        from core.postal.client import PostalClient
        from core.postal.polling import run_cycle

        with PostalClient.from_settings() as client:
            report = run_cycle(client)
        print(json.dumps({"text": report.summary(), "delivered": report.applied.delivered}))
        return 0
    if command == "postal-refresh":
        from core.postal.client import PostalClient
        from core.postal.service import refresh_shipment

        user = _user(args[0])
        delivered = 0
        with PostalClient.from_settings() as client:
            for shipment_id in args[1:]:
                with session_scope() as s:
                    delivered += refresh_shipment(s, user, int(shipment_id), client).delivered
        print(json.dumps({"delivered": delivered}))
        return 0
    print(f"unknown command {command}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
