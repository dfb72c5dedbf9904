"""Demo data: realistic Russian debtors, creditors, cession agreements and cases in every stage.

Scales from 100 to 1,000,000 cases. Faker (ru_RU) makes a pool of names once; places are real
cities with their postcodes, streets as envelopes spell them, INN and SNILS with valid check digits;
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

# (full name, short name, serial number of its INN at the Moscow tax office 7702)
CREDITORS = (
    ("ООО МФК «Быстрые Деньги»", "МФК Быстрые Деньги", 10481),
    ("ООО МКК «Займ Экспресс»", "МКК Займ Экспресс", 20317),
    ("ПАО «Банк Восход»", "Банк Восход", 30752),
    ("ООО МФК «Лайм Кредит»", "МФК Лайм Кредит", 41196),
    ("АО «Кредит Онлайн»", "Кредит Онлайн", 52608),
)
ASSIGNEE = ("ООО ПКО «Цессио Финанс»", "ПКО Цессио Финанс", 12345)

# How a case moves, for a plausible history: from each stage, the transitions it may take next
# with their odds, and how many days it stays (uniform between the bounds; the upper bound of
# most stages lies past the stage's SLA, and some cases stall, so some overstay, as in life;
# a debtor objects to about a third of court orders, Civil Procedure Code art. 129). A case opened long
# ago has moved further; one opened yesterday is still new. A small chance of an early voluntary
# repayment applies at every open stage.
NEXT: dict[str, tuple[tuple[str, float], ...]] = {
    "new": (("prepare_claim", 1.0),),
    "claim_prepared": (("mail_claim", 1.0),),
    "claim_mailed": (("deliver_claim", 1.0),),
    "claim_delivered": (("issue_order", 0.8), ("refuse_order", 0.2)),
    "order_issued": (("order_in_force", 0.65), ("cancel_order", 0.35)),
    "order_in_force": (("start_enforcement", 1.0),),
    "order_refused": (("file_lawsuit", 0.75), ("write_off", 0.25)),
    "order_cancelled": (("file_lawsuit", 0.75), ("write_off", 0.25)),
    "lawsuit_filed": (("schedule_hearing", 1.0),),
    "hearing": (("receive_judgment", 1.0),),
    "judgment": (("start_enforcement", 1.0),),
    "enforcement": (("mark_repaid", 0.5), ("write_off", 0.5)),
}
DWELL_DAYS: dict[str, tuple[float, float]] = {
    "new": (0.5, 6.5),
    "claim_prepared": (1, 6.5),
    "claim_mailed": (6, 17),
    "claim_delivered": (10, 38),
    "order_issued": (11, 24),
    "order_refused": (5, 40),
    "order_cancelled": (5, 40),
    "order_in_force": (2, 12),
    "lawsuit_filed": (20, 70),
    "hearing": (30, 110),
    "judgment": (30, 48),
    "enforcement": (90, 720),
}
EARLY_REPAYMENT = 0.02
STALL = 0.08  # a case that waits on a court, a lost envelope or a busy lawyer stays 2-5 times longer
HISTORY_DAYS = 730  # two years of intake
LATEST_PORTFOLIO_SHARE = 0.2  # the last portfolio bought, still being worked through
LATEST_PORTFOLIO_DAYS = 40

# Regions with real cities, the first digits of their postcodes and the region code that opens a
# local INN (tax office numbering): an address reads as a real one, "620014, Свердловская
# область, г. Екатеринбург, ул. Малышева, д. 5, кв. 12".
REGIONS: tuple[tuple[str, str, str, tuple[tuple[str, int], ...]], ...] = (
    ("Москва", "Europe/Moscow", "77", (("Москва", 101000),)),
    ("Санкт-Петербург", "Europe/Moscow", "78", (("Санкт-Петербург", 190000),)),
    ("Московская область", "Europe/Moscow", "50", (("Подольск", 142100), ("Химки", 141400), ("Балашиха", 143900))),
    ("Краснодарский край", "Europe/Moscow", "23", (("Краснодар", 350000), ("Сочи", 354000), ("Армавир", 352900))),
    ("Свердловская область", "Asia/Yekaterinburg", "66", (("Екатеринбург", 620000), ("Нижний Тагил", 622000))),
    ("Новосибирская область", "Asia/Novosibirsk", "54", (("Новосибирск", 630000), ("Бердск", 633010))),
    ("Республика Татарстан", "Europe/Moscow", "16", (("Казань", 420000), ("Набережные Челны", 423800))),
    ("Нижегородская область", "Europe/Moscow", "52", (("Нижний Новгород", 603000), ("Дзержинск", 606000))),
    ("Самарская область", "Europe/Samara", "63", (("Самара", 443000), ("Тольятти", 445000), ("Сызрань", 446000))),
    ("Ростовская область", "Europe/Moscow", "61", (("Ростов-на-Дону", 344000), ("Таганрог", 347900))),
    ("Челябинская область", "Asia/Yekaterinburg", "74", (("Челябинск", 454000), ("Магнитогорск", 455000))),
    ("Красноярский край", "Asia/Krasnoyarsk", "24", (("Красноярск", 660000), ("Ачинск", 662150))),
    ("Пермский край", "Asia/Yekaterinburg", "59", (("Пермь", 614000), ("Березники", 618400))),
    ("Воронежская область", "Europe/Moscow", "36", (("Воронеж", 394000), ("Россошь", 396650))),
    ("Приморский край", "Asia/Vladivostok", "25", (("Владивосток", 690000), ("Уссурийск", 692500))),
)
FEDERAL_CITIES = frozenset({"Москва", "Санкт-Петербург"})
# Streets as they are written on envelopes: the type once, then the name in its usual order.
STREETS: tuple[str, ...] = (
    "ул. Ленина",
    "ул. Карла Маркса",
    "ул. Советская",
    "ул. Мира",
    "ул. Гагарина",
    "ул. Кирова",
    "ул. Пушкина",
    "ул. Молодёжная",
    "ул. Садовая",
    "ул. Школьная",
    "ул. Лесная",
    "ул. Набережная",
    "ул. Октябрьская",
    "ул. Первомайская",
    "ул. Комсомольская",
    "ул. Заводская",
    "ул. Чапаева",
    "ул. Строителей",
    "ул. Победы",
    "ул. Горького",
    "ул. 8 Марта",
    "ул. Малышева",
    "ул. Фрунзе",
    "ул. Дзержинского",
    "ул. Свердлова",
    "ул. Островского",
    "ул. Маяковского",
    "ул. Чехова",
    "ул. Некрасова",
    "ул. Пролетарская",
    "ул. 50 лет Октября",
    "ул. Новая",
    "ул. Центральная",
    "ул. Полевая",
    "пр-т Мира",
    "пр-т Ленина",
    "пр-т Победы",
    "пр-т Строителей",
    "пер. Почтовый",
    "пер. Школьный",
    "б-р Юности",
    "ш. Энтузиастов",
    "наб. Космонавтов",
)
# Loan terms as lenders offer them: microloans for days or weeks, bank loans for years.
MICROLOAN_TERMS = (15, 21, 30, 60, 90, 180)
BANK_TERMS = (365, 730, 1095)


def person_inn(rng: random.Random, region_code: str) -> str:
    """A person's INN with valid check digits (the rule ``core.bureau.validation.inn_problem``
    checks): region code, tax office, serial number, two check digits."""
    body = [int(c) for c in f"{region_code}{rng.randint(1, 99):02d}{rng.randint(0, 999999):06d}"]
    w11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    w12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    body.append(sum(d * w for d, w in zip(body, w11, strict=True)) % 11 % 10)
    body.append(sum(d * w for d, w in zip(body, w12, strict=True)) % 11 % 10)
    return "".join(map(str, body))


def company_inn(prefix: str, serial: int) -> str:
    """A company's 10-digit INN with its check digit (tax office ``prefix``, a serial number)."""
    body = [int(c) for c in f"{prefix}{serial:05d}"]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    body.append(sum(d * w for d, w in zip(body, weights, strict=True)) % 11 % 10)
    return "".join(map(str, body))


