"""Validation of Russian Post tracking numbers.

Two formats exist: the UPU S10 international identifier (UPU standard S10, e.g. RA123456785RU)
and the 14-digit domestic identifier (Russian Post: office index, month code, serial, check
digit). ``tracking_problem`` returns the rule that failed, so the clerk knows what to fix.
"""

from __future__ import annotations

import re

from core.i18n import _

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_S10 = re.compile(r"^[A-Z]{2}[0-9]{9}[A-Z]{2}$")
_DOMESTIC = re.compile(r"^[0-9]{14}$")
# spaces (any Unicode space), hyphens and dashes a clerk or a spreadsheet puts between the groups
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]")


def _fold_full_width(value: str) -> str:
    """Full-width Latin letters and digits (U+FF10-FF5A, typed on an East Asian keyboard
    layout or pasted from a PDF) as their ASCII selves. Nothing else is folded: a superscript
    ``²`` is not a digit of a tracking number, and is refused rather than silently read as 2."""
    return "".join(chr(ord(c) - 0xFEE0) if "\uff10" <= c <= "\uff5a" and c.isalnum() else c for c in value)


def normalize_tracking(value: str) -> str:
    return _SEPARATORS.sub("", _fold_full_width(value or "")).upper()


def s10_check_digit(serial: str) -> int:
    """UPU S10: 11 - (sum of digits x weights mod 11); 10 -> 0, 11 -> 5."""
    total = sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 10:
        return 0
    if check == 11:
        return 5
    return check


def domestic_check_digit(first13: str) -> int:
    """Russian 14-digit identifier: (10 - ((3 x sum of odd positions 1..13) + sum of even 2..12) mod 10) mod 10."""
    odd = sum(int(first13[i]) for i in range(0, 13, 2))
    even = sum(int(first13[i]) for i in range(1, 12, 2))
    return (10 - (3 * odd + even) % 10) % 10


def tracking_problem(value: str) -> str | None:
    """None when valid; otherwise which rule failed, in words a clerk understands.

    Never raises: whatever the clerk pasted (a superscript, a Cyrillic letter, an emoji) gets a
    message, so one bad number refuses one case and never aborts a bulk move.
    """
    s = normalize_tracking(value)
    if not s:
        return _("the tracking number is empty")
    foreign = sorted({c for c in s if not ("0" <= c <= "9" or "A" <= c <= "Z")})
    if foreign:
        return _("a tracking number has only Latin letters and digits; “{chars}” is not allowed").format(
            chars=" ".join(foreign)
        )
    if s.isdigit():
        if not _DOMESTIC.match(s):
            return _("a domestic tracking number has 14 digits, this one has {n}").format(n=len(s))
        if s[0] == "0":
            # the first six digits are the index of the sending post office; Russian indexes
            # run from 101000 upwards, so 000000... is a placeholder, never a real letter
            return _(
                "the first six digits of a domestic tracking number are a post office index, and {index} is none"
            ).format(index=s[:6])
        expected = domestic_check_digit(s[:13])
        if int(s[13]) != expected:
            return _("the check digit of the 14-digit number is wrong: {digit} where {expected} is expected").format(
                digit=s[13], expected=expected
            )
        return None
    if len(s) != 13:
        return _(
            "an international tracking number has 13 characters (2 letters, 9 digits, 2 letters), this one has {n}"
        ).format(n=len(s))
    if not _S10.match(s):
        return _("an international tracking number is 2 letters, 9 digits and a 2-letter country code")
    expected = s10_check_digit(s[2:10])
    if int(s[10]) != expected:
        return _("the S10 check digit is wrong: {digit} where {expected} is expected").format(
            digit=s[10], expected=expected
        )
    return None


def is_valid_tracking(value: str) -> bool:
    return tracking_problem(value) is None
