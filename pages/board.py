"""The stage board: how many cases sit in each stage, the oldest one, how many are over the SLA;
pick a stage, pick its cases (or all of them) and move them on at once."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.calendar import to_local
from core.cases.search import CaseFilter, CaseRow, matching_ids, search_cases, stage_board
from core.errors import CessioError
from core.i18n import _, format_date, format_money, format_number, ngettext
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
                "SLA": _("over") if r.over_sla else "",
                "Responsible": r.responsible or "—",
                "Claim, ₽": format_money(r.claim_amount, currency=False),
                "Creditor": r.creditor,
                "Region": r.region or "",
            }
            for r in rows
        ],
        columns=["Case", "Debtor", "Days in stage", "SLA", "Responsible", "Claim, ₽", "Creditor", "Region"],
    )


def _column_config() -> dict[str, object]:
    cc = st.column_config
    return {
        "Case": cc.LinkColumn(_("Case"), display_text=r"case=(C-\d+)", width=84),
        "Debtor": cc.TextColumn(_("Debtor"), width=230),
        "Days in stage": cc.NumberColumn(_("Days"), width=56, help=_("Days in the current stage")),
        "SLA": cc.TextColumn(_("SLA"), width=56),
        "Responsible": cc.TextColumn(_("Responsible"), width=150),
        "Claim, ₽": cc.TextColumn(_("Claim, ₽"), width=100),
        "Creditor": cc.TextColumn(_("Creditor"), width=130),
        "Region": cc.TextColumn(_("Region"), width=110),
    }


def main() -> None:
    user = actor()
    st.header(_("Stage board"))
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
                st.metric(_("Cases"), format_number(s.count), label_visibility="collapsed")
                oldest = to_local(s.oldest_entered_at)
                over = (
                    ":red[**" + _("{n} over SLA").format(n=format_number(s.over_sla)) + "**]"
                    if s.over_sla
                    else _("none over SLA")
                )
                st.caption(
                    over + "  \n" + _("oldest since {date}").format(date=format_date(oldest.date()))
                    if oldest
                    else _("empty")
                )
                if st.button(
                    _("Show cases"),
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
        st.caption(_("Pick a stage to see its cases and move them on."))
        return

    stage_name = _(summary.label)
    st.subheader(
        ngettext("{stage}: {n} case", "{stage}: {n} cases", summary.count).format(
            stage=stage_name, n=format_number(summary.count)
        ),
        divider="gray",
    )
    only_over = st.toggle(_("Only cases over the SLA"), key=f"{KEY}.over")
    f = CaseFilter(stages=[summary.stage], over_sla=only_over)
    with db() as session:
        # oldest first: sorting by days in stage ascending by entry date puts the longest-waiting on top
        page = search_cases(session, user, f, sort="days_in_stage", descending=False, limit=SHOWN)
    total = page.total or 0
    if total == 0:
        st.info(_("No cases here with these conditions."))
        return
    event = st.dataframe(
        _frame(page.rows),
        key=f"{KEY}.table.{summary.stage}.{only_over}.{bulk.selection_nonce(KEY)}",
        on_select="rerun",
        selection_mode="multi-row",
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(page.rows), 38 + 35 * 15),
        column_config=_column_config(),
    )
    if total > len(page.rows):
        st.caption(
            _("The {shown} cases waiting longest are listed; “all” below takes all {total}.").format(
                shown=format_number(len(page.rows)), total=format_number(total)
            )
        )
    selected = [page.rows[i] for i in event.selection.rows if i < len(page.rows)]
    everything = ngettext("the {n} case in “{stage}”", "all {n} cases in “{stage}”", min(total, ALL_CAP)).format(
        n=format_number(min(total, ALL_CAP)), stage=stage_name
    )
    if only_over:
        everything = _("{cases} (over the SLA)").format(cases=everything)
    scope = bulk.choose_scope(KEY, len(selected), everything)
    if scope == "selected":
        target = bulk.BulkTarget(
            count=len(selected),
            description=ngettext("{n} selected case", "{n} selected cases", len(selected)).format(
                n=format_number(len(selected))
            ),
            stages={summary.stage},
            resolve=lambda _s: [r.id for r in selected],
            numbers={r.id: r.number for r in selected},
            versions={r.id: r.version for r in selected},
            fingerprint="sel:" + ",".join(str(r.id) for r in selected),
        )
    elif scope == "all":
        target = bulk.BulkTarget(
            count=min(total, ALL_CAP),
            description=everything,
            stages={summary.stage},
            resolve=lambda session: matching_ids(session, user, f, cap=ALL_CAP),
            fingerprint=f"all:{summary.stage}:{only_over}",
        )
    else:
        return
    bulk.bulk_actions(user, target, KEY)


main()
