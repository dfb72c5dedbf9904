"""Print packages: pick cases at one stage, queue the build of one PDF to print (the jobs
process builds it while the page shows its progress), download it again later, and mark its
envelopes mailed with their tracking numbers.

Other pages hand a selection over by putting case ids into
``st.session_state["documents.preselected"]`` and switching to this page.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.calendar import format_local, local_today
from core.cases.search import CaseFilter, filter_options, matching_ids, search_cases
from core.cases.workflow import STAGE_BY_CODE, STAGES
from core.documents.catalog import CASE_DOC_TYPES, DOC_TYPE_BY_CODE
from core.documents.packages import (
    DEFAULT_PACKAGE_DOCS,
    DEFAULT_POSTAGE,
    MAX_PACKAGE_CASES,
    list_packages,
    mark_mailed,
    package_items,
    package_registers,
)
from core.documents.tasks import PRINT_PACKAGE, queue_print_package
from core.errors import CessioError
from core.files.service import download
from core.money import MoneyParseError, format_amount, parse_amount
from core.tasks.models import DONE
from core.tasks.service import TaskView, get_task, my_tasks
from ui.context import SignedInUser, actor, db
from ui.queued_task import recent_tasks_table, task_panel

KEY = "documents"
SHOWN = 500


def _downloader(user: SignedInUser, file_id: int) -> Callable[[], bytes]:
    """Bytes fetched (and the download audited) only when the button is clicked."""

    def fetch() -> bytes:
        with db() as session:
            return download(session, user, file_id)[2]

    return fetch


def _new_package(user: SignedInUser) -> None:
    preselected: list[int] = st.session_state.get(f"{KEY}.preselected") or []
    codes = [s.code for s in STAGES if not s.closed]
    stage = st.selectbox(
        "Stage",
        codes,
        index=codes.index("claim_prepared"),
        format_func=lambda c: STAGE_BY_CODE[c].label,
        key=f"{KEY}.stage",
    )
    with db() as session:
        regions = filter_options(session).regions
    chosen_regions = st.multiselect("Region (optional)", regions, key=f"{KEY}.regions")
    f = CaseFilter(stages=[stage], regions=chosen_regions)
    with db() as session:
        page = search_cases(session, user, f, sort="opened_at", descending=False, limit=SHOWN)
    total = page.total or 0
    if preselected:
        st.info(f"{len(preselected)} cases were handed over from another page.")
    if not total and not preselected:
        st.info("No cases at this stage.")
        return
    frame = pd.DataFrame(
        [
            {
                "Case": r.number,
                "Debtor": r.debtor_name,
                "Region": r.region or "",
                "Claim, ₽": format_amount(r.claim_amount, currency=False),
                "Days in stage": r.days_in_stage,
            }
            for r in page.rows
        ],
        columns=["Case", "Debtor", "Region", "Claim, ₽", "Days in stage"],
    )
    options = ["all", "selected"] + (["handed"] if preselected else [])
    labels = {
        "all": f"All {total:,} matching cases",
        "selected": "Only the rows I select below",
        "handed": f"The {len(preselected)} cases handed over",
    }
    if st.session_state.get(f"{KEY}.which") not in (*options, None):
        st.session_state.pop(f"{KEY}.which")
    which = st.radio("Which cases", options, format_func=labels.__getitem__, horizontal=True, key=f"{KEY}.which")
    event = st.dataframe(
        frame, hide_index=True, on_select="rerun", selection_mode="multi-row", key=f"{KEY}.table", width="stretch"
    )
    if total > SHOWN:
        st.caption(f"Showing the first {SHOWN} of {total:,} (oldest first).")
    c1, c2 = st.columns([3, 1])
    doc_types = c1.multiselect(
        "Documents for each envelope",
        list(CASE_DOC_TYPES),
        default=list(DEFAULT_PACKAGE_DOCS),
        format_func=lambda c: DOC_TYPE_BY_CODE[c].label,
        key=f"{KEY}.docs",
    )
    postage_text = c2.text_input("Postage per envelope, ₽", value=format_amount(DEFAULT_POSTAGE, currency=False))
    if not st.button(
        "Build the package",
        type="primary",
        key=f"{KEY}.build",
        help="The jobs process builds it; follow its progress here, or leave the page and find it under Packages.",
    ):
        return
    try:
        postage = parse_amount(postage_text)
    except MoneyParseError as exc:
        st.error(f"Postage: {exc}")
        return
    if which == "selected":
        rows = event.selection.rows if event and event.selection else []
        ids = [page.rows[i].id for i in rows]
    elif which == "handed":
        ids = list(preselected)
    else:
        with db() as session:
            ids = matching_ids(session, user, f, cap=MAX_PACKAGE_CASES + 1)
    if not ids:
        st.warning("Select at least one case.")
        return
    if not doc_types:
        st.warning("Choose at least one document for each envelope.")
        return
    try:
        with db() as session:
            task_id = queue_print_package(session, user, ids, doc_types=doc_types, postage=postage)
    except CessioError as exc:
        st.error(str(exc))
        return
    st.session_state[f"{KEY}.task"] = task_id
    if which == "handed":
        st.session_state[f"{KEY}.handed_task"] = task_id


def _build_progress(user: SignedInUser) -> None:
    """The package being built (or last built) for this user: live progress, then the result.

    The task id lives in the session; after a browser refresh the session is new, so a package of
    this user still queued or being built is found again and followed."""
    task_id = st.session_state.get(f"{KEY}.task")
    if task_id is None:
        with db() as session:
            unfinished = [v for v in my_tasks(session, user, (PRINT_PACKAGE,)) if not v.finished]
        if not unfinished:
            return
        task_id = st.session_state[f"{KEY}.task"] = unfinished[0].id
    task_panel(user, int(task_id), lambda view: _show_built(user, view), key=f"{KEY}.progress")


def _settle_finished_build(user: SignedInUser) -> None:
    """Once the followed package is built, before the form is drawn: the cases handed over for it
    are used up, and the Packages tab opens on the new package. A failed build keeps the handed-over
    cases, so the clerk can fix the selection and build again."""
    task_id = st.session_state.get(f"{KEY}.task")
    if task_id is None or st.session_state.get(f"{KEY}.settled") == task_id:
        return
    try:
        with db() as session:
            view = get_task(session, user, int(task_id))
    except CessioError:
        return  # the panel says what is wrong
    if not view.finished:
        return
    st.session_state[f"{KEY}.settled"] = view.id
    if view.status == DONE and st.session_state.get(f"{KEY}.handed_task") == view.id:
        st.session_state.pop(f"{KEY}.handed_task")
        st.session_state.pop(f"{KEY}.preselected", None)
    if view.status == DONE and view.result:
        st.session_state[f"{KEY}.package"] = int(view.result["package_id"])


def _show_built(user: SignedInUser, view: TaskView) -> None:
    result = view.result or {}
    package_id = int(result["package_id"])
    st.success(f"Package № {package_id}: {result['case_count']} envelopes, {result['page_count']} pages.")
    st.download_button(
        "Download the package (PDF)",
        data=_downloader(user, int(result["file_id"])),
        file_name=f"package_{package_id}.pdf",
        mime="application/pdf",
        on_click="ignore",
        type="primary",
        key=f"{KEY}.dl_new",
    )
    failures: dict[str, str] = result.get("failures") or {}
    if failures:
        st.warning(f"{len(failures)} cases were left out:")
        st.dataframe(
            pd.DataFrame([{"Case id": int(k), "Reason": v} for k, v in failures.items()]),
            hide_index=True,
            key=f"{KEY}.left_out",
        )


def _packages(user: SignedInUser) -> None:
    st.subheader("Your packages in the queue")
    recent_tasks_table(user, (PRINT_PACKAGE,), key=f"{KEY}.queued")
    st.subheader("Built packages")
    with db() as session:
        packages = list_packages(session, user)
    if not packages:
        st.info("No packages yet.")
        return
    labels = {
        p.id: f"№ {p.id} · {format_local(p.created_at)} · {STAGE_BY_CODE[p.stage].label} · {p.case_count} envelopes · "
        f"{p.status.replace('_', ' ')}"
        for p in packages
    }
    ids = list(labels)
    wanted = st.session_state.get(f"{KEY}.package")
    package_id = st.selectbox(
        "Package", ids, index=ids.index(wanted) if wanted in ids else 0, format_func=labels.__getitem__
    )
    chosen = next(p for p in packages if p.id == package_id)
    with db() as session:
        items = package_items(session, user, package_id)
        registers = package_registers(session, user, package_id)
    c1, c2 = st.columns(2)
    if chosen.file_id:
        c1.download_button(
            f"Package PDF ({chosen.page_count} pages)",
            data=_downloader(user, chosen.file_id),
            file_name=f"package_{package_id}.pdf",
            mime="application/pdf",
            on_click="ignore",
            key=f"{KEY}.dl_{package_id}",
        )
    if registers:
        _, file_id, at = registers[0]
        c2.download_button(
            f"Mailing register, form 103 ({format_local(at)})",
            data=_downloader(user, file_id),
            file_name=f"package_{package_id}_form103.pdf",
            mime="application/pdf",
            on_click="ignore",
            key=f"{KEY}.reg_{package_id}",
        )
    st.subheader("Mark as mailed")
    _show_mail_report()
    st.caption(
        "Type or scan the tracking number of each envelope you hand to the post office. "
        "Envelopes without a number stay open for later."
    )
    frame = pd.DataFrame(
        [
            {
                "№": i.position,
                "Case": i.number,
                "Debtor": i.debtor,
                "Pages": f"{i.first_page}–{i.first_page + i.page_count - 1}",
                "Tracking number": i.tracking_number or "",
                "Status": "mailed " + format_local(i.mailed_at) if i.mailed_at else (i.problem or "not mailed"),
            }
            for i in items
        ]
    )
    nonce = int(st.session_state.get(f"{KEY}.nonce", 0))
    editor_key = f"{KEY}.tracking_{package_id}_{nonce}"
    st.data_editor(
        frame,
        hide_index=True,
        disabled=["№", "Case", "Debtor", "Pages", "Status"],
        key=editor_key,
        width="stretch",
    )
    scanned = st.text_area(
        "Or scan the barcodes in envelope order (one number per line; fills the envelopes not yet mailed)",
        key=f"{KEY}.scanned_{package_id}_{nonce}",
        height=100,
    )
    mailed_on = st.date_input("Mailed on", value=local_today(), format="DD.MM.YYYY", key=f"{KEY}.mailed_on")
    if st.button("Record as mailed", type="primary", key=f"{KEY}.mail"):
        edited = (st.session_state.get(editor_key) or {}).get("edited_rows", {})
        tracking = {
            items[int(row)].case_id: str(change.get("Tracking number") or "").strip()
            for row, change in edited.items()
            if items[int(row)].mailed_at is None and str(change.get("Tracking number") or "").strip()
        }
        open_items = [i for i in items if i.mailed_at is None and i.case_id not in tracking]
        numbers = [line.strip() for line in scanned.splitlines() if line.strip()]
        if len(numbers) > len(open_items):
            st.error(f"{len(numbers)} numbers scanned but only {len(open_items)} envelopes are open; check the list.")
            return
        tracking.update({item.case_id: number for item, number in zip(open_items, numbers, strict=False)})
        if not tracking:
            st.warning("Enter at least one tracking number.")
            return
        try:
            with db() as session:
                result = mark_mailed(session, user, package_id, tracking, mailed_on)
        except CessioError as exc:
            st.error(str(exc))
            return
        st.session_state[f"{KEY}.nonce"] = nonce + 1  # a fresh editor with the new statuses
        st.session_state[f"{KEY}.mail_report"] = (
            len(result.mailed),
            [(o.number, o.tracking_number, o.reason) for o in result.failed],
        )
        st.rerun()


def _show_mail_report() -> None:
    """The outcome of the last "Record as mailed" (kept across the rerun that refreshes the table)."""
    report = st.session_state.pop(f"{KEY}.mail_report", None)
    if report is None:
        return
    mailed, failed = report
    if mailed:
        st.success(f"{mailed} envelopes recorded as mailed; postage booked to each case.")
    if failed:
        st.warning(f"{len(failed)} envelopes were not recorded:")
        st.dataframe(
            pd.DataFrame([{"Case": n, "Tracking number": t, "Problem": r} for n, t, r in failed]), hide_index=True
        )


def main() -> None:
    user = actor()
    st.header("Print packages")
    new, existing = st.tabs(["New package", "Packages"])
    with new:
        _settle_finished_build(user)
        try:
            _new_package(user)
        except CessioError as exc:
            st.error(str(exc))
        _build_progress(user)
    with existing:
        try:
            _packages(user)
        except CessioError as exc:
            st.error(str(exc))


main()
