"""The demo a head first looks at after ``make run``: it reads as real and its history is true.

Addresses as envelopes spell them (one street type, real cities of the debtor's region), loan
terms that agree with the due dates, identifiers the credit bureau accepts, and two years of
intake so the KPI page's default year shows a trend in every month.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from core.bureau.validation import inn_problem, snils_problem
from core.cases.models import Case, Contract, Creditor, Debtor
from core.cases.sla import is_over_sla
from core.db import utcnow
from core.demo import REGIONS, history, load_demo, person_inn, snils
from core.kpi import service
from core.kpi.filters import KpiFilters
from tests.kpi.conftest import staff

STREET_TYPES = ("ул.", "пр-т", "пер.", "б-р", "ш.", "наб.")
CITIES = {region: {city for city, _ in cities} for region, _tz, _code, cities in REGIONS}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    from core import db as core_db
    from core.migrate import upgrade

    engine = core_db.make_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    upgrade(engine)
    load_demo(engine, cases=600, seed=11)
    return engine


def test_addresses_name_one_street_type_and_a_city_of_the_region(demo: Engine) -> None:
    with sessionmaker(bind=demo)() as s:
        debtors = s.scalars(select(Debtor)).all()
        courts = s.execute(select(Case.court_name, Case.court_address)).all()
    for d in debtors:
        assert d.address and d.region
        street_types = [t for t in STREET_TYPES if f" {t} " in f" {d.address} "]
        assert len(street_types) == 1, d.address  # never "ул. ул. Краснопартизанская" or "ул. ш. Маркса Карла"
        city = re.search(r"г\. ([^,]+),", d.address)
        assert city and city.group(1) in CITIES[d.region], d.address
        assert re.match(r"^\d{6}, ", d.address), d.address  # a postcode first
        assert "Маркса Карла" not in d.address
    for name, address in courts:
        assert re.fullmatch(r"Судебный участок № \d+, г\. [А-ЯЁа-яё -]+", name), name
        assert sum(f" {t} " in f" {address} " for t in STREET_TYPES) == 1, address


def test_a_loans_term_and_its_due_date_agree(demo: Engine) -> None:
    with sessionmaker(bind=demo)() as s:
        contracts = s.scalars(select(Contract)).all()
    assert contracts
    for c in contracts:
        assert c.due_date == c.date + dt.timedelta(days=c.term_days), (c.number, c.term_days, c.date, c.due_date)
    assert len({c.term_days for c in contracts}) > 3  # microloans for days, bank loans for years


def test_every_demo_debtor_and_creditor_has_identifiers_the_bureau_accepts(demo: Engine) -> None:
    with sessionmaker(bind=demo)() as s:
        debtors = s.scalars(select(Debtor)).all()
        creditors = s.scalars(select(Creditor)).all()
    assert [d.inn for d in debtors if inn_problem(d.inn)] == []
    assert [d.snils for d in debtors if snils_problem(d.snils)] == []
    assert len({d.inn for d in debtors}) == len(debtors)
    for c in creditors:  # a company's 10-digit INN: its last digit checks the nine before it
        digits = [int(x) for x in c.inn]
        assert len(digits) == 10
        check = sum(d * w for d, w in zip(digits, (2, 4, 10, 3, 5, 9, 4, 6, 8), strict=False)) % 11 % 10
        assert digits[9] == check, c.inn
        assert int(c.ogrn[:12]) % 11 % 10 == int(c.ogrn[12]), c.ogrn


def test_identifier_generators_pass_the_bureau_rules_for_many_seeds() -> None:
    rng = random.Random(5)
    for _ in range(5000):
        assert inn_problem(person_inn(rng, "77")) is None
        assert snils_problem(snils(rng)) is None


def test_history_spans_two_years_with_cases_in_every_month(demo: Engine) -> None:
    """The KPI page opens on the last twelve months by month: each month has new and closed
    cases, and the trend is not a handful of bars in the last weeks."""
    with sessionmaker(bind=demo)() as s:
        head = staff(s, "head", "Helen Head")
        s.commit()
        opened = s.scalars(select(Case.opened_at)).all()
        now = utcnow()
        assert min(opened) < now - dt.timedelta(days=600)
        months = Counter(o.strftime("%Y-%m") for o in opened)
        assert len(months) >= 24
        service.clear_cache()
        year = service.kpi(s, head, "opened_closed", KpiFilters.last_months(), now)
        service.clear_cache()
    whole_months = year.frame.iloc[:-1]  # the current month is still running
    assert len(year.frame) == 12
    assert (whole_months["opened"] > 0).all() and (whole_months["closed"] > 0).sum() >= 10


def test_timelines_follow_the_workflow_and_overstays_are_real(demo: Engine) -> None:
    """A case's stage, its stage entry and its closing follow from its history; some cases
    overstay their SLA (what heads look for), most do not."""
    with sessionmaker(bind=demo)() as s:
        cases = s.scalars(select(Case)).all()
    now = utcnow()
    over = [c for c in cases if is_over_sla(c.stage, c.entered_stage_at, now)]
    open_cases = [c for c in cases if c.closed_at is None]
    assert 0.05 < len(over) / len(open_cases) < 0.6
    for c in cases:
        assert c.opened_at <= c.entered_stage_at <= now
        assert (c.closed_at is not None) == (c.stage in ("repaid", "written_off"))
    steps = history(random.Random(1), now - dt.timedelta(days=700), now)
    assert steps[0][0] == "prepare_claim" and all(a[1] < b[1] for a, b in itertools.pairwise(steps))
