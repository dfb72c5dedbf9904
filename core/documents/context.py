"""The data a document is made from: case, parties, contract, register line, and the money.

Amounts are read from the ledger when the document is generated (never copied from an older
document), formatted in figures and in words. Everything is loaded set-based for a batch of
cases: one query for the case rows, two for the balances; only the debt calculation reads
each case's entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from core.cases.models import AssignedClaim, AssignmentAgreement, Case, Contract, Creditor, Debtor
from core.declension import decline_full_name
from core.documents.render import Column, DocData, Table
from core.errors import ValidationFailed
from core.i18n import _, use_language
from core.ledger.allocation import is_consumer_debt
from core.ledger.fees import COURT_ORDER_LIMIT
from core.money import amount_in_words, format_amount

ZERO = Decimal("0.00")
# Declared value of each item of a registered letter with an inventory (form 107), rubles.
DECLARED_VALUE_PER_ITEM = Decimal("1.00")
COMPONENT_TITLES = {
    "principal": "Основной долг",
    "interest": "Проценты за пользование займом",
    "penalty": "Неустойка (пени)",
    "state_fee": "Государственная пошлина",
    "postage": "Почтовые расходы",
    "court_costs": "Судебные издержки",
}
ENTRY_TITLES = {
    "principal": "Выдача займа / основной долг",
    "interest": "Начисление процентов",
    "penalty": "Начисление неустойки",
    "state_fee": "Государственная пошлина",
    "postage": "Почтовые расходы",
    "court_costs": "Судебные издержки",
    "payment": "Платёж должника",
    "refund": "Возврат переплаты",
    "write_off": "Списание",
    "adjustment": "Корректировка",
}


MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def date_in_words(value: dt.date | None) -> str:
    """``1 декабря 2026 г.``: the month in the genitive, as a date is written in Russian papers."""
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year} г." if value else ""


def fmt_date(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def fmt_money(value: Decimal | None) -> str:
    return format_amount(value if value is not None else ZERO, currency=False)


def fmt_rate(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f").replace(".", ",")


@dataclass
class CaseSource:
    case: Case
    debtor: Debtor
    contract: Contract
    cedent: Creditor | None
    claimant: Creditor | None
    agreement: AssignmentAgreement | None
    register: AssignedClaim | None


def load_sources(session: Session, case_ids: Sequence[int]) -> dict[int, CaseSource]:
    """Case, debtor, contract, cedent, assignee, agreement and register line, one query per chunk."""
    cedent = aliased(Creditor)
    assignee = aliased(Creditor)
    original = aliased(Creditor)
    own = aliased(Creditor)
    out: dict[int, CaseSource] = {}
    ids = list(dict.fromkeys(int(i) for i in case_ids))
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        stmt = (
            select(Case, Debtor, Contract, AssignmentAgreement, cedent, assignee, original, own, AssignedClaim)
            .join(Debtor, Debtor.id == Case.debtor_id)
            .join(Contract, Contract.id == Case.contract_id)
            .outerjoin(AssignmentAgreement, AssignmentAgreement.id == Case.agreement_id)
            .outerjoin(cedent, cedent.id == AssignmentAgreement.cedent_id)
            .outerjoin(assignee, assignee.id == AssignmentAgreement.assignee_id)
            .outerjoin(original, original.id == Contract.original_creditor_id)
            .outerjoin(own, own.id == Case.creditor_id)
            .outerjoin(
                AssignedClaim,
                and_(AssignedClaim.contract_id == Case.contract_id, AssignedClaim.agreement_id == Case.agreement_id),
            )
            .where(Case.id.in_(chunk))
        )
        for case, debtor, contract, agreement, ced, asg, orig, own_cred, claim in session.execute(stmt):
            if case.id in out:
                continue
            out[case.id] = CaseSource(
                case=case,
                debtor=debtor,
                contract=contract,
                cedent=ced or orig,
                claimant=asg or own_cred,
                agreement=agreement,
                register=claim,
            )
    return out


def _identifiers(debtor: Debtor) -> str:
    """CPC art. 124 part 2 p. 3: at least one identifier of a debtor-citizen, when known."""
    parts = []
    if debtor.passport:
        parts.append(f"паспорт {debtor.passport}")
    if debtor.inn:
        parts.append(f"ИНН {debtor.inn}")
    if debtor.snils:
        parts.append(f"СНИЛС {debtor.snils}")
    return ", ".join(parts) or "взыскателю неизвестны"


def _creditor_values(prefix: str, creditor: Creditor | None) -> dict[str, str]:
    if creditor is None:
        return {}
    return {
        f"{prefix}.name": creditor.name,
        f"{prefix}.short_name": creditor.short_name or creditor.name,
        f"{prefix}.inn": creditor.inn or "",
        f"{prefix}.ogrn": creditor.ogrn or "",
        f"{prefix}.address": creditor.address or "",
        f"{prefix}.bank_details": creditor.bank_details or "",
    }


@dataclass
class Money:
    """The figures of one case on the calculation date (all Decimal)."""

    as_of: dt.date
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    claim_total: Decimal
    fee: Decimal | None
    balance_total: Decimal
    components: dict[str, Decimal]
    paid: Decimal


def load_money(session: Session, case_ids: Sequence[int], as_of: dt.date, filing_date: dt.date) -> dict[int, Money]:
    """Balances from the ledger and the court-order state fee (Tax Code art. 333.19)."""
    from core.ledger.fees import FilingKind, state_fee
    from core.ledger.service import balances

    out: dict[int, Money] = {}
    for case_id, bal in balances(session, case_ids, as_of).items():
        claim_total = bal.principal + bal.interest + bal.penalty
        fee = state_fee(claim_total, filing_date, FilingKind.COURT_ORDER) if claim_total > 0 else None
        out[case_id] = Money(
            as_of=as_of,
            principal=bal.principal,
            interest=bal.interest,
            penalty=bal.penalty,
            claim_total=claim_total,
            fee=fee,
            balance_total=bal.total,
            components={
                "principal": bal.principal,
                "interest": bal.interest,
                "penalty": bal.penalty,
                "state_fee": bal.state_fee,
                "postage": bal.postage,
                "court_costs": bal.court_costs,
            },
            paid=ZERO,
        )
    return out


@use_language("ru")  # the text of a court document is Russian whatever the interface
def case_values(
    src: CaseSource, money: Money, signer: str, today: dt.date, tracking: str | None, postage: Decimal | None
) -> dict[str, str]:
    """Every placeholder of the case documents, formatted for print."""
    d, c, case = src.debtor, src.contract, src.case
    values: dict[str, str] = {
        "today": fmt_date(today),
        "signer.name": signer,
        "case.number": case.number,
        "case.court_name": case.court_name or "",
        "case.court_address": case.court_address or "",
        "case.court_case_number": case.court_case_number or "",
        "debtor.full_name": d.full_name,
        "debtor.full_name_gen": decline_full_name(d.full_name, "gent"),
        "debtor.full_name_dat": decline_full_name(d.full_name, "datv"),
        "debtor.full_name_ins": decline_full_name(d.full_name, "ablt"),
        "today_words": date_in_words(today),
        "claim.allocation_rule": (
            "п. 20 ст. 5 Федерального закона от 21.12.2013 № 353-ФЗ «О потребительском кредите (займе)»"
            if is_consumer_debt(c.date)
            else "ст. 319 Гражданского кодекса Российской Федерации"
        ),
        "debtor.birth_date": fmt_date(d.birth_date),
        "debtor.birth_place": d.birth_place or "",
        "debtor.address": d.address or "",
        "debtor.passport": d.passport or "",
        "debtor.inn": d.inn or "",
        "debtor.snils": d.snils or "",
        "debtor.identifier": _identifiers(d),
        "contract.number": c.number,
        "contract.date": fmt_date(c.date),
        "contract.principal": fmt_money(c.principal),
        "contract.interest_rate_daily": fmt_rate(c.interest_rate_daily),
        "contract.term_days": str(c.term_days),
        "contract.due_date": fmt_date(c.due_date),
        "agreement.number": src.agreement.number if src.agreement else "",
        "agreement.date": fmt_date(src.agreement.date) if src.agreement else "",
        "claim.as_of": fmt_date(money.as_of),
        "claim.principal": fmt_money(money.principal),
        "claim.interest": fmt_money(money.interest),
        "claim.penalty": fmt_money(money.penalty),
        "claim.total": fmt_money(money.claim_total),
        "claim.total_words": amount_in_words(money.claim_total),
        "debt.total": fmt_money(money.balance_total),
        "debt.total_words": amount_in_words(money.balance_total),
        "debt.paid": fmt_money(money.paid),
        "mail.tracking": tracking or "______________",
        "mail.postage": fmt_money(postage) if postage is not None else "",
    }
    if money.fee is not None:
        grand = money.claim_total + money.fee
        values |= {
            "fee.amount": fmt_money(money.fee),
            "fee.amount_words": amount_in_words(money.fee),
            "claim.grand_total": fmt_money(grand),
            "claim.grand_total_words": amount_in_words(grand),
        }
    if src.register is not None:
        r = src.register
        values |= {
            "register.line": str(r.register_line),
            "register.principal": fmt_money(r.principal),
            "register.interest": fmt_money(r.interest),
            "register.penalty": fmt_money(r.penalty),
            "register.fees": fmt_money(r.fees),
            "register.total": fmt_money(r.total),
            "register.total_words": amount_in_words(r.total),
        }
    values |= _creditor_values("claimant", src.claimant)
    values |= _creditor_values("cedent", src.cedent)
    return values


@use_language("ru")  # the text of a court document is Russian whatever the interface
def attachments(values: dict[str, str]) -> list[str]:
    """The attachments CPC art. 124 part 3 asks for, in the order courts expect them."""
    return [
        f"Документ, подтверждающий уплату государственной пошлины в размере {values.get('fee.amount', '')} руб.",
        f"Копия договора займа № {values['contract.number']} от {values['contract.date']}.",
        f"Расчёт задолженности по состоянию на {values['claim.as_of']}.",
        f"Копия договора уступки прав (требований) № {values.get('agreement.number', '')} "
        f"от {values.get('agreement.date', '')}.",
        "Выписка из реестра уступаемых прав (требований).",
        "Копия доверенности представителя взыскателя.",
    ]


CLAIM_COLUMNS = (Column("Составляющая требования", 0.7), Column("Сумма, руб.", 0.3, "R"))
ENTRY_COLUMNS = (
    Column("Дата", 0.14, "C"),
    Column("Операция", 0.36),
    Column("Сумма, руб.", 0.18, "R"),
    Column("Распределение платежа", 0.32),
)
REGISTER_COLUMNS = (
    Column("№ строки", 0.09, "C"),
    Column("Должник", 0.2),
    Column("Договор", 0.16),
    Column("Основной долг", 0.11, "R"),
    Column("Проценты", 0.11, "R"),
    Column("Неустойка", 0.11, "R"),
    Column("Иные платежи", 0.11, "R"),
    Column("Всего", 0.11, "R"),
)
INVENTORY_COLUMNS = (
    Column("№", 0.07, "C"),
    Column("Наименование предметов", 0.61),
    Column("Кол-во предметов", 0.14, "C"),
    Column("Объявленная ценность, руб.", 0.18, "R"),
)


@use_language("ru")  # the text of a court document is Russian whatever the interface
def claim_table(money: Money) -> Table:
    rows = [
        [COMPONENT_TITLES["principal"], fmt_money(money.principal)],
        [COMPONENT_TITLES["interest"], fmt_money(money.interest)],
        [COMPONENT_TITLES["penalty"], fmt_money(money.penalty)],
    ]
    footer = ["Итого требование", fmt_money(money.claim_total)]
    if money.fee is not None:
        rows.append([COMPONENT_TITLES["state_fee"] + " (к возмещению)", fmt_money(money.fee)])
        footer = ["Всего с государственной пошлиной", fmt_money(money.claim_total + money.fee)]
    return Table(CLAIM_COLUMNS, rows, footer)


@use_language("ru")  # the text of a court document is Russian whatever the interface
def balance_table(money: Money) -> Table:
    rows = [[COMPONENT_TITLES[k], fmt_money(v)] for k, v in money.components.items() if v != 0 or k == "principal"]
    return Table(CLAIM_COLUMNS, rows, ["Итого", fmt_money(money.balance_total)])


@use_language("ru")  # the text of a court document is Russian whatever the interface
def entries_table(entries: Sequence[Any]) -> tuple[Table, Decimal]:
    """Rows of the calculation from the ledger's entries; returns the table and the sum paid."""
    rows: list[list[str]] = []
    paid = ZERO
    for e in entries:
        title = ENTRY_TITLES.get(e.kind, e.kind_label)
        if e.comment:
            title = f"{title} ({e.comment})"
        split = ", ".join(
            f"{COMPONENT_TITLES.get(k, k).lower()} {fmt_money(v)}" for k, v in (e.allocation or {}).items() if v
        )
        if e.kind == "payment":
            paid += e.amount
        rows.append([fmt_date(e.effective_date), title, fmt_money(e.amount), split])
    if not rows:
        rows.append(["", "Операций нет", "", ""])
    return Table(ENTRY_COLUMNS, rows), paid


