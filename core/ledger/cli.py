"""``cessio rates``: the Bank of Russia key-rate table (list, add a decision, check)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from core.i18n import _


def _actor(username: str | None) -> Any:
    from sqlalchemy import select

    from core.auth.models import User
    from core.auth.permissions import SystemActor
    from core.db import session_scope
    from core.errors import NotFound

    if not username:
        return SystemActor("rates")
    with session_scope() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(_("No user '{name}'.").format(name=username))
        session.expunge(user)
        return user


def _add(args: argparse.Namespace) -> int:
    from core.db import session_scope
    from core.errors import ValidationFailed
    from core.ledger.key_rates import add_key_rate

    try:
        day = dt.date.fromisoformat(args.date)
    except ValueError:
        raise ValidationFailed(_("'{date}' is not a date (use YYYY-MM-DD).").format(date=args.date)) from None
    actor = _actor(args.user)
    with session_scope() as session:
        row = add_key_rate(session, actor, day, args.rate, args.source)
        print(_("Key rate {rate}% from {day} recorded.").format(rate=row.rate, day=f"{day:%d.%m.%Y}"))
    return 0


def _list(args: argparse.Namespace) -> int:
    from core.db import session_scope
    from core.ledger.key_rates import key_rate_warning
    from core.ledger.rates import key_rates

    with session_scope() as session:
        warning = key_rate_warning(session, dt.date.today())
    for r in key_rates()[-args.last :]:
        print(f"{r.effective_from:%d.%m.%Y}  {r.rate}")
    if warning:
        print(warning)
        return 2
    return 0


def add_parser(subparsers: Any) -> None:
    rates = subparsers.add_parser("rates", help="the Bank of Russia key-rate table").add_subparsers(
        dest="rates_command", required=True
    )
    add = rates.add_parser("add", help="record a decision: the rate in force from DATE")
    add.add_argument("date", help="the day the rate takes effect, YYYY-MM-DD")
    add.add_argument("rate", help="percent per year, e.g. 16.50")
    add.add_argument("--source", help="where the decision was read (press release)")
    add.add_argument("--user", help="act as this admin (default: the system actor)")
    add.set_defaults(func=_add)
    show = rates.add_parser("list", help="the last decisions; exit code 2 when the table is out of date")
    show.add_argument("--last", type=int, default=10)
    show.set_defaults(func=_list)
