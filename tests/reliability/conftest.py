"""Fixtures of the fault-injection suite: real processes on a real PostgreSQL.

Each test gets the private PostgreSQL database of the run (``pg_engine``, emptied afterwards),
the sandboxes in threads of the test process on 127.0.0.1, and ``Procs``: a way to start the
actor processes of ``tests/reliability/actors.py`` with the environment pointing at all that,
to ``kill -9`` them, and to collect what they printed. Nothing else is set: the jobs settings
(lease, heartbeat, tick) are the defaults a fresh installation runs with.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.bureau.sandbox import BureauSandbox
from core.config import PROJECT_ROOT, reset_settings_cache
from core.postal.sandbox import PostalSandbox

STARTUP_SECONDS = 5.0  # a Python process with SQLAlchemy, httpx and pandas imports, on a busy machine


class Procs:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.started: list[subprocess.Popen[str]] = []

    def start(
        self, *args: str, start_at: float | None = None, extra_env: dict[str, str] | None = None
    ) -> subprocess.Popen[str]:
        env = {**self.env, **(extra_env or {})}
        if start_at is not None:
            env["RELIABILITY_START_AT"] = str(start_at)
        log = (self.logs / f"{len(self.started):02d}-{args[0]}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.actors", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        self.started.append(proc)
        return proc

    def together(self, *commands: tuple[str, ...], extra_env: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Start the commands so that their work begins at the same moment; wait; their JSON lines."""
        at = time.time() + STARTUP_SECONDS
        procs = [self.start(*c, start_at=at, extra_env=extra_env) for c in commands]
        return [self.result(p) for p in procs]

    @staticmethod
    def result(proc: subprocess.Popen[str], timeout: float = 180) -> dict[str, Any]:
        out, _ = proc.communicate(timeout=timeout)
        assert proc.returncode in (0, 3), f"actor failed with {proc.returncode}: see the log in the test's tmp dir"
        lines = [line for line in out.splitlines() if line.startswith("{")]
        return {**json.loads(lines[-1]), "returncode": proc.returncode}

    @staticmethod
    def kill9(proc: subprocess.Popen[str]) -> None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture
def pg_session(pg_engine: Engine) -> Iterator[Session]:
    """A session on the PostgreSQL database the processes share (the suite is PostgreSQL only)."""
    s = sessionmaker(bind=pg_engine, expire_on_commit=False)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def bureau_gateway() -> Iterator[BureauSandbox]:
    with BureauSandbox(login="bureau-user", password="s3cret-pass") as gw:
        yield gw


@pytest.fixture
def postal_gateway() -> Iterator[PostalSandbox]:
    with PostalSandbox(slow_seconds=0.2) as sb:
        yield sb


@pytest.fixture
def procs(
    pg_engine: Engine,
    bureau_gateway: BureauSandbox,
    postal_gateway: PostalSandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Procs]:
    url = pg_engine.url.render_as_string(hide_password=False)
    settings = {
        "CESSIO_DATABASE_URL": url,
        "CESSIO_FILE_STORE_DIR": os.environ["CESSIO_FILE_STORE_DIR"],
        "CESSIO_BUREAU_URL": bureau_gateway.url,
        "CESSIO_BUREAU_LOGIN": "bureau-user",
        "CESSIO_BUREAU_PASSWORD": "s3cret-pass",
        "CESSIO_POSTAL_BATCH_URL": postal_gateway.batch_url,
        "CESSIO_POSTAL_SINGLE_URL": postal_gateway.single_url,
        "CESSIO_POSTAL_TICKET_WAIT_SECONDS": "0",
        "CESSIO_LANGUAGE": "en",
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    reset_settings_cache()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CESSIO_JOBS_")}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    logs = tmp_path / "logs"
    logs.mkdir()
    p = Procs(env, logs)
    try:
        yield p
    finally:
        p.stop_all()
        reset_settings_cache()


def wait_for(condition: Callable[[], bool], timeout: float, what: str, every: float = 0.1) -> float:
    """Poll ``condition`` until true; returns the seconds it took (fails the test after ``timeout``)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
