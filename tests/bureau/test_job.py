"""The daily job as the runner calls it, and the standalone sandbox that ``make run`` starts."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.bureau.models import ACCEPTED, BureauEvent
from core.bureau.sandbox import BureauSandbox
from core.config import PROJECT_ROOT, reset_settings_cache
from jobs.bureau_submit import JOB
from jobs.runner import discover_jobs
from tests.bureau.conftest import post_payment
from tests.factories import make_case


def test_the_daily_job_sends_what_is_due_with_the_settings_credentials(
    session: Session, engine: Engine, gateway: BureauSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CESSIO_BUREAU_URL", gateway.url)
    monkeypatch.setenv("CESSIO_BUREAU_LOGIN", "bureau-user")
    monkeypatch.setenv("CESSIO_BUREAU_PASSWORD", "s3cret-pass")
    reset_settings_cache()
    assert discover_jobs()["bureau_submit"] is JOB and JOB.daily_at == "bureau_submit_time"
    case = make_case(session, stage="enforcement")
    session.commit()
    post_payment(session, case, days_ago=6)
    session.commit()

    result = JOB.run()
    assert result.startswith("1 file, 1 record sent") and "1 accepted" in result
    session.expire_all()
    assert session.scalar(select(BureauEvent.status)) == ACCEPTED


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_standalone_sandbox_serves_on_the_given_port() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.bureau.sandbox", "--port", str(port), "--scenario", "late_ack"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        state = None
        for _ in range(100):
            try:
                state = httpx.get(f"http://127.0.0.1:{port}/_sandbox/state", timeout=1).json()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert state is not None and state["scenario"]["ack_after_polls"] == 3
        refused = httpx.get(f"http://127.0.0.1:{port}/api/v1/submissions", params={"idempotency_key": "x"})
        assert refused.status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)
