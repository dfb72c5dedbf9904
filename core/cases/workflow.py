"""The legal workflow as data: stages, their SLAs and owners, and the transitions between them.

Everything that moves a case reads this one table: the buttons on the case card, the bulk
board, the permission checks, the KPIs and the tests (ARCHITECTURE rule 10).

The route is the writ route of the Civil Procedure Code (ch. 11, arts. 121-130: a court order
on an undisputed claim), and the lawsuit route (claim proceedings) when the order is refused
(art. 125) or cancelled on the debtor's objection (art. 129).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.auth.permissions import Role
from core.i18n import _
from core.money import MoneyParseError, parse_amount
from core.postal.tracking import normalize_tracking, tracking_problem


@dataclass(frozen=True)
class Stage:
    code: str
    label: str
    role: Role
    sla_days: int | None
    color: str
    closed: bool = False


STAGES: tuple[Stage, ...] = (
    Stage("new", "New", Role.CLERK, 5, "#94a3b8"),
    Stage("claim_prepared", "Claim prepared", Role.CLERK, 5, "#60a5fa"),
    Stage("claim_mailed", "Claim mailed", Role.CLERK, 14, "#3b82f6"),
    Stage("claim_delivered", "Claim delivered", Role.CLERK, 30, "#6366f1"),
    Stage("order_issued", "Court order issued", Role.LAWYER, 20, "#8b5cf6"),
    Stage("order_refused", "Order refused", Role.LAWYER, 10, "#f97316"),
    Stage("order_cancelled", "Order cancelled", Role.LAWYER, 10, "#ef4444"),
    Stage("order_in_force", "Order in force", Role.CLERK, 10, "#a855f7"),
    Stage("lawsuit_filed", "Lawsuit filed", Role.LAWYER, 60, "#f59e0b"),
    Stage("hearing", "Hearing", Role.LAWYER, 90, "#eab308"),
    Stage("judgment", "Judgment", Role.LAWYER, 40, "#d946ef"),
    Stage("enforcement", "Enforcement", Role.CLERK, 180, "#14b8a6"),
    Stage("repaid", "Repaid", Role.CLERK, None, "#22c55e", closed=True),
    Stage("written_off", "Written off", Role.HEAD, None, "#64748b", closed=True),
)
STAGE_BY_CODE: dict[str, Stage] = {s.code: s for s in STAGES}
OPEN_STAGES: tuple[str, ...] = tuple(s.code for s in STAGES if not s.closed)
CLOSED_STAGES: tuple[str, ...] = tuple(s.code for s in STAGES if s.closed)


def local_today() -> dt.date:
    """Today in the installation's timezone (a court in Vladivostok dates its acts by its day;
    the department's clock is ``Settings.timezone``)."""
    from zoneinfo import ZoneInfo

    from core.config import get_settings

    return dt.datetime.now(ZoneInfo(get_settings().timezone)).date()


class GuardProblem(ValueError):
    """A field a transition needs is missing or malformed."""


