"""Bulk actions on many cases, shared by the search page and the stage board.

Moving cases: only transitions valid for the chosen cases and the user's role are offered; a
confirmation names how many cases will move; a progress bar runs while the service moves them
chunk by chunk (set-based, one transaction); then the per-case report lists what moved and what
was refused and why. Reassigning works the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from core.auth.permissions import Permission, has_permission
from core.cases.service import TransitionReport, list_staff, reassign, transition_cases
from core.cases.workflow import STAGES, Transition, stage, transition, transitions_for_stages
from core.errors import CessioError
from ui.context import SignedInUser, db
from ui.guard_fields import guard_inputs

PER_CASE_LIMIT = 500  # above this, per-case inputs (tracking numbers) are not offered on screen


@dataclass
class BulkTarget:
    """The cases a bulk action applies to.

    ``resolve`` returns their ids when the action runs (for "all matching" that is a query run
    only then, not on every rerun). ``numbers`` and ``versions`` are known for cases picked in a
    table: numbers allow per-case inputs, versions refuse cases changed since they were shown.
    """

    count: int
    description: str
    stages: set[str]
    resolve: Callable[[Session], list[int]]
    numbers: dict[int, str] = field(default_factory=dict)
    versions: dict[int, int] = field(default_factory=dict)
    fingerprint: str = ""


def _plural(n: int) -> str:
    return f"{n:,} case" + ("" if n == 1 else "s")


def transition_option_label(t: Transition) -> str:
    return f"{t.label} → {stage(t.target).label}"


def _report_csv(report: TransitionReport) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["case", "result", "from", "to", "reason"], delimiter=";")
    writer.writeheader()
    writer.writerows(report.as_rows())
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def show_report(key: str) -> None:
    """The last bulk result of this screen, until the user dismisses it."""
    result = st.session_state.get(f"{key}.result")
    if not result:
        return
    kind, payload = result
    with st.container(border=True):
        if kind == "move":
            report: TransitionReport = payload
            t = transition(report.transition)
            moved, refused = len(report.moved), len(report.refused)
            target = stage(t.target).label
            if moved:
                st.success(f"Moved {_plural(moved)} to “{target}”.")
            if refused:
                st.warning(f"{_plural(refused)} not moved — the reasons are in the report below.")
            if not moved and not refused:
                st.info("No cases matched any more; nothing was moved.")
            rows = sorted(report.as_rows(), key=lambda r: r["result"] != "refused")
            frame = pd.DataFrame(rows, columns=["case", "result", "from", "to", "reason"])
            frame.columns = ["Case", "Result", "From", "To", "Reason"]
            st.dataframe(frame, hide_index=True, width="stretch", height=min(38 + 35 * len(frame), 320))
            st.download_button(
                "Download the report (CSV)",
                _report_csv(report),
                file_name=f"move-report-{report.transition}.csv",
                mime="text/csv",
                key=f"{key}.report_csv",
                icon=":material/download:",
            )
        else:
            st.success(payload)
        if st.button("Dismiss", key=f"{key}.dismiss", type="tertiary"):
            st.session_state.pop(f"{key}.result", None)
            st.rerun()


def _per_case_editor(target: BulkTarget, t: Transition, key: str) -> dict[int, dict[str, Any]] | None:
    per_case = [f for f in t.fields if f.kind == "tracking"]
    if not per_case:
        return {}
    if not target.numbers or len(target.numbers) > PER_CASE_LIMIT:
        st.info(
            f"“{t.label}” needs a {per_case[0].label.lower()} for each case. Select up to {PER_CASE_LIMIT} cases "
            "in the table to enter them here."
        )
        return None
    st.caption(f"Enter the {per_case[0].label.lower()} of each case:")
    frame = pd.DataFrame({"Case": list(target.numbers.values()), **{f.label: "" for f in per_case}})
    edited = st.data_editor(
        frame,
        key=f"{key}.per_case.{target.fingerprint}.{t.name}",
        hide_index=True,
        disabled=["Case"],
        width="stretch",
        height=min(38 + 35 * len(frame), 320),
    )
    out: dict[int, dict[str, Any]] = {}
    for case_id, (_, row) in zip(target.numbers, edited.iterrows(), strict=True):
        out[case_id] = {f.name: str(row[f.label] or "").strip() for f in per_case}
    return out


def _run_move(user: SignedInUser, target: BulkTarget, pending: dict[str, Any], key: str) -> None:
    bar = st.progress(0.0, text="Moving cases…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"Moved {done:,} of {total:,}…")

    try:
        with db() as session:
            ids = pending["ids"] if pending["ids"] is not None else target.resolve(session)
            report = transition_cases(
                session,
                user,
                ids,
                pending["transition"],
                pending["data"],
                per_case_data=pending["per_case"] or None,
                expected_versions=pending["versions"] or None,
                progress=progress,
            )
    except CessioError as exc:
        bar.empty()
        st.error(str(exc))
        return
    bar.progress(1.0, text="Done.")
    st.session_state[f"{key}.result"] = ("move", report)
    _after_action(key)


def _run_reassign(user: SignedInUser, target: BulkTarget, pending: dict[str, Any], key: str) -> None:
    bar = st.progress(0.0, text="Reassigning…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"Reassigned {done:,} of {total:,}…")

    try:
        with db() as session:
            ids = pending["ids"] if pending["ids"] is not None else target.resolve(session)
            changed = reassign(session, user, ids, pending["user_id"], progress=progress)
    except CessioError as exc:
        bar.empty()
        st.error(str(exc))
        return
    st.session_state[f"{key}.result"] = (
        "reassign",
        f"{_plural(changed)} reassigned to {pending['user_name']}"
        + (f" ({len(ids) - changed:,} already were)." if len(ids) > changed else "."),
    )
    _after_action(key)


def _after_action(key: str) -> None:
    st.session_state.pop(f"{key}.pending", None)
    # a new table key drops the old row selection: the rows under it have changed
    st.session_state[f"{key}.nonce"] = st.session_state.get(f"{key}.nonce", 0) + 1
    st.rerun()


def selection_nonce(key: str) -> int:
    """Part of the table's widget key; bumped after every bulk action to clear the selection."""
    return int(st.session_state.get(f"{key}.nonce", 0))


