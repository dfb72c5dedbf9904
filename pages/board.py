"""The stage board: how many cases sit in each stage, the oldest one, how many are over the SLA;
pick a stage, pick its cases (or all of them) and move them on at once."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.calendar import to_local
from core.cases.search import CaseFilter, CaseRow, matching_ids, search_cases, stage_board
from core.errors import CessioError
from core.money import format_amount
from ui import bulk
from ui.context import actor, db
from ui.stage_style import badge_html

KEY = "board"
SHOWN = 200
PER_ROW = 5
ALL_CAP = 100_000


def _frame(rows: list[CaseRow]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Case": f"case?case={r.number}",
                "Debtor": r.debtor_name,
                "Days in stage": r.days_in_stage,
                "SLA": "over" if r.over_sla else "",
                "Responsible": r.responsible or "—",
                "Claim, ₽": format_amount(r.claim_amount, currency=False),
                "Creditor": r.creditor,
                "Region": r.region or "",
            }
            for r in rows
        ],
        columns=["Case", "Debtor", "Days in stage", "SLA", "Responsible", "Claim, ₽", "Creditor", "Region"],
    )


def main() -> None:
    user = actor()
    st.header("Stage board")
    try:
        with db() as session:
            board = stage_board(session, user)
    except CessioError as exc:
        st.error(str(exc))
        return
    chosen = st.session_state.get(f"{KEY}.stage")
    for start in range(0, len(board), PER_ROW):
        cols = st.columns(PER_ROW)
        for col, s in zip(cols, board[start : start + PER_ROW], strict=False):
            with col.container(border=True):
                st.markdown(badge_html(s.stage), unsafe_allow_html=True)
                st.metric("Cases", f"{s.count:,}", label_visibility="collapsed")
                oldest = to_local(s.oldest_entered_at)
                over = f":red[**{s.over_sla:,} over SLA**]" if s.over_sla else "none over SLA"
                st.caption(f"{over}  \noldest since {oldest:%d.%m.%Y}" if oldest else "empty")
                if st.button(
                    "Show cases",
                    key=f"{KEY}.pick.{s.stage}",
                    disabled=s.count == 0,
                    type="primary" if chosen == s.stage else "secondary",
                    width="stretch",
                ):
                    st.session_state[f"{KEY}.stage"] = s.stage
                    st.session_state.pop(f"{KEY}.pending", None)
                    st.rerun()
    bulk.show_report(KEY)
    summary = next((s for s in board if s.stage == chosen), None)
    if summary is None:
        st.caption("Pick a stage to see its cases and move them on.")
        return

    st.subheader(f"{summary.label}: {summary.count:,} cases", divider="gray")
    only_over = st.toggle("Only cases over the SLA", key=f"{KEY}.over")
    f = CaseFilter(stages=[summary.stage], over_sla=only_over)
    with db() as session:
        # oldest first: sorting by days in stage ascending by entry date puts the longest-waiting on top
        page = search_cases(session, user, f, sort="days_in_stage", descending=False, limit=SHOWN)
    total = page.total or 0
    if total == 0:
        st.info("No cases here with these conditions.")
        return
    event = st.dataframe(
        _frame(page.rows),
        key=f"{KEY}.table.{summary.stage}.{only_over}.{bulk.selection_nonce(KEY)}",
        on_select="rerun",
        selection_mode="multi-row",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(page.rows), 38 + 35 * 15),
        column_config={"Case": st.column_config.LinkColumn("Case", display_text=r"case=(C-\d+)", width="small")},
    )
    if total > len(page.rows):
        st.caption(f"The {len(page.rows)} cases waiting longest are listed; “all” below takes all {total:,}.")
    selected = [page.rows[i] for i in event.selection.rows if i < len(page.rows)]
    options = ["selected", "all"] if selected else ["all"]
    scope = st.radio(
        "Apply to",
        options,
        format_func=lambda v: (
            (f"the {len(selected):,} selected" if v == "selected" else f"all {total:,} cases in “{summary.label}”")
            + (" (over the SLA)" if v == "all" and only_over else "")
        ),
        horizontal=True,
        key=f"{KEY}.scope.{len(options)}",
    )
    if scope == "selected":
        target = bulk.BulkTarget(
            count=len(selected),
            description=f"{len(selected):,} selected case" + ("s" if len(selected) != 1 else ""),
            stages={summary.stage},
            resolve=lambda _s: [r.id for r in selected],
            numbers={r.id: r.number for r in selected},
            versions={r.id: r.version for r in selected},
            fingerprint="sel:" + ",".join(str(r.id) for r in selected),
        )
    else:
        target = bulk.BulkTarget(
            count=min(total, ALL_CAP),
            description=f"all {min(total, ALL_CAP):,} cases in “{summary.label}”"
            + (" over the SLA" if only_over else ""),
            stages={summary.stage},
            resolve=lambda session: matching_ids(session, user, f, cap=ALL_CAP),
            fingerprint=f"all:{summary.stage}:{only_over}",
        )
    bulk.bulk_actions(user, target, KEY)


main()
