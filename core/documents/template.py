"""The template language admins edit: plain lines, a few line markers, named placeholders.

    >> text      a line of the header block in the right half (the court, the parties)
    # text       centred bold title            ## text   centred subtitle
    ! text       bold paragraph                - text    list item
    ~ text       right-aligned line            [name]    a built-in table or list (see the catalog)
    empty line   vertical space                any other line: a paragraph (first line indented)

Placeholders are ``{debtor.full_name}``; ``{{`` and ``}}`` print literal braces. A template is
compiled once and filled many times (a package fills it for every case), so filling is a join.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from core.documents.catalog import BLOCKS, DOC_TYPE_BY_CODE, placeholders_for
from core.errors import ValidationFailed
from core.i18n import _

_BLOCK = re.compile(r"^\[([a-z0-9_]+)\]$")
_MARKERS = (("##", "subtitle"), (">>", "right"), ("#", "title"), ("!", "bold"), ("-", "item"), ("~", "rightline"))
MISSING = "—"


@dataclass(frozen=True)
class Field:
    name: str


Part = str | Field


@dataclass(frozen=True)
class Line:
    kind: str  # para | right | title | subtitle | bold | item | rightline | block | space
    parts: tuple[Part, ...] = ()
    block: str | None = None

    def fill(self, values: dict[str, str]) -> str:
        return "".join(p if isinstance(p, str) else values.get(p.name) or MISSING for p in self.parts)


@dataclass(frozen=True)
class CompiledTemplate:
    doc_type: str
    lines: tuple[Line, ...]
    fields: frozenset[str]


def _split(text: str, lineno: int, known: dict[str, tuple[str, str]], problems: list[str]) -> tuple[Part, ...]:
    parts: list[Part] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        problems.append(
            _("line {lineno}: {exc} (write {{{{ and }}}} for literal braces)").format(lineno=lineno, exc=exc)
        )
        return (text,)
    for literal, field, spec, conversion in parsed:
        if literal:
            parts.append(literal)
        if field is None:
            continue
        if spec or conversion:
            problems.append(
                _("line {lineno}: write the placeholder as {{{field}}} without ':' or '!'").format(
                    lineno=lineno, field=field
                )
            )
        if field not in known:
            problems.append(_("line {lineno}: unknown placeholder {{{field}}}").format(lineno=lineno, field=field))
            continue
        parts.append(Field(field))
    return tuple(parts)


def compile_template(doc_type: str, text: str) -> CompiledTemplate:
    """Parse and check a template; ``ValidationFailed`` lists every unknown placeholder or block."""
    if doc_type not in DOC_TYPE_BY_CODE:
        raise ValidationFailed(_("There is no document type '{doc_type}'.").format(doc_type=doc_type))
    known = placeholders_for(doc_type)
    blocks = BLOCKS.get(doc_type, {})
    problems: list[str] = []
    lines: list[Line] = []
    for lineno, raw in enumerate((text or "").replace("\r\n", "\n").split("\n"), start=1):
        stripped = raw.strip()
        if not stripped:
            lines.append(Line("space"))
            continue
        block = _BLOCK.match(stripped)
        if block:
            name = block.group(1)
            if name not in blocks:
                allowed = ", ".join(f"[{b}]" for b in blocks) or "none"
                problems.append(
                    _("line {lineno}: unknown block [{name}] (this document has: {allowed})").format(
                        lineno=lineno, name=name, allowed=allowed
                    )
                )
            else:
                lines.append(Line("block", block=name))
            continue
        kind = "para"
        body = stripped
        for marker, marker_kind in _MARKERS:
            if stripped.startswith(marker):
                kind = marker_kind
                body = stripped[len(marker) :].strip()
                break
        lines.append(Line(kind, _split(body, lineno, known, problems)))
    if not any(line.kind != "space" for line in lines):
        problems.append(_("the template is empty"))
    if problems:
        unknown = sorted({m.group(1) for p in problems if (m := re.search(r"unknown placeholder \{([^}]*)\}", p))})
        head = (
            f"Unknown placeholder{'s' if len(unknown) > 1 else ''}: {', '.join('{' + u + '}' for u in unknown)}. "
            if unknown
            else ""
        )
        raise ValidationFailed(
            head + _("The template was not saved: {problems}.").format(problems="; ".join(problems)),
            {"body": "; ".join(problems)},
        )
    fields = frozenset(p.name for line in lines for p in line.parts if isinstance(p, Field))
    return CompiledTemplate(doc_type, tuple(lines), fields)
