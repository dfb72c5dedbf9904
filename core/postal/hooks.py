"""The postal domain's reaction to the workflow: a "mail_claim" move opens the shipment.

Set-based for bulk moves: one call per batch of moved cases (see ``register_shipments``), so
marking 10,000 envelopes mailed costs a few statements.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from core.auth.permissions import Actor
from core.cases.hooks import MovedCase, after_transition
from core.postal.service import shipments_from_moves


@after_transition
def open_shipments_on_mailing(session: Session, actor: Actor | None, moved: Sequence[MovedCase]) -> None:
    moves = [
        (m.case_id, str(m.data["tracking_number"]), m.at, m.data.get("contents") or m.data.get("comment"))
        for m in moved
        if m.transition == "mail_claim" and m.data.get("tracking_number")
    ]
    shipments_from_moves(session, actor, moves)
