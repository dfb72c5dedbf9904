"""The audit log as an auditor reads it: who did what to which case or person, in a sentence.

The log stores action codes (``user.create``), internal ids and JSON details, which is what a
machine needs; an auditor needs "Иванова О. Н. created user petrov (clerk)" with the case as
C-001991 and a link to its card. Every known action has its sentence here; an action without
one still reads as words (its code's parts and the details as "name: value"), never as JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core.auth.permissions import role_name
from core.i18n import N_, _
from core.ledger.service import KIND_LABELS

# actions whose entity is a case (entity_id is the case's internal id)
_CASE_ENTITIES = {"case"}


@dataclass(frozen=True)
class People:
    """Names for the user ids and usernames that appear in the log."""

    by_id: Mapping[int, str]
    by_username: Mapping[str, str]

    def of_id(self, user_id: Any) -> str:
        try:
            return self.by_id.get(int(user_id), f"#{user_id}")
        except (TypeError, ValueError):
            return str(user_id)

    def of_username(self, username: Any) -> str:
        return self.by_username.get(str(username), str(username))


@dataclass(frozen=True)
class Entry:
    who: str
    what: str
    case_number: str | None


def case_number(case_id: Any) -> str:
    try:
        return f"C-{int(case_id):06d}"
    except (TypeError, ValueError):
        return str(case_id)


def _stage(code: Any) -> str:
    from core.cases.workflow import STAGE_BY_CODE

    s = STAGE_BY_CODE.get(str(code))
    return _(s.label) if s else str(code)


def _cases(value: Any) -> str:
    if isinstance(value, list):
        shown = ", ".join(case_number(v) for v in value[:5])
        return shown + (_(" and {n} more").format(n=len(value) - 5) if len(value) > 5 else "")
    return str(value)


def _user(d: Mapping[str, Any], people: People, entity_id: Any) -> str:
    if d.get("username"):
        return people.of_username(d["username"])
    return people.of_id(entity_id)


# action -> (template, how to fill it from details, the entity id and the people)
_Fill = Callable[[Mapping[str, Any], Any, People], dict[str, str]]
SENTENCES: dict[str, tuple[str, _Fill]] = {
    "auth.login": (N_("signed in"), lambda d, i, p: {}),
    "auth.failed": (
        N_("a sign-in as {user} failed (wrong {step})"),
        lambda d, i, p: {"user": _user(d, p, i), "step": _(str(d.get("step", "password")))},
    ),
    "auth.locked": (
        N_("{user} was locked out after repeated failed sign-ins"),
        lambda d, i, p: {"user": _user(d, p, i)},
    ),
    "auth.mfa_enrolled": (N_("set up two-step verification"), lambda d, i, p: {}),
    "user.create": (
        N_("created user {user} ({role})"),
        lambda d, i, p: {"user": str(d.get("username", i)), "role": role_name(str(d.get("role", "")))},
    ),
    "user.role": (
        N_("changed the role of {user} to {role}"),
        lambda d, i, p: {"user": p.of_id(i), "role": role_name(str(d.get("role", d.get("to", ""))))},
    ),
    "user.password": (N_("set a new password for {user}"), lambda d, i, p: {"user": p.of_id(i)}),
    "user.mfa_reset": (N_("reset the two-step verification of {user}"), lambda d, i, p: {"user": p.of_id(i)}),
    "user.deactivate": (N_("deactivated {user}"), lambda d, i, p: {"user": p.of_id(i)}),
    "user.activate": (N_("reactivated {user}"), lambda d, i, p: {"user": p.of_id(i)}),
    "user.unlock": (N_("unlocked {user}"), lambda d, i, p: {"user": p.of_id(i)}),
    "case.transition": (
        N_("moved {case} from “{source}” to “{target}”"),
        lambda d, i, p: {"case": case_number(i), "source": _stage(d.get("from")), "target": _stage(d.get("to"))},
    ),
    "case.reassign": (
        N_("made {person} responsible for {case} (was {before})"),
        lambda d, i, p: {
            "case": case_number(i),
            "person": p.of_id(d.get("to")),
            "before": p.of_id(d.get("from")) if d.get("from") else _("nobody"),
        },
    ),
    "case.update": (
        N_("changed {fields} of {case}"),
        lambda d, i, p: {"case": case_number(i), "fields": ", ".join(_(str(k)) for k in d)},
    ),
    "debtor.update": (
        N_("changed {fields} of debtor #{debtor}"),
        lambda d, i, p: {"debtor": str(i), "fields": ", ".join(_(str(k)) for k in d)},
    ),
    "case.export": (
        N_("exported {rows} cases as {format}"),
        lambda d, i, p: {"rows": str(d.get("rows", "?")), "format": str(d.get("format", "")).upper()},
    ),
    "audit.export": (N_("exported {rows} entries of the audit log"), lambda d, i, p: {"rows": str(d.get("rows", "?"))}),
    "shipment.create": (
        N_("registered the envelope {tracking} for {cases}"),
        lambda d, i, p: {"tracking": str(d.get("tracking_number", i)), "cases": _cases(d.get("cases", []))},
    ),
    "shipment.attention": (
        N_("the envelope {tracking} needs attention: {problem}"),
        lambda d, i, p: {"tracking": str(d.get("tracking_number", i)), "problem": str(d.get("problem") or "—")},
    ),
    "shipment.resume": (
        N_("resumed tracking of the envelope {tracking}"),
        lambda d, i, p: {"tracking": str(d.get("tracking_number", i))},
    ),
    "shipment.stop": (
        N_("stopped tracking of the envelope {tracking}: {reason}"),
        lambda d, i, p: {"tracking": str(d.get("tracking_number", i)), "reason": str(d.get("reason", ""))},
    ),
    "document.generate": (
        N_("generated {documents} for {case}"),
        lambda d, i, p: {"case": case_number(i), "documents": ", ".join(_(str(x)) for x in d.get("documents", []))},
    ),
    "file.download": (
        N_("downloaded the file “{name}”"),
        lambda d, i, p: {"name": str(d.get("name", i))},
    ),
    "ledger.payment": (
        N_("booked a payment of {amount} ₽ on {case}"),
        lambda d, i, p: {"amount": str(d.get("amount", "?")), "case": str(d.get("case", ""))},
    ),
}


def _fallback(action: str, entity: str, entity_id: Any, details: Mapping[str, Any]) -> str:
    """Words for an action without its own sentence: "ocr confirm · ocr document 12 · name: value"."""
    parts = [action_name(action)]
    if entity_id is not None:
        if entity in _CASE_ENTITIES:
            subject = case_number(entity_id)
        else:
            subject = f"{_(ENTITY_NAMES[entity]) if entity in ENTITY_NAMES else entity.replace('_', ' ')} {entity_id}"
        parts.append(subject)
    shown = [
        f"{_(DETAIL_NAMES[k]) if k in DETAIL_NAMES else k.replace('_', ' ')}: "
        f"{_cases(v) if k in {'cases', 'case_ids'} else v}"
        for k, v in details.items()
        if v not in (None, "", [], {})
    ]
    if shown:
        parts.append("; ".join(str(s) for s in shown[:8]))
    return " · ".join(parts)


# every ledger entry is audited as ``ledger.<kind>`` (core/ledger/service.py post_entry)
_LEDGER_ENTRY: tuple[str, _Fill] = (
    N_("booked {kind} of {amount} ₽ on {case}"),
    lambda d, i, p: {
        "kind": _(KIND_LABELS.get(str(d.get("kind", "")), str(d.get("kind", "")))).lower(),
        "amount": str(d.get("amount", "?")),
        "case": str(d.get("case", "")),
    },
)


def _sentence(action: str) -> tuple[str, _Fill] | None:
    known = SENTENCES.get(action)
    if known is None and action.startswith("ledger.") and action.removeprefix("ledger.") in KIND_LABELS:
        return _LEDGER_ENTRY
    return known


def describe(
    action: str,
    entity: str,
    entity_id: Any,
    details: Mapping[str, Any] | None,
    user_id: int | None,
    actor_name: str,
    people: People,
) -> Entry:
    """One log row as an auditor reads it."""
    d = details or {}
    if user_id is not None:
        who = people.of_id(user_id)
    elif action in {"auth.login", "auth.mfa_enrolled"} and entity == "user":
        # older rows recorded a sign-in as "system": the person is the one who signed in
        who = _user(d, people, entity_id)
    elif actor_name == "system":
        who = _("Cessio (automatic)")
    else:
        who = people.of_username(actor_name)
    known = _sentence(action)
    if known is not None:
        template, fill = known
        try:
            what = _(template).format(**fill(d, entity_id, people))
        except (KeyError, ValueError, TypeError):
            what = _fallback(action, entity, entity_id, d)
    else:
        what = _fallback(action, entity, entity_id, d)
    number = None
    if entity in _CASE_ENTITIES and entity_id is not None:
        number = case_number(entity_id)
    elif d.get("case_id"):
        number = case_number(d["case_id"])
    elif isinstance(d.get("case"), str) and d["case"].startswith("C-"):
        number = d["case"]
    return Entry(who, what, number)


ACTION_NAMES: dict[str, str] = {
    "auth.login": N_("Sign-in"),
    "auth.failed": N_("Failed sign-in"),
    "auth.locked": N_("Account locked"),
    "auth.mfa_enrolled": N_("Two-step verification set up"),
    "user.create": N_("User created"),
    "user.role": N_("Role changed"),
    "user.password": N_("Password set"),
    "user.mfa_reset": N_("Two-step verification reset"),
    "user.deactivate": N_("User deactivated"),
    "user.activate": N_("User reactivated"),
    "user.unlock": N_("User unlocked"),
    "case.transition": N_("Case moved"),
    "case.reassign": N_("Case reassigned"),
    "case.update": N_("Case changed"),
    "debtor.update": N_("Debtor changed"),
    "case.export": N_("Cases exported"),
    "audit.export": N_("Audit log exported"),
    "shipment.create": N_("Envelope registered"),
    "shipment.attention": N_("Envelope needs attention"),
    "shipment.resume": N_("Envelope tracking resumed"),
    "shipment.stop": N_("Envelope tracking stopped"),
    "document.generate": N_("Documents generated"),
    "file.download": N_("File downloaded"),
    "ledger.payment": N_("Payment booked"),
    "auth.signout": N_("Sign-out"),
    "user.language": N_("Interface language changed"),
    "bureau.acknowledged": N_("Bureau acknowledgement applied"),
    "bureau.correct": N_("Bureau record corrected"),
    "bureau.file_download": N_("Bureau file downloaded"),
    "bureau.send_again": N_("Bureau events sent again"),
    "bureau.send_now": N_("Bureau events sent now"),
    "bureau.submission_attention": N_("Bureau file needs attention"),
    "bureau.submission_failed": N_("Bureau file marked failed"),
    "bureau.submission_prepared": N_("Bureau file prepared"),
    "bureau.submission_refused": N_("Bureau file refused by the gateway"),
    "bureau.submission_resend": N_("Bureau file uploaded again"),
    "bureau.submission_uploaded": N_("Bureau file uploaded"),
    "file.upload": N_("File uploaded"),
    "import.decisions_saved": N_("Import decisions saved"),
    "import.mapping_saved": N_("Import mapping saved"),
    "import.run": N_("Spreadsheet imported"),
    "import.stage_words_saved": N_("Stage words saved"),
    "kpi.export": N_("KPIs exported"),
    "ledger.accrual": N_("Nightly accrual"),
    "ledger.allocation_order": N_("Payment order of a creditor set"),
    "ledger.bank_row_dismissed": N_("Bank line dismissed"),
    "ledger.bank_row_matched": N_("Bank line matched to a case"),
    "ledger.fee_paid": N_("State fee paid by the creditor"),
    "ledger.key_rate": N_("Key-rate decision recorded"),
    "ledger.offset": N_("Overpayment offset"),
    "ledger.payment_import": N_("Bank file imported"),
    "ledger.plan_saved": N_("Payment plan saved"),
    "ledger.reverse": N_("Ledger entry reversed"),
    "ocr.confirm": N_("Court act confirmed"),
    "ocr.fail": N_("Court mail reading failed"),
    "ocr.read": N_("Court mail read"),
    "ocr.reject": N_("Court act rejected"),
    "ocr.retry": N_("Court mail read again"),
    "ocr.upload": N_("Court mail uploaded"),
    "package.build": N_("Print package built"),
    "package.mail": N_("Print package mailed"),
    "shipment.refresh": N_("Envelope status refreshed"),
    "shipment.status": N_("Envelope status changed"),
    "task.queued": N_("Work queued"),
    "task.requeued": N_("Work queued again"),
    "template.save": N_("Template saved"),
    **{f"ledger.{kind}": label for kind, label in KIND_LABELS.items()},
}

# the words for the kinds of record and the detail fields that the fallback sentence shows
ENTITY_NAMES: dict[str, str] = {
    "user": N_("user"),
    "debtor": N_("debtor"),
    "ledger_entry": N_("ledger entry"),
    "shipment": N_("envelope"),
    "document": N_("document"),
    "ocr_document": N_("court mail document"),
    "file": N_("file"),
    "task": N_("queued work"),
    "template": N_("template"),
    "bureau_submission": N_("bureau file"),
    "package": N_("print package"),
}
DETAIL_NAMES: dict[str, str] = {
    "case": N_("case"),
    "kind": N_("kind"),
    "amount": N_("amount"),
    "effective_date": N_("date"),
    "source": N_("source"),
    "reference": N_("reference"),
    "component": N_("component"),
    "count": N_("count"),
    "rows": N_("rows"),
    "status": N_("status"),
    "reason": N_("reason"),
    "name": N_("name"),
    "file": N_("file"),
    "cases": N_("cases"),
}


def action_name(code: str) -> str:
    """The action filter's words for a code ("user.create" -> "User created")."""
    known = ACTION_NAMES.get(code)
    return _(known) if known else code.replace(".", " · ").replace("_", " ")
