"""Every page, as every role, speaks Russian: no English word a person can read.

Each page the role may open is rendered with AppTest for a user who chose Russian (the test
installation itself is English, so the user's own choice is what is tested). Every piece of text
on screen is collected from the element tree: titles, markdown, captions, alerts, widget labels,
options, placeholders and help, metric labels and values, tab and expander labels, table column
names and text cells, and the navigation's page titles. A word in Latin letters fails the test
unless it is a product name or a code on the allow-list; the failure names the page, the role and
the words, and where each was seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from google.protobuf.json_format import MessageToDict
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.auth.models import User
from core.auth.permissions import Role, has_permission
from core.cases.models import Case
from core.cases.service import transition_case
from core.ledger.service import post_entry
from core.postal.tracking import domestic_check_digit
from tests.app.conftest import signed_in
from tests.factories import make_case, make_user
from ui.nav import PageSpec, all_pages

# Names of products and formats, and codes, that stay as they are in a Russian interface.
ALLOWED = {
    "Cessio",
    "PDF",
    "CSV",
    "PNG",
    "JPEG",
    "TIFF",
    "UTF",
    "Windows",
    "Excel",
    "xlsx",
    "XLSX",
    "csv",
    "txt",
    "Google",
    "Microsoft",
    "Authenticator",
    "FreeOTP",
    "UUID",
    "KPI",
    "SLA",
    "OCR",
    "Tesseract",  # the OCR engine's name in the court mail inbox
    "EasyOCR",
    "QR",
    "dpi",
    "easyocr",
    "Enter",  # the key's name
    "English",  # the language's own name in the language choice
}
_LATIN_WORD = re.compile(r"(?<![0-9A-Za-z_])[A-Za-z]{2,}(?:['’-][A-Za-z]+)*(?![0-9A-Za-z_])")
_NOT_PROSE = [
    re.compile(r"`[^`]*`"),  # code spans: commands, usernames
    re.compile(r"<[^>]+>"),  # HTML tags of badges
    re.compile(r"&[a-z]+;"),  # HTML entities
    re.compile(r":material/[a-z_]+:"),  # icons
    re.compile(r":[a-z]+\["),  # markdown colour directives (":red[")
    re.compile(r"\b(?:case\?case=|https?://)\S*"),  # links
    re.compile(r"\{[a-z_.]+\}|\[[a-z_]+\]"),  # template placeholders and blocks, as the admin types them
]
_TEXT_KEYS = ("label", "body", "help", "placeholder", "caption", "options")
_SKIPPED_ELEMENTS = ("Html", "Code", "Json")


def english_words(text: str) -> list[str]:
    """Latin-letter words of ``text`` that a Russian reader would see as English."""
    for pattern in _NOT_PROSE:
        text = pattern.sub(" ", text)
    return [w for w in _LATIN_WORD.findall(text) if w not in ALLOWED]


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def _frame_texts(frame: Any) -> Iterator[str]:
    data = getattr(frame, "data", frame)  # a Styler carries its frame in ``data``
    if not isinstance(data, pd.DataFrame):
        return
    yield from (str(c) for c in data.columns)
    for column in data.columns:
        if data[column].dtype == object or pd.api.types.is_string_dtype(data[column]):
            yield from (v for v in data[column].head(50) if isinstance(v, str))


def visible_texts(at: AppTest) -> Iterator[tuple[str, str]]:
    """(where, text) for every piece of text on the rendered page."""
    for info in at._registered_pages.values():
        yield "navigation", str(info.get("page_name", ""))
    for node in _nodes(at._tree):
        kind = type(node).__name__
        if kind in _SKIPPED_ELEMENTS:
            continue
        if kind == "Dataframe":
            for text in _frame_texts(node.value):
                yield "table", text
            continue
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "DESCRIPTOR"):
            continue
        fields = MessageToDict(proto)
        for block in ("tab", "expandable", "popover"):  # container labels
            if block in fields:
                fields = {**fields, **fields[block]}
        for key in _TEXT_KEYS:
            for text in _strings(fields.get(key)):
                yield kind.lower(), text


def _valid_tracking() -> str:
    first13 = "8008123456789"
    return first13 + str(domestic_check_digit(first13))


@pytest.fixture
def russian_office(app_db: Session) -> dict[str, Any]:
    """Users of every role who chose Russian, and cases that give the pages something to show."""
    names = {
        Role.CLERK: "Анна Сергеевна Клеркова",
        Role.LAWYER: "Пётр Ильич Юристов",
        Role.HEAD: "Ольга Петровна Главная",
        Role.ADMIN: "Игорь Админов",
    }
    users: dict[str, User] = {}
    for role, name in names.items():
        user = make_user(app_db, role.value, full_name=name)
        user.language = "ru"
        users[role.value] = user
    clerk = users["clerk"]
    mailed = make_case(app_db, stage="claim_prepared", responsible=clerk, last_name="Никифорова", first_name="Светлана")
    plain = make_case(app_db, stage="new", responsible=clerk, last_name="Бурова", first_name="Алла")
    make_case(app_db, stage="order_issued", responsible=users["lawyer"], last_name="Сидоров", first_name="Олег")
    app_db.flush()
    transition_case(app_db, clerk, mailed.id, "mail_claim", mailed.version, {"tracking_number": _valid_tracking()})
    post_entry(app_db, clerk, plain.id, "state_fee", Decimal("2000.00"), plain.opened_at.date(), "manual")
    app_db.commit()
    return {"users": users, "case": app_db.get(Case, mailed.id)}


def _pages_of(role: str) -> list[PageSpec]:
    class _Someone:
        id = None
        username = "someone"

    who = _Someone()
    who.role = role  # type: ignore[attr-defined]
    return [spec for spec in all_pages() if has_permission(who, spec.permission)]  # type: ignore[arg-type]


CASES = [(role.value, spec.path) for role in Role for spec in _pages_of(role.value)]


@pytest.mark.parametrize(("role", "page"), CASES, ids=[f"{r}-{p.removeprefix('pages/')}" for r, p in CASES])
def test_the_page_shows_no_english_to_a_russian_user(russian_office: dict[str, Any], role: str, page: str) -> None:
    user = russian_office["users"][role]
    at = signed_in(user, timeout=60).run()
    at.switch_page(page)
    if page == "pages/case.py":
        at.query_params["case"] = russian_office["case"].number
    at.run()
    assert not at.exception, f"{page} as {role} failed: {at.exception}"
    found: dict[str, list[str]] = {}
    for where, text in visible_texts(at):
        words = english_words(text)
        if words:
            found.setdefault(", ".join(dict.fromkeys(words)), []).append(f"{where}: {text[:80]!r}")
    report = "\n".join(f"  {words}  <- {places[0]}" for words, places in found.items())
    assert not found, f"{page} as {role} shows English words:\n{report}"


def test_the_check_sees_english_where_it_is(russian_office: dict[str, Any], app_db: Session) -> None:
    """The detector is not blind: the same case card for a user who chose English fails it."""
    assert english_words("Move the case → Заявление подготовлено") == ["Move", "the", "case"]
    assert english_words("`clerk1` · C-000123 · RA123456785RU · PDF · :material/search:") == []
    user = russian_office["users"]["lawyer"]
    user.language = "en"
    app_db.commit()
    at = signed_in(user).run()
    at.switch_page("pages/case.py")
    at.query_params["case"] = russian_office["case"].number
    at.run()
    words = {w for _where, text in visible_texts(at) for w in english_words(text)}
    assert {"Timeline", "Debtor", "Stage"} <= words


def test_a_user_switches_to_english_in_the_menu_and_it_is_remembered(
    russian_office: dict[str, Any], app_db: Session
) -> None:
    user = russian_office["users"]["clerk"]
    at = signed_in(user).run()
    assert "Поиск дел" in {info["page_name"] for info in at._registered_pages.values()}
    choice = next(s for s in at.selectbox if s.label == "Язык интерфейса")
    choice.set_value("en").run()
    assert not at.exception
    assert "Case search" in {info["page_name"] for info in at._registered_pages.values()}
    assert any(b.label == "Sign out" for b in at.button)
    app_db.expire_all()
    assert app_db.get(User, user.id).language == "en"  # remembered in the account
    again = signed_in(user).run()  # a new browser session of the same user
    assert "Case search" in {info["page_name"] for info in again._registered_pages.values()}
