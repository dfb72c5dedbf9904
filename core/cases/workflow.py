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
from core.i18n import _, current_language
from core.money import MoneyParseError, parse_amount
from core.postal.tracking import normalize_tracking, tracking_problem


@dataclass(frozen=True)
class Names:
    """A name of a piece of workflow data in each interface language (rule 10: the workflow is
    data, its names too). ``label`` on stages, transitions and fields gives the name in the
    language of the current call (``core.i18n``); ``en`` is the name the code and logs use."""

    en: str
    ru: str

    def get(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.en

    def all(self) -> tuple[str, ...]:
        return (self.en, self.ru)


@dataclass(frozen=True)
class Stage:
    code: str
    names: Names
    role: Role
    sla_days: int | None
    color: str
    closed: bool = False

    @property
    def label(self) -> str:
        """The stage's name in the current interface language."""
        return self.names.get(current_language())


STAGES: tuple[Stage, ...] = (
    Stage("new", Names("New", "Новое"), Role.CLERK, 5, "#94a3b8"),
    Stage("claim_prepared", Names("Claim prepared", "Заявление подготовлено"), Role.CLERK, 5, "#60a5fa"),
    Stage("claim_mailed", Names("Claim mailed", "Заявление отправлено"), Role.CLERK, 14, "#3b82f6"),
    Stage("claim_delivered", Names("Claim delivered", "Заявление вручено"), Role.CLERK, 30, "#6366f1"),
    Stage("order_issued", Names("Court order issued", "Судебный приказ вынесен"), Role.LAWYER, 20, "#8b5cf6"),
    Stage("order_refused", Names("Order refused", "Отказ в выдаче приказа"), Role.LAWYER, 10, "#f97316"),
    Stage("order_cancelled", Names("Order cancelled", "Приказ отменён"), Role.LAWYER, 10, "#ef4444"),
    Stage("order_in_force", Names("Order in force", "Приказ вступил в силу"), Role.CLERK, 10, "#a855f7"),
    Stage("lawsuit_filed", Names("Lawsuit filed", "Иск подан"), Role.LAWYER, 60, "#f59e0b"),
    Stage("hearing", Names("Hearing", "Судебное заседание"), Role.LAWYER, 90, "#eab308"),
    Stage("judgment", Names("Judgment", "Решение суда"), Role.LAWYER, 40, "#d946ef"),
    Stage("enforcement", Names("Enforcement", "Исполнительное производство"), Role.CLERK, 180, "#14b8a6"),
    Stage("repaid", Names("Repaid", "Погашено"), Role.CLERK, None, "#22c55e", closed=True),
    Stage("written_off", Names("Written off", "Списано"), Role.HEAD, None, "#64748b", closed=True),
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
        raise GuardProblem(_("{field} is required").format(field=label))
    return text


def _tracking(value: Any, label: str) -> str:
    text = _text(value, label)
    problem = tracking_problem(text)
    if problem:
        raise GuardProblem(_("{field}: {problem}").format(field=label, problem=problem))
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
    raise GuardProblem(_("{field}: '{text}' is not a date (use dd.mm.yyyy)").format(field=label, text=text))


def _amount(value: Any, label: str) -> Decimal:
    if isinstance(value, Decimal):
        amount = value
    else:
        try:
            amount = parse_amount(_text(value, label))
        except MoneyParseError as exc:
            raise GuardProblem(_("{field}: {problem}").format(field=label, problem=exc)) from None
    if amount <= 0:
        raise GuardProblem(_("{field} must be more than zero").format(field=label))
    return amount


@dataclass(frozen=True)
class Field:
    """A piece of data a transition asks for; ``column`` is the case column it is written to."""

    name: str
    names: Names
    kind: str  # text | date | amount | tracking
    required: bool = True
    column: str | None = None
    # a date of something that has happened (a court act, a delivery): never after today
    not_future: bool = False

    @property
    def label(self) -> str:
        return self.names.get(current_language())

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
    names: Names
    sources: tuple[str, ...]
    target: str
    roles: frozenset[Role]
    fields: tuple[Field, ...] = ()
    event_kind: str = "transition"
    document_type: str | None = None  # the court act that confirms it (OCR review uses this)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The transition's name (its button) in the current interface language."""
        return self.names.get(current_language())

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
    Field("act_number", Names("Court case number", "Номер дела"), "text", column="court_case_number"),
    Field(
        "act_date", Names("Date of the act", "Дата судебного акта"), "date", column="court_act_date", not_future=True
    ),
    Field("awarded_amount", Names("Amount awarded", "Взысканная сумма"), "amount", column="awarded_amount"),
)

TRANSITIONS: tuple[Transition, ...] = (
    Transition("prepare_claim", Names("Claim prepared", "Заявление подготовлено"), ("new",), "claim_prepared", STAFF),
    Transition(
        "mail_claim",
        Names("Mail the claim", "Отправить заявление"),
        ("claim_prepared",),
        "claim_mailed",
        STAFF,
        (Field("tracking_number", Names("Tracking number", "ШПИ (трек-номер)"), "tracking", column="tracking_number"),),
    ),
    Transition(
        "deliver_claim",
        Names("Claim delivered", "Заявление вручено"),
        ("claim_mailed",),
        "claim_delivered",
        STAFF,
        (Field("delivered_on", Names("Delivery date", "Дата вручения"), "date", not_future=True),),
    ),
    Transition(
        "issue_order",
        Names("Court order issued", "Судебный приказ вынесен"),
        ("claim_delivered",),
        "order_issued",
        STAFF,
        _ACT_FIELDS,
        document_type="court_order",
    ),
    Transition(
        "refuse_order",
        Names("Order refused", "Отказ в выдаче приказа"),
        ("claim_delivered",),
        "order_refused",
        STAFF,
        (
            Field(
                "act_date",
                Names("Date of the refusal", "Дата отказа"),
                "date",
                column="court_act_date",
                not_future=True,
            ),
            Field("reason", Names("Reason for refusal", "Причина отказа"), "text", required=False),
        ),
        document_type="refusal",
    ),
    Transition(
        "order_in_force",
        Names("Order in force", "Приказ вступил в силу"),
        ("order_issued",),
        "order_in_force",
        STAFF,
        (Field("in_force_date", Names("Date it came into force", "Дата вступления в силу"), "date", not_future=True),),
    ),
    Transition(
        "cancel_order",
        Names("Order cancelled", "Приказ отменён"),
        ("order_issued", "order_in_force", "enforcement"),
        "order_cancelled",
        STAFF,
        (
            Field(
                "act_date",
                Names("Date of the cancellation", "Дата отмены"),
                "date",
                column="court_act_date",
                not_future=True,
            ),
        ),
        document_type="cancellation",
    ),
    # A claim over 500,000 rubles cannot take the order route (CPC art. 121; the ledger's guard
    # refuses "prepare_claim"/"mail_claim" for it), so a new or prepared case may go to a lawsuit.
    Transition(
        "file_lawsuit",
        Names("File a lawsuit", "Подать иск"),
        ("new", "claim_prepared", "order_refused", "order_cancelled"),
        "lawsuit_filed",
        LEGAL,
    ),
    Transition(
        "schedule_hearing",
        Names("Hearing scheduled", "Назначено заседание"),
        ("lawsuit_filed",),
        "hearing",
        LEGAL,
        (Field("hearing_date", Names("Hearing date", "Дата заседания"), "date"),),
    ),
    Transition(
        "receive_judgment",
        Names("Judgment received", "Получено решение суда"),
        ("hearing",),
        "judgment",
        LEGAL,
        _ACT_FIELDS,
        document_type="judgment",
    ),
    Transition(
        "start_enforcement",
        Names("Send to enforcement", "Направить на исполнение"),
        ("order_in_force", "judgment"),
        "enforcement",
        STAFF,
        (Field("enforcement_body", Names("Sent to (bailiffs or bank)", "Куда направлен (ФССП или банк)"), "text"),),
        document_type="writ",
    ),
    Transition("mark_repaid", Names("Repaid", "Погашено"), OPEN_STAGES, "repaid", STAFF),
    Transition(
        "write_off",
        Names("Write off", "Списать"),
        OPEN_STAGES,
        "written_off",
        SENIOR | {Role.LAWYER},
        (Field("reason", Names("Reason for the write-off", "Причина списания"), "text"),),
    ),
)
TRANSITION_BY_NAME: dict[str, Transition] = {t.name: t for t in TRANSITIONS}


def stage(code: str) -> Stage:
    return STAGE_BY_CODE[code]


def transition(name: str) -> Transition:
    try:
        return TRANSITION_BY_NAME[name]
    except KeyError:
        raise KeyError(_("unknown transition '{name}'").format(name=name)) from None


def transitions_from(stage_code: str, role: str | None = None) -> list[Transition]:
    """Transitions that can leave ``stage_code``, optionally only those ``role`` may make."""
    out = [t for t in TRANSITIONS if stage_code in t.sources]
    if role is not None:
        out = [t for t in out if Role(role) in t.roles]
    return out


def transitions_for_stages(stage_codes: set[str], role: str | None = None) -> list[Transition]:
    """Transitions valid for at least one of the stages (for a mixed bulk selection)."""
    return [t for t in TRANSITIONS if set(t.sources) & stage_codes and (role is None or Role(role) in t.roles)]