def _confirm(user: SignedInUser, target: BulkTarget, key: str) -> bool:
    """The confirmation box of a pending action; True while one is pending."""
    pending = st.session_state.get(f"{key}.pending")
    if not pending:
        return False
    if pending["fingerprint"] != target.fingerprint:
        st.session_state.pop(f"{key}.pending", None)
        return False
    with st.container(border=True):
        st.warning(pending["question"], icon=":material/help:")
        yes, no, _ = st.columns([2, 1, 3])
        if yes.button(pending["button"], type="primary", key=f"{key}.yes"):
            if pending["action"] == "move":
                _run_move(user, target, pending, key)
            else:
                _run_reassign(user, target, pending, key)
        if no.button("Cancel", key=f"{key}.no"):
            st.session_state.pop(f"{key}.pending", None)
            st.rerun()
    return True


def bulk_actions(user: SignedInUser, target: BulkTarget, key: str) -> None:
    """Move and reassign controls for ``target``; call inside the page where they belong."""
    if target.count == 0:
        return
    if _confirm(user, target, key):
        return
    can_move = has_permission(user, Permission.CASE_BULK_TRANSITION)
    can_reassign = has_permission(user, Permission.CASE_REASSIGN)
    can_print = has_permission(user, Permission.DOCUMENT_GENERATE)
    tabs = [
        name
        for name, ok in (("Move to a stage", can_move), ("Reassign", can_reassign), ("Print package", can_print))
        if ok
    ]
    if not tabs:
        return
    ids_now = list(target.numbers) if target.numbers else None
    for name, tab in zip(tabs, st.tabs(tabs), strict=True):
        with tab:
            if name == "Move to a stage":
                _move_controls(user, target, key, ids_now)
            elif name == "Reassign":
                _reassign_controls(user, target, key, ids_now)
            else:
                _print_controls(target, key)