def ogrn(body12: str) -> str:
    """A 13-digit OGRN: the first twelve digits and the check digit (their remainder mod 11, last digit)."""
    return body12 + str(int(body12) % 11 % 10)


def snils(rng: random.Random) -> str:
    """A SNILS ``123-456-789 01`` with a valid check number (Pension Fund rule, as
    ``core.bureau.validation.snils_problem`` checks); numbers up to 001-001-998 have none, so
    the demo starts above them."""
    number = f"{rng.randint(2_000_000, 999_999_999):09d}"
    total = sum(int(d) * (9 - i) for i, d in enumerate(number))
    check = total if total < 100 else 0 if total in (100, 101) else total % 101 % 100
    return f"{number[:3]}-{number[3:6]}-{number[6:]} {check:02d}"


def address(rng: random.Random, region: str, city: str, postcode: int, flat: bool = True) -> str:
    """``620014, Свердловская область, г. Екатеринбург, ул. Малышева, д. 5, кв. 12``."""
    place = f"г. {city}" if city in FEDERAL_CITIES else f"{region}, г. {city}"
    line = f"{postcode + rng.randint(0, 199):06d}, {place}, {rng.choice(STREETS)}, д. {rng.randint(1, 120)}"
    return line + (f", кв. {rng.randint(1, 300)}" if flat else "")


