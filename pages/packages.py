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

from core.calendar import local_today
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
from core.i18n import N_, _, format_datetime_local, format_money, format_number, ngettext
from core.money import MoneyParseError, parse_amount
from core.tasks.models import DONE
from core.tasks.service import TaskView, get_task, my_tasks
from ui.context import SignedInUser, actor, db
from ui.queued_task import recent_tasks_table, task_panel

KEY = "documents"
PACKAGE_STATUSES = {
    "built": N_("built"),
    "partly_mailed": N_("partly mailed"),
    "mailed": N_("mailed"),
}
SHOWN = 500


def _downloader(user: SignedInUser, file_id: int) -> Callable[[], bytes]:
    """Bytes fetched (and the download audited) only when the button is clicked."""

    def fetch() -> bytes:
        with db() as session:
            return download(session, user, file_id)[2]

    return fetch


def _envelopes(n: int) -> str:
    return ngettext("{n} envelope", "{n} envelopes", n).format(n=format_number(n))


def _pages(n: int) -> str:
    return ngettext("{n} page", "{n} pages", n).format(n=format_number(n))


def _new_package(user: SignedInUser) -> None:
    preselected: list[int] = st.session_state.get(f"{KEY}.preselected") or []
    codes = [s.code for s in STAGES if not s.closed]
    stage = st.selectbox(
        _("Stage"),
        codes,
        index=codes.index("claim_prepared"),
        format_func=lambda c: STAGE_BY_CODE[c].label,
        key=f"{KEY}.stage",
    )
    with db() as session:
        regions = filter_options(session).regions
    chosen_regions = st.multiselect(_("Region (optional)"), regions, key=f"{KEY}.regions")
    f = CaseFilter(stages=[stage], regions=chosen_regions)
    with db() as session:
        page = search_cases(session, user, f, sort="opened_at", descending=False, limit=SHOWN)
    total = page.total or 0
    if preselected:
        st.info(
            ngettext(
                "{n} case was handed over from another page.",
                "{n} cases were handed over from another page.",
                len(preselected),
            ).format(n=format_number(len(preselected)))
        )
    if not total and not preselected:
        st.info(_("No cases at this stage."))
        return
    columns = [_("Case"), _("Debtor"), _("Region"), _("Claim, ₽"), _("Days in stage")]
    frame = pd.DataFrame(
        [
            (r.number, r.debtor_name, r.region or "", format_money(r.claim_amount, currency=False), r.days_in_stage)
            for r in page.rows
        ],
        columns=columns,
    )
    options = ["all", "selected"] + (["handed"] if preselected else [])
    labels = {
        "all": ngettext("The {n} matching case", "All {n} matching cases", total).format(n=format_number(total)),
        "selected": _("Only the rows I select below"),
        "handed": ngettext("The {n} case handed over", "The {n} cases handed over", len(preselected)).format(
            n=format_number(len(preselected))
        ),
    }
    if st.session_state.get(f"{KEY}.which") not in (*options, None):
        st.session_state.pop(f"{KEY}.which")
    which = st.radio(_("Which cases"), options, format_func=labels.__getitem__, horizontal=True, key=f"{KEY}.which")
    event = st.dataframe(
        frame, hide_index=True, on_select="rerun", selection_mode="multi-row", key=f"{KEY}.table", width="stretch"
    )
    if total > SHOWN:
        st.caption(
            _("Showing the first {shown} of {total} (oldest first).").format(
                shown=format_number(SHOWN), total=format_number(total)
            )
        )
    c1, c2 = st.columns([3, 1])
    doc_types = c1.multiselect(
        _("Documents for each envelope"),
        list(CASE_DOC_TYPES),
        default=list(DEFAULT_PACKAGE_DOCS),
        format_func=lambda c: DOC_TYPE_BY_CODE[c].ui_label,
        key=f"{KEY}.docs",
    )
    postage_text = c2.text_input(_("Postage per envelope, ₽"), value=format_money(DEFAULT_POSTAGE, currency=False))
    if not st.button(
        _("Build the package"),
        type="primary",
        key=f"{KEY}.build",
        help=_("The jobs process builds it; follow its progress here, or leave the page and find it under Packages."),
    ):
        return
    try:
        postage = parse_amount(postage_text)
    except MoneyParseError as exc:
        st.error(_("Postage: {exc}").format(exc=exc))
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
        st.warning(_("Select at least one case."))
        return
    if not doc_types:
        st.warning(_("Choose at least one document for each envelope."))
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
    st.success(
        _("Package № {package_id}: {envelopes}, {pages}.").format(
            package_id=package_id,
            envelopes=_envelopes(int(result["case_count"])),
            pages=_pages(int(result["page_count"])),
        )
    )
    st.download_button(
        _("Download the package (PDF)"),
        data=_downloader(user, int(result["file_id"])),
        file_name=f"package_{package_id}.pdf",
        mime="application/pdf",
        on_click="ignore",
        type="primary",
        key=f"{KEY}.dl_new",
    )
    failures: dict[str, str] = result.get("failures") or {}
    if failures:
        st.warning(
            ngettext("{n} case was left out:", "{n} cases were left out:", len(failures)).format(n=len(failures))
        )
        st.dataframe(
            pd.DataFrame([{_("Case id"): int(k), _("Reason"): v} for k, v in failures.items()]),
            hide_index=True,
            key=f"{KEY}.left_out",
        )


