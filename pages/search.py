"""Case search: the filter bar, one page of results, and bulk actions on the chosen cases.

Results are paged in SQL with a keyset cursor (``core.cases.search``); the browser never gets
more than one page. The applied filter, the sort and the page survive a visit to a case card.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from core.auth.permissions import Permission, has_permission
from core.cases.search import (
    EXPORT_CAP,
    SORTABLE,
    CaseFilter,
    CaseRow,
    Cursor,
    count_cases,
    export_cases,
    matching_ids,
    search_cases,
)
from core.errors import CessioError
from core.i18n import _, current_language, format_money, format_number, ngettext
from ui import bulk
from ui.cached import filter_options_cached
from ui.case_filters import filter_bar
from ui.context import SignedInUser, actor, db
from ui.stage_style import stage_cell_style

KEY = "search"
PAGE_SIZES = (25, 50, 100, 200)
ALL_MATCHING_CAP = 100_000
AUTO = "auto"  # the sort that suits the filter (see main)
TOTAL_FRESH_SECONDS = 60  # a page turn within this reuses the count; a later one counts again


def _short_name(full_name: str | None) -> str:
    """ "Иванова Ольга Николаевна" -> "Иванова О. Н." (the table has no room for three names)."""
    if not full_name:
        return "—"
    surname, *given = full_name.split()
    return " ".join([surname, *(f"{g[0]}." for g in given if g)])


# Column widths in pixels: at 1440 px with the menu open every column fits without scrolling
# (about 980 px for the table, 32 of them for the tick boxes), and the stage — the column a clerk
# reads first — is never cut, in Russian either. The creditor, region, birth date, opening date
# and court case number are filters and are in the export; the table has no room for them.
COLUMNS: dict[str, int] = {
    "Case": 84,
    "Stage": 216,
    "Debtor": 220,
    "Days": 56,
    "Claim, ₽": 100,
    "Responsible": 124,
    "Contract": 120,
}


def _rows_frame(rows: list[CaseRow]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Case": f"case?case={r.number}",
                "Stage": _(r.stage_label),
                "Debtor": r.debtor_name,
                "Days": r.days_in_stage,
                "Claim, ₽": format_money(r.claim_amount, currency=False),
                "Responsible": _short_name(r.responsible),
                "Contract": r.contract_number,
            }
            for r in rows
        ],
        columns=list(COLUMNS),
    )


def _styled(rows: list[CaseRow]) -> Any:
    """Stage cells in the stage's colour; the days of a case over its SLA in red. The columns
    carry their names in the reader's language."""
    frame = _rows_frame(rows)
    frame.columns = [_(c) for c in COLUMNS]
    if frame.empty:
        return frame
    over = {i for i, r in enumerate(rows) if r.over_sla}
    styler = frame.style.apply(lambda col: [stage_cell_style(r.stage) for r in rows], subset=[_("Stage")])
    styler = styler.apply(
        lambda col: ["color: #b91c1c; font-weight: 700" if i in over else "" for i in range(len(col))],
        subset=[_("Days")],
    )
    return styler


def _column_config() -> dict[str, Any]:
    cc = st.column_config
    help_days = _("Days in the current stage; red when the case sat there longer than the stage's service level")
    config: dict[str, Any] = {
        "Case": cc.LinkColumn(_("Case"), display_text=r"case=(C-\d+)", width=COLUMNS["Case"], pinned=True),
        "Days": cc.NumberColumn(_("Days"), width=COLUMNS["Days"], help=help_days),
    }
    return {_(name): config.get(name, cc.TextColumn(_(name), width=width)) for name, width in COLUMNS.items()}


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
            _(
                "Export the first {cap} of the {total} matching cases, in the order shown (an export holds at most "
                "that many; narrow the filter, e.g. by creditor or region, for the rest). The export is recorded "
                "in the audit log:"
            ).format(cap=format_number(EXPORT_CAP), total=format_number(total))
        )
    else:
        st.caption(
            _("Export all {total} matching cases (the export is recorded in the audit log):").format(
                total=format_number(total)
            )
        )
    c1, c2, _spacer = st.columns([1, 1, 4])
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


def _total(session: Session, user: SignedInUser, f: CaseFilter) -> int:
    """The exact number of matches, counted once per filter (paging does not count again)."""
    known = st.session_state.get(f"{KEY}.total")
    if known is not None and known[0] == repr(f) and time.monotonic() - known[2] < TOTAL_FRESH_SECONDS:
        return int(known[1])
    total = count_cases(session, user, f)
    st.session_state[f"{KEY}.total"] = (repr(f), total, time.monotonic())
    return total


def _count_line(total: int, first: int, shown: int, sort: str) -> str:
    return ngettext(
        "**{n}** case matches · showing {first}–{last} · sorted by {sort}",
        "**{n}** cases match · showing {first}–{last} · sorted by {sort}",
        total,
    ).format(
        n=format_number(total),
        first=format_number(first),
        last=format_number(first + shown - 1),
        sort=_(SORTABLE[sort]).lower(),
    )


def _turn_page(cursors: list[Cursor | None], cursor: Cursor | None) -> None:
    """Pager callback: runs before the rerun, so a page turn costs one run, not two."""
    if cursor is None:
        if len(cursors) > 1:
            cursors.pop()
    else:
        cursors.append(cursor)


