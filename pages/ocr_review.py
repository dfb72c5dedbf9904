"""OCR review: the scan beside a form prefilled with what was read. Low-confidence fields are
marked, the matched case's current data stands beside each field with a warning where they
differ. Enter confirms (the case moves on) and the next document opens."""

from __future__ import annotations

import streamlit as st

from core.cases.service import find_case_id
from core.errors import CessioError, ValidationFailed
from core.i18n import _, format_money
from core.ocr import models as m
from core.ocr.extract import DOCUMENT_TYPES
from core.ocr.service import Review, confirm_document, get_review, next_for_review, page_image, reject_document
from ui.context import SignedInUser, actor, db

KEY = "ocr_review"


def _document_id(user: SignedInUser) -> int | None:
    raw = st.query_params.get("doc", "")
    if raw.isdigit():
        return int(raw)
    with db() as session:
        found = next_for_review(session, user)
    if found is not None:
        st.query_params["doc"] = str(found)
    return found


def _go_next(user: SignedInUser, current: int) -> None:
    with db() as session:
        found = next_for_review(session, user, after_id=current)
    if found is None or found == current:
        st.query_params.pop("doc", None)
        st.session_state[f"{KEY}.done"] = True
    else:
        st.query_params["doc"] = str(found)
    st.rerun()


def _load(user: SignedInUser, doc_id: int, case_text: str | None) -> Review:
    with db() as session:
        case_id = find_case_id(session, case_text) if case_text else None
        return get_review(session, user, doc_id, case_id=case_id)


def _form(user: SignedInUser, review: Review) -> None:
    doc = review.document
    case = review.case
    version_key = f"{KEY}.version.{doc.id}.{case.id if case else 0}"
    if case is not None:
        st.session_state.setdefault(version_key, case.version)  # the version the clerk is looking at
    if review.transition is not None:
        st.info(
            _("Confirm moves case {case} to **{stage}**.").format(
                case=case.number if case else "", stage=_(review.transition.label)
            )
        )
    elif review.transition_problem:
        st.warning(_("Cannot confirm yet: {problem}.").format(problem=review.transition_problem))
    with st.form(f"{KEY}.form.{doc.id}", enter_to_submit=True, border=True):
        values: dict[str, str] = {}
        for f in review.fields:
            label = _("{label} — check").format(label=_(f.label)) if f.low and f.value else _(f.label)
            label = f":orange[{label}]" if f.low else label
            key = f"{KEY}.{doc.id}.{f.name}"
            left, right = st.columns([3, 2])
            with left:
                if f.kind == "choice":
                    options = list(DOCUMENT_TYPES)
                    values[f.name] = (
                        st.selectbox(
                            label,
                            options,
                            index=options.index(f.value) if f.value in options else None,
                            format_func=lambda k: _(DOCUMENT_TYPES[k]),
                            key=key,
                            placeholder=_("Choose the document type"),
                        )
                        or ""
                    )
                else:
                    values[f.name] = st.text_input(
                        label,
                        value=f.value,
                        key=key,
                        help=_("Read from: {line}").format(line=f.source) if f.source else _("Not found on the scan"),
                    )
            with right:
                if f.case_value:
                    st.caption(_("On the case: {value}").format(value=f.case_value))
                if f.warning:
                    st.markdown(f":red[⚠ {f.warning}]")
                if f.confidence is not None:
                    st.caption(_("confidence {share}").format(share=f"{f.confidence:.0%}"))
        extra: dict[str, str] = {}
        for name, label, _kind in review.extra_fields:
            extra[name] = st.text_input(_(label), key=f"{KEY}.{doc.id}.extra.{name}")
        submitted = st.form_submit_button(_("Confirm and open the next (Enter)"), type="primary")
    if submitted:
        try:
            with db() as session:
                result = confirm_document(
                    session,
                    user,
                    doc.id,
                    values,
                    case_ref=case.id if case else None,
                    expected_version=st.session_state.get(version_key),
                    extra={k: v for k, v in extra.items() if v.strip()},
                )
        except ValidationFailed as exc:
            st.error(str(exc))
            return
        except CessioError as exc:
            st.error(str(exc))
            return
        fee = (
            _("; state fee {amount} booked").format(amount=format_money(result.state_fee_booked))
            if result.state_fee_booked
            else ""
        )
        st.session_state[f"{KEY}.flash"] = _(
            "Document #{id} confirmed: case {case} moved ({transition}){fee}; fields corrected: {n}."
        ).format(id=doc.id, case=result.case_number, transition=result.transition, fee=fee, n=result.corrections)
        _go_next(user, doc.id)


def _reject(user: SignedInUser, doc_id: int) -> None:
    with st.expander(_("Reject this document")):
        reason = st.text_input(_("Why is it rejected?"), key=f"{KEY}.reject_reason.{doc_id}")
        if st.button(_("Reject"), key=f"{KEY}.reject.{doc_id}"):
            try:
                with db() as session:
                    reject_document(session, user, doc_id, reason)
            except CessioError as exc:
                st.error(str(exc))
                return
            st.session_state[f"{KEY}.flash"] = _("Document #{id} rejected.").format(id=doc_id)
            _go_next(user, doc_id)


def main() -> None:
    user = actor()
    st.title(_("OCR review"))
    flash = st.session_state.pop(f"{KEY}.flash", None)
    if flash:
        st.success(flash)
    doc_id = _document_id(user)
    if doc_id is None:
        st.info(_("Nothing waits for review. Scans appear here once the OCR job has read them."))
        return
    case_key = f"{KEY}.case.{doc_id}"
    try:
        review = _load(user, doc_id, st.session_state.get(case_key))
    except CessioError as exc:
        st.error(str(exc))
        return
    doc = review.document
    st.caption(
        _("Document #{id} · {file} · {state} · pages: {pages}").format(
            id=doc.id, file=doc.filename, state=_(m.STATUS_LABELS[doc.status]), pages=doc.page_count or "?"
        )
        + (
            _(" · read by {engine} in {seconds} s").format(engine=doc.engine, seconds=f"{doc.seconds:.1f}")
            if doc.seconds
            else ""
        )
    )
    if doc.notes:
        st.info(doc.notes)
    if doc.status != m.NEEDS_REVIEW:
        st.warning(
            _("This document is {state}: nothing to review.").format(state=_(m.STATUS_LABELS[doc.status]).lower())
        )
        if st.button(_("Open the next document"), key=f"{KEY}.next"):
            _go_next(user, doc.id)
        return
    image_col, form_col = st.columns([1, 1])
    with image_col:
        pages = doc.page_count or 1
        page = st.number_input(_("Page"), 1, pages, 1, key=f"{KEY}.page.{doc.id}") if pages > 1 else 1
        with db() as session:
            png = page_image(session, user, doc.id, page=int(page) - 1)
        st.image(png, width="stretch")
    with form_col:
        if case_key not in st.session_state:
            st.session_state[case_key] = review.case.number if review.case else ""
        st.text_input(
            _("Case"),
            key=case_key,
            help=_("Cessio's proposal; type another case number to match the document to it."),
        )
        if review.case_is_proposal and doc.match_reason:
            st.caption(_("Proposed because of: {reason}").format(reason=doc.match_reason))
        elif review.case is None:
            st.caption(doc.match_reason or _("No case proposed; type the case number."))
        _form(user, review)
        _reject(user, doc.id)
        if st.button(_("Skip to the next document"), key=f"{KEY}.skip"):
            _go_next(user, doc.id)


main()
