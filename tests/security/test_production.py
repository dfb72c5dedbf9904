"""Issue #19, item 4: production mode (the default) refuses to start with the default secret key
or the demo accounts; TOTP secrets are sealed at rest with a key that is not in the database
(existing ones by the migration); ``make run`` is reachable from this computer only."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pyotp
import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core import db as core_db
from core.auth.crypto import UNREADABLE
from core.auth.models import User
from core.auth.production import production_problems, refuse_unsafe_start
from core.auth.service import create_user, verify_totp
from core.config import PROJECT_ROOT, reset_settings_cache
from core.demo import DEMO_PASSWORD
from core.errors import AuthenticationFailed
from core.migrate import alembic_config
from tests.conftest import PG_URL
from tests.factories import make_user

STRONG_KEY = "k" * 16 + "9f3c1e7a5b2d8f4a6c0e"


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CESSIO_MODE", "production")
    monkeypatch.delenv("CESSIO_SECRET_KEY", raising=False)
    reset_settings_cache()
    yield
    reset_settings_cache()


@pytest.mark.usefixtures("production")
def test_the_default_secret_key_is_refused(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    assert any("CESSIO_SECRET_KEY is the committed default" in p for p in production_problems(session))
    monkeypatch.setenv("CESSIO_SECRET_KEY", "short")
    reset_settings_cache()
    assert any("too short (5 characters)" in p for p in production_problems(session))
    monkeypatch.setenv("CESSIO_SECRET_KEY", STRONG_KEY)
    reset_settings_cache()
    assert production_problems(session) == []
    monkeypatch.setenv("CESSIO_MODE", "demo")
    monkeypatch.delenv("CESSIO_SECRET_KEY")
    reset_settings_cache()
    assert production_problems(session) == []  # `make run` on a laptop


@pytest.mark.usefixtures("production")
def test_demo_accounts_are_refused(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CESSIO_SECRET_KEY", STRONG_KEY)
    reset_settings_cache()
    create_user(session, None, "admin", "Администратор", "admin", DEMO_PASSWORD)
    head = make_user(session, "head", username="head2")
    head.totp_secret = "JBSWY3DPEHPK3PXPHEAD2345"  # the committed demo secret
    session.commit()
    problems = production_problems(session)
    assert any("'admin' signs in with the published demo password" in p for p in problems)
    assert any("'head2' uses a published demo secret" in p for p in problems)


@pytest.mark.usefixtures("production")
def test_the_jobs_process_and_the_web_server_refuse_to_start(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    from jobs.runner import main_loop

    with pytest.raises(SystemExit) as exc:
        main_loop()
    assert exc.value.code == 2
    assert "refuses to start the jobs process" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        refuse_unsafe_start("web server")
    if engine.dialect.name != "sqlite":
        return
    env = {k: v for k, v in os.environ.items() if k not in {"CESSIO_MODE", "CESSIO_SECRET_KEY"}}
    env["CESSIO_DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    started = subprocess.run(
        [sys.executable, "-c", "import serve"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert started.returncode == 2
    assert "CESSIO_SECRET_KEY is the committed default" in started.stderr


def test_totp_secrets_are_sealed_with_a_key_outside_the_database(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = make_user(session, "head")
    secret = pyotp.random_base32()
    head.totp_secret = secret
    head.mfa_enrolled = True
    session.commit()
    stored = session.execute(text("SELECT totp_secret FROM users WHERE id = :id"), {"id": head.id}).scalar_one()
    assert stored.startswith("v1:") and secret not in stored
    # another installation's key (or a copy of the database without the key) cannot use it
    monkeypatch.setenv("CESSIO_DATA_KEY", "another installation's key")
    reset_settings_cache()
    session.expire_all()
    assert session.get(User, head.id).totp_secret == UNREADABLE
    with pytest.raises(AuthenticationFailed, match="cannot be read"):
        verify_totp(session, head.id, pyotp.TOTP(secret).now())
    monkeypatch.setenv("CESSIO_MODE", "production")
    monkeypatch.setenv("CESSIO_SECRET_KEY", STRONG_KEY)
    reset_settings_cache()
    assert any("cannot be opened with the configured data key" in p for p in production_problems(session))


def _fresh_database(backend: str, tmp_path: object) -> Iterator[Engine]:
    if backend == "sqlite":
        engine = core_db.make_engine(f"sqlite:///{tmp_path}/migrate.db")
        yield engine
        engine.dispose()
        return
    name = f"cessio_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if os.environ.get("CESSIO_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL is required: {exc}")
        pytest.skip("PostgreSQL is unreachable")
    engine = core_db.make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_migration_seals_existing_secrets(backend: str, tmp_path: object) -> None:
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    for engine in _fresh_database(backend, tmp_path):
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
            conn.execute(
                text(
                    "INSERT INTO users (username, full_name, role, password_hash, totp_secret, mfa_enrolled, "
                    "is_active, failed_logins, created_at) VALUES ('old', 'Old', 'head', 'x', :s, :t, :t, 0, :now)"
                ),
                {"s": secret, "t": True, "now": "2026-01-01 00:00:00"},
            )
            command.upgrade(cfg, "heads")
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT totp_secret FROM users")).scalar_one()
        assert stored.startswith("v1:") and secret not in stored
        with Session(engine) as s:
            assert s.query(User).one().totp_secret == secret


def test_make_run_listens_on_this_computer_only_and_says_demo() -> None:
    script = (PROJECT_ROOT / "scripts" / "run-all.sh").read_text()
    assert "0.0.0.0" not in script.replace("e.g. 0.0.0.0", "")
    assert "ADDRESS=${CESSIO_BIND_ADDRESS:-127.0.0.1}" in script
    assert '--server.address "$ADDRESS"' in script
    assert "export CESSIO_MODE=demo" in script
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "CESSIO_MODE=demo bash scripts/run-all.sh" in makefile