def main() -> None:
    user = actor()
    st.header(_("Case search"))
    options = filter_options_cached()
    f = filter_bar(options)

    s1, s2, s3, _spacer = st.columns([2, 1.2, 1, 3.8], vertical_alignment="bottom")
    # the options are the labels themselves (no format_func): what a person reads is what is kept
    labels = {_("Best for the filter"): AUTO, **{_(label): code for code, label in SORTABLE.items()}}
    chosen = s1.selectbox(
        _("Sort by"),
        list(labels),
        key=f"{KEY}.sort.{current_language()}",
        help=_(
            "Best for the filter: a search by debtor name lists the debtors alphabetically (the first page "
            "shows at once even on a million cases), any other search the newest cases first."
        ),
    )
    sort = labels[chosen]
    descending = s2.toggle(_("Descending"), value=True, key=f"{KEY}.desc", disabled=sort == AUTO)
    if sort == AUTO:
        # a name search reads the names in the order the name index keeps them
        sort, descending = ("debtor", False) if f.debtor_name else ("opened_at", True)
    size = s3.selectbox(_("Rows per page"), PAGE_SIZES, index=1, key=f"{KEY}.size")
    _results(user, f, sort, descending, size)


@st.fragment
def _results(user: SignedInUser, f: CaseFilter, sort: str, descending: bool, size: int) -> None:
    """The table, the pager, the bulk actions and the export. A fragment: turning a page or
    ticking rows reruns only this part, not the sign-in check, the menu and the filter bar."""
    cursors = _paging_state(f, sort, descending, size)
    page_no = len(cursors) - 1
    # "days in stage" sorts by the entry date: most days first is the earliest date first
    sql_descending = not descending if sort == "days_in_stage" else descending
    try:
        with db() as session:
            # the first page first: the rows are fetched without the total, which is counted
            # below once the table is on screen (on a million cases a common name costs more to
            # count than to page)
            page = search_cases(
                session, user, f, sort=sort, descending=sql_descending, limit=size, after=cursors[-1], with_total=False
            )
    except CessioError as exc:
        st.error(str(exc))
        return
    first = page_no * size + 1
    if not page.rows and page_no == 0:
        st.info(_("No cases match these filters. Loosen a filter or press Clear."))
        bulk.show_report(KEY)
        return
    count_slot = st.empty()
    if page.next_cursor is None:
        # the last page: the total is known without counting
        st.session_state[f"{KEY}.total"] = (repr(f), page_no * size + len(page.rows), time.monotonic())
    known = st.session_state.get(f"{KEY}.total")
    if known is not None and known[0] == repr(f):
        count_slot.markdown(_count_line(int(known[1]), first, len(page.rows), sort))
    else:
        count_slot.markdown(
            _("**More than {n}** cases match · showing {first}–{last} · counting…").format(
                n=format_number(first + len(page.rows) - 1),
                first=format_number(first),
                last=format_number(first + len(page.rows) - 1),
            )
        )

    bulk.show_report(KEY)
    event = st.dataframe(
        _styled(page.rows),
        key=f"{KEY}.table.{bulk.selection_nonce(KEY)}.{page_no}",
        on_select="rerun",
        selection_mode="multi-row",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(page.rows), 38 + 35 * 20),
        column_config=_column_config(),
    )
    selected = [page.rows[i] for i in event.selection.rows if i < len(page.rows)]

    p1, p2, p3, _spacer = st.columns([1, 1, 2, 4])
    p1.button(
        _("← Previous"),
        disabled=page_no == 0,
        key=f"{KEY}.prev",
        width="stretch",
        on_click=_turn_page,
        args=(cursors, None),
    )
    p2.button(
        _("Next →"),
        disabled=page.next_cursor is None,
        key=f"{KEY}.next",
        width="stretch",
        on_click=_turn_page,
        args=(cursors, page.next_cursor),
    )
    pages_slot = p3.empty()
    try:
        with db() as session:
            total = _total(session, user, f)
    except CessioError as exc:
        st.error(str(exc))
        return
    count_slot.markdown(_count_line(total, first, len(page.rows), sort))
    pages_slot.caption(
        _("Page {page} of {pages}").format(
            page=format_number(page_no + 1), pages=format_number(max(1, -(-total // size)))
        )
    )

    if len(selected) == 1:
        number = selected[0].number
        if st.button(
            _("Open case {number}").format(number=number),
            type="primary",
            icon=":material/folder_open:",
            key=f"{KEY}.open",
        ):
            st.switch_page("pages/case.py", query_params={"case": number})

    st.subheader(_("Act on cases"), divider="gray")
    count = min(total, ALL_MATCHING_CAP)
    scope = bulk.choose_scope(
        KEY,
        len(selected),
        ngettext("the {n} matching case", "all {n} matching cases", count).format(n=format_number(count)),
    )
    if total > ALL_MATCHING_CAP:
        st.caption(
            _("Bulk actions take at most {cap} cases at once; narrow the filters for the rest.").format(
                cap=format_number(ALL_MATCHING_CAP)
            )
        )
    if scope == "selected":
        target = bulk.BulkTarget(
            count=len(selected),
            description=ngettext("{n} selected case", "{n} selected cases", len(selected)).format(
                n=format_number(len(selected))
            ),
            stages={r.stage for r in selected},
            resolve=lambda _s: [r.id for r in selected],
            numbers={r.id: r.number for r in selected},
            versions={r.id: r.version for r in selected},
            fingerprint="sel:" + ",".join(str(r.id) for r in selected),
        )
        bulk.bulk_actions(user, target, KEY)
    elif scope == "all":
        target = bulk.BulkTarget(
            count=count,
            description=ngettext(
                "the {n} case matching the filters", "all {n} cases matching the filters", count
            ).format(n=format_number(count)),
            stages=set(f.stages),
            resolve=lambda session: matching_ids(session, user, f, cap=ALL_MATCHING_CAP),
            fingerprint="all:" + repr(f),
        )
        bulk.bulk_actions(user, target, KEY)
    st.divider()
    _export(user, f, sort, sql_descending, total)


main()
