"""A debtor's name as a court act declines it, brought back to the nominative.

Courts write the debtor in the case the sentence needs: "взыскать с Михайлова Артёма
Андреевича" (genitive), "по иску … к Михайловой Анне Сергеевне" (dative), "между … и
Ковальским Ильёй Ильичом" (instrumental). The case file holds the nominative ("Михайлов Артём
Андреевич"), so the name read from a scan is put back into the nominative before it is compared.

How (the grammar of Russian personal names, as in Розенталь, "Справочник по правописанию и
литературной правке", § 160 "Склонение фамилий"):

1. The patronymic tells the gender and the case with certainty: ``-ича/-ичу/-ичем`` (a man),
   ``-вны/-вне/-вной``, ``-чны/-чне/-чной`` (a woman); so it is decided first, by its ending.
2. The first name and the surname are looked up with the ``pymorphy3`` dictionary (OpenCorpora),
   keeping only readings that are a first name (``Name``) or a surname (``Surn``) of that gender
   in that case, and inflected to the nominative of the same gender: "Михайловой" → "Михайлова",
   "Любови" → "Любовь", "Льва" → "Лев", "Ковальского" → "Ковальский".
3. A word the dictionary has no such reading for is left as written when it cannot decline
   (Шевченко, Черных, Гоголадзе, a woman's Ковальчук), or undone by the surname suffix rules
   (-ова → -ов, -ской → -ская, …) otherwise.

This is the OCR domain's reading direction only; declining a name for a court document is the
documents' business.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

CASES = ("nomn", "gent", "datv", "ablt")

# patronymic ending -> (gender, case, nominative ending)
_PATRONYMIC_ENDINGS: tuple[tuple[str, str, str, str], ...] = (
    ("ичем", "masc", "ablt", "ич"),
    ("ичом", "masc", "ablt", "ич"),
    ("ича", "masc", "gent", "ич"),
    ("ичу", "masc", "datv", "ич"),
    ("ич", "masc", "nomn", "ич"),
    ("вной", "femn", "ablt", "вна"),
    ("вны", "femn", "gent", "вна"),
    ("вне", "femn", "datv", "вна"),
    ("вна", "femn", "nomn", "вна"),
    ("чной", "femn", "ablt", "чна"),
    ("чны", "femn", "gent", "чна"),
    ("чне", "femn", "datv", "чна"),
    ("чна", "femn", "nomn", "чна"),
)

# surname suffix rules when the dictionary has no reading: (gender, case) -> [(ending, nominative)]
_SURNAME_RULES: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("masc", "gent"): (
        ("ского", "ский"),
        ("цкого", "цкий"),
        ("ова", "ов"),
        ("ёва", "ёв"),
        ("ева", "ев"),
        ("ина", "ин"),
        ("ына", "ын"),
    ),
    ("masc", "datv"): (
        ("скому", "ский"),
        ("цкому", "цкий"),
        ("ову", "ов"),
        ("ёву", "ёв"),
        ("еву", "ев"),
        ("ину", "ин"),
        ("ыну", "ын"),
    ),
    ("masc", "ablt"): (
        ("ским", "ский"),
        ("цким", "цкий"),
        ("овым", "ов"),
        ("ёвым", "ёв"),
        ("евым", "ев"),
        ("иным", "ин"),
        ("ыным", "ын"),
    ),
    ("femn", "gent"): (
        ("ской", "ская"),
        ("цкой", "цкая"),
        ("овой", "ова"),
        ("ёвой", "ёва"),
        ("евой", "ева"),
        ("иной", "ина"),
        ("ыной", "ына"),
    ),
    ("femn", "datv"): (
        ("ской", "ская"),
        ("цкой", "цкая"),
        ("овой", "ова"),
        ("ёвой", "ёва"),
        ("евой", "ева"),
        ("иной", "ина"),
        ("ыной", "ына"),
    ),
    ("femn", "ablt"): (
        ("ской", "ская"),
        ("цкой", "цкая"),
        ("овой", "ова"),
        ("ёвой", "ёва"),
        ("евой", "ева"),
        ("иной", "ина"),
        ("ыной", "ына"),
    ),
}

_WORD = re.compile(r"^[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?$")

_morph_lock = threading.Lock()


@lru_cache(maxsize=1)
def _morph() -> Any:
    """The dictionary is loaded once per process (a quarter of a second, ~15 MB)."""
    import pymorphy3

    with _morph_lock:
        return pymorphy3.MorphAnalyzer(lang="ru")


@dataclass(frozen=True)
class NominativeName:
    """The name in the nominative, the gender and the case it was written in."""

    name: str
    gender: str | None  # masc | femn | None (no patronymic to tell)
    case: str | None


def patronymic_form(word: str) -> tuple[str, str, str] | None:
    """(gender, case, nominative) of a patronymic, or None when the word is not one."""
    low = word.lower()
    for ending, gender, case, nominative in _PATRONYMIC_ENDINGS:
        if low.endswith(ending) and len(low) > len(ending) + 2:
            return gender, case, word[: len(word) - len(ending)] + nominative
    return None


def _cap(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


def _inflect(word: str, kind: str, gender: str, case: str) -> str | None:
    """The nominative of ``word`` read as a first name or surname (``kind``: Name | Surn) of the
    given gender in the given case, from the dictionary; None when it has no such reading."""
    if case == "nomn":
        return word
    readings = [
        p
        for p in _morph().parse(word)
        if kind in p.tag and p.tag.case == case and p.tag.number != "plur" and p.tag.gender in (gender, "ms-f")
    ]
    # a declinable reading first: "Анне" is also a foreign name that never declines
    for parse in sorted(readings, key=lambda p: "Fixd" in p.tag):
        if "Fixd" in parse.tag:
            return word
        form = parse.inflect({"nomn", "sing"} | ({gender} if kind == "Surn" else set()))
        if form is not None:
            return _cap(form.word)
    return None


def _surname_by_rule(word: str, gender: str, case: str) -> str:
    low = word.lower()
    for ending, nominative in _SURNAME_RULES.get((gender, case), ()):
        if low.endswith(ending) and len(low) > len(ending) + 1:
            return word[: len(word) - len(ending)] + nominative
    return word  # Шевченко, Черных, Гоголадзе, a woman's Ковальчук: never declined


def _surname(word: str, gender: str, case: str) -> str:
    """Suffix rules first for the regular surnames (-ов, -ин, -ский: their declension is fixed),
    the dictionary for the rest (a man's Ковальчука → Ковальчук, Кима → Ким)."""
    if case == "nomn":
        return word
    if "-" in word:  # both parts of a double surname decline: Римского-Корсакова
        return "-".join(_surname(part, gender, case) for part in word.split("-"))
    by_rule = _surname_by_rule(word, gender, case)
    if by_rule != word:
        return by_rule
    found = _inflect(word, "Surn", gender, case)
    return found if found is not None else word


def to_nominative(name: str) -> NominativeName:
    """``Михайлова Артёма Андреевича`` → ``Михайлов Артём Андреевич`` (surname first, as courts
    and the case file write it). A name without a recognisable patronymic is returned as read."""
    words = [w for w in re.split(r"\s+", name.strip()) if w]
    words = [_cap(w.lower()) if w.isupper() and len(w) > 1 else w for w in words]
    if len(words) < 2:
        return NominativeName(" ".join(words), None, None)
    found = patronymic_form(words[-1])
    if found is None:
        return NominativeName(" ".join(words), None, None)
    gender, case, patronymic = found
    if len(words) == 2:  # "Ильи Ильича" — no surname to decline
        first = _inflect(words[0], "Name", gender, case) or words[0]
        return NominativeName(f"{first} {patronymic}", gender, case)
    surname = " ".join(_surname(w, gender, case) for w in words[:-2])
    first = _inflect(words[-2], "Name", gender, case) or words[-2]
    return NominativeName(f"{surname} {first} {patronymic}", gender, case)


def looks_like_name_word(word: str) -> bool:
    return bool(_WORD.match(word))
