"""Key-rate decisions added after the shipped table, and the warning when the table is stale.

The shipped table (``data/key_rates.csv``) ends at the last decision its authors could check. An
admin adds a later decision (``cessio rates add DATE RATE``, or the form on the Background jobs
page); it is stored in ``key_rate_decisions`` and merged over the shipped table by every process
that computes art. 395 interest (the nightly accrual loads it first). Pages show
``key_rate_warning`` while the next scheduled board meeting has passed without a known decision.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.service import record_audit
from core.auth.permissions import Actor, Permission, require
from core.errors import ValidationFailed
from core.i18n import _
from core.ledger.models import KeyRateDecision
from core.ledger.rates import key_rates, rate_table_status, shipped_key_rates, use_added_rates

MAX_RATE = Decimal("100")


def load_added_rates(session: Session) -> None:
    """Merge the admin's decisions into the rate table of this process."""
    rows = session.execute(select(KeyRateDecision.effective_from, KeyRateDecision.rate)).all()
    use_added_rates({day: Decimal(rate) for day, rate in rows})


def add_key_rate(
    session: Session, actor: Actor, effective_from: dt.date, rate: Decimal | str, source: str | None = None
) -> KeyRateDecision:
    """Record a Board decision (admins only): the rate in force from ``effective_from``."""
    require(actor, Permission.USER_ADMIN)
    try:
        value = Decimal(str(rate).replace(",", ".").strip())
    except InvalidOperation:
        raise ValidationFailed(
            _("'{rate}' is not a rate in percent.").format(rate=rate), {"rate": "not a number"}
        ) from None
    if not value.is_finite() or value <= 0 or value >= MAX_RATE or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed(
            _("The key rate must be a percentage above 0 and below 100 with at most two decimals; got {rate}.").format(
                rate=rate
            ),
            {"rate": "out of range"},
        )
    first = shipped_key_rates()[0].effective_from
    if effective_from <= first:
        raise ValidationFailed(
            _("A decision must take effect after the table's start ({start}).").format(start=f"{first:%d.%m.%Y}"),
            {"effective_from": "too early"},
        )
    if effective_from > dt.date.today() + dt.timedelta(days=14):
        raise ValidationFailed(
            _("A decision takes effect the working day after the board meeting; {day} is too far ahead.").format(
                day=f"{effective_from:%d.%m.%Y}"
            ),
            {"effective_from": "in the future"},
        )
    row = session.get(KeyRateDecision, effective_from)
    if row is None:
        row = KeyRateDecision(effective_from=effective_from)
        session.add(row)
    row.rate = value.quantize(Decimal("0.01"))
    row.source = source
    row.added_by = getattr(actor, "username", None)
    session.flush()
    record_audit(
        session, actor, "ledger.key_rate", "key_rate_decision", None, {"effective_from": effective_from, "rate": value}
    )
    load_added_rates(session)
    return row


def key_rate_warning(session: Session, today: dt.date) -> str:
    """The warning the Money tab, the KPI page and the jobs page show, or "" when current."""
    load_added_rates(session)
    return rate_table_status(today).message()


def last_decision(session: Session) -> dt.date:
    load_added_rates(session)
    return key_rates()[-1].effective_from
