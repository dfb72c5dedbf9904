"""The template editor (admins): edit the wording of a document, see it rendered with sample
data as you type, save it as a new version; every generated PDF records the version it used."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.documents.catalog import BLOCKS, DOC_TYPE_BY_CODE, DOC_TYPES, placeholders_for
from core.documents.service import current_template, preview_template, save_template, template_history
from core.errors import CessioError, ValidationFailed
from core.files.service import preview_png
from core.i18n import N_, _, format_datetime_local, ngettext
from ui.context import actor, db

KEY = "templates"
# The template language (core/documents/template.py), as the editor's help shows it.
TEMPLATE_SYNTAX = N_(
    """>> text      a line of the header block in the right half (the court, the parties)
# text       centred bold title            ## text   centred subtitle
! text       bold paragraph                - text    list item
~ text       right-aligned line            [name]    a built-in table or list (see above)
empty line   vertical space                any other line: a paragraph (first line indented)

Placeholders are {debtor.full_name}; {{ and }} print literal braces."""
)


def main() -> None:
    user = actor()
    st.header(_("Document templates"))
    codes = [d.code for d in DOC_TYPES]
    code = st.selectbox(_("Document"), codes, format_func=lambda c: DOC_TYPE_BY_CODE[c].ui_label, key=f"{KEY}.doc")
    try:
        with db() as session:
            current = current_template(session, code)
            history = template_history(session, user, code)
    except CessioError as exc:
        st.error(str(exc))
        return
    if current.version == 0:
        st.caption(_("Current version: {version} (built-in)").format(version=current.version))
    else:
        st.caption(
            _("Current version: {version}, saved {when}").format(
                version=current.version, when=format_datetime_local(current.created_at, empty="")
            )
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
                    {_("Placeholder"): "{" + name + "}", _("Meaning"): _(desc), _("Example"): sample}
                    for name, (desc, sample) in placeholders_for(code).items()
                ]
                + [
                    {_("Placeholder"): f"[{name}]", _("Meaning"): _(desc), _("Example"): _("(a table or list)")}
                    for name, desc in BLOCKS.get(code, {}).items()
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        st.code(_(TEMPLATE_SYNTAX), language="text")
    with st.expander(ngettext("History ({n} version)", "History ({n} versions)", len(history)).format(n=len(history))):
        for t in history:
            label = _("Version {version}").format(version=t.version) + (
                f" · {format_datetime_local(t.created_at, empty='')} · {t.created_by or ''}"
                if t.created_at
                else " · " + _("built-in")
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
