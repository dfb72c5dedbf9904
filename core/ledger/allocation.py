"""How a payment is split between the components of a debt.

Two orders, chosen by the kind of debt (``order_for``):

- **Consumer loans and microloans** (contracts concluded on or after 01.07.2014, when Federal Law
  No. 353-FZ "On consumer credit (loans)" came into force, art. 17 p. 1): the mandatory order of
  353-FZ art. 5 p. 20 — 1) overdue interest, 2) overdue principal, 3) the penalty (within
  art. 5 p. 21), 4) current interest, 5) current principal, 6) other payments. An assignee takes
  the claim on the same terms (Civil Code art. 384), so the order binds the department too. A
  debt in collection is wholly overdue (the loan's term has ended or the loan was called in), so
  items 4 and 5 are empty and the order is interest -> principal -> penalty -> costs.
  **Where court-awarded costs sit**: the state fee, postage and other court costs are not
  payments under the contract; 353-FZ art. 5 p. 20 is a special rule that displaces Civil Code
  art. 319 for a consumer loan and leaves no place for costs before items 1-5, so they are paid
  with item 6 ("иные платежи"), after the penalty. This is also the reading that cannot
  overcharge a debtor: principal falls first, so less interest and art. 395 interest accrue on it.
- **Any other debt** (a contract before 01.07.2014): Civil Code art. 319 — the creditor's costs of
  obtaining performance (state fee, postage, court costs), then interest, then principal. A
  penalty is not named in art. 319 and is paid last (Supreme Court Plenum Resolution No. 54 of
  22.11.2016, p. 37: an agreement that pays the penalty before interest or principal is void).

A creditor may store its own order (``Creditor.allocation_order``), but only one the law allows
(``check_order``): for a consumer loan only the order among the costs of item 6 is free; for
other debts the parties may rearrange the items named in art. 319 (Plenum 54 p. 49) but never
put the penalty before principal or interest (p. 37). ``order_for`` falls back to the statutory
order when a stored order is not lawful for the debt, so a payment is never split unlawfully.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

from core.errors import ValidationFailed
from core.i18n import N_, _

COMPONENTS: tuple[str, ...] = ("principal", "interest", "penalty", "state_fee", "postage", "court_costs")
COSTS: tuple[str, ...] = ("state_fee", "postage", "court_costs")
OVERPAYMENT = "overpayment"
# Civil Code art. 319 (+ Plenum 54 p. 37 for the penalty).
ART319_ORDER: tuple[str, ...] = ("state_fee", "postage", "court_costs", "interest", "principal", "penalty")
# 353-FZ art. 5 p. 20 for a debt that is wholly overdue; costs with item 6 ("other payments").
CONSUMER_ORDER: tuple[str, ...] = ("interest", "principal", "penalty", "state_fee", "postage", "court_costs")
DEFAULT_ORDER = ART319_ORDER
# 353-FZ applies to contracts concluded from this day on (353-FZ art. 17 p. 1).
CONSUMER_LAW_FROM = dt.date(2014, 7, 1)

COMPONENT_LABELS: dict[str, str] = {
    "principal": N_("Principal"),
    "interest": N_("Interest"),
    "penalty": N_("Penalty"),
    "state_fee": N_("State fee"),
    "postage": N_("Postage"),
    "court_costs": N_("Court costs"),
    OVERPAYMENT: N_("Overpayment"),
}

ZERO = Decimal("0.00")


def is_consumer_debt(contract_date: dt.date) -> bool:
    """A consumer loan under 353-FZ: every debt the department buys is a citizen's consumer loan
    or microloan, and 353-FZ governs those concluded from 01.07.2014 (art. 17 p. 1)."""
    return contract_date >= CONSUMER_LAW_FROM


def parse_order(text: str | None) -> tuple[str, ...] | None:
    """A stored order (``"state_fee,postage,court_costs,interest,principal,penalty"``) as a tuple,
    or None when none is set. Every component must appear exactly once."""
    if not text or not text.strip():
        return None
    parts = tuple(p.strip().lower() for p in text.split(",") if p.strip())
    unknown = [p for p in parts if p not in COMPONENTS]
    if unknown or sorted(parts) != sorted(COMPONENTS):
        raise ValidationFailed(
            _("The allocation order must list each of {components} exactly once; got '{text}'.").format(
                components=", ".join(COMPONENTS), text=text
            ),
            {"allocation_order": "unknown or repeated components" if unknown else "a component is missing or repeated"},
        )
    return parts


def order_problem(order: Sequence[str], consumer: bool) -> str | None:
    """Why ``order`` is not lawful for the kind of debt, or None when it is."""
    pos = {c: i for i, c in enumerate(order)}
    if sorted(order) != sorted(COMPONENTS):
        return _("every component must appear exactly once")
    if consumer:
        if tuple(order[:3]) != CONSUMER_ORDER[:3]:
            return _(
                "for a consumer loan the order is fixed by 353-FZ art. 5 p. 20: interest, principal, penalty, "
                "then the other payments (only the order of the costs among themselves may be chosen)"
            )
        return None
    if pos["penalty"] < pos["principal"] or pos["penalty"] < pos["interest"]:
        return _(
            "the penalty may not be paid before interest or principal (Civil Code art. 319; Supreme Court "
            "Plenum No. 54 of 22.11.2016, p. 37)"
        )
    return None


def check_order(text: str | None, consumer: bool) -> tuple[str, ...] | None:
    """Parse a creditor's order and refuse one the law does not allow for the kind of debt."""
    order = parse_order(text)
    if order is None:
        return None
    problem = order_problem(order, consumer)
    if problem:
        raise ValidationFailed(
            _("The allocation order '{text}' is not lawful: {problem}.").format(text=text, problem=problem),
            {"allocation_order": problem},
        )
    return order


def order_for(contract_date: dt.date, creditor_text: str | None = None) -> tuple[str, ...]:
    """The order a payment on this debt is split in: the creditor's own order where it is
    lawful for the debt, else the statutory one (353-FZ art. 5 p. 20 or Civil Code art. 319)."""
    consumer = is_consumer_debt(contract_date)
    statutory = CONSUMER_ORDER if consumer else ART319_ORDER
    try:
        order = parse_order(creditor_text)
    except ValidationFailed:
        return statutory
    if order is None or order_problem(order, consumer) is not None:
        return statutory
    return order


def allocate(
    amount: Decimal, outstanding: Mapping[str, Decimal], order: Sequence[str] = DEFAULT_ORDER
) -> dict[str, Decimal]:
    """Split ``amount`` over ``outstanding`` in ``order``; what is left is the overpayment.

    Returns only the non-zero parts, in order; the parts always add up to ``amount`` exactly.
    """
    if isinstance(amount, float):
        raise TypeError("money must be Decimal, not float")
    left = amount
    parts: dict[str, Decimal] = {}
    for component in order:
        owed = outstanding.get(component, ZERO)
        if left <= 0:
            break
        if owed <= 0:
            continue
        take = min(owed, left)
        parts[component] = take
        left -= take
    if left > 0:
        parts[OVERPAYMENT] = left
    return parts
