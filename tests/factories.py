"""Small builders of domain rows for tests (one call = a complete, valid case)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

from sqlalchemy.orm import Session

from core.auth.models import User
from core.auth.service import hash_password
from core.cases.models import AssignedClaim, AssignmentAgreement, Case, Contract, Creditor, Debtor
from core.cases.service import format_case_number
from core.db import utcnow
from core.text import name_search_key

_seq = count(1)
PASSWORD = "correct-horse-1"


_PASSWORD_HASH = hash_password(PASSWORD)


def make_user(session: Session, role: str = "clerk", username: str | None = None, full_name: str | None = None) -> User:
    """A user with ``PASSWORD``; the argon2 hash is computed once (tests of login use create_user)."""
    n = next(_seq)
    user = User(
        username=username or f"{role}{n}",
        full_name=full_name or f"{role.title()} Number{n}",
        role=role,
        password_hash=_PASSWORD_HASH,
        is_active=True,
        failed_logins=0,
        mfa_enrolled=False,
    )
    session.add(user)
    session.flush()
    return user


def make_creditor(session: Session, name: str | None = None, is_own: bool = False) -> Creditor:
    n = next(_seq)
    cred = Creditor(
        name=name or f"МФК Пример {n}",
        short_name=(name or f"МФК Пример {n}")[:120],
        inn=f"77{n:08d}",
        ogrn=f"1{n:014d}"[:15],
        address="г. Москва, ул. Тверская, д. 1",
        is_own=is_own,
    )
    session.add(cred)
    session.flush()
    return cred


def make_case(
    session: Session,
    *,
    stage: str = "new",
    last_name: str = "Иванов",
    first_name: str = "Иван",
    middle_name: str | None = "Иванович",
    birth_date: dt.date | None = dt.date(1985, 3, 14),
    region: str = "Москва",
    principal: Decimal = Decimal("30000.00"),
    claim_amount: Decimal | None = None,
    contract_number: str | None = None,
    contract_date: dt.date = dt.date(2023, 9, 1),
    creditor: Creditor | None = None,
    agreement: AssignmentAgreement | None = None,
    responsible: User | None = None,
    entered_stage_at: dt.datetime | None = None,
    opened_at: dt.datetime | None = None,
    court_case_number: str | None = None,
    interest_rate_daily: Decimal = Decimal("0.8"),
) -> Case:
    n = next(_seq)
    creditor = creditor or make_creditor(session)
    if agreement is None:
        assignee = make_creditor(session, f"ООО ПКО Цессио {n}", is_own=True)
        agreement = AssignmentAgreement(
            number=f"Ц-{n}/2024", date=dt.date(2024, 1, 15), cedent_id=creditor.id, assignee_id=assignee.id
        )
        session.add(agreement)
        session.flush()
    full = " ".join(p for p in (last_name, first_name, middle_name) if p)
    debtor = Debtor(
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name,
        full_name=full,
        name_search=name_search_key(full),
        birth_date=birth_date,
        birth_place="г. Москва",
        passport=f"4510 {n:06d}",
        address="123456, г. Москва, ул. Ленина, д. 5, кв. 7",
        region=region,
        time_zone="Europe/Moscow",
    )
    session.add(debtor)
    session.flush()
    contract = Contract(
        number=contract_number or f"ДЗ-{n:07d}",
        date=contract_date,
        original_creditor_id=creditor.id,
        debtor_id=debtor.id,
        principal=principal,
        interest_rate_daily=interest_rate_daily,
        penalty_rate_annual=Decimal("20"),
        term_days=30,
        due_date=contract_date + dt.timedelta(days=30),
        is_microloan=True,
    )
    session.add(contract)
    session.flush()
    session.add(
        AssignedClaim(
            agreement_id=agreement.id,
            contract_id=contract.id,
            register_line=n,
            principal=principal,
            interest=Decimal("0.00"),
            penalty=Decimal("0.00"),
            fees=Decimal("0.00"),
            total=principal,
        )
    )
    now = utcnow()
    case = Case(
        number="pending",
        debtor_id=debtor.id,
        contract_id=contract.id,
        creditor_id=creditor.id,
        agreement_id=agreement.id,
        stage=stage,
        responsible_id=responsible.id if responsible else None,
        entered_stage_at=entered_stage_at or now,
        claim_amount=claim_amount if claim_amount is not None else principal,
        opened_at=opened_at or now,
        court_case_number=court_case_number,
        court_name="Судебный участок № 1 Тверского района г. Москвы",
        court_address="г. Москва, ул. Большая Дмитровка, д. 9",
        version=1,
    )
    session.add(case)
    session.flush()
    case.number = format_case_number(case.id)
    session.flush()
    return case