@use_language("ru")  # the text of a court document is Russian whatever the interface
def register_table(src: CaseSource, values: dict[str, str]) -> Table:
    if src.register is None:
        raise ValidationFailed(
            _(
                "Case {number}: the contract {number2} has no line in the register of assigned claims; import the register of the assignment agreement first."
            ).format(number=src.case.number, number2=src.contract.number)
        )
    r = src.register
    row = [
        str(r.register_line),
        values["debtor.full_name"],
        f"№ {values['contract.number']} от {values['contract.date']}",
        fmt_money(r.principal),
        fmt_money(r.interest),
        fmt_money(r.penalty),
        fmt_money(r.fees),
        fmt_money(r.total),
    ]
    return Table(REGISTER_COLUMNS, [row])


@use_language("ru")  # the text of a court document is Russian whatever the interface
def inventory_table(items: Sequence[str]) -> tuple[Table, Decimal]:
    rows = [[str(i), item, "1", fmt_money(DECLARED_VALUE_PER_ITEM)] for i, item in enumerate(items, start=1)]
    total = DECLARED_VALUE_PER_ITEM * len(items)
    return Table(INVENTORY_COLUMNS, rows, ["", "Итого", str(len(items)), fmt_money(total)]), total


def build_case_doc(
    doc_type: str,
    src: CaseSource,
    money: Money,
    values: dict[str, str],
    entries: Sequence[Any] | None,
    envelope_items: Sequence[str] | None,
) -> DocData:
    """The data of one document of one case; raises ValidationFailed when it cannot be made."""
    number = src.case.number
    if doc_type == "court_order_application":
        missing = [
            label
            for key, label in (("case.court_name", "the court"), ("debtor.address", "the debtor's address"))
            if not values.get(key)
        ]
        if missing:
            raise ValidationFailed(
                _("Case {number}: {items} missing; fill it in on the case card.").format(
                    number=number, items=" and ".join(missing)
                )
            )
        if money.claim_total > COURT_ORDER_LIMIT:
            # The template says the claim "не превышает пятисот тысяч рублей": true by construction.
            raise ValidationFailed(
                _(
                    "Case {number}: the claim is {amount} rubles, more than 500,000; a court order is only for "
                    "claims up to 500,000 rubles (Civil Procedure Code art. 121). File a lawsuit."
                ).format(number=number, amount=fmt_money(money.claim_total))
            )
        if money.claim_total <= 0 or money.fee is None:
            raise ValidationFailed(
                _(
                    "Case {number} owes no principal, interest or penalty on {fmt_date} according to the ledger; there is nothing to claim."
                ).format(number=number, fmt_date=fmt_date(money.as_of))
            )
        return DocData(dict(values), {"claim_table": claim_table(money)}, {"attachments": attachments(values)})
    if doc_type == "debt_calculation":
        table, paid = entries_table(entries or [])
        vals = dict(values)
        vals["debt.paid"] = fmt_money(paid)
        return DocData(vals, {"entries_table": table, "balance_table": balance_table(money)})
    if doc_type == "register_extract":
        return DocData(dict(values), {"register_table": register_table(src, values)})
    if doc_type == "mail_inventory":
        items = list(envelope_items or [])
        table, total = inventory_table(items)
        vals = dict(values)
        vals["mail.declared_total"] = fmt_money(total)
        return DocData(vals, {"inventory_table": table})
    raise ValidationFailed(_("'{doc_type}' is not a document of a case.").format(doc_type=doc_type))
