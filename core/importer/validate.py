"""Row-by-row validation: every cell parsed by its field's parser, every problem named with
its column, duplicates found by contract number (ARCHITECTURE rule 9: say what is wrong and
where, keep everything that was right).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.i18n import _
from core.importer import values as v
from core.importer.mapping import FIELD_BY_NAME, ImportField, normalize_word
from core.importer.read import Table
from core.text import name_search_key


@dataclass
class ParsedRow:
    index: int  # position in Table.rows
    line: int  # line number in the spreadsheet
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicate_of: int | None = None  # line of the row this one repeats
    failed: set[str] = field(default_factory=set)  # fields whose cell could not be read

    @property
    def valid(self) -> bool:
        return not self.errors and self.duplicate_of is None

    @property
    def contract_number(self) -> str:
        return str(self.values.get("contract_number") or "")


def clean_contract_number(value: Any) -> str:
    """``  № ДЗ-0001 `` -> ``ДЗ-0001``: the idempotency key of the import."""
    s = v.text(value)
    s = re.sub(r"^(№|N|No\.?)\s*(?=\S*\d)", "", s).strip()
    return re.sub(r"\s+", " ", s)


def user_keys(full_name: str) -> list[str]:
    """Ways the spreadsheet may name a user: ``Петрова Анна Сергеевна``, ``Петрова А.С.``,
    ``Петрова А. С.``, ``Петрова Анна``."""
    key = name_search_key(full_name)
    parts = key.split(" ")
    keys = [key]
    if len(parts) >= 2:
        initials = "".join(p[0] + "." for p in parts[1:])
        keys += [f"{parts[0]} {initials}", f"{parts[0]} {' '.join(p[0] + '.' for p in parts[1:])}"]
        keys.append(f"{parts[0]} {parts[1]}")
    return keys


def responsible_lookup(users: list[tuple[int, str]]) -> dict[str, int | None]:
    """Name key -> user id; a key shared by two users maps to None (ambiguous)."""
    out: dict[str, int | None] = {}
    for user_id, full_name in users:
        for key in dict.fromkeys(user_keys(full_name)):
            out[key] = None if key in out and out[key] != user_id else user_id
    return out


def _parse(f: ImportField, raw: Any, stages: Mapping[str, str]) -> Any:
    kind = f.kind
    if kind == "text":
        return clean_contract_number(raw) if f.name == "contract_number" else v.parse_text(raw, f.max_len)
    if kind == "name":
        return v.parse_person_name(raw)
    if kind == "date":
        return v.parse_date(raw)
    if kind == "money":
        return v.parse_money(raw)
    if kind == "int":
        return v.parse_int(raw)
    if kind == "tracking":
        return v.parse_tracking(raw)
    if kind == "stage":
        word = v.text(raw)
        code = stages.get(normalize_word(word))
        if code is None:
            raise v.ValueProblem(
                _(
                    "'{word}' is not in the stage-word table; add it there (Import page, Stage words) or fix the cell"
                ).format(word=word)
            )
        return code
    if kind == "person":
        return v.text(raw)
    raise ValueError(f"unknown field kind {kind}")


def validate_rows(
    table: Table,
    mapping: Mapping[str, str],
    stages: Mapping[str, str],
    users: Mapping[str, int | None],
    today: dt.date,
    progress: Callable[[int, int], None] | None = None,
) -> list[ParsedRow]:
    """Parse every row; then mark repeated contract numbers (identical rows are duplicates,
    differing rows are all errors: the import cannot know which one is right)."""
    columns: list[tuple[int, str, ImportField]] = []
    for index, header in enumerate(table.headers):
        name = mapping.get(header, "")
        if name and name in FIELD_BY_NAME and all(c[2].name != name for c in columns):
            columns.append((index, header, FIELD_BY_NAME[name]))
    headers_of = {f.name: header for _, header, f in columns}
    out: list[ParsedRow] = []
    total = len(table.rows)
    for i, (raw_row, line) in enumerate(zip(table.rows, table.lines, strict=True)):
        row = ParsedRow(i, line)
        for index, header, f in columns:
            raw = raw_row[index]
            if v.is_empty(raw):
                if f.required:
                    row.errors.append(
                        _("{header}: empty; {lower} is required").format(header=header, lower=f.label.lower())
                    )
                continue
            try:
                row.values[f.name] = _parse(f, raw, stages)
            except v.ValueProblem as exc:
                row.errors.append(f"{header}: {exc}")
                row.failed.add(f.name)
        _cross_checks(row, headers_of, users, today)
        out.append(row)
        if progress and (i + 1) % 5000 == 0:
            progress(i + 1, total)
    _mark_duplicates(out)
    return out


def _cross_checks(row: ParsedRow, headers: Mapping[str, str], users: Mapping[str, int | None], today: dt.date) -> None:
    vals = row.values
    if "contract_number" in vals and not vals["contract_number"]:
        row.errors.append(
            _("{contract_number}: the contract number is empty").format(contract_number=headers["contract_number"])
        )
    if "debt_total" not in vals and "principal" not in vals and not row.failed & {"debt_total", "principal"}:
        which = " or ".join(f"'{headers[n]}'" for n in ("debt_total", "principal") if n in headers)
        row.errors.append(_("{which}: empty; the case needs the amount of the debt").format(which=which))
    for name in ("contract_date", "mailed_on", "stage_date", "opened_on"):
        if name in vals and vals[name] > today:
            row.errors.append(
                _("{headers}: {vals:%d.%m.%Y} is in the future").format(headers=headers[name], vals=vals[name])
            )
    birth = vals.get("birth_date")
    if birth is not None:
        if birth > today:
            row.errors.append(
                _("{birth_date}: {birth:%d.%m.%Y} is in the future").format(
                    birth_date=headers["birth_date"], birth=birth
                )
            )
        elif "contract_date" in vals and birth >= vals["contract_date"]:
            row.errors.append(
                _("{birth_date}: {birth:%d.%m.%Y} is not before the contract date").format(
                    birth_date=headers["birth_date"], birth=birth
                )
            )
    if "due_date" in vals and "contract_date" in vals and vals["due_date"] < vals["contract_date"]:
        row.errors.append(
            _("{due_date}: the repayment date is before the contract date").format(due_date=headers["due_date"])
        )
    if "principal" in vals and "debt_total" in vals and vals["principal"] > vals["debt_total"]:
        row.errors.append(
            _("{principal}: the principal {principal2} is more than the total debt {debt_total}").format(
                principal=headers["principal"], principal2=vals["principal"], debt_total=vals["debt_total"]
            )
        )
    if "term_days" in vals and not 1 <= vals["term_days"] <= 3650:
        row.errors.append(
            _("{term_days}: a loan term of {term_days2} days is not plausible").format(
                term_days=headers["term_days"], term_days2=vals["term_days"]
            )
        )
    name = vals.pop("responsible", None)
    if name:
        key = name_search_key(name)
        if key not in users:
            row.warnings.append(f"{headers['responsible']}: '{name}' is not a Cessio user; the case stays unassigned")
        elif users[key] is None:
            row.warnings.append(f"{headers['responsible']}: '{name}' matches several users; the case stays unassigned")
        else:
            vals["responsible_id"] = users[key]


def _mark_duplicates(rows: list[ParsedRow]) -> None:
    groups: dict[str, list[ParsedRow]] = defaultdict(list)
    for row in rows:
        if not row.errors and row.contract_number:
            groups[row.contract_number].append(row)
    for number, group in groups.items():
        if len(group) < 2:
            continue
        first = group[0]
        if all(r.values == first.values for r in group[1:]):
            for r in group[1:]:
                r.duplicate_of = first.line
            continue
        lines = ", ".join(str(r.line) for r in group)
        for r in group:
            r.errors.append(
                _(
                    "Contract number: contract '{number}' is on lines {lines} with different data; keep one line per contract"
                ).format(number=number, lines=lines)
            )
