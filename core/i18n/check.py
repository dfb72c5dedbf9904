"""Is the catalog complete? Every marked string of the source against each language's ``.po``.

Extraction uses Babel's own API with the keywords of ``make i18n``, so the test (run in CI) and
the make target agree on what "marked" means. A message is a problem when it is missing from the
``.po``, has an empty or fuzzy translation, or its translation does not carry exactly the named
placeholders of the source (``{n}``, ``%(n)s``): ``str.format`` would fail or show the wrong
number at run time. ``python -m core.i18n.check`` prints the problems and exits non-zero.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

PROJECT_ROOT = LOCALE_DIR.parent.parent.parent
KEYWORDS = {"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None}
SKIPPED_DIRS = {"tests", "var", "bench", "node_modules"}

_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}(?!\})|%\(([A-Za-z_][A-Za-z0-9_]*)\)[sd]")


def _keep_dir(path: str) -> bool:
    name = Path(path).name
    return not (name.startswith((".", "_")) or name in SKIPPED_DIRS)


@dataclass(frozen=True)
class SourceMessage:
    msgid: str
    plural: str | None
    context: str | None
    where: str


def source_messages(root: Path = PROJECT_ROOT) -> dict[tuple[str, str | None], SourceMessage]:
    """Every marked message of the app's Python files, keyed by (msgid, context)."""
    found: dict[tuple[str, str | None], SourceMessage] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        root, method_map=[("**.py", "python")], keywords=KEYWORDS, directory_filter=_keep_dir
    ):
        if isinstance(message, tuple | list):
            msgid, plural = message[0], message[1]
        else:
            msgid, plural = message, None
        if not msgid:
            continue
        found.setdefault((msgid, context), SourceMessage(msgid, plural, context, f"{filename}:{lineno}"))
    return found


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


@dataclass
class Report:
    language: str
    missing: list[SourceMessage] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    wrong_placeholders: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.untranslated or self.fuzzy or self.wrong_placeholders)

    def lines(self) -> list[str]:
        out = [f"{self.language}: missing from the .po: {m.msgid!r} ({m.where})" for m in self.missing]
        out += [f"{self.language}: no translation: {m!r}" for m in self.untranslated]
        out += [f"{self.language}: fuzzy: {m!r}" for m in self.fuzzy]
        out += [f"{self.language}: placeholders differ: {m}" for m in self.wrong_placeholders]
        return out


def check(language: str, root: Path = PROJECT_ROOT) -> Report:
    """Compare the source's messages with ``language``'s catalog."""
    report = Report(language)
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    for (msgid, context), src in sorted(source_messages(root).items(), key=lambda kv: kv[1].where):
        key: str | tuple[str, str] = (msgid, src.plural) if src.plural else msgid  # type: ignore[assignment]
        message = catalog.get(msgid, context=context)
        if message is None:
            report.missing.append(src)
            continue
        if message.fuzzy:
            report.fuzzy.append(msgid)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if not all(strings):
            report.untranslated.append(msgid)
            continue
        wanted = placeholders(src.plural or msgid) | placeholders(msgid)
        for text in strings:
            if placeholders(text) != wanted and not (src.plural and placeholders(text) < wanted):
                report.wrong_placeholders.append(f"{key!r} -> {text!r}")
                break
    return report


def main() -> int:
    bad = 0
    for language in LANGUAGES:
        if language == "en":
            continue
        report = check(language)
        for line in report.lines():
            print(line)
        bad += not report.ok
        if report.ok:
            print(f"{language}: the catalog is complete")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
