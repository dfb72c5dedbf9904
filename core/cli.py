"""The ``cessio`` command: database, demo data, users, jobs, sandboxes and the importer."""

from __future__ import annotations

import argparse
import getpass
import importlib
import sys
from collections.abc import Sequence
from decimal import Decimal

from core.errors import CessioError
from core.i18n import _, format_number


def _db_upgrade(args: argparse.Namespace) -> int:
    from core.migrate import upgrade

    upgrade()
    print(_("Database is up to date."))
    return 0


def _db_grant_app(args: argparse.Namespace) -> int:
    """As the owner role: give the application's role exactly the rights it needs (PostgreSQL)."""
    from core.auth.db_roles import grant_app_role
    from core.db import get_engine

    engine = get_engine()
    if engine.dialect.name != "postgresql":
        print("Roles exist on PostgreSQL only; nothing to do on SQLite.", file=sys.stderr)
        return 1
    with engine.begin() as conn:
        for statement in grant_app_role(conn, args.role):
            print(statement + ";")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from core.demo import demo_user_lines, load_demo
    from core.migrate import upgrade

    upgrade()
    if args.if_empty:
        from sqlalchemy import func, select

        from core.cases.models import Case
        from core.db import session_scope

        with session_scope() as session:
            existing = session.scalar(select(func.count()).select_from(Case)) or 0
        if existing:
            print(
                _("The database already has {existing} cases; demo data not loaded again.").format(
                    existing=format_number(existing)
                )
            )
            return 0

    def progress(done: int, total: int) -> None:
        print(
            "\r  " + _("{done} / {total} cases").format(done=format_number(done), total=format_number(total)),
            end="",
            file=sys.stderr,
            flush=True,
        )

    summary = load_demo(cases=args.cases, seed=args.seed, progress=progress)
    print(file=sys.stderr)
    print(
        _("Loaded {cases} demo cases in {seconds} s.").format(
            cases=format_number(summary.cases), seconds=format_number(Decimal(str(round(summary.seconds, 1))), 1)
        )
    )
    print(_("Demo logins:"))
    for line in demo_user_lines():
        print("  " + line)
    return 0


def _users_add(args: argparse.Namespace) -> int:
    from core.auth.service import create_user
    from core.db import session_scope

    password = args.password or getpass.getpass(f"Password for {args.username}: ")
    with session_scope() as session:
        user = create_user(session, None, args.username, args.full_name or args.username, args.role, password)
        print(_("Created {username} ({role}).").format(username=user.username, role=user.role))
    return 0


def _users_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from core.auth.models import User
    from core.db import session_scope

    with session_scope() as session:
        for u in session.scalars(select(User).order_by(User.username)):
            state = "active" if u.is_active else "deactivated"
            mfa = "MFA" if u.mfa_enrolled else "no MFA"
            print(f"{u.username:<16} {u.role:<7} {state:<12} {mfa:<7} {u.full_name}")
    return 0


def _users_totp_now(args: argparse.Namespace) -> int:
    """For the demo and for support on the server: the current code of an enrolled user."""
    import pyotp
    from sqlalchemy import select

    from core.auth.models import User
    from core.db import session_scope

    with session_scope() as session:
        user = session.scalar(select(User).where(User.username == args.username.lower()))
        if user is None or not user.totp_secret:
            print(_("{username} has no authenticator enrolled.").format(username=args.username), file=sys.stderr)
            return 1
        print(pyotp.TOTP(user.totp_secret).now())
    return 0


def _jobs_run(args: argparse.Namespace) -> int:
    from jobs.runner import main_loop

    main_loop()
    return 0


def _jobs_once(args: argparse.Namespace) -> int:
    import logging

    from jobs.runner import Runner, discover_jobs

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    specs = discover_jobs()
    if args.name not in specs:
        print(
            _("Unknown job '{name}'. Jobs: {items}").format(name=args.name, items=", ".join(sorted(specs))),
            file=sys.stderr,
        )
        return 2
    status = Runner({args.name: specs[args.name]}).run_job(args.name)
    if status is None:
        print(_("Job {name} is running in another process; not started.").format(name=args.name), file=sys.stderr)
        return 1
    return 0 if status == "ok" else 1


def _jobs_list(args: argparse.Namespace) -> int:
    from jobs.runner import discover_jobs

    for name, spec in sorted(discover_jobs().items()):
        from core.config import get_settings

        when = (
            f"daily at {getattr(get_settings(), spec.daily_at)}" if spec.daily_at else f"every {spec.every_seconds:g} s"
        )
        print(f"{name:<16} {spec.title} ({when})")
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"core.{args.system}.sandbox")
    argv = ["--port", str(args.port)] if args.port else []
    return int(module.main(argv) or 0)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cessio", description="Cessio: legal debt-collection operations.")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply all migrations").set_defaults(func=_db_upgrade)
    grant = db.add_parser("grant-app", help="PostgreSQL: grant the app role its rights (run as the owner)")
    grant.add_argument("role")
    grant.set_defaults(func=_db_grant_app)

    demo = sub.add_parser("demo", help="load demo data")
    demo.add_argument("--cases", type=int, default=1000)
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument("--if-empty", action="store_true", help="only when there are no cases yet")
    demo.set_defaults(func=_demo)

    users = sub.add_parser("users", help="manage users").add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="create a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["clerk", "lawyer", "head", "admin"])
    add.add_argument("--password")
    add.add_argument("--full-name")
    add.set_defaults(func=_users_add)
    users.add_parser("list", help="list users").set_defaults(func=_users_list)
    totp = users.add_parser("totp-now", help="print the current TOTP code of an enrolled user")
    totp.add_argument("username")
    totp.set_defaults(func=_users_totp_now)

    jobs = sub.add_parser("jobs", help="background jobs").add_subparsers(dest="jobs_command", required=True)
    jobs.add_parser("run", help="run the jobs loop").set_defaults(func=_jobs_run)
    once = jobs.add_parser("once", help="run one job now")
    once.add_argument("name")
    once.set_defaults(func=_jobs_once)
    jobs.add_parser("list", help="list the jobs").set_defaults(func=_jobs_list)

    sandbox = sub.add_parser("sandbox", help="run a local sandbox of an external system")
    sandbox.add_argument("system", choices=["postal", "bureau"])
    sandbox.add_argument("--port", type=int)
    sandbox.set_defaults(func=_sandbox)

    try:
        importer_cli = importlib.import_module("core.importer.cli")
    except ModuleNotFoundError:
        importer_cli = None
    if importer_cli is not None:
        importer_cli.add_parser(sub)
    from core.ledger import cli as ledger_cli

    ledger_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CessioError as exc:
        print(_("error: {exc}").format(exc=exc), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
