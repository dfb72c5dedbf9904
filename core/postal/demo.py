"""Demo shipments: every demo case waiting at "Claim mailed" gets its envelope, so the first
postal cycle against the sandbox yields a mix of deliveries, returns and letters in transit."""

from __future__ import annotations

import random

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.cases.models import Case
from core.postal.models import Shipment, ShipmentCase
from core.postal.service import ShipmentInput, register_shipments
from core.postal.tracking import is_valid_tracking

BATCH = 5000


def extend_demo(session: Session, rng: random.Random) -> None:
    last_id = 0
    while True:
        rows = session.execute(
            select(Case.id, Case.tracking_number, Case.court_name, Case.court_address, Case.entered_stage_at)
            .outerjoin(ShipmentCase, ShipmentCase.case_id == Case.id)
            .where(
                Case.stage == "claim_mailed",
                Case.tracking_number.is_not(None),
                ShipmentCase.case_id.is_(None),
                Case.id > last_id,
            )
            .order_by(Case.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last_id = rows[-1].id
        entries = [
            ShipmentInput(
                r.tracking_number,
                (r.id,),
                r.court_name,
                r.court_address,
                "Application for a court order with attachments",
                r.entered_stage_at,
            )
            for r in rows
            if is_valid_tracking(r.tracking_number)
        ]
        ids = register_shipments(session, None, entries, source="demo")
        # The letters went out on their mailing day, so the next postal tick asks about them.
        session.execute(
            update(Shipment)
            .where(Shipment.id.in_(list(ids.values())), Shipment.source == "demo")
            .values(created_at=Shipment.mailed_at)
        )
