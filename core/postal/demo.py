"""Demo shipments: every demo case with a tracking number gets its envelope.

Cases waiting at "Claim mailed" get a registered envelope, so the first postal cycle against the
sandbox yields a mix of deliveries, returns and letters in transit. Cases the demo history has
already taken past the mailing (delivered, order issued, ...) get their envelope as delivered,
with the acceptance and delivery operations dated from the case's timeline: in the real system
the "mail_claim" move opened that envelope and the postal job recorded its delivery, so the
case's Mail tab would list it.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.calendar import to_local
from core.cases.models import Case, CaseEvent
from core.db import bulk_insert
from core.postal.models import DELIVERED, Shipment, ShipmentCase, ShipmentOperation
from core.postal.service import ShipmentInput, register_shipments
from core.postal.tracking import is_valid_tracking

BATCH = 5000


def extend_demo(session: Session, rng: random.Random) -> None:
    _mailed_envelopes(session)
    _delivered_envelopes(session, rng)


def _mailed_envelopes(session: Session) -> None:
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


def _delivered_envelopes(session: Session, rng: random.Random) -> None:
    """Delivered envelopes for the cases past "Claim mailed", dated from their timeline."""
    last_id = 0
    while True:
        rows = session.execute(
            select(Case.id, Case.tracking_number, Case.court_name, Case.court_address)
            .outerjoin(ShipmentCase, ShipmentCase.case_id == Case.id)
            .where(
                Case.stage != "claim_mailed",
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
        events: dict[int, dict[str, dt.datetime]] = {}
        for case_id, to_stage, at in session.execute(
            select(CaseEvent.case_id, CaseEvent.to_stage, CaseEvent.at).where(
                CaseEvent.case_id.in_([r.id for r in rows]),
                CaseEvent.to_stage.in_(("claim_mailed", "claim_delivered")),
            )
        ):
            events.setdefault(case_id, {})[to_stage] = at
        entries: list[ShipmentInput] = []
        delivered_at: dict[str, dt.datetime] = {}
        for r in rows:
            dates = events.get(r.id, {})
            mailed, delivered = dates.get("claim_mailed"), dates.get("claim_delivered")
            if mailed is None or delivered is None or not is_valid_tracking(r.tracking_number):
                continue
            entries.append(
                ShipmentInput(
                    r.tracking_number,
                    (r.id,),
                    r.court_name,
                    r.court_address,
                    "Application for a court order with attachments",
                    mailed,
                )
            )
            delivered_at[r.tracking_number] = delivered
        if not entries:
            continue
        ids = register_shipments(session, None, entries, source="demo")
        operations: list[dict[str, object]] = []
        updates: list[dict[str, object]] = []
        for e in entries:
            shipment_id = ids[e.tracking_number]
            mailed, delivered = e.mailed_at, delivered_at[e.tracking_number]
            assert mailed is not None
            office = f"{rng.randint(101000, 692999)}"
            for type_id, attr_id, name, kind, at in (
                (1, 1, "Приём", "accepted", mailed),
                (2, 1, "Вручение адресату", "delivered", delivered),
            ):
                operations.append(
                    {
                        "shipment_id": shipment_id,
                        "oper_type": type_id,
                        "oper_attr": attr_id,
                        "name": name,
                        "at": at,
                        "local_time": f"{to_local(at):%d.%m.%Y %H:%M:%S}",
                        "office_index": office,
                        "kind": kind,
                        "received_at": delivered,
                    }
                )
            updates.append(
                {
                    "id": shipment_id,
                    "status": DELIVERED,
                    "created_at": mailed,
                    "last_operation": "Вручение адресату",
                    "last_operation_at": delivered,
                    "delivered_at": delivered,
                    "delivered_on": to_local(delivered).date(),
                    "last_checked_at": delivered,
                }
            )
        # one executemany by primary key, not a statement per envelope
        session.execute(update(Shipment), updates)
        bulk_insert(session, ShipmentOperation, operations)
