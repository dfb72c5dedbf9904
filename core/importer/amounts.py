"""The money and the mail of imported rows: ledger entries for the amounts, shipments for
tracking numbers.

Ledger entries are inserted in bulk straight into the ledger's table (``post_entry`` books one
entry with a balance check, a timeline event and an audit row each, far too slow for 100,000
rows); what ``post_entry`` adds for a charge is covered here by the import's own timeline event
and its one audit record. Charges need no allocation rows (only payments and write-offs have
them). The amounts are charges with ``source="import"``; a re-import compares with the
import's own entries of the case and books the difference (a charge when it grew, a signed
adjustment of that component when it shrank), so accruals and payments made in Cessio since
are never touched.

Shipments are inserted the same way into the postal domain's tables (status "registered", so
the postal job starts tracking them); a tracking number Cessio already knows is only linked to
the case, never duplicated.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth.permissions import Actor
from core.calendar import local_tz
from core.importer.bulk import bulk_insert, insert_with_ids
from core.ledger.models import LedgerEntry
from core.ledger.service import EntryKind
from core.postal.models import REGISTERED, Shipment, ShipmentCase

AMOUNT_FIELDS = ("principal", "interest", "penalty", "state_fee", "postage")
IN_CHUNK = 5000


def row_amounts(values: Mapping[str, Any]) -> dict[str, Decimal]:
    """The charges a row states: principal (or, without a principal column, the total debt),
    interest, penalties (неустойка: пени и штрафы), state fee and postage."""
    out: dict[str, Decimal] = {}
    principal = values.get("principal", values.get("debt_total"))
    if principal is not None:
        out["principal"] = principal
    for name in ("interest", "penalty", "state_fee", "postage"):
        if values.get(name) is not None:
            out[name] = values[name]
    return out


def imported_charges(session: Session, case_ids: Sequence[int]) -> dict[int, dict[str, Decimal]]:
    """Per case, the net amount of each component that imports booked (charges + adjustments)."""
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    ids = sorted(set(case_ids))
    component = func.coalesce(LedgerEntry.component, LedgerEntry.kind)
    for start in range(0, len(ids), IN_CHUNK):
        part = ids[start : start + IN_CHUNK]
        rows = session.execute(
            select(LedgerEntry.case_id, component, func.sum(LedgerEntry.amount))
            .where(
                LedgerEntry.case_id.in_(part),
                LedgerEntry.source == "import",
                LedgerEntry.kind.in_([*AMOUNT_FIELDS, EntryKind.ADJUSTMENT.value]),
            )
            .group_by(LedgerEntry.case_id, component)
        )
        for case_id, comp, total in rows:
            if comp in AMOUNT_FIELDS:
                out[case_id][comp] = Decimal(str(total)).quantize(Decimal("0.01"))
    return out


class LedgerWriter:
    def __init__(self, actor: Actor, reference: str) -> None:
        self.actor = actor
        self.reference = reference
        self.rows: list[dict[str, Any]] = []
        self.now = dt.datetime.now(dt.UTC)

    def _entry(self, case_id: int, kind: str, component: str | None, amount: Decimal, day: dt.date, line: int) -> None:
        self.rows.append(
            {
                "case_id": case_id,
                "kind": kind,
                "component": component,
                "amount": amount,
                "effective_date": day,
                "booked_at": self.now,
                "source": "import",
                "reference": f"{self.reference}, line {line}"[:200],
                "comment": "Imported from the legacy spreadsheet",
                "author_id": self.actor.id,
                "reverses_id": None,
            }
        )

    @staticmethod
    def _dates(values: Mapping[str, Any], opened_at: dt.datetime) -> tuple[dt.date, dt.date]:
        opened = opened_at.astimezone(local_tz()).date()
        return values.get("contract_date") or opened, values.get("opened_on") or opened

    def add_initial(self, case_id: int, values: Mapping[str, Any], opened_at: dt.datetime, line: int) -> None:
        principal_day, other_day = self._dates(values, opened_at)
        for name, amount in row_amounts(values).items():
            if amount > 0:
                self._entry(case_id, name, None, amount, principal_day if name == "principal" else other_day, line)

    def add_difference(
        self,
        case_id: int,
        values: Mapping[str, Any],
        booked: Mapping[str, Decimal],
        opened_at: dt.datetime,
        line: int,
    ) -> None:
        _principal_day, other_day = self._dates(values, opened_at)
        today = dt.datetime.now(local_tz()).date()
        for name, amount in row_amounts(values).items():
            delta = amount - booked.get(name, Decimal("0.00"))
            if delta > 0:
                self._entry(case_id, name, None, delta, today if name in booked else other_day, line)
            elif delta < 0:
                self._entry(case_id, EntryKind.ADJUSTMENT.value, name, delta, today, line)

    def flush(self, session: Session) -> int:
        count = len(self.rows)
        if self.rows:
            bulk_insert(session, LedgerEntry.__table__, self.rows)
            self.rows = []
        return count


class ShipmentWriter:
    """Shipments for the tracking numbers of imported cases, inserted set-based like the rest of
    the import (a tracking number already known is only linked to the case)."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.entries: dict[str, dict[str, Any]] = {}
        self.links: set[tuple[str, int]] = set()

    def add(
        self, case_id: int, tracking: str, mailed_on: dt.date | None, fallback: dt.datetime, addressee: str
    ) -> None:
        mailed_at = (
            dt.datetime.combine(mailed_on, dt.time(12), tzinfo=local_tz()).astimezone(dt.UTC) if mailed_on else fallback
        )
        self.entries.setdefault(
            tracking,
            {
                "tracking_number": tracking,
                "addressee": addressee[:300] or None,
                "address": None,
                "contents": "Imported from the legacy spreadsheet",
                "mailed_at": mailed_at,
                "postage": None,
                "status": REGISTERED,
                "source": "import",
                "created_at": dt.datetime.now(dt.UTC),
                "created_by_id": self.actor.id,
            },
        )
        self.links.add((tracking, case_id))

    def flush(self, session: Session) -> int:
        if not self.entries:
            return 0
        numbers = sorted(self.entries)
        ids: dict[str, int] = {}
        for start in range(0, len(numbers), IN_CHUNK):
            part = numbers[start : start + IN_CHUNK]
            ids.update(
                (n, i)
                for n, i in session.execute(
                    select(Shipment.tracking_number, Shipment.id).where(Shipment.tracking_number.in_(part))
                ).all()
            )
        known = set(ids)
        new = [n for n in numbers if n not in ids]
        ids.update(zip(new, insert_with_ids(session, Shipment.__table__, [self.entries[n] for n in new]), strict=True))
        existing: set[tuple[int, int]] = set()
        old_ids = sorted(ids[n] for n in known)
        for start in range(0, len(old_ids), IN_CHUNK):
            existing.update(
                (int(s_id), int(c_id))
                for s_id, c_id in session.execute(
                    select(ShipmentCase.shipment_id, ShipmentCase.case_id).where(
                        ShipmentCase.shipment_id.in_(old_ids[start : start + IN_CHUNK])
                    )
                )
            )
        wanted = sorted({(ids[n], c) for n, c in self.links} - existing)
        if wanted:
            bulk_insert(session, ShipmentCase.__table__, [{"shipment_id": s, "case_id": c} for s, c in wanted])
        self.entries, self.links = {}, set()
        return len(new)
