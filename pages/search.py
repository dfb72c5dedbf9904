"""Case search: the filter bar, one page of results, and bulk actions on the chosen cases.

Results are paged in SQL with a keyset cursor (``core.cases.search``); the browser never gets
more than one page. The applied filter, the sort and the page survive a visit to a case card.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.auth.permissions import Permission, has_permission
from core.calendar import to_local
from core.cases.search import (
    EXPORT_CAP,
    SORTABLE,
    CaseFilter,
    CaseRow,
    Cursor,
    export_cases,
    matching_ids,
    search_cases,
)
from core.errors import CessioError
from core.money import format_amount
from ui import bulk
from ui.cached import filter_options_cached
from ui.case_filters import filter_bar
from ui.context import SignedInUser, actor, db
from ui.stage_style import style_stage_column

KEY = "search"
PAGE_SIZES = (25, 50, 100, 200)
ALL_MATCHING_CAP = 100_000


def _rows_frame(rows: list[CaseRow]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Case": f"case?case={r.number}",
                "Debtor": r.debtor_name,
                "Birth date": r.birth_date.strftime("%d.%m.%Y") if r.birth_date else "",
                "Stage": r.stage_label,
                "Days in stage": r.days_in_stage,
                "SLA": "over" if r.over_sla else "",
                "Responsible": r.responsible or "—",
                "Claim, ₽": format_amount(r.claim_amount, currency=False),
                "Contract": r.contract_number,
                "Creditor": r.creditor,
                "Region": r.region or "",
                "Opened": to_local(r.opened_at).strftime("%d.%m.%Y") if r.opened_at else "",
                "Court case no.": r.court_case_number or "",
            }
            for r in rows
        ],
        columns=[
            "Case",
            "Debtor",
            "Birth date",
            "Stage",
            "Days in stage",
            "SLA",
            "Responsible",
            "Claim, ₽",
            "Contract",
            "Creditor",
            "Region",
            "Opened",
            "Court case no.",
        ],
    )


def _paging_state(f: CaseFilter, sort: str, descending: bool, size: int) -> list[Cursor | None]:
    """The cursors of the pages seen so far; reset when the query changes."""
    query = (repr(f), sort, descending, size)
    if st.session_state.get(f"{KEY}.query") != query:
        st.session_state[f"{KEY}.query"] = query
        st.session_state[f"{KEY}.cursors"] = [None]
    return st.session_state[f"{KEY}.cursors"]


def _export(user: SignedInUser, f: CaseFilter, sort: str, descending: bool, total: int) -> None:
    if not has_permission(user, Permission.CASE_EXPORT) or not total:
        return

    def make(fmt: str) -> bytes:
        with db() as session:
            return export_cases(session, user, f, fmt, sort=sort, descending=descending)

    if total > EXPORT_CAP:
        st.caption(
            f"Export the first {EXPORT_CAP:,} of the {total:,} matching cases, in the order shown (an export "
            "holds at most that many; narrow the filter, e.g. by creditor or region, for the rest). "
            "The export is recorded in the audit log:"
        )
    else:
        st.caption(f"Export all {total:,} matching cases (the export is recorded in the audit log):")
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(
        "CSV",
        lambda: make("csv"),
        file_name="cases.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"{KEY}.export_csv",
        on_click="ignore",
        width="stretch",
    )
    c2.download_button(
        "Excel (XLSX)",
        lambda: make("xlsx"),
        file_name="cases.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        key=f"{KEY}.export_xlsx",
        on_click="ignore",
        width="stretch",
    )


def main() -> None:
    user = actor()
    st.header("Case search")
    options = filter_options_cached()
    f = filter_bar(options)

    s1, s2, s3, _ = st.columns([2, 1.2, 1, 3.8], vertical_alignment="bottom")
    sort = s1.selectbox("Sort by", list(SORTABLE), format_func=SORTABLE.__getitem__, key=f"{KEY}.sort")
    descending = s2.toggle("Descending", value=True, key=f"{KEY}.desc")
    size = s3.selectbox("Rows per page", PAGE_SIZES, index=1, key=f"{KEY}.size")
    cursors = _paging_state(f, sort, descending, size)
    page_no = len(cursors) - 1
    try:
        with db() as session:
            # "days in stage" sorts by the entry date: most days first is the earliest date first
            sql_descending = not descending if sort == "days_in_stage" else descending
            page = search_cases(session, user, f, sort=sort, descending=sql_descending, limit=size, after=cursors[-1])
    except CessioError as exc:
        st.error(str(exc))
        return
    total = page.total or 0
    first = page_no * size + 1
    if total == 0:
        st.info("No cases match these filters. Loosen a filter or press Clear.")
        bulk.show_report(KEY)
        return
    st.markdown(
        f"**{total:,}** {'case matches' if total == 1 else 'cases match'} · showing {first:,}–{first + len(page.rows) - 1:,}"
        + (" · sorted by " + SORTABLE[sort].lower())
    )

    bulk.show_report(KEY)
    event = st.dataframe(
        style_stage_column(_rows_frame(page.rows)),
        key=f"{KEY}.table.{bulk.selection_nonce(KEY)}.{page_no}",
        on_select="rerun",
        selection_mode="multi-row",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(page.rows), 38 + 35 * 20),
        column_config={
            "Case": st.column_config.LinkColumn("Case", display_text=r"case=(C-\d+)", width="small"),
            "Days in stage": st.column_config.NumberColumn("Days", width="small", help="Days in the current stage"),
            "SLA": st.column_config.TextColumn(
                "SLA", width="small", help="“over” when the case sat in its stage longer than the stage's service level"
            ),
        },
    )
    selected = [page.rows[i] for i in event.selection.rows if i < len(page.rows)]

    p1, p2, p3, _ = st.columns([1, 1, 2, 4])
    if p1.button("← Previous", disabled=page_no == 0, key=f"{KEY}.prev", width="stretch"):
        cursors.pop()
        st.rerun()
    if p2.button("Next →", disabled=page.next_cursor is None, key=f"{KEY}.next", width="stretch"):
        cursors.append(page.next_cursor)
        st.rerun()
    p3.caption(f"Page {page_no + 1:,} of {max(1, -(-total // size)):,}")

    if len(selected) == 1:
        number = selected[0].number
        if st.button(f"Open case {number}", type="primary", icon=":material/folder_open:", key=f"{KEY}.open"):
            st.switch_page("pages/case.py", query_params={"case": number})

    st.subheader("Act on cases", divider="gray")
    if selected:
        scope = st.radio(
            "Apply to",
            ["selected", "all"],
            format_func=lambda v: (
                f"the {len(selected):,} selected case" + ("s" if len(selected) != 1 else "")
                if v == "selected"
                else f"all {min(total, ALL_MATCHING_CAP):,} matching case" + ("s" if total != 1 else "")
            ),
            horizontal=True,
            key=f"{KEY}.scope",
        )
    else:
        st.caption("Tick rows in the table to act on them, or act on every matching case:")
        scope = "all"
    if scope == "selected":
        target = bulk.BulkTarget(
            count=len(selected),
            description=f"{len(selected):,} selected case" + ("s" if len(selected) != 1 else ""),
            stages={r.stage for r in selected},
            resolve=lambda _s: [r.id for r in selected],
            numbers={r.id: r.number for r in selected},
            versions={r.id: r.version for r in selected},
            fingerprint="sel:" + ",".join(str(r.id) for r in selected),
        )
    else:
        count = min(total, ALL_MATCHING_CAP)
        target = bulk.BulkTarget(
            count=count,
            description=f"all {count:,} case{'s' if count != 1 else ''} matching the filters",
            stages=set(f.stages),
            resolve=lambda session: matching_ids(session, user, f, cap=ALL_MATCHING_CAP),
            fingerprint="all:" + repr(f),
        )
        if total > ALL_MATCHING_CAP:
            st.caption(
                f"Bulk actions take at most {ALL_MATCHING_CAP:,} cases at once; narrow the filters for the rest."
            )
    bulk.bulk_actions(user, target, KEY)
    st.divider()
    _export(user, f, sort, not descending if sort == "days_in_stage" else descending, total)


main()
