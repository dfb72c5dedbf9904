"""How a payment is split between the components of a debt.

Civil Code art. 319: a payment that does not cover the whole debt pays off first the creditor's
costs of recovering it (here: state fee, postage, other court costs), then interest, then the
principal. Penalties (forfeits) are not named in art. 319 and, per the Supreme Court Plenum
Resolution No. 54 of 22.11.2016 (para. 37), come after the principal. A creditor may agree a
different order for the components art. 319 does not fix; its order is kept in
``Creditor.allocation_order`` as a comma-separated list of component names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from core.errors import ValidationFailed
from core.i18n import N_, _

COMPONENTS: tuple[str, ...] = ("principal", "interest", "penalty", "state_fee", "postage", "court_costs")
COSTS: tuple[str, ...] = ("state_fee", "postage", "court_costs")
OVERPAYMENT = "overpayment"
DEFAULT_ORDER: tuple[str, ...] = ("state_fee", "postage", "court_costs", "interest", "principal", "penalty")

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


def parse_order(text: str | None) -> tuple[str, ...]:
    """A creditor's order (``"state_fee,postage,court_costs,principal,interest,penalty"``) or the
    default when none is set. Every component must appear exactly once."""
    if not text or not text.strip():
        return DEFAULT_ORDER
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
