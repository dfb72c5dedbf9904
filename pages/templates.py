"""The template editor (admins): edit the wording of a document, see it rendered with sample
data as you type, save it as a new version; every generated PDF records the version it used."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.calendar import format_local
from core.documents.catalog import BLOCKS, DOC_TYPE_BY_CODE, DOC_TYPES, placeholders_for
from core.documents.service import current_template, preview_template, save_template, template_history
from core.documents.template import __doc__ as SYNTAX
from core.errors import CessioError, ValidationFailed
from core.files.service import preview_png
from core.i18n import _
from ui.context import actor, db

KEY = "templates"


def main() -> None:
    user = actor()
    st.header(_("Document templates"))
    codes = [d.code for d in DOC_TYPES]
    code = st.selectbox(_("Document"), codes, format_func=lambda c: DOC_TYPE_BY_CODE[c].label, key=f"{KEY}.doc")
    try:
        with db() as session:
            current = current_template(session, code)
            history = template_history(session, user, code)
    except CessioError as exc:
        st.error(str(exc))
        return
    st.caption(
        f"Current version: {current.version}"
        + (" (built-in)" if current.version == 0 else f", saved {format_local(current.created_at, empty='')}")
    )
    loaded_key = f"{KEY}.loaded.{code}"
    body_key = f"{KEY}.body.{code}"
    if st.session_state.get(loaded_key) is None or body_key not in st.session_state:
        st.session_state[body_key] = current.body
        st.session_state[loaded_key] = current.version
    edit, preview = st.columns(2)
    with edit:
        body = st.text_area(_("Template text"), key=body_key, height=560)
        comment = st.text_input(_("What changed (for the history)"), key=f"{KEY}.comment.{code}")
        if st.button(_("Save as a new version"), type="primary", key=f"{KEY}.save"):
            try:
                with db() as session:
                    version = save_template(session, user, code, body, comment)
                st.session_state[loaded_key] = version
                st.success(_("Saved as version {version}. New documents use it from now on.").format(version=version))
            except CessioError as exc:
                st.error(str(exc))
    with preview:
        st.markdown(_("**Preview with sample data**"))
        try:
            pdf = preview_template(code, body)
            st.image(preview_png(pdf, "application/pdf", 900), width="stretch")
        except ValidationFailed as exc:
            st.error(str(exc))
    with st.expander(_("Placeholders and blocks you can use")):
        st.dataframe(
            pd.DataFrame(
                [
                    {"Placeholder": "{" + name + "}", "Meaning": desc, "Example": sample}
                    for name, (desc, sample) in placeholders_for(code).items()
                ]
                + [
                    {"Placeholder": f"[{name}]", "Meaning": desc, "Example": "(a table or list)"}
                    for name, desc in BLOCKS.get(code, {}).items()
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        st.code(SYNTAX or "", language="text")
    with st.expander(_("History ({count} versions)").format(count=len(history))):
        for t in history:
            label = f"Version {t.version}" + (
                f" · {format_local(t.created_at, empty='')} · {t.created_by or ''}" if t.created_at else " · built-in"
            )
            if t.comment:
                label += f" · {t.comment}"
            c1, c2 = st.columns([4, 1])
            c1.write(label)
            c2.button(_("Load"), key=f"{KEY}.load.{code}.{t.version}", on_click=_load, args=(body_key, t.body))


def _load(body_key: str, body: str) -> None:
    """Put an older version into the editor (a callback: it runs before the editor is drawn)."""
    st.session_state[body_key] = body


main()
