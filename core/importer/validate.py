"""Row-by-row validation: every cell parsed by its field's parser, every problem named with
its column, duplicates found by contract number (ARCHITECTURE rule 9: say what is wrong and
where, keep everything that was right).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.cases.workflow import STAGE_BY_CODE
from core.i18n import _
from core.importer import values as v
from core.importer.decisions import name_key, propose_stage
from core.importer.mapping import FIELD_BY_NAME, ImportField, normalize_header, normalize_word
from core.importer.read import Table, cell_text


@dataclass
class ParsedRow:
    index: int  # position in Table.rows
    line: int  # line number in the spreadsheet
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicate_of: int | None = None  # line of the row this one repeats
    failed: set[str] = field(default_factory=set)  # fields whose cell could not be read
    skipped: str | None = None  # why the row is not a case (a totals row, a note, ...)
    repeats_invalid: bool = False  # an identical repeat of a line that has errors

    @property
    def valid(self) -> bool:
        return not self.errors and self.duplicate_of is None and self.skipped is None

    @property
    def contract_number(self) -> str:
        return str(self.values.get("contract_number") or "")


def clean_contract_number(value: Any) -> str:
    """``  № ДЗ-0001 `` -> ``ДЗ-0001``: the idempotency key of the import."""
    s = v.text(value)
    s = re.sub(r"^(№|N|No\.?)\s*(?=\S*\d)", "", s).strip()
    return re.sub(r"\s+", " ", s)


class StageWords:
    """Stage lookup for cells, with the proposal for an undecided word computed once per word."""

    def __init__(self, known: Mapping[str, str]) -> None:
        self.known = known
        self.proposals: dict[str, str | None] = {}

    def __call__(self, raw: Any) -> str:
        word = v.text(raw)
        key = normalize_word(word)
        code = self.known.get(key)
        if code is not None:
            return code
        if key not in self.proposals:
            self.proposals[key] = propose_stage(word, self.known)
        proposal = self.proposals[key]
        if proposal is None:
            raise v.ValueProblem(
                _("“{word}” is a stage word not decided yet: choose its stage once under Decisions").format(word=word)
            )
        raise v.ValueProblem(
            _("“{word}” is a stage word not decided yet (proposed: {stage}): confirm it once under Decisions").format(
                word=word, stage=_(STAGE_BY_CODE[proposal].label)
            )
        )


def _parse(f: ImportField, raw: Any, stages: StageWords) -> Any:
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
        return stages(raw)
    if kind == "person":
        return v.text(raw)
    raise ValueError(f"unknown field kind {kind}")


_TOTALS = re.compile(r"^\W*(итого|итог|всего|total|subtotal)\b", re.IGNORECASE)
_KEY_FIELDS = ("contract_number", "debtor_name", "contract_date")


def not_a_case(
    raw_row: Sequence[Any], mapped: Sequence[tuple[int, str, ImportField]], header_keys: Sequence[str]
) -> str | None:
    """Why a row of the register is not a case, or None when it is one (then every problem of
    it is reported). A totals row (``ИТОГО:``), a repeated header, a row of formulas or sums
    without contract, debtor or date, and a note typed across the sheet are not cases."""
    cells = [c for c in raw_row if not v.is_empty(c)]
    texts = [c.strip() for c in cells if isinstance(c, str)]
    if any(_TOTALS.match(t) for t in texts[:3]):
        return _("a totals row (“{text}”)").format(text=next(t for t in texts if _TOTALS.match(t))[:40])
    if _repeats_header(raw_row, mapped, header_keys, len(cells)):
        return _("the header repeated")
    if len(cells) == 1 and isinstance(cells[0], str) and _looks_like_a_note(cells[0]):
        return _("a note, not a case (“{text}”)").format(text=cells[0].strip()[:60])
    if any(not v.is_empty(raw_row[i]) for i, _h, f in mapped if f.name in _KEY_FIELDS):
        return None
    if not any(not v.is_empty(raw_row[i]) for i, _h, _f in mapped):
        return _("nothing in the columns the import reads")
    if any(t.startswith("=") for t in texts):
        return _("a row of formulas with no contract, debtor or date")
    if texts and all(not re.search(r"\d", t) for t in texts) and len(cells) == len(texts):
        return _("a note, not a case (“{text}”)").format(text=texts[0][:60])
    return _("a row of sums or notes with no contract, debtor or date")


def _repeats_header(
    raw_row: Sequence[Any], mapped: Sequence[tuple[int, str, ImportField]], header_keys: Sequence[str], filled: int
) -> bool:
    """The header again (a page break of a printed register): checked only when the contract
    column holds its own header word, so a case row costs one comparison."""
    contract = next((i for i, _h, f in mapped if f.name == "contract_number"), None)
    if contract is None:
        return False
    cell = raw_row[contract]
    if not isinstance(cell, str) or normalize_header(cell) != header_keys[contract]:
        return False
    same = sum(
        1 for c, k in zip(raw_row, header_keys, strict=False) if k and isinstance(c, str) and normalize_header(c) == k
    )
    return same >= 2 and same * 2 >= filled


def _looks_like_a_note(text: str) -> bool:
    """The only cell of a row holds a sentence (a remark typed across the sheet), not a number
    or a name."""
    words = text.split()
    return len(words) >= 4 or (len(text) > 40 and not re.search(r"\d", text))


def _clean(raw: Any) -> Any:
    """A text cell as typed: a leading apostrophe (Excel's "store as text") and no-break spaces
    are not part of the value."""
    if isinstance(raw, str):
        raw = raw.replace("\u00a0", " ").strip()
        if raw.startswith("'"):
            raw = raw[1:].strip()
    return raw


def mapped_columns(table: Table, mapping: Mapping[str, str]) -> list[tuple[int, str, ImportField]]:
    """(position, header, field) of each mapped column, a field taken by its first column."""
    columns: list[tuple[int, str, ImportField]] = []
    for index, header in enumerate(table.headers):
        name = mapping.get(header, "")
        if name and name in FIELD_BY_NAME and all(c[2].name != name for c in columns):
            columns.append((index, header, FIELD_BY_NAME[name]))
    return columns


def classify_rows(table: Table, mapping: Mapping[str, str]) -> list[str | None]:
    """Per row of the table: why it is not a case, or None (``not_a_case``)."""
    columns = mapped_columns(table, mapping)
    header_keys = [normalize_header(h.split(" / ")[-1]) if h else "" for h in table.headers]
    return [not_a_case(row, columns, header_keys) for row in table.rows]


def validate_rows(
    table: Table,
    mapping: Mapping[str, str],
    stages: Mapping[str, str],
    users: Mapping[str, int | None],
    today: dt.date,
    progress: Callable[[int, int], None] | None = None,
    name_decisions: Mapping[str, int | None] | None = None,
    skipped: Sequence[str | None] | None = None,
) -> list[ParsedRow]:
    """Parse every row that is a case (the others are marked skipped with the reason, see
    ``classify_rows``); then mark repeated contract numbers as duplicates of their first line."""
    columns = mapped_columns(table, mapping)
    headers_of = {f.name: header for _i, header, f in columns}
    if skipped is None:
        skipped = classify_rows(table, mapping)
    stage_words = StageWords(stages)
    decided = name_decisions or {}
    out: list[ParsedRow] = []
    total = len(table.rows)
    for i, (raw_row, line) in enumerate(zip(table.rows, table.lines, strict=True)):
        row = ParsedRow(i, line)
        out.append(row)
        if progress and (i + 1) % 5000 == 0:
            progress(i + 1, total)
        row.skipped = skipped[i]
        if row.skipped:
            continue
        for index, header, f in columns:
            raw = _clean(raw_row[index])
            if v.is_empty(raw):
                if f.required:
                    row.errors.append(
                        _("{column}: empty; {field} is required").format(column=header, field=_(f.label).lower())
                    )
                continue
            try:
                row.values[f.name] = _parse(f, raw, stage_words)
            except v.ValueProblem as exc:
                row.errors.append(f"{header}: {exc}")
                row.failed.add(f.name)
        _cross_checks(row, headers_of, users, decided, today)
    _mark_duplicates(out, table, columns)
    return out


def _cross_checks(
    row: ParsedRow,
    headers: Mapping[str, str],
    users: Mapping[str, int | None],
    decided: Mapping[str, int | None],
    today: dt.date,
) -> None:
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
        key = name_key(name)
        if key in decided:
            if decided[key] is not None:
                vals["responsible_id"] = decided[key]
        elif key not in users:
            row.warnings.append(
                _(
                    "{column}: “{name}” is not a Cessio user; decide once under Decisions (until then unassigned)"
                ).format(column=headers["responsible"], name=name)
            )
        elif users[key] is None:
            row.warnings.append(
                _(
                    "{column}: “{name}” matches several users; decide once under Decisions (until then unassigned)"
                ).format(column=headers["responsible"], name=name)
            )
        else:
            vals["responsible_id"] = users[key]


def _mark_duplicates(rows: list[ParsedRow], table: Table, columns: Sequence[tuple[int, str, ImportField]]) -> None:
    """The same contract again: identical to its first line, it is a duplicate imported once;
    with different values it is a duplicate that is not applied, and the report names each
    cell that differs (the first line is imported; fix the file and import it again)."""
    groups: dict[str, list[ParsedRow]] = defaultdict(list)
    for row in rows:
        if row.skipped is None and row.contract_number:
            groups[row.contract_number].append(row)
    for number, group in groups.items():
        if len(group) < 2:
            continue
        first = group[0]
        for r in group[1:]:
            r.duplicate_of = first.line
            if r.values == first.values and r.errors == first.errors:
                r.repeats_invalid = bool(first.errors)
                r.errors = []  # the problems are reported once, on the first line
                continue
            differ = [
                _("{column}: “{first}” on line {line}, “{here}” here").format(
                    column=header,
                    first=cell_text(table.rows[first.index][i]),
                    line=first.line,
                    here=cell_text(table.rows[r.index][i]),
                )
                for i, header, f in columns
                if first.values.get(f.name) != r.values.get(f.name)
                or (f.name in first.failed | r.failed and table.rows[first.index][i] != table.rows[r.index][i])
            ]
            r.errors.append(
                _(
                    "contract “{number}” is already on line {line} with other values ({cells}); this line is not applied"
                ).format(number=number, line=first.line, cells="; ".join(differ))
            )
