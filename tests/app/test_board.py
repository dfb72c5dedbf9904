"""The stage board: counts per stage, then a whole stage moved at once with the same report."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.cases.models import Case
from core.cases.workflow import TRANSITIONS
from tests.app.conftest import signed_in
from tests.factories import make_case, make_user


def test_board_counts_and_moves_a_whole_stage(app_db: Session) -> None:
    clerk = make_user(app_db, "clerk")
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    for _ in range(2):
        make_case(app_db, stage="claim_prepared", entered_stage_at=old)
    make_case(app_db, stage="claim_prepared")
    make_case(app_db, stage="new")
    app_db.commit()
    at = signed_in(clerk).run()
    at.switch_page("pages/board.py").run()
    assert not at.exception
    metrics = [m.value for m in at.metric]
    assert metrics[:2] == ["1", "3"]  # New, Claim prepared
    assert any("2 over SLA" in c.value for c in at.caption)
    assert at.button(key="board.pick.repaid").disabled  # empty stages cannot be opened

    at.button(key="board.pick.claim_prepared").click()
    at = at.run()
    assert [s.value for s in at.subheader] == ["Claim prepared: 3 cases"]
    assert at.dataframe[0].value["Days in stage"].tolist()[0] == 40  # the longest-waiting first

    at.toggle(key="board.over").set_value(True)
    at = at.run()
    assert len(at.dataframe[0].value) == 2
    # the same safe default as the search: nothing chosen until the user chooses
    assert at.radio(key="board.scope.1").value is None
    assert not [b for b in at.selectbox if b.key == "board.transition"]
    at.radio(key="board.scope.1").set_value("all")
    at = at.run()
    # only the moves a clerk may make from this stage are offered (no write-off: lawyers and heads)
    assert at.selectbox(key="board.transition").options == ["Mail the claim → “Claim mailed”", "To “Repaid”"]


def test_board_bulk_move_with_confirmation_and_report(app_db: Session) -> None:
    lawyer = make_user(app_db, "lawyer")
    for _ in range(3):
        make_case(app_db, stage="order_refused")
    app_db.commit()
    at = signed_in(lawyer).run()
    at.switch_page("pages/board.py").run()
    at.button(key="board.pick.order_refused").click()
    at = at.run()
    at.radio(key="board.scope.1").set_value("all")
    at = at.run()
    at.selectbox(key="board.transition").set_value(next(t for t in TRANSITIONS if t.name == "file_lawsuit"))
    at = at.run()
    at.button(key="board.move").click()
    at = at.run()
    assert [w.value for w in at.warning] == ["Move all 3 cases in “Order refused” to “Lawsuit filed” (File a lawsuit)?"]
    at.button(key="board.yes").click()
    at = at.run()
    assert "Moved 3 cases to “Lawsuit filed”." in [s.value for s in at.success]
    assert app_db.scalar(select(func.count()).select_from(Case).where(Case.stage == "lawsuit_filed")) == 3
    assert [m.value for m in at.metric][8] == "3"  # the board itself is up to date
