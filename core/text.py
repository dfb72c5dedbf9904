"""Text normalisation shared by search, the importer and OCR matching."""

from __future__ import annotations

import re


def name_search_key(name: str) -> str:
    """Lower case, ``ё`` as ``е``, single spaces: how names are stored and searched.

    SQLite's LIKE folds only ASCII case, so Cyrillic names are matched on this key on both
    databases (PostgreSQL indexes it with pg_trgm for partial matches).
    """
    return re.sub(r"\s+", " ", name.casefold().replace("ё", "е")).strip()


def normalize_person_name(name: str) -> str:
    """``  иВАНОВ  иван ивановИЧ`` -> ``Иванов Иван Иванович`` (hyphenated parts too)."""
    parts = re.sub(r"\s+", " ", name).strip().split(" ")
    return " ".join("-".join(p[:1].upper() + p[1:].lower() for p in part.split("-")) for part in parts if part)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_spreadsheet_cell(value: object) -> object:
    """Neutralise spreadsheet formula injection (OWASP "CSV injection") in an exported cell: a
    text that Excel or LibreOffice would read as a formula — starting with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return, also after leading spaces or no-break spaces, which Excel
    skips — gets a leading apostrophe so it is shown as text. Numbers, dates and other values are
    returned unchanged."""
    if isinstance(value, str) and value.lstrip(" \u00a0\u2007\u202f").startswith(_FORMULA_START):
        return "'" + value
    return value
