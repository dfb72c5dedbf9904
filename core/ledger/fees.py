"""State fee (государственная пошлина) for a property claim in a court of general jurisdiction.

Source: Tax Code of the Russian Federation, art. 333.19 para. 1 subparas. 1-2.

- Filings from 2024-09-09 (wording of Federal Law No. 176-FZ of 12.07.2024): the scale
  ``NEW_SCALE`` below, at most 900,000 rubles.
- Filings before 2024-09-09: ``OLD_SCALE`` (4% but at least 400 up to 20,000; ...), at most
  60,000 rubles.
- An application for a court order costs 50% of the fee for the same claim (subpara. 2).

Fees are paid in whole rubles (Tax Code art. 52 para. 6: under 50 kopecks are dropped, 50
kopecks and more count as a full ruble); the rounding is made once, on the final amount.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from core.errors import ValidationFailed
from core.i18n import _
from core.money import to_rubles

NEW_SCALE_FROM = dt.date(2024, 9, 9)
# Civil Procedure Code art. 121 (wording of 451-FZ of 28.11.2018, from 01.10.2019): a court order
# is issued on a money claim "если размер денежных сумм, подлежащих взысканию ... не превышает
# пятисот тысяч рублей". The claim is principal + interest + penalty (costs are not its price,
# CPC art. 91).
COURT_ORDER_LIMIT = Decimal("500000.00")


def court_order_allowed(claim_amount: Decimal) -> bool:
    """Whether a claim of ``claim_amount`` may take the court-order route (CPC art. 121)."""
    return claim_amount <= COURT_ORDER_LIMIT


class FilingKind(StrEnum):
    CLAIM = "claim"
    COURT_ORDER = "court_order"


@dataclass(frozen=True)
class Band:
    """For a claim above ``over``: ``base`` plus ``percent`` of the amount above ``over``."""

    over: Decimal
    base: Decimal
    percent: Decimal
    minimum: Decimal = Decimal("0")


D = Decimal
NEW_SCALE: tuple[Band, ...] = (
    Band(D("0"), D("4000"), D("0")),
    Band(D("100000"), D("4000"), D("3")),
    Band(D("300000"), D("10000"), D("2.5")),
    Band(D("500000"), D("15000"), D("2")),
    Band(D("1000000"), D("25000"), D("1")),
    Band(D("3000000"), D("45000"), D("0.7")),
    Band(D("8000000"), D("80000"), D("0.35")),
    Band(D("24000000"), D("136000"), D("0.3")),
    Band(D("50000000"), D("214000"), D("0.2")),
    Band(D("100000000"), D("314000"), D("0.15")),
)
NEW_MAXIMUM = D("900000")

OLD_SCALE: tuple[Band, ...] = (
    Band(D("0"), D("0"), D("4"), minimum=D("400")),
    Band(D("20000"), D("800"), D("3")),
    Band(D("100000"), D("3200"), D("2")),
    Band(D("200000"), D("5200"), D("1")),
    Band(D("1000000"), D("13200"), D("0.5")),
)
OLD_MAXIMUM = D("60000")


def _scale_fee(amount: Decimal, scale: tuple[Band, ...], maximum: Decimal) -> Decimal:
    band = scale[0]
    for candidate in scale:
        if amount > candidate.over:
            band = candidate
    fee = band.base + (amount - band.over) * band.percent / 100
    return min(max(fee, band.minimum), maximum)


def state_fee(claim_amount: Decimal, filing_date: dt.date, kind: FilingKind | str) -> Decimal:
    """The state fee in whole rubles for a property claim of ``claim_amount`` filed on ``filing_date``."""
    if isinstance(claim_amount, float) or not isinstance(claim_amount, Decimal):
        raise ValidationFailed(_("The claim amount must be a Decimal."), {"claim_amount": "not a Decimal"})
    if claim_amount <= 0:
        raise ValidationFailed(_("The claim amount must be more than zero."), {"claim_amount": "not positive"})
    try:
        kind = FilingKind(kind)
    except ValueError:
        raise ValidationFailed(
            _("Unknown kind of filing '{kind}': use claim or court_order.").format(kind=kind)
        ) from None
    if filing_date >= NEW_SCALE_FROM:
        fee = _scale_fee(claim_amount, NEW_SCALE, NEW_MAXIMUM)
    else:
        fee = _scale_fee(claim_amount, OLD_SCALE, OLD_MAXIMUM)
    if kind == FilingKind.COURT_ORDER:
        fee = fee / 2
    return to_rubles(fee)
