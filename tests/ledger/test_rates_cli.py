"""``cessio rates``: an admin records a decision from the command line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from core.cli import main
from core.db import session_scope
from core.ledger.models import KeyRateDecision
from core.ledger.rates import key_rate_on, use_added_rates


def test_rates_add_and_list(engine, capsys) -> None:  # type: ignore[no-untyped-def]
    try:
        assert main(["rates", "add", "2026-02-16", "15,50", "--source", "press release 13.02.2026"]) == 0
        with session_scope(engine) as session:
            row = session.scalar(select(KeyRateDecision))
            assert row is not None and row.rate == Decimal("15.50")
        assert key_rate_on(dt.date(2026, 2, 16)) == Decimal("15.50")
        capsys.readouterr()
        assert main(["rates", "add", "16.02.2026", "15.5"]) == 1
        assert "16.02.2026" in capsys.readouterr().err
        code = main(["rates", "list", "--last", "2"])
        out = capsys.readouterr().out
        assert "16.02.2026  15.50" in out
        assert code == 2  # the meeting of 20.03.2026 has passed without a known decision
    finally:
        use_added_rates({})
