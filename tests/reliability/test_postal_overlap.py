"""Issue #20, item 5: the postal job and a clerk's "Refresh this letter now" apply a delivery once.

``apply_results`` read the letter's status without a lock, so the job and the refresh both took
the letter as newly delivered: false "delivered; case not moved" notes, a duplicate return
note, every status change audited twice. Now the letters are locked in tracking-number order
and the status write is conditional on the status read.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from core.jobstate.models import JobState
from core.postal.models import Shipment
from tests.factories import make_user
from tests.postal.conftest import tracking_for
from tests.postal.test_cycle import mail_cases
from tests.reliability.checks import postal_exactly_once
from tests.reliability.conftest import Procs, wait_for

LETTERS = 40


def mailed_letters(session: Session, engine: Engine, first_seq: int = 1) -> tuple[dict[str, int], dict[str, int]]:
    """Half the letters are delivered (scenario digit 0), half refused (5); mailed two days ago,
    so today's cycle asks for them."""
    delivered = [tracking_for(0, seq=first_seq + 2 * i) for i in range(LETTERS // 2)]
    refused = [tracking_for(5, seq=first_seq + 2 * i + 1) for i in range(LETTERS // 2)]
    cases = mail_cases(session, delivered + refused)
    two_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    with engine.begin() as conn:
        conn.execute(
            update(Shipment)
            .where(Shipment.tracking_number.in_(list(cases)))
            .values(created_at=two_days_ago, mailed_at=two_days_ago)
        )
    return {n: cases[n] for n in delivered}, {n: cases[n] for n in refused}


def _shipment_ids(session: Session) -> list[str]:
    return [str(i) for i in session.scalars(select(Shipment.id).order_by(Shipment.id))]


def test_two_cycles_without_the_lease_and_a_clerks_refreshes(
    pg_session: Session, pg_engine: Engine, procs: Procs
) -> None:
    make_user(pg_session, "clerk", username="clerk-refresh")
    pg_session.commit()
    delivered, returned = mailed_letters(pg_session, pg_engine)
    ids = _shipment_ids(pg_session)
    procs.together(("postal-cycle",), ("postal-cycle",), ("postal-refresh", "clerk-refresh", *ids))
    postal_exactly_once(pg_session, delivered, returned)


def test_the_postal_job_and_a_clerks_refreshes_with_the_default_lease(
    pg_session: Session, pg_engine: Engine, procs: Procs
) -> None:
    make_user(pg_session, "clerk", username="clerk-refresh")
    pg_session.commit()
    delivered, returned = mailed_letters(pg_session, pg_engine)
    ids = _shipment_ids(pg_session)
    with pg_engine.begin() as conn:
        conn.execute(
            JobState.__table__.insert().values(name="postal_poll", run_count=0, next_run_at=dt.datetime.now(dt.UTC))
        )
    job = procs.start("runner", "postal_poll")
    procs.together(("postal-refresh", "clerk-refresh", *reversed(ids)))

    def settled() -> bool:
        pg_session.expire_all()
        return not pg_session.scalar(select(Shipment.id).where(Shipment.status.in_(("registered", "in_transit"))))

    try:
        wait_for(settled, 120, "every letter settled")
        wait_for(lambda: _job_finished(pg_session, "postal_poll"), 60, "the postal job's run recorded")
    finally:
        procs.kill9(job)
    postal_exactly_once(pg_session, delivered, returned)


def _job_finished(session: Session, name: str) -> bool:
    session.expire_all()
    return bool(session.scalar(select(JobState.run_count).where(JobState.name == name)))
