"""Demo data: realistic Russian debtors, creditors, cession agreements and cases in every stage.

Scales from 100 to 1,000,000 cases. Faker (ru_RU) makes pools of names, places and streets once;
rows are combined from the pools with a seeded ``random.Random`` (same seed, same data) and
written set-based: PostgreSQL ``COPY``, SQLite batched ``executemany``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from faker import Faker
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from core.auth.models import User
from core.auth.service import create_user
from core.cases.models import AssignedClaim, AssignmentAgreement, Case, CaseEvent, Contract, Creditor, Debtor
from core.cases.workflow import STAGE_BY_CODE, Role
from core.db import session_scope, utcnow
from core.text import name_search_key

DEMO_PASSWORD = "cessio-demo-2026"
# Fixed TOTP secrets so a demo head/admin can sign in at once; `cessio users totp-now NAME`
# prints the current code. Real users enrol their own secret on first login.
DEMO_USERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("admin", "Администратор Системы", "admin", "JBSWY3DPEHPK3PXPADMIN234"),
    ("head", "Кузнецова Мария Петровна", "head", "JBSWY3DPEHPK3PXPHEAD2345"),
    ("lawyer", "Смирнов Алексей Викторович", "lawyer", None),
    ("lawyer2", "Орлова Елена Сергеевна", "lawyer", None),
    ("clerk", "Иванова Ольга Николаевна", "clerk", None),
    ("clerk2", "Попов Денис Андреевич", "clerk", None),
    ("clerk3", "Васильева Анна Игоревна", "clerk", None),
)

CREDITORS = (
    ("ООО МФК «Быстрые Деньги»", "МФК Быстрые Деньги", "7702000001"),
    ("ООО МКК «Займ Экспресс»", "МКК Займ Экспресс", "7702000002"),
    ("ПАО «Банк Восход»", "Банк Восход", "7702000003"),
    ("ООО МФК «Лайм Кредит»", "МФК Лайм Кредит", "7702000004"),
    ("АО «Кредит Онлайн»", "Кредит Онлайн", "7702000005"),
)
ASSIGNEE = ("ООО ПКО «Цессио Финанс»", "ПКО Цессио Финанс", "7704123456")

# The path a case took to reach each stage (transition names), for a plausible timeline.
PATHS: dict[str, tuple[str, ...]] = {
    "new": (),
    "claim_prepared": ("prepare_claim",),
    "claim_mailed": ("prepare_claim", "mail_claim"),
    "claim_delivered": ("prepare_claim", "mail_claim", "deliver_claim"),
    "order_issued": ("prepare_claim", "mail_claim", "deliver_claim", "issue_order"),
    "order_refused": ("prepare_claim", "mail_claim", "deliver_claim", "refuse_order"),
    "order_in_force": ("prepare_claim", "mail_claim", "deliver_claim", "issue_order", "order_in_force"),
    "order_cancelled": ("prepare_claim", "mail_claim", "deliver_claim", "issue_order", "cancel_order"),
    "lawsuit_filed": ("prepare_claim", "mail_claim", "deliver_claim", "refuse_order", "file_lawsuit"),
    "hearing": ("prepare_claim", "mail_claim", "deliver_claim", "refuse_order", "file_lawsuit", "schedule_hearing"),
    "judgment": (
        "prepare_claim",
        "mail_claim",
        "deliver_claim",
        "refuse_order",
        "file_lawsuit",
        "schedule_hearing",
        "receive_judgment",
    ),
    "enforcement": (
        "prepare_claim",
        "mail_claim",
        "deliver_claim",
        "issue_order",
        "order_in_force",
        "start_enforcement",
    ),
    "repaid": (
        "prepare_claim",
        "mail_claim",
        "deliver_claim",
        "issue_order",
        "order_in_force",
        "start_enforcement",
        "mark_repaid",
    ),
    "written_off": ("prepare_claim", "mail_claim", "deliver_claim", "refuse_order", "write_off"),
}
STAGE_WEIGHTS: dict[str, int] = {
    "new": 14,
    "claim_prepared": 10,
    "claim_mailed": 12,
    "claim_delivered": 10,
    "order_issued": 8,
    "order_refused": 3,
    "order_in_force": 6,
    "order_cancelled": 3,
    "lawsuit_filed": 4,
    "hearing": 3,
    "judgment": 2,
    "enforcement": 14,
    "repaid": 6,
    "written_off": 5,
}
TRANSITION_TARGET = {name: stage for stage, path in PATHS.items() for name in path[-1:]}

REGIONS = (
    ("Москва", "Europe/Moscow"),
    ("Санкт-Петербург", "Europe/Moscow"),
    ("Московская область", "Europe/Moscow"),
    ("Краснодарский край", "Europe/Moscow"),
    ("Свердловская область", "Asia/Yekaterinburg"),
    ("Новосибирская область", "Asia/Novosibirsk"),
    ("Республика Татарстан", "Europe/Moscow"),
    ("Нижегородская область", "Europe/Moscow"),
    ("Самарская область", "Europe/Samara"),
    ("Ростовская область", "Europe/Moscow"),
    ("Челябинская область", "Asia/Yekaterinburg"),
    ("Красноярский край", "Asia/Krasnoyarsk"),
    ("Пермский край", "Asia/Yekaterinburg"),
    ("Воронежская область", "Europe/Moscow"),
    ("Приморский край", "Asia/Vladivostok"),
)


@dataclass(frozen=True)
class DemoSummary:
    cases: int
    users: list[tuple[str, str, str | None]]
    seconds: float


class _Pools:
    def __init__(self, seed: int) -> None:
        fake = Faker("ru_RU")
        fake.seed_instance(seed)
        self.male = [(fake.last_name_male(), fake.first_name_male(), fake.middle_name_male()) for _ in range(600)]
        self.female = [
            (fake.last_name_female(), fake.first_name_female(), fake.middle_name_female()) for _ in range(600)
        ]
        self.cities = [fake.city_name() for _ in range(300)]
        self.streets = [fake.street_name() for _ in range(500)]


def _ensure_users(session: Session) -> dict[str, list[int]]:
    for username, full_name, role, secret in DEMO_USERS:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(session, None, username, full_name, role, DEMO_PASSWORD)
        if secret and not user.mfa_enrolled:
            user.totp_secret = secret
            user.mfa_enrolled = True
    session.flush()
    by_role: dict[str, list[int]] = {}
    for user in session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.id)):
        by_role.setdefault(user.role, []).append(user.id)
    return by_role


def _ensure_creditors(session: Session) -> tuple[list[int], int, list[tuple[int, int, dt.date]]]:
    ids = []
    for name, short, inn in CREDITORS:
        cred = session.scalar(select(Creditor).where(Creditor.name == name))
        if cred is None:
            cred = Creditor(
                name=name,
                short_name=short,
                inn=inn,
                ogrn=f"1{inn}0000"[:13],
                address="г. Москва, Пресненская наб., д. 12",
                is_own=False,
            )
            session.add(cred)
            session.flush()
        ids.append(cred.id)
    assignee = session.scalar(select(Creditor).where(Creditor.name == ASSIGNEE[0]))
    if assignee is None:
        assignee = Creditor(
            name=ASSIGNEE[0],
            short_name=ASSIGNEE[1],
            inn=ASSIGNEE[2],
            ogrn="1167746123456",
            address="125047, г. Москва, ул. 1-я Тверская-Ямская, д. 21, офис 512",
            bank_details="р/с 40702810938000012345 в ПАО Сбербанк, БИК 044525225, к/с 30101810400000000225",
            is_own=True,
        )
        session.add(assignee)
        session.flush()
    agreements = []
    for idx, cred_id in enumerate(ids):
        for k in range(2):
            number = f"Ц-{idx + 1:02d}{k + 1}/2024"
            ag = session.scalar(select(AssignmentAgreement).where(AssignmentAgreement.number == number))
            if ag is None:
                ag = AssignmentAgreement(
                    number=number, date=dt.date(2024, 2 + idx, 10 + 5 * k), cedent_id=cred_id, assignee_id=assignee.id
                )
                session.add(ag)
                session.flush()
            agreements.append((ag.id, cred_id, ag.date))
    return ids, assignee.id, agreements


def _next_id(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


def _batched_insert(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        _copy_rows(session, model.__table__, rows)
    else:
        session.execute(insert(model.__table__), list(rows))


def _copy_rows(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """PostgreSQL COPY through psycopg 3 (the fast path for 100,000+ rows)."""
    cols = list(rows[0].keys())
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_copy_value(row[c]) for c in cols])


def _copy_value(value: Any) -> Any:
    if isinstance(value, dict):
        import json

        return json.dumps(value, ensure_ascii=False)
    return value


def _fix_sequences(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("debtors", "contracts", "assigned_claims", "cases", "case_events"):
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))")
        )


def load_demo(
    engine: Engine | None = None,
    cases: int = 1000,
    seed: int = 2026,
    batch: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Add ``cases`` demo cases (and the demo users, creditors and agreements if missing)."""
    import time

    started = time.perf_counter()
    rng = random.Random(seed)
    pools = _Pools(seed)
    now = utcnow()
    with session_scope(engine) as session:
        users = _ensure_users(session)
        creditor_ids, _assignee_id, agreements = _ensure_creditors(session)
        bank_id = creditor_ids[2]  # the bank's loans are not microloans (no 353-FZ microloan caps)
    stages = list(STAGE_WEIGHTS)
    weights = [STAGE_WEIGHTS[s] for s in stages]
    done = 0
    while done < cases:
        n = min(batch, cases - done)
        with session_scope(engine) as session:
            _load_batch(session, rng, pools, n, now, users, agreements, stages, weights, bank_id)
            _fix_sequences(session)
        done += n
        if progress:
            progress(done, cases)
    with session_scope(engine) as session:
        for extend in _demo_extenders():
            extend(session, rng)
    user_lines = [(u, r, s) for u, _n, r, s in DEMO_USERS]
    return DemoSummary(cases, user_lines, time.perf_counter() - started)


