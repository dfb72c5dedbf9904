"""Cessio's Streamlit entry point: the sign-in gate and the navigation built from the role.

No business logic here. Every rerun: check the session (idle limit, account still usable),
then offer exactly the pages the user's role may open (``ui.nav`` registry, sections Work, Mail &
bureau, Analytics, Admin). A page left out of ``st.navigation`` cannot be reached; the services
behind the pages check the permission again anyway (ARCHITECTURE rule 2).
"""

from __future__ import annotations

import streamlit as st

from core.auth.permissions import has_permission, role_name
from core.auth.production import production_problems
from core.auth.service import set_user_language
from core.db import utcnow
from core.i18n import LANGUAGE_NAMES, LANGUAGES, _, current_language, set_language
from ui import login
from ui import session as ui_session
from ui.context import OPEN_PAGE_PARAM, SignedInUser, db
from ui.markup import safe_markdown
from ui.nav import SECTIONS, START_URL, all_pages
from ui.nav.core_pages import CASE

st.set_page_config(page_title="Cessio", page_icon=":material/gavel:", layout="wide")


@st.fragment(run_every=60)
def _idle_watch() -> None:
    """Ends an idle session even when nobody clicks (the screen must not stay open for hours)."""
    left = ui_session.seconds_until_idle()
    if left is not None and left <= 0:
        st.rerun()


def _signed_out() -> None:
    # Every known address shows the sign-in screen, so a deep link (e.g. /case?case=C-000123)
    # keeps its address and query while the user signs in, and opens once they have.
    # "/" is the start page's root address (START_URL); every page's own address, the start
    # page's documented /search included, is a sign-in page too.
    pages = [st.Page(login.render, title=_("Sign in"), url_path=START_URL, default=True)]
    pages += [st.Page(login.render, title=_("Sign in"), url_path=spec.url_path) for spec in all_pages()]
    page = st.navigation(pages, position="hidden")
    ui_session.write_cookie()
    page.run()


def _language_choice(user: SignedInUser) -> None:
    """The user's interface language, remembered in their account (issue #16)."""
    shown = current_language()
    chosen = st.selectbox(
        _("Interface language"),
        LANGUAGES,
        index=LANGUAGES.index(shown),
        format_func=lambda code: LANGUAGE_NAMES[code],
        key=f"language_choice_{shown}",
    )
    if chosen != shown:
        with db() as session:
            set_user_language(session, user, chosen)
        ui_session.remember_language(chosen)
        st.rerun()


def _signed_in(user: SignedInUser) -> None:
    specs = [spec for spec in all_pages() if has_permission(user, spec.permission)]
    if not specs:
        st.error(_("Your role has no screens. Ask an administrator."))
        st.stop()
    # exactly one start page: the first that asks to be it, else the first page
    start = next((spec for spec in specs if spec.default), specs[0])
    pages_by_url: dict[str, st.Page] = {}
    sections: dict[str, list[st.Page]] = {}
    for spec in specs:
        page = st.Page(
            spec.path,
            title=_(spec.title),
            icon=spec.icon,
            url_path=START_URL if spec is start else spec.url_path,
            default=spec is start,
        )
        pages_by_url[spec.url_path] = page
        sections.setdefault(spec.section, []).append(page)
    ordered = {_(name): sections[name] for name in SECTIONS if name in sections}
    # The start page is served at "/"; its own address (/search, in the docs and in bookmarks)
    # is a hidden page that hands over to it with the address's query (the search filters).
    start_page = pages_by_url[start.url_path]
    first_section = _(start.section)
    ordered[first_section] = [
        *ordered.get(first_section, []),
        st.Page(
            lambda: st.switch_page(start_page, query_params=st.query_params.to_dict()),
            title=_(start.title),
            url_path=start.url_path,
            visibility="hidden",
        ),
    ]
    current = st.navigation(ordered, position="sidebar", expanded=True)

    with st.sidebar:
        st.markdown(f"**{safe_markdown(user.full_name)}**  \n{role_name(user.role)} · `{user.username}`")
        _language_choice(user)
        if st.button(_("Sign out"), icon=":material/logout:", key="sign_out"):
            ui_session.sign_out(_("You signed out."))
            # the next person at this browser starts on the start page, not on this user's page
            st.switch_page(start_page)
        ui_session.write_cookie()
    _idle_watch()

    wanted = st.query_params.get(OPEN_PAGE_PARAM)
    if wanted is not None:
        rest = {k: v for k, v in st.query_params.to_dict().items() if k != OPEN_PAGE_PARAM}
        target = pages_by_url.get(wanted)
        if target is not None and current.url_path != wanted:
            st.switch_page(target, query_params=rest)
        st.query_params.pop(OPEN_PAGE_PARAM, None)
    case_page = pages_by_url.get(CASE.url_path)
    if "case" in st.query_params and case_page is not None and current.url_path != CASE.url_path:
        st.switch_page(case_page, query_params={"case": st.query_params["case"]})
    current.run()


@st.cache_resource(show_spinner=False)
def _start_problems() -> list[str]:
    """Production mode's start checks, once per server process (docs/security.md)."""
    return production_problems()


def main() -> None:
    problems = _start_problems()
    if problems:
        st.error(_("Cessio refuses to run in production mode:") + "\n\n" + "\n".join(f"- {p}" for p in problems))
        st.stop()
    user = ui_session.current_user(utcnow())
    # every rerun speaks the user's language (or the installation's, before sign-in)
    set_language(user.language if user else login.chosen_language())
    if user is None:
        _signed_out()
    else:
        _signed_in(user)


main()