def history(rng: random.Random, opened: dt.datetime, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """The transitions a case opened at ``opened`` has made by ``now`` (name, moment), in order."""
    steps: list[tuple[str, dt.datetime]] = []
    stage, at = "new", opened
    while stage in NEXT:
        lo, hi = DWELL_DAYS[stage]
        days = rng.uniform(lo, hi) * (rng.uniform(2, 5) if rng.random() < STALL else 1)
        leave = at + dt.timedelta(days=days)
        if leave > now:
            break
        if rng.random() < EARLY_REPAYMENT:
            name = "mark_repaid"
        else:
            names, odds = zip(*NEXT[stage], strict=True)
            name = rng.choices(names, odds)[0]
        steps.append((name, leave))
        stage, at = _target(name), leave
    return steps


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
    for name, short, serial in CREDITORS:
        cred = session.scalar(select(Creditor).where(Creditor.name == name))
        if cred is None:
            cred = Creditor(
                name=name,
                short_name=short,
                inn=company_inn("7702", serial),
                ogrn=ogrn(f"10277000{serial:04d}"[:12]),
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
            inn=company_inn("7704", ASSIGNEE[2]),
            ogrn=ogrn("116774612345"),
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
    done = 0
    while done < cases:
        n = min(batch, cases - done)
        with session_scope(engine) as session:
            _load_batch(session, rng, pools, n, now, users, agreements, bank_id)
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
        region, tz, region_code, cities = rng.choice(REGIONS)
        city, postcode = rng.choice(cities)
        court_city, court_postcode = rng.choice(cities)
        birth_place = rng.choice(rng.choice(REGIONS)[3])[0]
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
                "birth_place": f"г. {birth_place}",
                "passport": f"{rng.randint(1000, 9999)} {rng.randint(100000, 999999)}",
                "inn": person_inn(rng, region_code),
                "snils": snils(rng),
                "address": address(rng, region, city, postcode),
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
        term = rng.choice(MICROLOAN_TERMS if micro else BANK_TERMS)
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
                "term_days": term,
                "due_date": c_date + dt.timedelta(days=term),  # the term and the due date agree
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
        # intake spread over two years, plus the latest portfolio still being worked through
        recent = rng.random() < LATEST_PORTFOLIO_SHARE
        age_days = rng.uniform(0, LATEST_PORTFOLIO_DAYS if recent else HISTORY_DAYS)
        opened = now - dt.timedelta(days=age_days, minutes=rng.randint(0, 1440))
        opened = min(opened, now - dt.timedelta(minutes=5))
        steps = history(rng, opened, now)
        stage_code = _target(steps[-1][0]) if steps else "new"
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
        for step, at in steps:
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
                "court_name": f"Судебный участок № {court_no}, г. {court_city}",
                "court_address": address(rng, region, court_city, court_postcode, flat=False),
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
