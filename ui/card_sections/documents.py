"""The case card's "Documents" tab: scans of the paper mail (upload, preview, download) and the
documents Cessio generated for the case (generate, download)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.auth.permissions import Permission, has_permission
from core.documents.catalog import CASE_DOC_TYPES, DOC_TYPE_BY_CODE
from core.documents.service import case_documents, generate_documents
from core.errors import CessioError
from core.files.service import KIND_LABELS, UPLOAD_KINDS, case_files, download, first_page_preview, store_upload
from core.i18n import N_, _, format_datetime_local, format_number, ngettext
from ui.card_sections import CardSection
from ui.context import SignedInUser, db

KEY = "card_docs"
PREVIEWS = 6


def _downloader(user: SignedInUser, file_id: int) -> Callable[[], bytes]:
    def fetch() -> bytes:
        with db() as session:
            return download(session, user, file_id)[2]

    return fetch


def _upload(case_id: int, user: SignedInUser) -> None:
    nonce = int(st.session_state.get(f"{KEY}.nonce.{case_id}", 0))
    with st.form(f"{KEY}.upload.{case_id}.{nonce}", border=False):
        files = st.file_uploader(
            _("Attach scans (PDF, PNG, JPEG or TIFF)"), accept_multiple_files=True, key=f"{KEY}.files.{case_id}.{nonce}"
        )
        kind = st.selectbox(_("What is it"), UPLOAD_KINDS, format_func=lambda k: _(KIND_LABELS[k]), key=f"{KEY}.kind")
        submitted = st.form_submit_button(_("Attach to the case"))
    if not submitted or not files:
        return
    stored = 0
    for f in files:
        try:  # one transaction per file: a broken file never loses the good ones
            with db() as session:
                store_upload(session, user, f.getvalue(), f.name, case_id, kind)
            stored += 1
        except CessioError as exc:
            st.error(str(exc))
    if stored:
        st.success(ngettext("{n} file attached.", "{n} files attached.", stored).format(n=stored))
        st.session_state[f"{KEY}.nonce.{case_id}"] = nonce + 1


def _scans(case_id: int, user: SignedInUser) -> None:
    with db() as session:
        files = case_files(session, user, case_id, UPLOAD_KINDS)
    if not files:
        st.caption(_("No scans attached yet."))
        return
    for n, f in enumerate(files):
        with st.container(border=True):
            c1, c2 = st.columns([1, 3])
            if n < PREVIEWS:
                try:
                    c1.image(first_page_preview(f.id, width=320), width="stretch")
                except CessioError as exc:
                    c1.caption(str(exc))
            c2.markdown(f"**{f.original_name}**")
            c2.caption(
                _("{kind} · {pages} p. · {size} KB · {uploaded}").format(
                    kind=_(KIND_LABELS[f.kind]) if f.kind in KIND_LABELS else f.kind,
                    pages=f.pages,
                    size=format_number(round(f.size / 1024)),
                    uploaded=format_datetime_local(f.uploaded_at),
                )
            )
            c2.download_button(
                _("Download"),
                data=_downloader(user, f.id),
                file_name=f.original_name,
                mime=f.mime_type,
                on_click="ignore",
                key=f"{KEY}.dl.{f.id}",
            )


def _generated(case_id: int, user: SignedInUser) -> None:
    if has_permission(user, Permission.DOCUMENT_GENERATE):
        c1, c2 = st.columns([3, 1])
        chosen = c1.multiselect(
            _("Generate"),
            list(CASE_DOC_TYPES),
            default=["court_order_application", "debt_calculation"],
            format_func=lambda c: DOC_TYPE_BY_CODE[c].ui_label,
            key=f"{KEY}.gen.{case_id}",
        )
        if c2.button(_("Generate now"), key=f"{KEY}.go.{case_id}", disabled=not chosen):
            try:
                with db() as session:
                    result = generate_documents(session, user, [case_id], chosen)
                st.success(
                    ngettext(
                        "Generated {n} document with today's amounts from the ledger.",
                        "Generated {n} documents with today's amounts from the ledger.",
                        len(result.documents),
                    ).format(n=len(result.documents))
                )
            except CessioError as exc:
                st.error(str(exc))
    with db() as session:
        docs = case_documents(session, user, case_id)
    if not docs:
        st.caption(_("No documents generated yet."))
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    _("Document"): d.title,
                    _("Generated"): format_datetime_local(d.generated_at),
                    _("By"): d.generated_by,
                    _("Pages"): d.pages,
                    _("Template version"): d.template_version,
                    _("Package"): f"№ {d.package_id}" if d.package_id else "",
                }
                for d in docs
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    labels = {d.id: f"{d.title} · {format_datetime_local(d.generated_at)}" for d in docs}
    doc_id = st.selectbox(_("Document to download"), list(labels), format_func=labels.__getitem__, key=f"{KEY}.pick")
    doc = next(d for d in docs if d.id == doc_id)
    st.download_button(
        _("Download PDF"),
        data=_downloader(user, doc.file_id),
        file_name=f"{doc.doc_type}_{doc.id}.pdf",
        mime="application/pdf",
        on_click="ignore",
        key=f"{KEY}.dldoc.{doc.id}",
    )


def render(case_id: int, user: SignedInUser) -> None:
    scans, generated = st.tabs([_("Scans"), _("Generated documents")])
    with scans:
        if has_permission(user, Permission.DOCUMENT_UPLOAD):
            _upload(case_id, user)
        _scans(case_id, user)
    with generated:
        _generated(case_id, user)


SECTION = CardSection(title=N_("Documents"), order=40, permission=Permission.CASE_VIEW, render=render)
