"""Court mail inbox: upload scans of court answers (to a case or to the inbox) and watch the
background OCR queue; the list refreshes by itself while documents are being read."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.calendar import format_local
from core.cases.service import find_case_id
from core.errors import CessioError
from core.i18n import _, ngettext
from core.ocr import models as m
from core.ocr.engine import LANGUAGE_LABELS, engine_status
from core.ocr.service import list_documents, queue_counts, retry_document, upload_scans
from ui.context import SignedInUser, actor, db

KEY = "ocr_inbox"
REVIEW_PAGE = "pages/ocr_review.py"


def _engine() -> None:
    """Which engine reads the scans and in which languages; a plain warning when no engine
    that reads Russian is present (Russian courts answer in Russian)."""
    status = engine_status()
    languages = ", ".join(_(LANGUAGE_LABELS.get(code, code)) for code in status.languages)
    if status.problem:
        st.error(
            _("OCR cannot read scans on this installation: {engine} — {problem}.").format(
                engine=status.label, problem=status.problem
            )
        )
    elif not status.reads_russian:
        missing = next((s.detail for s in status.statuses if s.code == "ru"), "")
        st.error(
            _(
                "No OCR engine that reads Russian is present: court acts in Russian will not be read ({detail}). "
                "Install Tesseract's Russian data (make system-packages) and set CESSIO_OCR_ENGINE=tesseract."
            ).format(detail=missing)
        )
    st.caption(
        _("OCR engine: {engine} · languages: {languages}").format(engine=status.label, languages=languages or _("none"))
    )


def _upload(user: SignedInUser) -> None:
    generation = st.session_state.setdefault(f"{KEY}.generation", 0)
    with st.container(border=True):
        files = st.file_uploader(
            _("Scans of court answers (PDF or image; several at once)"),
            type=["pdf", "png", "jpg", "jpeg", "tif", "tiff"],
            accept_multiple_files=True,
            key=f"{KEY}.files.{generation}",
        )
        case_text = st.text_input(
            _("Case (optional)"),
            key=f"{KEY}.case",
            placeholder=_("C-000123 — leave empty to let Cessio propose the case from the text"),
        )
        if st.button(_("Queue for OCR"), type="primary", key=f"{KEY}.queue", disabled=not files):
            try:
                with db() as session:
                    case_id = find_case_id(session, case_text) if case_text.strip() else None
                    if case_text.strip() and case_id is None:
                        st.error(
                            _("There is no case '{case}'. Check the number or leave the field empty.").format(
                                case=case_text.strip()
                            )
                        )
                        return
                    result = upload_scans(session, user, [(f.name, f.getvalue()) for f in files or []], case_id)
                    queued = len(result.documents)
                    refused = result.refused
            except CessioError as exc:
                st.error(str(exc))
                return
            st.session_state[f"{KEY}.generation"] = generation + 1
            st.session_state[f"{KEY}.flash"] = (queued, refused)
            st.rerun()
    flash = st.session_state.pop(f"{KEY}.flash", None)
    if flash:
        queued, refused = flash
        if queued:
            st.success(
                ngettext(
                    "{n} scan queued. It is read in the background; this list updates by itself.",
                    "{n} scans queued. They are read in the background; this list updates by itself.",
                    queued,
                ).format(n=queued)
            )
        for name, reason in refused:
            st.warning(f"{name}: {reason}")


@st.fragment(run_every=5)
def _queue(user: SignedInUser) -> None:
    with db() as session:
        counts = queue_counts(session, user)
        rows = list_documents(session, user, limit=200)
    cols = st.columns(len(m.STATUSES))
    for col, status in zip(cols, m.STATUSES, strict=True):
        col.metric(_(m.STATUS_LABELS[status]), counts[status])
    if not rows:
        st.info(_("No scans yet. Upload court mail above."))
        return
    frame = pd.DataFrame(
        [
            {
                "#": r.id,
                _("File"): r.filename,
                _("State"): r.status_label,
                _("Document"): _(r.document_type) if r.document_type else "",
                _("Case"): r.case_number or (f"{r.proposed_case_number}?" if r.proposed_case_number else ""),
                _("Uploaded"): format_local(r.uploaded_at),
                _("Attempts"): r.attempts,
                _("Problem"): r.last_error or "",
                _("Notes"): r.notes or "",
            }
            for r in rows
        ]
    )
    st.caption(_("A case number with '?' is Cessio's proposal; the clerk confirms it on review."))
    picked = st.dataframe(frame, hide_index=True, on_select="rerun", selection_mode="single-row", key=f"{KEY}.table")
    selected = picked.selection.rows if picked else []  # type: ignore[union-attr]
    if not selected:
        return
    row = rows[selected[0]]
    if row.status == m.NEEDS_REVIEW:
        if st.button(_("Review document #{id}").format(id=row.id), type="primary", key=f"{KEY}.review"):
            st.switch_page(REVIEW_PAGE, query_params={"doc": str(row.id)})
    elif row.status in (m.FAILED, m.REJECTED):
        if st.button(_("Read document #{id} again").format(id=row.id), key=f"{KEY}.retry"):
            try:
                with db() as session:
                    retry_document(session, user, row.id)
            except CessioError as exc:
                st.error(str(exc))
            else:
                st.rerun(scope="fragment")


user = actor()
st.title(_("Court mail inbox"))
_engine()
_upload(user)
st.subheader(_("Queue"))
_queue(user)
