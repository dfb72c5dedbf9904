"""Writing planned rows, set-based: per chunk one executemany INSERT per table (ids allocated
first), executemany UPDATEs for changed rows, one INSERT of timeline events, then the ledger
entries and shipments; the bureau hears of new claims and changed debtors through domain events.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from core import events
from core.auth.permissions import Actor
from core.calendar import local_tz
from core.cases.models import Case, CaseEvent, Contract, Creditor, Debtor
from core.cases.service import format_case_number
from core.cases.workflow import STAGE_BY_CODE
from core.importer import amounts as amounts_io
from core.importer.bulk import allocate_ids, bulk_insert, insert_with_ids
from core.importer.plan import CASE_COLS, CONTRACT_COLS, DEBTOR_COLS, Plan, chunks
from core.text import name_search_key

DEFAULT_TERM_DAYS = 30  # the usual microloan term, used only when the file has neither term nor due date
DEFAULT_CREDITOR = "Первоначальный кредитор не указан"


def utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=local_tz()).astimezone(dt.UTC)


def creditor_ids(session: Session, names: set[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for part in chunks(sorted(names)):
        ids.update(
            {n: i for i, n in session.execute(select(Creditor.id, Creditor.name).where(Creditor.name.in_(part)))}
        )
    missing = sorted(names - ids.keys())
    rows = [{"name": n, "short_name": n[:120], "is_own": False} for n in missing]
    ids.update(zip(missing, insert_with_ids(session, Creditor.__table__, rows), strict=True))
    return ids


class Writer:
    """Writes planned rows chunk by chunk: INSERT ... RETURNING, executemany UPDATEs."""

    def __init__(
        self, session: Session, actor: Actor, run_id: int, filename: str, now: dt.datetime, creditors: dict[str, int]
    ) -> None:
        self.session = session
        self.actor = actor
        self.event_actor = actor if actor.id is not None else None
        self.run_id = run_id
        self.filename = filename
        self.now = now
        self.creditors = creditors
        self.debtor_keys: dict[tuple[str, dt.date], int] = {}
        self.agreement_dates: dict[int, dt.date] = {}
        self.counts: Counter[str] = Counter()
        self.ledger = amounts_io.LedgerWriter(actor, f"import #{run_id} {filename}")
        self.shipments = amounts_io.ShipmentWriter(actor)

    # ---- new cases

    def _debtor_ids(self, plans: list[Plan]) -> list[int]:
        """A debtor per row; the same name and date of birth is one person with several loans."""
        keyed = [(name_search_key(p.debtor["full_name"]), p.debtor.get("birth_date")) for p in plans]
        unknown = sorted({k[0] for k in keyed if k[1] is not None and k not in self.debtor_keys})
        for part in chunks(unknown):
            for r in self.session.execute(
                select(Debtor.id, Debtor.name_search, Debtor.birth_date)
                .where(Debtor.name_search.in_(part), Debtor.birth_date.is_not(None))
                .order_by(Debtor.id)
            ):
                self.debtor_keys.setdefault((r.name_search, r.birth_date), r.id)
        out: list[int] = [0] * len(plans)
        to_insert: list[dict[str, Any]] = []
        owners: list[list[int]] = []
        pending: dict[tuple[str, dt.date], int] = {}
        for i, (p, key) in enumerate(zip(plans, keyed, strict=True)):
            if key[1] is not None and key in self.debtor_keys:
                out[i] = self.debtor_keys[key]
            elif key[1] is not None and key in pending:
                owners[pending[key]].append(i)
            else:
                if key[1] is not None:
                    pending[key] = len(to_insert)
                to_insert.append({**{c: p.debtor.get(c) for c in DEBTOR_COLS}, "name_search": key[0]})
                owners.append([i])
        new_ids = insert_with_ids(self.session, Debtor.__table__, to_insert)
        self.counts["debtors_created"] += len(new_ids)
        for pos, new_id in enumerate(new_ids):
            for i in owners[pos]:
                out[i] = new_id
        for key, pos in pending.items():
            self.debtor_keys[key] = new_ids[pos]
        return out

    def create(self, plans: list[Plan]) -> None:
        if not plans:
            return
        fresh = [p for p in plans if p.existing is None]
        debtor_ids = self._debtor_ids(fresh)
        contract_rows = []
        for p, debtor_id in zip(fresh, debtor_ids, strict=True):
            c = p.contract
            term = c.get("term_days") or DEFAULT_TERM_DAYS
            contract_rows.append(
                {
                    "number": p.row.contract_number,
                    "date": c["date"],
                    "original_creditor_id": self.creditors[p.creditor or DEFAULT_CREDITOR],
                    "debtor_id": debtor_id,
                    "principal": c["principal"],
                    "interest_rate_daily": Decimal("0"),
                    "penalty_rate_annual": Decimal("20"),
                    "term_days": term,
                    "due_date": c.get("due_date") or c["date"] + dt.timedelta(days=term),
                    "is_microloan": True,
                }
            )
        contract_ids = insert_with_ids(self.session, Contract.__table__, contract_rows)
        self.counts["contracts_created"] += len(contract_ids)
        links: list[tuple[Plan, int, int, int]] = [
            (p, cid, row["debtor_id"], row["original_creditor_id"])
            for p, cid, row in zip(fresh, contract_ids, contract_rows, strict=True)
        ]
        links += [
            (p, p.existing.contract_id, p.existing.debtor_id, p.existing.creditor_id)
            for p in plans
            if p.existing is not None
        ]
        case_rows = []
        for p, contract_id, debtor_id, creditor_id in links:
            v = p.row.values
            stage_code = p.case.get("stage", "new")
            entered = v.get("stage_date") or (v.get("mailed_on") if stage_code == "claim_mailed" else None)
            entered_at = utc_midnight(entered) if entered else self.now
            case_rows.append(
                {
                    "number": "",
                    "debtor_id": debtor_id,
                    "contract_id": contract_id,
                    "creditor_id": creditor_id,
                    "agreement_id": p.case.get("agreement_id"),
                    "stage": stage_code,
                    "responsible_id": p.case.get("responsible_id"),
                    "entered_stage_at": entered_at,
                    "court_name": p.case.get("court_name"),
                    "court_case_number": p.case.get("court_case_number"),
                    "tracking_number": p.case.get("tracking_number"),
                    "claim_amount": p.case.get("claim_amount", p.contract.get("principal", Decimal("0.00"))),
                    "opened_at": utc_midnight(v["opened_on"]) if v.get("opened_on") else self.now,
                    "closed_at": entered_at if STAGE_BY_CODE[stage_code].closed else None,
                    "updated_at": self.now,
                    "updated_by_id": self.actor.id,
                    "version": 1,
                }
            )
        case_ids = allocate_ids(self.session, Case.__table__, len(case_rows))
        for row, cid in zip(case_rows, case_ids, strict=True):
            row["id"], row["number"] = cid, format_case_number(cid)
        bulk_insert(self.session, Case.__table__, case_rows)
        self.counts["cases_created"] += len(case_ids)
        timeline = []
        acquired = []
        for cid, row, (p, *_ids) in zip(case_ids, case_rows, links, strict=True):
            timeline.append(
                {
                    "case_id": cid,
                    "at": self.now,
                    "kind": "import",
                    "source": "import",
                    "user_id": self.actor.id,
                    "from_stage": None,
                    "to_stage": row["stage"],
                    "comment": f"Imported from {self.filename}, line {p.row.line}",
                    "data": {"run_id": self.run_id, "line": p.row.line},
                }
            )
            acquired.append(
                {
                    "case_id": cid,
                    "agreement_id": row["agreement_id"],
                    "effective_date": self.agreement_dates.get(row["agreement_id"])
                    or row["opened_at"].astimezone(local_tz()).date(),
                    "source": "import",
                }
            )
            self.ledger.add_initial(cid, p.row.values, row["opened_at"], p.row.line)
            if row["tracking_number"]:
                self.shipments.add(
                    cid,
                    row["tracking_number"],
                    p.row.values.get("mailed_on"),
                    row["entered_stage_at"],
                    row["court_name"] or "",
                )
        bulk_insert(self.session, CaseEvent.__table__, timeline)
        self.counts["ledger_entries"] += self.ledger.flush(self.session)
        self.counts["shipments"] += self.shipments.flush(self.session)
        events.publish(self.session, self.event_actor, "claim.acquired", acquired)

    # ---- changed cases

    def update(self, plans: list[Plan]) -> None:
        no_case = [p for p in plans if p.existing is not None and p.existing.case_id is None]
        if no_case:
            self.create(no_case)
        plans = [p for p in plans if p.existing is not None and p.existing.case_id is not None]
        if not plans:
            return
        debtor_params: list[dict[str, Any]] = []
        contract_params: list[dict[str, Any]] = []
        case_params: list[dict[str, Any]] = []
        timeline: list[dict[str, Any]] = []
        changed_debtors: dict[int, list[str]] = {}
        for p in plans:
            ex = p.existing
            assert ex is not None and ex.case_id is not None
            names = set(p.changes)
            if names & set(DEBTOR_COLS) and ex.debtor_id not in changed_debtors:
                merged = {**ex.debtor, **p.debtor}
                debtor_params.append(
                    {
                        "b_id": ex.debtor_id,
                        "v_name_search": name_search_key(merged["full_name"]),
                        **{f"v_{c}": merged.get(c) for c in DEBTOR_COLS},
                    }
                )
                changed_debtors[ex.debtor_id] = sorted(names & set(DEBTOR_COLS))
            if names & {*CONTRACT_COLS, "creditor"}:
                merged = {**ex.contract, **p.contract}
                contract_params.append(
                    {
                        "b_id": ex.contract_id,
                        "v_creditor": self.creditors[p.creditor] if p.creditor else ex.creditor_id,
                        **{f"v_{c}": merged.get(c) for c in CONTRACT_COLS},
                    }
                )
            merged_case = {**ex.case, **p.case}
            stage_changed = "stage" in p.changes
            entered, closed = ex.case["entered_stage_at"], ex.case["closed_at"]
            if stage_changed:
                v = p.row.values
                day = v.get("stage_date") or (v.get("mailed_on") if merged_case["stage"] == "claim_mailed" else None)
                entered = utc_midnight(day) if day else self.now
                closed = entered if STAGE_BY_CODE[merged_case["stage"]].closed else None
            case_params.append(
                {
                    "b_id": ex.case_id,
                    "v_creditor": self.creditors[p.creditor] if "creditor" in p.changes else ex.case["creditor_id"],
                    **{f"v_{c}": merged_case.get(c) for c in CASE_COLS},
                    "v_entered": entered,
                    "v_closed": closed,
                }
            )
            timeline.append(
                {
                    "case_id": ex.case_id,
                    "at": self.now,
                    "kind": "import",
                    "source": "import",
                    "user_id": self.actor.id,
                    "from_stage": ex.case["stage"] if stage_changed else None,
                    "to_stage": merged_case["stage"] if stage_changed else None,
                    "comment": f"Updated from {self.filename}, line {p.row.line}: " + "; ".join(p.change_texts),
                    "data": {
                        "run_id": self.run_id,
                        "line": p.row.line,
                        "changes": {k: [jsonable(o), jsonable(n)] for k, (o, n) in p.changes.items()},
                    },
                }
            )
            if any(k.startswith("ledger_") for k in p.changes):
                self.ledger.add_difference(ex.case_id, p.row.values, ex.charges, ex.case["opened_at"], p.row.line)
            if "tracking_number" in p.changes and merged_case["tracking_number"]:
                self.shipments.add(
                    ex.case_id,
                    merged_case["tracking_number"],
                    p.row.values.get("mailed_on"),
                    self.now,
                    merged_case.get("court_name") or "",
                )
        if debtor_params:
            t = Debtor.__table__
            self.session.connection().execute(
                update(t)
                .where(t.c.id == bindparam("b_id"))
                .values(name_search=bindparam("v_name_search"), **{c: bindparam(f"v_{c}") for c in DEBTOR_COLS}),
                debtor_params,
            )
            self.counts["debtors_updated"] += len(debtor_params)
        if contract_params:
            t = Contract.__table__
            self.session.connection().execute(
                update(t)
                .where(t.c.id == bindparam("b_id"))
                .values(
                    original_creditor_id=bindparam("v_creditor"), **{c: bindparam(f"v_{c}") for c in CONTRACT_COLS}
                ),
                contract_params,
            )
            self.counts["contracts_updated"] += len(contract_params)
        t = Case.__table__
        self.session.connection().execute(
            update(t)
            .where(t.c.id == bindparam("b_id"))
            .values(
                creditor_id=bindparam("v_creditor"),
                **{c: bindparam(f"v_{c}") for c in CASE_COLS},
                entered_stage_at=bindparam("v_entered"),
                closed_at=bindparam("v_closed"),
                version=t.c.version + 1,
                updated_at=self.now,
                updated_by_id=self.actor.id,
            ),
            case_params,
        )
        self.counts["cases_updated"] += len(case_params)
        bulk_insert(self.session, CaseEvent.__table__, timeline)
        self.counts["ledger_entries"] += self.ledger.flush(self.session)
        self.counts["shipments"] += self.shipments.flush(self.session)
        if changed_debtors:
            case_ids: dict[int, list[int]] = defaultdict(list)
            for part in chunks(sorted(changed_debtors)):
                for cid, did in self.session.execute(select(Case.id, Case.debtor_id).where(Case.debtor_id.in_(part))):
                    case_ids[did].append(cid)
            events.publish(
                self.session,
                self.event_actor,
                "debtor.changed",
                [
                    {"debtor_id": d, "case_ids": case_ids[d], "fields": f, "source": "import"}
                    for d, f in changed_debtors.items()
                ],
            )


def jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
