"""Deciding each unknown value of the register once, not once per row.

A department's register says "СП вынесен", "Исп. производство", "отправленно в суд" where
Cessio has stages, and names people by surname and initials, sometimes with a typo. A word the
stage-word table does not know, or a name that matches no user, is not a problem of a row: it is
one decision for every row that carries it. The dry run therefore lists each distinct unknown
value once, with how many rows carry it and a proposal, and the user confirms or changes the
proposals on one screen (or on the command line, ``--accept-proposals`` or a decisions file).
Stage decisions go into the stage-word table; name decisions into ``ImportNameDecision``.

Proposals are made here, without the database: abbreviations expanded (СП = судебный приказ,
ИП = исполнительное производство), a close spelling of a known word accepted (rapidfuzz), then
rules on word stems that follow the route of a case (cancellation before the order, enforcement
before the court, ...). A value no rule recognises gets no proposal: a person decides it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from core.importer.mapping import normalize_word
from core.text import name_search_key

STAGE = "stage"
RESPONSIBLE = "responsible"
STAGE_FUZZY_CUTOFF = 88
NAME_FUZZY_CUTOFF = 88

# Abbreviations of the registers, whole words only (after punctuation became spaces).
_ABBREVIATIONS = {
    "сп": "судебный приказ",
    "суд приказ": "судебный приказ",
    "ип": "исполнительное производство",
    "ил": "исполнительный лист",
    "исп": "исполнительное",
    "исполн": "исполнительное",
    "пр во": "производство",
    "произв": "производство",
    "пр": "приказ",
    "отпр": "отправлено",
    "напр": "направлено",
    "ф ссп": "фссп",
    "оп": "оплачено",
}
_ABBREVIATION_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _ABBREVIATIONS), key=len, reverse=True)) + r")\b")

# The route of a case, most specific first: "отмена СП" is a cancellation although it names the
# order; "направлено в ФССП" is enforcement although it says "направлено".
STAGE_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), stage)
    for pattern, stage in (
        (r"отмен", "order_cancelled"),
        (r"отказ|возвращ\w* заявлени", "order_refused"),
        (r"вступ\w* в (законную )?силу|в силе\b", "order_in_force"),
        (r"погаш|оплач|выплач|закрыт|исполнено полностью", "repaid"),
        (r"списан|безнадеж|невозможн\w* взыск|прекращ", "written_off"),
        (r"исполнит|фссп|пристав|исполнени|\bв банк|взыскани\w* через банк", "enforcement"),
        (r"заседани|слушани", "hearing"),
        (r"решени", "judgment"),
        (r"\bиск|исков", "lawsuit_filed"),
        (r"подготов|формир|сбор документ", "claim_prepared"),
        (r"приказ", "order_issued"),
        (r"получен\w* суд|вручен|доставлен|поступил\w* в суд|в суде\b", "claim_delivered"),
        (r"(подан|направ|отправ|передан|сдан)\w* (в|на) (суд|участ|мир)|^(подан|направ|отправ)\w*$", "claim_mailed"),
        (r"\bнов|в работ|принят", "new"),
    )
)
# Latin letters that look Cyrillic, as typed in names by people switching layouts.
_LOOKALIKES = str.maketrans("aeopcxykmthbAEOPCXYKMTHB", "аеорсхукмтнвАЕОРСХУКМТНВ")


@dataclass
class Decision:
    """One distinct unknown value: what it is, how many rows carry it, what is proposed
    (a stage code, or a user id; None: no proposal / unassigned) and what was applied."""

    kind: str  # stage | responsible
    value: str  # as first seen in the file
    key: str  # the normalised value decisions are stored under
    count: int = 0
    first_line: int = 0
    proposal: str | int | None = None
    applied: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "value": self.value,
            "key": self.key,
            "count": self.count,
            "first_line": self.first_line,
            "proposal": self.proposal,
            "applied": self.applied,
        }


@dataclass
class Decisions:
    """Decisions to apply: stage word -> stage code; person's name -> user id (None: leave the
    case unassigned)."""

    stages: dict[str, str] = field(default_factory=dict)
    names: dict[str, int | None] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.stages or self.names)


# ---------------------------------------------------------------- stages


def stage_key(word: str) -> str:
    """How a stage word is looked up and stored (case, ``ё``, spacing and end punctuation)."""
    return normalize_word(word)


def expand(word: str) -> str:
    """``Исп. пр-во`` -> ``исполнительное производство``: normalised, punctuation as spaces,
    abbreviations spelt out."""
    s = re.sub(r"[^\w%]+", " ", normalize_word(word)).strip()
    return _ABBREVIATION_RE.sub(lambda m: _ABBREVIATIONS[m.group(1)], s)


def propose_stage(word: str, known: Mapping[str, str]) -> str | None:
    """The stage a word most likely means, or None. ``known`` is the stage lookup (normalised
    word -> stage code) of the table and Cessio's own stage names."""
    key = stage_key(word)
    if key in known:
        return known[key]
    expanded = expand(word)
    if not expanded:
        return None
    spelled = {expand(k): code for k, code in known.items()}
    if expanded in spelled:
        return spelled[expanded]
    close = process.extractOne(expanded, list(spelled), scorer=fuzz.ratio, score_cutoff=STAGE_FUZZY_CUTOFF)
    if close is not None:
        return spelled[close[0]]
    for pattern, stage in STAGE_RULES:
        if pattern.search(expanded):
            return stage
    return None


