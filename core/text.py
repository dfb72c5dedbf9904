"""Text normalisation shared by search, the importer and OCR matching."""

from __future__ import annotations

import re


def name_search_key(name: str) -> str:
    """Lower case, ``ё`` as ``е``, single spaces: how names are stored and searched.

    SQLite's LIKE folds only ASCII case, so Cyrillic names are matched on this key on both
    databases (PostgreSQL indexes it with pg_trgm for partial matches).
    """
    return re.sub(r"\s+", " ", name.casefold().replace("ё", "е")).strip()


# A person's name: Cyrillic and Latin letters, spaces, hyphens and apostrophes (Петрова-Водкина,
# O'Brien). The one rule for every way a name gets in: the importer and the debtor edit on the
# case card (a name is printed into court documents and shown on every screen).
PERSON_NAME_CHARS = re.compile(r"^[A-Za-zА-Яа-яЁё\-' ]+$")
NAME_PART_MAX = 100
FULL_NAME_MAX = 310


def person_name_problem(name: str) -> str | None:
    """None for an acceptable full name (surname, name, optional patronymic); else what is wrong."""
    from core.i18n import _

    s = re.sub(r"\s+", " ", name).strip()
    if not PERSON_NAME_CHARS.match(s):
        return _("'{name}' is not a person's name (letters, spaces and hyphens only)").format(name=s)
    parts = normalize_person_name(s).split(" ")
    if len(parts) < 2:
        return _("'{name}' has no first name; write the surname, the name and the patronymic").format(name=s)
    if len(s) > FULL_NAME_MAX or len(parts[0]) > NAME_PART_MAX or len(parts[1]) > NAME_PART_MAX:
        return _("the name is too long")
    if len(" ".join(parts[2:])) > NAME_PART_MAX:
        return _("the name is too long")
    return None


def normalize_person_name(name: str) -> str:
    """``  иВАНОВ  иван ивановИЧ`` -> ``Иванов Иван Иванович`` (hyphenated parts too)."""
    parts = re.sub(r"\s+", " ", name).strip().split(" ")
    return " ".join("-".join(p[:1].upper() + p[1:].lower() for p in part.split("-")) for part in parts if part)


# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"), in ASCII
# and in their full-width forms, which some spreadsheet programs fold to ASCII on input.
_FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
# What may stand in front of the formula sign and still let the spreadsheet see a formula:
# spaces, no-break spaces (U+00A0, U+202F, U+2007) and other Unicode blanks.
_LEADING_BLANKS = " \u00a0\u202f\u2007\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u3000\n"


def escape_spreadsheet_cell(value: object) -> object:
    """A cell value safe to put in a CSV or XLSX file: text that a spreadsheet would run as a
    formula gets a leading apostrophe, so it is shown as the text it is.

    The one function every export uses (search, KPI workbook, audit log, invalid rows). A cell is
    dangerous when its first character after any spaces or no-break spaces is ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return (OWASP, CSV injection): ``" =HYPERLINK(...)"`` is
    run by Excel just like ``"=HYPERLINK(...)"``. Numbers, dates and other non-text values are
    returned unchanged, so a negative amount stays a number.
    """
    if not isinstance(value, str):
        return value
    stripped = value.lstrip(_LEADING_BLANKS)
    if stripped and stripped[0] in _FORMULA_STARTS:
        return "'" + value
    if value[:1] in ("\t", "\r"):
        return "'" + value
    return value
