"""Demo data is plausible and the ``cessio`` command works end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from core.auth.service import check_password
from core.cases.models import Case, CaseEvent
from core.cases.workflow import STAGES
from core.cli import main
from core.config import reset_settings_cache
from core.demo import DEMO_PASSWORD, load_demo


def test_demo_covers_every_stage_with_consistent_timelines(engine) -> None:
    summary = load_demo(engine, cases=400, seed=7, batch=150)
    assert summary.cases == 400
    with sessionmaker(bind=engine)() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 400
        stages = set(s.scalars(select(Case.stage).distinct()))
        assert stages == {st.code for st in STAGES}
        for case in s.scalars(select(Case).where(Case.stage != "new").limit(40)):
            last = s.scalars(
                select(CaseEvent)
                .where(CaseEvent.case_id == case.id, CaseEvent.to_stage.is_not(None))
                .order_by(CaseEvent.at.desc())
                .limit(1)
            ).one()
            assert last.to_stage == case.stage and last.at == case.entered_stage_at
            assert case.opened_at <= case.entered_stage_at
            assert case.number == f"C-{case.id:06d}"
        mailed = s.scalars(select(Case).where(Case.stage == "claim_mailed").limit(5)).all()
        assert all(c.tracking_number for c in mailed)
        assert check_password(s, "clerk", DEMO_PASSWORD).user_id
        from core.ledger.service import balance

        sample = s.scalars(select(Case).where(Case.stage == "claim_mailed").limit(3)).all()
        for case in sample:  # the debt as registered at assignment, plus the court-order fee
            owed = balance(s, case.id)
            assert owed.principal > 0 and owed.state_fee > 0
    load_demo(engine, cases=10, seed=8)  # a second load adds to the first (new ids)
    with sessionmaker(bind=engine)() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 410


def test_cli_upgrade_demo_users_and_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("CESSIO_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    reset_settings_cache()
    from core import db as core_db

    monkeypatch.setattr(core_db, "_engine", None)
    monkeypatch.setattr(core_db, "_factory", None)
    assert main(["db", "upgrade"]) == 0
    assert main(["demo", "--cases", "50", "--if-empty"]) == 0
    assert main(["demo", "--cases", "50", "--if-empty"]) == 0
    out = capsys.readouterr().out
    assert "already has 50 cases" in out and "password cessio-demo-2026" in out
    assert main(["users", "add", "olga", "--role", "lawyer", "--password", "long-enough-1"]) == 0
    assert main(["users", "add", "olga", "--role", "lawyer", "--password", "long-enough-1"]) == 1
    assert "taken" in capsys.readouterr().err
    assert main(["users", "totp-now", "admin"]) == 0
    assert capsys.readouterr().out.strip().isdigit()
    assert main(["jobs", "once", "sla_flags"]) == 0
    assert main(["jobs", "once", "nope"]) == 2
    core_db._engine.dispose()