# ---------------------------------------------------------------- responsible people


def name_key(name: str) -> str:
    """``Петрова  А.С`` -> ``петрова а с``: how a person's name is matched and stored (case, ``ё``,
    Latin look-alike letters, dots and spacing of initials do not matter)."""
    s = name_search_key(str(name).translate(_LOOKALIKES) if re.search(r"[А-Яа-яЁё]", str(name)) else str(name))
    return re.sub(r"[\s.]+", " ", s).strip()


def user_keys(full_name: str) -> list[str]:
    """Ways the register may name a user: ``Петрова Анна Сергеевна``, ``Петрова А.С.``,
    ``Петрова А. С.``, ``Петрова Анна``, ``Анна Сергеевна Петрова`` is not guessed."""
    parts = name_key(full_name).split(" ")
    keys = [" ".join(parts)]
    if len(parts) >= 2:
        keys.append(f"{parts[0]} {' '.join(p[0] for p in parts[1:])}")
        keys.append(f"{parts[0]} {parts[1]}")
        keys.append(f"{parts[0]} {parts[1][0]}")
    return keys


def user_lookup(users: Iterable[tuple[int, str]]) -> dict[str, int | None]:
    """Name key -> user id; a key shared by two users maps to None (ambiguous)."""
    out: dict[str, int | None] = {}
    for user_id, full_name in users:
        for key in dict.fromkeys(user_keys(full_name)):
            out[key] = None if key in out and out[key] != user_id else user_id
    return out


def propose_user(name: str, lookup: Mapping[str, int | None]) -> int | None:
    """The user a name that matches nobody exactly most likely means (a typo), or None."""
    key = name_key(name)
    candidates = [k for k, uid in lookup.items() if uid is not None]
    close = process.extractOne(key, candidates, scorer=fuzz.ratio, score_cutoff=NAME_FUZZY_CUTOFF)
    return lookup[close[0]] if close is not None else None


# ---------------------------------------------------------------- collecting


def collect(
    values: Sequence[tuple[int, object]],
    kind: str,
    is_known: Mapping[str, object],
    key_of: object,
    propose: object,
) -> list[Decision]:
    """The distinct unknown values among (line, cell) pairs, with counts and proposals."""
    found: dict[str, Decision] = {}
    for line, raw in values:
        if raw is None:
            continue
        text = " ".join(str(raw).split()).lstrip("'")
        if not text:
            continue
        key = key_of(text)  # type: ignore[operator]
        if not key or key in is_known:
            continue
        d = found.get(key)
        if d is None:
            d = found[key] = Decision(kind, text, key, 0, line)
        d.count += 1
    for d in found.values():
        d.proposal = propose(d.value)  # type: ignore[operator]
    return sorted(found.values(), key=lambda d: (-d.count, d.first_line))
