"""The import plan: what each valid row means for Cessio, compared with what Cessio holds.

A row becomes a ``Plan``: new (no contract with its number), update (values differ; each change
listed for the report and the timeline) or unchanged. Only what the row says is compared: an
empty cell never erases a stored value.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.cases.models import Case, Contract, Creditor, Debtor
from core.cases.workflow import STAGE_BY_CODE
from core.importer import amounts as amounts_io
from core.importer.validate import ParsedRow

IN_CHUNK = 5000


@dataclass
class Existing:
    contract_id: int
    debtor_id: int
    creditor_id: int
    creditor_name: str
    case_id: int | None
    contract: dict[str, Any]
    debtor: dict[str, Any]
    case: dict[str, Any]
    charges: dict[str, Decimal] = field(default_factory=dict)  # what imports booked in the ledger


@dataclass
class Plan:
    row: ParsedRow
    status: str
    existing: Existing | None = None
    debtor: dict[str, Any] = field(default_factory=dict)
    contract: dict[str, Any] = field(default_factory=dict)
    case: dict[str, Any] = field(default_factory=dict)
    creditor: str | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    change_texts: list[str] = field(default_factory=list)


DEBTOR_COLS = (
    "full_name",
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "passport",
    "address",
    "phone",
    "region",
)
CASE_EXTRA = ("entered_stage_at", "closed_at", "opened_at", "creditor_id", "version")
CONTRACT_COLS = ("date", "principal", "term_days", "due_date")
CASE_COLS = (
    "stage",
    "responsible_id",
    "court_name",
    "court_case_number",
    "tracking_number",
    "claim_amount",
    "agreement_id",
)
LABELS = {
    "full_name": "Debtor",
    "birth_date": "Date of birth",
    "passport": "Passport",
    "address": "Address",
    "phone": "Phone",
    "region": "Region",
    "date": "Contract date",
    "principal": "Principal",
    "term_days": "Loan term",
    "due_date": "Due date",
    "creditor": "Original creditor",
    "stage": "Stage",
    "responsible_id": "Responsible",
    "court_name": "Court",
    "court_case_number": "Court case number",
    "tracking_number": "Tracking number",
    "claim_amount": "Claim amount",
    "agreement_id": "Assignment agreement",
    "ledger_principal": "Principal in the ledger",
    "ledger_interest": "Interest in the ledger",
    "ledger_penalty": "Penalties in the ledger",
    "ledger_state_fee": "State fee in the ledger",
    "ledger_postage": "Postage in the ledger",
}


def desired(row: ParsedRow, agreements: Mapping[str, int]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The debtor, contract and case values the row asks for (only what the row says)."""
    v = row.values
    debtor: dict[str, Any] = {}
    if "debtor_name" in v:
        full, last, first, middle = v["debtor_name"]
        debtor.update(full_name=full, last_name=last, first_name=first, middle_name=middle)
    for name in ("birth_date", "passport", "address", "phone", "region"):
        if name in v:
            debtor[name] = v[name]
    contract: dict[str, Any] = {}
    if "contract_date" in v:
        contract["date"] = v["contract_date"]
    principal = v.get("principal", v.get("debt_total"))
    if principal is not None:
        contract["principal"] = principal
    if "term_days" in v:
        contract["term_days"] = v["term_days"]
    elif "due_date" in v and "contract_date" in v:
        contract["term_days"] = (v["due_date"] - v["contract_date"]).days
    if "due_date" in v:
        contract["due_date"] = v["due_date"]
    elif "term_days" in v and "contract_date" in v:
        contract["due_date"] = v["contract_date"] + dt.timedelta(days=v["term_days"])
    case: dict[str, Any] = {}
    for name in ("stage", "responsible_id", "court_name", "court_case_number", "tracking_number"):
        if name in v:
            case[name] = v[name]
    if "debt_total" in v:
        case["claim_amount"] = v["debt_total"]
    elif "principal" in v:
        case["claim_amount"] = v["principal"] + v.get("interest", Decimal("0")) + v.get("penalty", Decimal("0"))
    if "agreement_number" in v:
        case["agreement_id"] = agreements[v["agreement_number"]]
    return debtor, contract, case


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_existing(session: Session, numbers: Sequence[str]) -> dict[str, list[Existing]]:
    """The stored contracts of these numbers with their debtor, creditor and (first) case."""
    found: dict[str, list[Existing]] = defaultdict(list)
    contract_cols = [getattr(Contract, c).label(f"k_{c}") for c in CONTRACT_COLS]
    debtor_cols = [getattr(Debtor, c).label(f"d_{c}") for c in DEBTOR_COLS]
    case_cols = [getattr(Case, c).label(f"c_{c}") for c in (*CASE_COLS, *CASE_EXTRA)]
    for part in chunks(sorted(set(numbers))):
        stmt = (
            select(
                Contract.id.label("contract_id"),
                Contract.number,
                Contract.debtor_id,
                Contract.original_creditor_id,
                Creditor.name.label("creditor_name"),
                Case.id.label("case_id"),
                *contract_cols,
                *debtor_cols,
                *case_cols,
            )
            .join(Debtor, Debtor.id == Contract.debtor_id)
            .join(Creditor, Creditor.id == Contract.original_creditor_id)
            .outerjoin(Case, Case.contract_id == Contract.id)
            .where(Contract.number.in_(part))
            .order_by(Contract.id, Case.id)
        )
        seen: set[int] = set()
        for r in session.execute(stmt):
            m = r._mapping
            if m["contract_id"] in seen:
                continue
            seen.add(m["contract_id"])
            found[m["number"]].append(
                Existing(
                    contract_id=m["contract_id"],
                    debtor_id=m["debtor_id"],
                    creditor_id=m["original_creditor_id"],
                    creditor_name=m["creditor_name"],
                    case_id=m["case_id"],
                    contract={c: m[f"k_{c}"] for c in CONTRACT_COLS},
                    debtor={c: m[f"d_{c}"] for c in DEBTOR_COLS},
                    case={c: m[f"c_{c}"] for c in (*CASE_COLS, *CASE_EXTRA)},
                )
            )
    case_ids = [e.case_id for lst in found.values() for e in lst if e.case_id is not None]
    charges = amounts_io.imported_charges(session, case_ids)
    for lst in found.values():
        for e in lst:
            if e.case_id is not None:
                e.charges = charges.get(e.case_id, {})
    return found


