"""The clerk's main journey in a real headless Chromium against ``streamlit run`` on 127.0.0.1.

Sign in with a password and a TOTP code -> search -> open a case -> move it one stage -> see the
move in the timeline; a browser refresh keeps the login. Screenshots of every step go to
``tests/artifacts/`` (git-ignored) so a person can look at them.

The installation runs in Russian, the interface language the clerks use: every label, button and
message the journey looks for is the Russian one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from tests.e2e.conftest import TOTP_SECRET, browser_page, next_code, serve_app, settle, shot, sign_in
from tests.factories import PASSWORD, make_case, make_user

pytestmark = pytest.mark.browser

# the search's count of matching cases, whatever words surround it: "4 дела", "1 дело"
# the browser runs these as JavaScript regular expressions, where \b knows only Latin letters:
# the end of the word is "no Cyrillic letter follows"
FOUR_CASES = re.compile(r"(?<!\d)4\s+дела(?![а-яё])")
ONE_CASE = re.compile(r"(?<!\d)1\s+дело(?![а-яё])")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    numbers: list[str] = []

    def seed(s: Session) -> None:
        head = make_user(s, "head", username="hanna", full_name="Ганна Руководитель")
        head.totp_secret = TOTP_SECRET
        head.mfa_enrolled = True
        clerk = make_user(s, "clerk", full_name="Анна Клерк")
        case = make_case(s, last_name="Петров", first_name="Пётр", responsible=clerk, contract_number="ДЗ-0042")
        for last in ("Сидоров", "Кузнецова", "Орлов"):
            make_case(s, last_name=last, responsible=clerk)
        numbers.append(case.number)

    with serve_app(tmp_path_factory.mktemp("e2e"), seed, language="ru") as base:
        yield {"base": base, "case": numbers[0]}


def test_deep_link_as_first_request_after_start_signs_in_then_opens_the_case(server: dict[str, str]) -> None:
    """Runs first on a fresh server: Streamlit's old pages/ mode is still on at that moment."""
    from playwright.sync_api import expect

    with browser_page("deep-link-failure") as page:
        page.goto(f"{server['base']}/case?case={server['case']}")
        settle(page)
        expect(page.get_by_label("Пароль", exact=True)).to_be_visible()
        sign_in(page, "hanna", language="ru")
        expect(page.get_by_role("heading", name=f"{server['case']} · Петров Пётр Иванович")).to_be_visible()


def test_clerk_journey_sign_in_search_open_move_timeline(server: dict[str, str]) -> None:
    from playwright.sync_api import expect

    with browser_page("journey-failure", locale="ru-RU") as page:
        page.goto(server["base"] + "/")
        settle(page)
        page.get_by_label("Имя пользователя").fill("hanna")
        page.get_by_label("Пароль", exact=True).fill(PASSWORD)
        shot(page, "journey-01-sign-in")
        page.get_by_role("button", name="Вход").click()
        settle(page)
        expect(page.get_by_text("Двухэтапная проверка")).to_be_visible()
        page.get_by_label("Код").fill(next_code())
        shot(page, "journey-02-code")
        page.get_by_role("button", name="Проверить").click()
        settle(page)
        expect(page.get_by_role("heading", name="Поиск дел")).to_be_visible()
        expect(page.get_by_text("Ганна Руководитель")).to_be_visible()
        expect(page.get_by_text("Руководитель отдела", exact=False)).to_be_visible()  # the role, in Russian
        expect(page.get_by_text(FOUR_CASES).first).to_be_visible()
        shot(page, "journey-03-search")

        page.get_by_label("Должник").fill("Петров")
        page.get_by_test_id("stBaseButton-primaryFormSubmit").click()
        settle(page)
        expect(page.get_by_text(ONE_CASE).first).to_be_visible()

        grid = page.locator("[data-testid='stDataFrame']").first
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 20, box["y"] + 35 + 17)  # the selection checkbox of row 1
        settle(page)
        shot(page, "journey-04-search-filtered-selected")
        page.get_by_role("button", name=re.compile(re.escape(server["case"]))).click()
        settle(page)
        expect(page.get_by_role("heading", name=f"{server['case']} · Петров Пётр Иванович")).to_be_visible()
        assert f"case={server['case']}" in page.url
        shot(page, "journey-05-case-card")

        page.get_by_role("button", name="Заявление подготовлено", exact=True).click()
        settle(page)
        expect(page.get_by_text("Переведено на «Заявление подготовлено».")).to_be_visible()
        timeline = page.locator("[data-testid='stDataFrame']").first
        expect(timeline.get_by_test_id("glide-cell-2-0")).to_have_text("Новое → Заявление подготовлено")
        expect(timeline.get_by_test_id("glide-cell-3-0")).to_have_text("Ганна Руководитель")
        shot(page, "journey-06-moved-timeline")

        page.get_by_role("button", name="← К результатам поиска").click()
        settle(page)
        expect(page.get_by_text(ONE_CASE).first).to_be_visible()  # the filter survived
        shot(page, "journey-07-back-to-search")

        page.reload()  # the login survives a refresh (signed cookie), the filter too (address)
        settle(page)
        expect(page.get_by_text("Ганна Руководитель")).to_be_visible()
        expect(page.get_by_text(ONE_CASE).first).to_be_visible()

        page.get_by_role("button", name="Выйти").click()
        settle(page)
        expect(page.get_by_text("Вы вышли из системы.")).to_be_visible()
        page.reload()
        settle(page)
        expect(page.get_by_label("Пароль", exact=True)).to_be_visible()  # the cookie was removed