def _demo_extenders() -> Iterator[Callable[[Session, random.Random], None]]:
    """Domains may add demo rows of their own in ``core/<domain>/demo.py`` (``extend_demo``)."""
    from core.domains import domain_modules

    for module in domain_modules("demo"):
        fn = getattr(module, "extend_demo", None)
        if fn is not None:
            yield fn


def _tracking(rng: random.Random) -> str:
    from core.postal.tracking import domestic_check_digit

    first = f"{rng.randint(101000, 694999):06d}{rng.randint(10, 99):02d}{rng.randint(0, 99999):05d}"
    return first + str(domestic_check_digit(first))


def _load_batch(
    session: Session,
    rng: random.Random,
    pools: _Pools,
    n: int,
    now: dt.datetime,
    users: dict[str, list[int]],
    agreements: list[tuple[int, int, dt.date]],
    stages: list[str],
    weights: list[int],
    bank_id: int,
) -> None:
    debtor_id = _next_id(session, Debtor)
    contract_id = _next_id(session, Contract)
    claim_id = _next_id(session, AssignedClaim)
    case_id = _next_id(session, Case)
    event_id = _next_id(session, CaseEvent)
    debtors, contracts, claims, case_rows, events = [], [], [], [], []
    for i in range(n):
        female = rng.random() < 0.45
        last, first, middle = rng.choice(pools.female if female else pools.male)
        full = f"{last} {first} {middle}"
        region, tz = rng.choice(REGIONS)
        city = rng.choice(pools.cities)
        birth = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 48))
        did, cid, kid, case_no = debtor_id + i, contract_id + i, claim_id + i, case_id + i
        debtors.append(
            {
                "id": did,
                "last_name": last,
                "first_name": first,
                "middle_name": middle,
                "full_name": full,
                "name_search": name_search_key(full),
                "birth_date": birth,
                "birth_place": f"г. {city}",
                "passport": f"{rng.randint(1000, 9999)} {rng.randint(100000, 999999)}",
                "inn": f"{rng.randint(10**11, 10**12 - 1)}",
                "snils": f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-"
                f"{rng.randint(100, 999)} {rng.randint(10, 99)}",
                "address": f"{rng.randint(101000, 694999)}, {region}, г. {city}, ул. {rng.choice(pools.streets)}, "
                f"д. {rng.randint(1, 120)}, кв. {rng.randint(1, 300)}",
                "phone": f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
                "email": None,
                "region": region,
                "time_zone": tz,
            }
        )
        agreement_id, creditor_id, ag_date = rng.choice(agreements)
        c_date = ag_date - dt.timedelta(days=rng.randint(120, 900))
        principal = Decimal(rng.randrange(300_000, 9_000_000, 500)) / 100
        micro = creditor_id != bank_id
        rate = Decimal("0.8") if c_date >= dt.date(2023, 7, 1) else Decimal("1.0")
        contracts.append(
            {
                "id": cid,
                "number": f"{rng.choice('ЗМКЛ')}{rng.randint(10**6, 10**7 - 1)}-{c_date:%y}",
                "date": c_date,
                "original_creditor_id": creditor_id,
                "debtor_id": did,
                "principal": principal,
                "interest_rate_daily": rate if micro else Decimal("0.05"),
                "penalty_rate_annual": Decimal("20"),
                "term_days": rng.choice((15, 30, 60, 180)),
                "due_date": c_date + dt.timedelta(days=30),
                "is_microloan": micro,
            }
        )
        interest = (principal * Decimal(rng.randint(40, 130)) / 100).quantize(Decimal("0.01"))
        penalty = (principal * Decimal(rng.randint(0, 10)) / 100).quantize(Decimal("0.01"))
        total = principal + interest + penalty
        claims.append(
            {
                "id": kid,
                "agreement_id": agreement_id,
                "contract_id": cid,
                "register_line": kid,
                "principal": principal,
                "interest": interest,
                "penalty": penalty,
                "fees": Decimal("0.00"),
                "total": total,
            }
        )
        stage_code = rng.choices(stages, weights)[0]
        path = PATHS[stage_code]
        sla = STAGE_BY_CODE[stage_code].sla_days
        # most cases entered their stage within about its SLA; some overstay (what heads look for)
        last_at = now - dt.timedelta(days=rng.uniform(0, sla * 1.4) if sla else rng.uniform(1, 300))
        if path:
            opened = last_at - dt.timedelta(days=rng.randint(len(path) * 8 + 3, 400), minutes=rng.randint(0, 1440))
        else:
            opened = last_at
        at = opened
        events.append(
            {
                "id": event_id,
                "case_id": case_no,
                "at": opened,
                "kind": "import",
                "source": "import",
                "user_id": None,
                "from_stage": None,
                "to_stage": "new",
                "comment": "Claim acquired by assignment",
                "data": {},
            }
        )
        event_id += 1
        prev = "new"
        data: dict[str, Any] = {}
        span = (last_at - opened).total_seconds()
        gaps = [*sorted(rng.random() for _ in path[:-1]), 1.0] if path else []
        for step, gap in zip(path, gaps, strict=True):
            at = opened + dt.timedelta(seconds=span * gap)
            target = _target(step)
            step_data: dict[str, Any] = {"transition": step}
            if step == "mail_claim":
                data["tracking_number"] = step_data["tracking_number"] = _tracking(rng)
            if step in ("issue_order", "receive_judgment"):
                data["court_case_number"] = step_data["act_number"] = f"2-{rng.randint(100, 9999)}/{at:%Y}"
                data["court_act_date"] = at.date()
                data["awarded_amount"] = total
                step_data["act_date"] = at.date().isoformat()
                step_data["awarded_amount"] = str(total)
            events.append(
                {
                    "id": event_id,
                    "case_id": case_no,
                    "at": at,
                    "kind": "transition",
                    "source": "manual",
                    "user_id": rng.choice(users.get(STAGE_BY_CODE[target].role.value, users["clerk"])),
                    "from_stage": prev,
                    "to_stage": target,
                    "comment": None,
                    "data": step_data,
                }
            )
            event_id += 1
            prev = target
        st = STAGE_BY_CODE[stage_code]
        role_users = users.get(st.role.value) or users.get(Role.CLERK.value) or [None]
        court_no = rng.randint(1, 400)
        case_rows.append(
            {
                "id": case_no,
                "number": f"C-{case_no:06d}",
                "debtor_id": did,
                "contract_id": cid,
                "creditor_id": creditor_id,
                "agreement_id": agreement_id,
                "stage": stage_code,
                "responsible_id": rng.choice(role_users),
                "entered_stage_at": at,
                "court_name": f"Судебный участок № {court_no} {region}",
                "court_address": f"{region}, г. {city}, ул. {rng.choice(pools.streets)}, д. {rng.randint(1, 60)}",
                "court_case_number": data.get("court_case_number"),
                "court_act_number": data.get("court_case_number"),
                "court_act_date": data.get("court_act_date"),
                "awarded_amount": data.get("awarded_amount"),
                "tracking_number": data.get("tracking_number"),
                "claim_amount": total,
                "opened_at": opened,
                "closed_at": at if st.closed else None,
                "sla_breached_at": None,
                "updated_at": at,
                "updated_by_id": None,
                "version": 1,
            }
        )
    _batched_insert(session, Debtor, debtors)
    _batched_insert(session, Contract, contracts)
    _batched_insert(session, AssignedClaim, claims)
    _batched_insert(session, Case, case_rows)
    _batched_insert(session, CaseEvent, events)


def _target(transition_name: str) -> str:
    from core.cases.workflow import transition

    return transition(transition_name).target


def demo_user_lines() -> list[str]:
    return [
        f"{u:<8} {r:<7} password {DEMO_PASSWORD}" + (" (MFA: `cessio users totp-now " + u + "`)" if s else "")
        for u, _n, r, s in DEMO_USERS
    ]