def _packages(user: SignedInUser) -> None:
    st.subheader(_("Your packages in the queue"))
    recent_tasks_table(user, (PRINT_PACKAGE,), key=f"{KEY}.queued")
    st.subheader(_("Built packages"))
    with db() as session:
        packages = list_packages(session, user)
    if not packages:
        st.info(_("No packages yet."))
        return
    labels = {
        p.id: " · ".join(
            (
                f"№ {p.id}",
                format_datetime_local(p.created_at),
                STAGE_BY_CODE[p.stage].label,
                _envelopes(p.case_count),
                _(PACKAGE_STATUSES[p.status]) if p.status in PACKAGE_STATUSES else p.status.replace("_", " "),
            )
        )
        for p in packages
    }
    ids = list(labels)
    wanted = st.session_state.get(f"{KEY}.package")
    package_id = st.selectbox(
        _("Package"), ids, index=ids.index(wanted) if wanted in ids else 0, format_func=labels.__getitem__
    )
    chosen = next(p for p in packages if p.id == package_id)
    with db() as session:
        items = package_items(session, user, package_id)
        registers = package_registers(session, user, package_id)
    c1, c2 = st.columns(2)
    if chosen.file_id:
        c1.download_button(
            _("Package PDF ({pages})").format(pages=_pages(chosen.page_count)),
            data=_downloader(user, chosen.file_id),
            file_name=f"package_{package_id}.pdf",
            mime="application/pdf",
            on_click="ignore",
            key=f"{KEY}.dl_{package_id}",
        )
    if registers:
        _pkg, file_id, at = registers[0]
        c2.download_button(
            _("Mailing register, form 103 ({when})").format(when=format_datetime_local(at)),
            data=_downloader(user, file_id),
            file_name=f"package_{package_id}_form103.pdf",
            mime="application/pdf",
            on_click="ignore",
            key=f"{KEY}.reg_{package_id}",
        )
    st.subheader(_("Mark as mailed"))
    _show_mail_report()
    st.caption(
        _(
            "Type or scan the tracking number of each envelope you hand to the post office. Envelopes without a number stay open for later."
        )
    )
    tracking_column = _("Tracking number")
    frame = pd.DataFrame(
        [
            {
                "№": i.position,
                _("Case"): i.number,
                _("Debtor"): i.debtor,
                _("Pages"): f"{i.first_page}–{i.first_page + i.page_count - 1}",
                tracking_column: i.tracking_number or "",
                _("Status"): (
                    _("mailed {when}").format(when=format_datetime_local(i.mailed_at))
                    if i.mailed_at
                    else (i.problem or _("not mailed"))
                ),
            }
            for i in items
        ]
    )
    nonce = int(st.session_state.get(f"{KEY}.nonce", 0))
    editor_key = f"{KEY}.tracking_{package_id}_{nonce}"
    st.data_editor(
        frame,
        hide_index=True,
        disabled=["№", _("Case"), _("Debtor"), _("Pages"), _("Status")],
        key=editor_key,
        width="stretch",
    )
    scanned = st.text_area(
        _("Or scan the barcodes in envelope order (one number per line; fills the envelopes not yet mailed)"),
        key=f"{KEY}.scanned_{package_id}_{nonce}",
        height=100,
    )
    mailed_on = st.date_input(_("Mailed on"), value=local_today(), format="DD.MM.YYYY", key=f"{KEY}.mailed_on")
    if st.button(_("Record as mailed"), type="primary", key=f"{KEY}.mail"):
        edited = (st.session_state.get(editor_key) or {}).get("edited_rows", {})
        tracking = {
            items[int(row)].case_id: str(change.get(tracking_column) or "").strip()
            for row, change in edited.items()
            if items[int(row)].mailed_at is None and str(change.get(tracking_column) or "").strip()
        }
        open_items = [i for i in items if i.mailed_at is None and i.case_id not in tracking]
        numbers = [line.strip() for line in scanned.splitlines() if line.strip()]
        if len(numbers) > len(open_items):
            st.error(
                _("{scanned} scanned but only {open} open; check the list.").format(
                    scanned=ngettext("{n} number", "{n} numbers", len(numbers)).format(n=len(numbers)),
                    open=_envelopes(len(open_items)),
                )
            )
            return
        tracking.update({item.case_id: number for item, number in zip(open_items, numbers, strict=False)})
        if not tracking:
            st.warning(_("Enter at least one tracking number."))
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
        st.success(
            ngettext(
                "{n} envelope recorded as mailed; postage booked to each case.",
                "{n} envelopes recorded as mailed; postage booked to each case.",
                mailed,
            ).format(n=mailed)
        )
    if failed:
        st.warning(
            ngettext("{n} envelope was not recorded:", "{n} envelopes were not recorded:", len(failed)).format(
                n=len(failed)
            )
        )
        st.dataframe(
            pd.DataFrame([{_("Case"): n, _("Tracking number"): t, _("Problem"): r} for n, t, r in failed]),
            hide_index=True,
        )


def main() -> None:
    user = actor()
    st.header(_("Print packages"))
    new, existing = st.tabs([_("New package"), _("Packages")])
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
