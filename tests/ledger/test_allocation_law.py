"""Payment allocation by the kind of debt, computed by hand.

- Consumer loan (contract from 01.07.2014): 353-FZ art. 5 p. 20 — overdue interest, overdue
  principal, penalty, (current interest, current principal: empty for a debt in collection),
  other payments (the costs: state fee, postage, court costs).
- Other debt (contract before 01.07.2014): Civil Code art. 319 — costs, interest, principal; the
  penalty last (Supreme Court Plenum No. 54 of 22.11.2016 p. 37).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ValidationFailed
from core.ledger.allocation import (
    ART319_ORDER,
    COMPONENTS,
    CONSUMER_ORDER,
    allocate,
    check_order,
    order_for,
    order_problem,
)
from core.ledger.service import EntryKind, balance, case_entries, post_entry
from tests.factories import make_creditor, make_user
from tests.ledger.helpers import case_with_debt

D = Decimal
DAY = dt.date(2024, 3, 1)


def test_issue_example_consumer_loan_pays_interest_then_principal(session) -> None:
    """Issue #18 item 1: debt 10,000 principal, 3,000 interest, 500 penalty, 2,080 costs (state fee
    2,000 + postage 80); a payment of 4,000 on 01.03.2024 on a 2023 microloan goes 3,000 to
    interest and 1,000 to principal (353-FZ art. 5 p. 20 items 1-2); penalty and costs untouched.
    Under art. 319 it would have gone 2,080 to costs and 1,920 to interest."""
    clerk = make_user(session, "clerk")
    case = case_with_debt(
        session, "10000.00", interest="3000.00", penalty="500.00", state_fee="2000.00", postage="80.00"
    )
    entry = post_entry(session, clerk, case.id, EntryKind.PAYMENT, D("4000.00"), DAY, "manual", "receipt 7")
    session.commit()
    split = {v.id: v.allocation for v in case_entries(session, clerk, case.id)}[entry.id]
    assert split == {"interest": D("3000.00"), "principal": D("1000.00")}
    bal = balance(session, case.id)
    assert (bal.principal, bal.interest, bal.penalty, bal.state_fee, bal.postage) == (
        D("9000.00"),
        D("0.00"),
        D("500.00"),
        D("2000.00"),
        D("80.00"),
    )


def test_consumer_payment_reaches_penalty_then_costs(session) -> None:
    """Payment of 14,000 on the same debt: 3,000 interest, 10,000 principal, 500 penalty (item 3),
    then 500 of the state fee (item 6); postage 80 and 1,500 of the fee stay owed."""
    clerk = make_user(session, "clerk")
    case = case_with_debt(
        session, "10000.00", interest="3000.00", penalty="500.00", state_fee="2000.00", postage="80.00"
    )
    entry = post_entry(session, clerk, case.id, EntryKind.PAYMENT, D("14000.00"), DAY, "manual")
    session.commit()
    split = {v.id: v.allocation for v in case_entries(session, clerk, case.id)}[entry.id]
    assert split == {
        "interest": D("3000.00"),
        "principal": D("10000.00"),
        "penalty": D("500.00"),
        "state_fee": D("500.00"),
    }
    assert balance(session, case.id).total == D("1580.00")


def test_unlawful_creditor_order_is_not_used_for_a_consumer_loan(session) -> None:
    """A creditor's stored order that puts costs first is void for a consumer loan: the 4,000
    still goes 3,000 interest + 1,000 principal."""
    creditor = make_creditor(session)
    creditor.allocation_order = "state_fee,postage,court_costs,interest,principal,penalty"
    clerk = make_user(session, "clerk")
    case = case_with_debt(session, "10000.00", interest="3000.00", state_fee="2000.00", creditor=creditor)
    entry = post_entry(session, clerk, case.id, "payment", D("4000.00"), DAY, "manual")
    session.commit()
    split = {v.id: v.allocation for v in case_entries(session, clerk, case.id)}[entry.id]
    assert split == {"interest": D("3000.00"), "principal": D("1000.00")}


def test_old_loan_keeps_art_319() -> None:
    """A 2013 loan (before 353-FZ): art. 319 — costs 2,080 first, then 1,920 of interest."""
    order = order_for(dt.date(2013, 5, 6))
    assert order == ART319_ORDER
    owed = {
        "principal": D("10000"),
        "interest": D("3000"),
        "penalty": D("500"),
        "state_fee": D("2000"),
        "postage": D("80"),
    }
    assert allocate(D("4000"), owed, order) == {"state_fee": D("2000"), "postage": D("80"), "interest": D("1920")}
    assert order_for(dt.date(2014, 7, 1)) == CONSUMER_ORDER


def test_settings_refuse_unlawful_orders_with_the_reason() -> None:
    with pytest.raises(ValidationFailed, match="353-FZ art. 5 p. 20"):
        check_order("state_fee,postage,court_costs,interest,principal,penalty", consumer=True)
    with pytest.raises(ValidationFailed, match="Plenum No. 54"):
        check_order("penalty,state_fee,postage,court_costs,interest,principal", consumer=False)
    # lawful: the costs among themselves in another order, for a consumer loan
    assert check_order("interest,principal,penalty,court_costs,postage,state_fee", consumer=True)
    # lawful for an art. 319 debt: interest before costs (Plenum 54 p. 49), penalty last
    assert check_order("interest,state_fee,postage,court_costs,principal,penalty", consumer=False)


def _accepted(consumer: bool) -> list[tuple[str, ...]]:
    return [p for p in permutations(COMPONENTS) if order_problem(p, consumer) is None]


amounts = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(
    order=st.sampled_from(_accepted(consumer=True) + _accepted(consumer=False)),
    text_order=st.permutations(list(COMPONENTS)),
    owed=st.fixed_dictionaries({c: amounts for c in COMPONENTS}),
    pay=st.decimals(min_value=D("0.01"), max_value=3_000_000, places=2),
    contract_day=st.dates(min_value=dt.date(2014, 7, 1), max_value=dt.date(2030, 12, 31)),
)
def test_no_accepted_order_pays_penalty_before_principal_on_a_consumer_loan(
    order: tuple[str, ...], text_order: list[str], owed: dict[str, Decimal], pay: Decimal, contract_day: dt.date
) -> None:
    """Whatever order a creditor stores (lawful or not), a consumer loan's payment never reaches
    the penalty while principal or interest is owed (353-FZ art. 5 p. 20; Plenum 54 p. 37)."""
    for stored in (",".join(order), ",".join(text_order)):
        effective = order_for(contract_day, stored)
        parts = allocate(pay, owed, effective)
        if parts.get("penalty", 0) > 0:
            assert parts.get("principal", 0) == owed["principal"]
            assert parts.get("interest", 0) == owed["interest"]
        assert sum(parts.values()) == pay


def test_creditor_setting_refuses_penalty_before_principal(session) -> None:
    from core.ledger.service import set_allocation_order

    lawyer = make_user(session, "lawyer")
    creditor = make_creditor(session)
    with pytest.raises(ValidationFailed, match="Plenum No. 54"):
        set_allocation_order(session, lawyer, creditor.id, "penalty,principal,interest,state_fee,postage,court_costs")
    assert creditor.allocation_order is None
    # lawful for an art. 319 debt only: stored, and ignored for consumer loans (see above)
    assert set_allocation_order(
        session, lawyer, creditor.id, "interest,principal,state_fee,postage,court_costs,penalty"
    )
    assert set_allocation_order(session, lawyer, creditor.id, "") is None