def fmt_value(name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    if name == "stage":
        return STAGE_BY_CODE[value].label
    return str(value)


def diff(plan: Plan, users: Mapping[int, str], agreements_by_id: Mapping[int, str]) -> None:
    """What the row would change in the stored contract, debtor, case and imported charges."""
    ex = plan.existing
    assert ex is not None
    for part, stored in ((plan.debtor, ex.debtor), (plan.contract, ex.contract)):
        for name, new in part.items():
            if name not in ("last_name", "first_name", "middle_name") and stored.get(name) != new:
                plan.changes[name] = (stored.get(name), new)
    if plan.creditor is not None and plan.creditor != ex.creditor_name:
        plan.changes["creditor"] = (ex.creditor_name, plan.creditor)
    if ex.case_id is not None:
        for name, new in plan.case.items():
            if ex.case.get(name) != new:
                plan.changes[name] = (ex.case.get(name), new)
        if ex.charges:  # only cases whose amounts came from an import are kept in step
            for name, amount in amounts_io.row_amounts(plan.row.values).items():
                booked = ex.charges.get(name, Decimal("0.00"))
                if booked != amount:
                    plan.changes[f"ledger_{name}"] = (booked, amount)
    plan.status = "update" if plan.changes or ex.case_id is None else "unchanged"
    for name, (old, new) in plan.changes.items():
        if name == "responsible_id":
            old, new = users.get(old, old) if old else None, users.get(new, new)
        elif name == "agreement_id":
            old, new = agreements_by_id.get(old, old) if old else None, agreements_by_id.get(new, new)
        plan.change_texts.append(f"{LABELS.get(name, name)}: {fmt_value(name, old)} → {fmt_value(name, new)}")
    if ex.case_id is None:
        plan.change_texts.append("the contract has no case yet: a case will be opened")
