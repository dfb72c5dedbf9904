"""Court mail inbox: upload scans of court answers (to a case or to the inbox) and watch the
background OCR queue; the list refreshes by itself while documents are being read."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.calendar import format_local
from core.cases.service import find_case_id
from core.errors import CessioError
from core.ocr import models as m
from core.ocr.engine import language_status
from core.ocr.service import list_documents, queue_counts, retry_document, upload_scans
from ui.context import SignedInUser, actor, db

KEY = "ocr_inbox"
REVIEW_PAGE = "pages/ocr_review.py"


def _languages() -> None:
    parts = []
    for s in language_status():
        if s.active:
            parts.append(f":green[{s.label}: active]")
        elif s.wanted:
            parts.append(f":orange[{s.label}: not active — {s.detail}]")
    st.caption("OCR languages — " + "; ".join(parts))


def _upload(user: SignedInUser) -> None:
    generation = st.session_state.setdefault(f"{KEY}.generation", 0)
    with st.container(border=True):
        files = st.file_uploader(
            "Scans of court answers (PDF or image; several at once)",
            type=["pdf", "png", "jpg", "jpeg", "tif", "tiff"],
            accept_multiple_files=True,
            key=f"{KEY}.files.{generation}",
        )
        case_text = st.text_input(
            "Case (optional)",
            key=f"{KEY}.case",
            placeholder="C-000123 — leave empty to let Cessio propose the case from the text",
        )
        if st.button("Queue for OCR", type="primary", key=f"{KEY}.queue", disabled=not files):
            try:
                with db() as session:
                    case_id = find_case_id(session, case_text) if case_text.strip() else None
                    if case_text.strip() and case_id is None:
                        st.error(f"There is no case '{case_text.strip()}'. Check the number or leave the field empty.")
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
            st.success(f"{queued} scan(s) queued. They are read in the background; this list updates by itself.")
        for name, reason in refused:
            st.warning(f"{name}: {reason}")


@st.fragment(run_every=5)
def _queue(user: SignedInUser) -> None:
    with db() as session:
        counts = queue_counts(session, user)
        rows = list_documents(session, user, limit=200)
    cols = st.columns(len(m.STATUSES))
    for col, status in zip(cols, m.STATUSES, strict=True):
        col.metric(m.STATUS_LABELS[status], counts[status])
    if not rows:
        st.info("No scans yet. Upload court mail above.")
        return
    frame = pd.DataFrame(
        [
            {
                "#": r.id,
                "File": r.filename,
                "State": r.status_label,
                "Document": r.document_type or "",
                "Case": r.case_number or (f"{r.proposed_case_number}?" if r.proposed_case_number else ""),
                "Uploaded": format_local(r.uploaded_at),
                "Attempts": r.attempts,
                "Problem": r.last_error or "",
            }
            for r in rows
        ]
    )
    st.caption("A case number with '?' is Cessio's proposal; the clerk confirms it on review.")
    picked = st.dataframe(frame, hide_index=True, on_select="rerun", selection_mode="single-row", key=f"{KEY}.table")
    selected = picked.selection.rows if picked else []  # type: ignore[union-attr]
    if not selected:
        return
    row = rows[selected[0]]
    if row.status == m.NEEDS_REVIEW:
        if st.button(f"Review document #{row.id}", type="primary", key=f"{KEY}.review"):
            st.switch_page(REVIEW_PAGE, query_params={"doc": str(row.id)})
    elif row.status in (m.FAILED, m.REJECTED):
        if st.button(f"Read document #{row.id} again", key=f"{KEY}.retry"):
            try:
                with db() as session:
                    retry_document(session, user, row.id)
            except CessioError as exc:
                st.error(str(exc))
            else:
                st.rerun(scope="fragment")


user = actor()
st.title("Court mail inbox")
_languages()
_upload(user)
st.subheader("Queue")
_queue(user)
