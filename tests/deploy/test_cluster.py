"""Several app processes behind nginx (scripts/run-cluster.sh, deploy/nginx.conf.template).

A Streamlit session lives in one process, so the proxy must keep each browser on the process it
started with, and an office behind one NAT address must still be spread over all processes.
These tests run the real nginx with the rendered configuration: first against two tiny backends
that say who they are (the routing rule itself), then against real app processes (a clerk signs
in and searches through the proxy over the websocket)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import sessionmaker

from bench.load import Clerk, Results, _sign_in
from core import db as core_db
from core.config import PROJECT_ROOT
from core.migrate import upgrade
from tests.factories import PASSWORD, make_case, make_user

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SCRIPT = PROJECT_ROOT / "scripts" / "run-cluster.sh"


def _free_port_block(size: int) -> int:
    """A port P with P and P+10 .. P+10+size-1 free (the script's layout)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = int(s.getsockname()[1])
        if base + 10 + size >= 65535:
            continue
        ok = True
        for p in [base, *range(base + 10, base + 10 + size)]:
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free block of ports")


def _wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def _render(tmp_path: Path, n: int, port: int) -> Path:
    env = {**os.environ, "CESSIO_NGINX_DIR": str(tmp_path / "nginx")}
    subprocess.run(["bash", str(SCRIPT), "--render-only", str(n), str(port)], cwd=PROJECT_ROOT, env=env, check=True)
    return tmp_path / "nginx"


@pytest.fixture
def two_named_backends_behind_nginx(tmp_path: Path) -> Iterator[str]:
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed (the Makefile's system-packages target installs it)")
    port = _free_port_block(2)
    servers = []
    for i in range(2):
        name = f"backend-{i}".encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.end_headers()
                self.wfile.write(self.server.name)  # type: ignore[attr-defined]

            def log_message(self, *args: object) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", port + 10 + i), Handler)
        server.name = name  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    conf_dir = _render(tmp_path, 2, port)
    proc = subprocess.Popen([NGINX, "-c", str(conf_dir / "nginx.conf"), "-p", str(conf_dir), "-g", "daemon off;"])
    try:
        _wait_http(f"http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for server in servers:
            server.shutdown()


def test_a_browser_stays_on_its_process_and_an_office_is_spread_over_all(
    two_named_backends_behind_nginx: str,
) -> None:
    url = two_named_backends_behind_nginx
    seen_by_browser: list[str] = []
    for _ in range(30):  # 30 browsers of one office: the same client address, no cookie yet
        with httpx.Client() as browser:
            first = browser.get(url + "/")
            assert "cessio_node" in browser.cookies, first.headers
            assert "httponly" in first.headers["set-cookie"].lower()
            answers = {browser.get(url + f"/page{i}").text for i in range(10)}
            assert answers == {first.text}, "a browser was moved to another process mid-session"
            seen_by_browser.append(first.text)
    assert set(seen_by_browser) == {"backend-0", "backend-1"}, "one office landed on a single process"


@pytest.mark.browser
def test_a_clerk_signs_in_and_searches_through_the_proxy(tmp_path: Path) -> None:
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed (the Makefile's system-packages target installs it)")
    url = f"sqlite:///{tmp_path / 'cessio.db'}"
    engine = core_db.make_engine(url)
    upgrade(engine)
    with sessionmaker(bind=engine, expire_on_commit=False)() as s:
        make_user(s, role="clerk", username="clerk")
        for _ in range(3):
            make_case(s)
        s.commit()
    engine.dispose()
    port = _free_port_block(2)
    env = {
        **os.environ,
        "CESSIO_DATABASE_URL": url,
        "CESSIO_FILE_STORE_DIR": str(tmp_path / "files"),
        "CESSIO_SECRET_KEY": "cluster-test-secret-0123456789abcdef",
        "CESSIO_NGINX_DIR": str(tmp_path / "nginx"),
        "CESSIO_NO_SANDBOXES": "1",
        "CESSIO_NO_JOBS": "1",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    proc = subprocess.Popen(["bash", str(SCRIPT), "2", str(port)], cwd=PROJECT_ROOT, env=env, start_new_session=True)
    try:
        for i in range(2):
            _wait_http(f"http://127.0.0.1:{port + 10 + i}/_stcore/health", timeout=90)
        _wait_http(f"http://127.0.0.1:{port}/_stcore/health")

        async def journey() -> tuple[bool, list[str], int]:
            clerk = Clerk(f"http://127.0.0.1:{port}")
            await clerk.open()
            results = Results()
            try:
                signed_in = await _sign_in(clerk, "clerk", PASSWORD, results)
                clerk.set_text(r".*debtor_name", "а")
                await clerk.run(trigger=clerk.form_submit("search_filters"))
                return signed_in, clerk.errors + results.error_samples, len(clerk.widgets)
            finally:
                await clerk.close()

        signed_in, errors, widgets = asyncio.run(journey())
        assert signed_in, errors
        assert errors == []
        assert widgets > 5, "the search page did not render through the proxy"
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)
