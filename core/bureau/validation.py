"""Checks every record before it is sent; a record that fails is held with the reason.

A record the bureau would reject costs a round trip and the deadline (218-FZ art. 5 part 5), so
what can be checked here is checked here: the subject's identity (name, birth date, passport,
INN and SNILS check digits), the obligation's identifiers and amounts, and what each event needs.
The messages are for the clerk who fixes the data: they say which field and what to do.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

from core.bureau.rutdf import Record, unencodable
from core.i18n import _

_NAME = re.compile(r"^[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё' .-]*$")
_ACT_REQUIRED = {"order_issued", "order_cancelled", "judgment"}
_NUMBER_REQUIRED = {"order_issued", "judgment"}
TERMINATION_REASONS = {"1": "performed in full", "5": "written off as uncollectible"}


def inn_problem(inn: str) -> str | None:
    """A person's INN: 12 digits, the last two are check digits (Federal Tax Service order)."""
    if not re.fullmatch(r"\d{12}", inn):
        return f"INN '{inn}' must be 12 digits for a person"
    digits = [int(c) for c in inn]
    w11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    w12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    c11 = sum(d * w for d, w in zip(digits[:10], w11, strict=True)) % 11 % 10
    c12 = sum(d * w for d, w in zip(digits[:11], w12, strict=True)) % 11 % 10
    if digits[10] != c11 or digits[11] != c12:
        return f"INN '{inn}' has wrong check digits"
    return None


def snils_problem(snils: str) -> str | None:
    """SNILS: 11 digits, the last two are the check number (Pension Fund rules)."""
    digits = re.sub(r"[\s-]", "", snils)
    if not re.fullmatch(r"\d{11}", digits):
        return f"SNILS '{snils}' must be 11 digits"
    body = [int(c) for c in digits[:9]]
    total = sum(d * (9 - i) for i, d in enumerate(body))
    if total < 100:
        check = total
    elif total in (100, 101):
        check = 0
    else:
        check = total % 101
        check = 0 if check == 100 else check
    if int(digits[9:]) != check:
        return f"SNILS '{snils}' has a wrong check number"
    return None


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _texts(record: Record) -> list[tuple[str, str | None]]:
    s = record.subject
    out: list[tuple[str, str | None]] = [
        ("last name", s.last_name),
        ("first name", s.first_name),
        ("middle name", s.middle_name),
        ("birth place", s.birth_place),
        ("contract number", record.obligation.contract_number),
    ]
    if record.court:
        out += [("court name", record.court.court_name), ("act number", record.court.act_number)]
    if record.assignment:
        a = record.assignment
        out += [("agreement number", a.agreement_number), ("cedent", a.cedent_name), ("assignee", a.assignee_name)]
    return out


def validate_record(record: Record, report_date: dt.date) -> list[str]:
    """Every problem of the record, each naming the field and the fix; empty when it may be sent."""
    problems: list[str] = []
    s = record.subject
    o = record.obligation
    for label, value in _texts(record):
        if value is None:
            continue
        if re.search(r"[\t\r\n]", value):
            problems.append(_("{capitalize} contains a tab or a line break").format(capitalize=label.capitalize()))
        bad = unencodable(value)
        if bad:
            problems.append(
                _("{capitalize} contains '{bad}', which the bureau's Windows-1251 file cannot carry").format(
                    capitalize=label.capitalize(), bad=bad
                )
            )
    for label, value in (("Last name", s.last_name), ("First name", s.first_name), ("Middle name", s.middle_name)):
        if value is None:
            if label != "Middle name":
                problems.append(_("{label} of the debtor is empty: fill it in on the case card").format(label=label))
        elif not _NAME.match(value):
            problems.append(
                _("{label} '{value}' may hold only letters, spaces, hyphens and apostrophes").format(
                    label=label, value=value
                )
            )
    if s.birth_date is None:
        problems.append(_("Birth date of the debtor is missing: the bureau identifies the subject by it"))
    else:
        age = _age(s.birth_date, record.event_date)
        if not 14 <= age <= 120:
            problems.append(
                _("Birth date {birth_date:%d.%m.%Y} gives age {age}: check the debtor's birth date").format(
                    birth_date=s.birth_date, age=age
                )
            )
    if not (s.passport_series and re.fullmatch(r"\d{4}", s.passport_series)) or not (
        s.passport_number and re.fullmatch(r"\d{6}", s.passport_number)
    ):
        shown = " ".join(p for p in (s.passport_series, s.passport_number) if p) or "empty"
        problems.append(
            _("Passport '{shown}' must be a 4-digit series and a 6-digit number: correct the debtor's passport").format(
                shown=shown
            )
        )
    if s.inn:
        problem = inn_problem(s.inn)
        if problem:
            problems.append(problem + ": correct or clear the debtor's INN")
    if s.snils:
        problem = snils_problem(s.snils)
        if problem:
            problems.append(problem + ": correct or clear the debtor's SNILS")
    try:
        uuid.UUID(o.uid)
    except ValueError:
        problems.append(_("Obligation identifier '{uid}' is not a UUID").format(uid=o.uid))
    if not o.contract_number.strip():
        problems.append(_("Contract number is empty"))
    if o.contract_date > record.event_date:
        problems.append(
            _("Contract date {contract_date:%d.%m.%Y} is after the event date {event_date:%d.%m.%Y}").format(
                contract_date=o.contract_date, event_date=record.event_date
            )
        )
    if o.principal <= Decimal("0"):
        problems.append(_("The obligation's principal must be more than zero"))
    if record.event_date > report_date:
        problems.append(_("Event date {event_date:%d.%m.%Y} is in the future").format(event_date=record.event_date))
    problems += _event_problems(record, report_date)
    return problems


def _event_problems(record: Record, report_date: dt.date) -> list[str]:
    problems: list[str] = []
    code = record.event_code
    if code == "2.3":
        if record.payment is None:
            problems.append(_("A payment event has no payment"))
        elif record.payment.amount <= Decimal("0"):
            problems.append(_("The payment amount must be more than zero"))
        elif record.payment.date > report_date:
            problems.append(_("The payment date is in the future"))
    elif code == "2.5":
        if record.termination is None:
            problems.append(_("An obligation-end event has no end date"))
        elif record.termination.reason_code not in TERMINATION_REASONS:
            problems.append(
                _("Termination reason '{reason_code}' is unknown").format(reason_code=record.termination.reason_code)
            )
    elif code == "2.6":
        c = record.court
        if c is None:
            problems.append(_("A court event has no court data"))
        else:
            if c.court_event in _ACT_REQUIRED and c.act_date is None:
                problems.append(_("The date of the court act is missing: enter it from the act"))
            if c.court_event in _NUMBER_REQUIRED and not c.act_number:
                problems.append(_("The number of the court act (case number) is missing: enter it from the act"))
            if c.act_date and c.act_date > report_date:
                problems.append(_("The date of the court act is in the future"))
            if c.court_event == "order_in_force" and c.in_force_date is None:
                problems.append(_("The date the order came into force is missing"))
    elif code == "2.11":
        a = record.assignment
        if a is None or not a.agreement_number or a.agreement_date is None:
            problems.append(_("The assignment agreement's number and date are missing"))
        elif not a.assignee_name:
            problems.append(_("The assignee (our company) is missing from the assignment"))
    elif code == "1.9" and not record.changed_fields:
        problems.append(_("A subject-change event names no changed field"))
    return problems