def _text(value: Any, label: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise GuardProblem(f"{label} is required")
    return text


def _tracking(value: Any, label: str) -> str:
    text = _text(value, label)
    problem = tracking_problem(text)
    if problem:
        raise GuardProblem(f"{label}: {problem}")
    return normalize_tracking(text)


def _date(value: Any, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value, label)
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise GuardProblem(f"{label}: '{text}' is not a date (use dd.mm.yyyy)")


def _amount(value: Any, label: str) -> Decimal:
    if isinstance(value, Decimal):
        amount = value
    else:
        try:
            amount = parse_amount(_text(value, label))
        except MoneyParseError as exc:
            raise GuardProblem(f"{label}: {exc}") from None
    if amount <= 0:
        raise GuardProblem(f"{label} must be more than zero")
    return amount


@dataclass(frozen=True)
class Field:
    """A piece of data a transition asks for; ``column`` is the case column it is written to."""

    name: str
    label: str
    kind: str  # text | date | amount | tracking
    required: bool = True
    column: str | None = None
    # a date of something that has happened (a court act, a delivery): never after today
    not_future: bool = False

    def clean(self, value: Any) -> Any:
        if value in (None, "") and not self.required:
            return None
        parse: Callable[[Any, str], Any] = {
            "text": _text,
            "date": _date,
            "amount": _amount,
            "tracking": _tracking,
        }[self.kind]
        cleaned = parse(value, self.label)
        if self.not_future and cleaned > local_today():
            raise GuardProblem(
                _("{label}: {date} is in the future; a court act or a delivery is dated when it happened").format(
                    label=self.label, date=cleaned.strftime("%d.%m.%Y")
                )
            )
        return cleaned


STAFF = frozenset({Role.CLERK, Role.LAWYER, Role.HEAD, Role.ADMIN})
LEGAL = frozenset({Role.LAWYER, Role.HEAD, Role.ADMIN})
SENIOR = frozenset({Role.HEAD, Role.ADMIN})


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[Role]
    fields: tuple[Field, ...] = ()
    event_kind: str = "transition"
    document_type: str | None = None  # the court act that confirms it (OCR review uses this)
    extra: dict[str, Any] = field(default_factory=dict)

    def clean(self, data: dict[str, Any] | None) -> dict[str, Any]:
        """Validated data for this transition; raises ``GuardProblem`` naming every bad field."""
        data = data or {}
        cleaned: dict[str, Any] = {}
        problems: list[str] = []
        for f in self.fields:
            try:
                value = f.clean(data.get(f.name))
            except GuardProblem as exc:
                problems.append(str(exc))
                continue
            except (ValueError, TypeError, ArithmeticError):
                # whatever was pasted (a superscript digit, an odd object): one clear refusal of
                # this case, never an exception that aborts a whole bulk move
                problems.append(_("{label}: the value cannot be read").format(label=f.label))
                continue
            if value is not None:
                cleaned[f.name] = value
        if problems:
            raise GuardProblem("; ".join(problems))
        if data.get("comment"):
            cleaned["comment"] = str(data["comment"]).strip()
        return cleaned


_ACT_FIELDS = (
    Field("act_number", "Court case number", "text", column="court_case_number"),
    Field("act_date", "Date of the act", "date", column="court_act_date", not_future=True),
    Field("awarded_amount", "Amount awarded", "amount", column="awarded_amount"),
)

TRANSITIONS: tuple[Transition, ...] = (
    Transition("prepare_claim", "Claim prepared", ("new",), "claim_prepared", STAFF),
    Transition(
        "mail_claim",
        "Mail the claim",
        ("claim_prepared",),
        "claim_mailed",
        STAFF,
        (Field("tracking_number", "Tracking number", "tracking", column="tracking_number"),),
    ),
    Transition(
        "deliver_claim",
        "Claim delivered",
        ("claim_mailed",),
        "claim_delivered",
        STAFF,
        (Field("delivered_on", "Delivery date", "date", not_future=True),),
    ),
    Transition(
        "issue_order",
        "Court order issued",
        ("claim_delivered",),
        "order_issued",
        STAFF,
        _ACT_FIELDS,
        document_type="court_order",
    ),
    Transition(
        "refuse_order",
        "Order refused",
        ("claim_delivered",),
        "order_refused",
        STAFF,
        (
            Field("act_date", "Date of the refusal", "date", column="court_act_date", not_future=True),
            Field("reason", "Reason for refusal", "text", required=False),
        ),
        document_type="refusal",
    ),
    Transition(
        "order_in_force",
        "Order in force",
        ("order_issued",),
        "order_in_force",
        STAFF,
        (Field("in_force_date", "Date it came into force", "date", not_future=True),),
    ),
    Transition(
        "cancel_order",
        "Order cancelled",
        ("order_issued", "order_in_force", "enforcement"),
        "order_cancelled",
        STAFF,
        (Field("act_date", "Date of the cancellation", "date", column="court_act_date", not_future=True),),
        document_type="cancellation",
    ),
    Transition("file_lawsuit", "File a lawsuit", ("order_refused", "order_cancelled"), "lawsuit_filed", LEGAL),
    Transition(
        "schedule_hearing",
        "Hearing scheduled",
        ("lawsuit_filed",),
        "hearing",
        LEGAL,
        (Field("hearing_date", "Hearing date", "date"),),
    ),
    Transition(
        "receive_judgment",
        "Judgment received",
        ("hearing",),
        "judgment",
        LEGAL,
        _ACT_FIELDS,
        document_type="judgment",
    ),
    Transition(
        "start_enforcement",
        "Send to enforcement",
        ("order_in_force", "judgment"),
        "enforcement",
        STAFF,
        (Field("enforcement_body", "Sent to (bailiffs or bank)", "text"),),
        document_type="writ",
    ),
    Transition("mark_repaid", "Repaid", OPEN_STAGES, "repaid", STAFF),
    Transition(
        "write_off",
        "Write off",
        OPEN_STAGES,
        "written_off",
        SENIOR | {Role.LAWYER},
        (Field("reason", "Reason for the write-off", "text"),),
    ),
)
TRANSITION_BY_NAME: dict[str, Transition] = {t.name: t for t in TRANSITIONS}


def stage(code: str) -> Stage:
    return STAGE_BY_CODE[code]


def transition(name: str) -> Transition:
    try:
        return TRANSITION_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown transition '{name}'") from None


def transitions_from(stage_code: str, role: str | None = None) -> list[Transition]:
    """Transitions that can leave ``stage_code``, optionally only those ``role`` may make."""
    out = [t for t in TRANSITIONS if stage_code in t.sources]
    if role is not None:
        out = [t for t in out if Role(role) in t.roles]
    return out


def transitions_for_stages(stage_codes: set[str], role: str | None = None) -> list[Transition]:
    """Transitions valid for at least one of the stages (for a mixed bulk selection)."""
    return [t for t in TRANSITIONS if set(t.sources) & stage_codes and (role is None or Role(role) in t.roles)]