PACKAGE_MAX_CASES = 3000


def _print_controls(target: BulkTarget, key: str) -> None:
    """Hand the cases over to the print-package page (a package holds cases at one stage)."""
    if len(target.stages) != 1 or stage(next(iter(target.stages))).closed:
        st.caption("A print package holds cases at one open stage: filter or select cases of a single stage.")
        return
    if target.count > PACKAGE_MAX_CASES:
        st.caption(f"A package holds at most {PACKAGE_MAX_CASES:,} cases; narrow the filters.")
        return
    stage_code = next(iter(target.stages))
    st.caption(f"Generate the documents of {target.description} and glue them into one PDF to print.")
    if st.button("Open in Print packages", icon=":material/print:", key=f"{key}.print"):
        with db() as session:
            ids = target.resolve(session)
        st.session_state["documents.preselected"] = ids
        st.session_state["documents.stage"] = stage_code
        st.session_state["documents.which"] = "handed"
        st.switch_page("pages/packages.py")


def _move_controls(user: SignedInUser, target: BulkTarget, key: str, ids_now: list[int] | None) -> None:
    options = transitions_for_stages(target.stages or {s.code for s in STAGES}, user.role)
    if not options:
        st.caption("Your role cannot move cases from the stages of these cases.")
        return
    chosen = st.selectbox(
        "Move to",
        options,
        format_func=transition_option_label,
        index=None,
        placeholder="Choose where the cases go…",
        key=f"{key}.transition",
    )
    if chosen is None:
        return
    wrong = target.stages - set(chosen.sources) if target.stages else set()
    if wrong:
        st.caption(
            "Cases now at "
            + ", ".join(f"“{stage(s).label}”" for s in sorted(wrong))
            + f" cannot take “{chosen.label}” and will be reported as not moved."
        )
    data = guard_inputs(chosen, f"{key}.field.{chosen.name}", skip_kinds=frozenset({"tracking"}))
    per_case = _per_case_editor(target, chosen, key)
    if per_case is None:
        return
    if st.button(f"Move {_plural(target.count)}…", type="primary", key=f"{key}.move"):
        st.session_state[f"{key}.pending"] = {
            "action": "move",
            "transition": chosen.name,
            "data": data,
            "per_case": per_case,
            "versions": dict(target.versions),
            "ids": ids_now,
            "fingerprint": target.fingerprint,
            "question": f"Move {target.description} to “{stage(chosen.target).label}” ({chosen.label})?",
            "button": f"Yes, move {_plural(target.count)}",
        }
        st.rerun()


def _reassign_controls(user: SignedInUser, target: BulkTarget, key: str, ids_now: list[int] | None) -> None:
    with db() as session:
        staff = [(u.id, f"{u.full_name} ({u.role})") for u in list_staff(session)]
    chosen = st.selectbox(
        "New responsible",
        staff,
        format_func=lambda pair: pair[1],
        index=None,
        placeholder="Choose a person…",
        key=f"{key}.assignee",
    )
    if chosen is None:
        return
    if st.button(f"Reassign {_plural(target.count)}…", type="primary", key=f"{key}.reassign"):
        st.session_state[f"{key}.pending"] = {
            "action": "reassign",
            "user_id": chosen[0],
            "user_name": chosen[1],
            "ids": ids_now,
            "fingerprint": target.fingerprint,
            "question": f"Make {chosen[1]} responsible for {target.description}?",
            "button": f"Yes, reassign {_plural(target.count)}",
        }
        st.rerun()
