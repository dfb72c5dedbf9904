"""Production mode: the app and the jobs process refuse to start while the installation is not
safe to expose (docs/security.md, "What an operator must set").

``CESSIO_MODE`` is ``production`` unless set otherwise; only ``make run`` sets ``demo``. In
production the start is refused while:

- ``CESSIO_SECRET_KEY`` is the committed default or shorter than 32 characters (whoever knows
  it could sign session cookies; it also seals the TOTP secrets unless ``CESSIO_DATA_KEY`` is set);
- a demo account still signs in with the committed demo password, or an authenticator still
  uses a committed demo TOTP secret (both are printed in the README and in ``make run``);
- a stored TOTP secret cannot be opened with the configured data key (a changed key would
  lock the heads and admins out; refusing to start says so at once).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.config import DEFAULT_SECRET_KEY, Settings, get_settings
from core.i18n import _

MIN_SECRET_KEY_LENGTH = 32


def _demo_accounts() -> tuple[str, Iterable[tuple[str, str | None]]]:
    from core.demo import DEMO_PASSWORD, DEMO_USERS

    return DEMO_PASSWORD, [(username, secret) for username, _name, _role, secret in DEMO_USERS]


def key_problems(settings: Settings) -> list[str]:
    key = settings.secret_key.get_secret_value()
    if key == DEFAULT_SECRET_KEY:
        return [_("CESSIO_SECRET_KEY is the committed default; set a random value of at least 32 characters.")]
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return [
            _(
                "CESSIO_SECRET_KEY is too short ({n} characters); set a random value of at least {min} characters."
            ).format(n=len(key), min=MIN_SECRET_KEY_LENGTH)
        ]
    return []


def account_problems(session: Session) -> list[str]:
    from core.auth.crypto import UNREADABLE
    from core.auth.models import User

    password, accounts = _demo_accounts()
    hasher = PasswordHasher()
    secrets = {secret for _u, secret in accounts if secret}
    names = [u for u, _s in accounts]
    problems: list[str] = []
    for user in session.scalars(select(User).where(User.username.in_(names))):
        try:
            if user.is_active and hasher.verify(user.password_hash, password):
                problems.append(
                    _("The demo account '{username}' signs in with the published demo password.").format(
                        username=user.username
                    )
                )
        except (VerificationError, InvalidHashError):
            pass
    for user in session.scalars(select(User).where(User.totp_secret.is_not(None))):
        if user.totp_secret == UNREADABLE:
            problems.append(
                _(
                    "The authenticator secret of '{username}' cannot be opened with the configured data key "
                    "(CESSIO_DATA_KEY / CESSIO_SECRET_KEY changed?)."
                ).format(username=user.username)
            )
        elif user.totp_secret in secrets:
            problems.append(
                _("The authenticator of '{username}' uses a published demo secret; reset its MFA.").format(
                    username=user.username
                )
            )
    return problems


def production_problems(session: Session | None = None, settings: Settings | None = None) -> list[str]:
    """What stops this installation from running in production; empty in demo mode."""
    settings = settings or get_settings()
    if settings.mode != "production":
        return []
    problems = key_problems(settings)
    if session is not None:
        problems += account_problems(session)
        return problems
    from core.db import session_scope

    try:
        with session_scope() as own:
            problems += account_problems(own)
    except SQLAlchemyError as exc:
        problems.append(
            _("The database cannot be checked ({error}); run `cessio db upgrade` first.").format(
                error=type(exc).__name__
            )
        )
    return problems


def refuse_unsafe_start(what: str) -> None:
    """Exit (status 2) with the list of problems when production mode finds any; ``what`` is
    ``N_("web server")`` or ``N_("jobs process")``."""
    problems = production_problems()
    if not problems:
        return
    lines = [_("Cessio refuses to start the {what} in production mode:").format(what=_(what))]
    lines += [f"  - {p}" for p in problems]
    lines.append(_("Fix these, or set CESSIO_MODE=demo for a demonstration on this computer (docs/security.md)."))
    print("\n".join(lines), file=sys.stderr)
    raise SystemExit(2)
