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

from core.auth.permissions import Permission, has_permission, role_name
from core.cases.service import TransitionReport, list_staff, reassign, transition_cases
from core.cases.workflow import STAGES, GuardProblem, Transition, stage, transition, transitions_for_stages
from core.errors import CessioError
from core.i18n import _, format_number, ngettext
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
    return ngettext("{n} case", "{n} cases", n).format(n=format_number(n))


def stage_label(code: str) -> str:
    return _(stage(code).label)


def transition_option_label(t: Transition) -> str:
    """The menu entry of a move: the action and where it takes the cases, the stage once when
    the action is named after the stage it reaches ("Claim prepared")."""
    target = stage_label(t.target)
    if _(t.label) == target:
        return _("To “{stage}”").format(stage=target)
    return _("{action} → “{stage}”").format(action=_(t.label), stage=target)


def move_question(description: str, t: Transition) -> str:
    """The confirmation of a move, naming the target stage once."""
    target = stage_label(t.target)
    if _(t.label) == target:
        return _("Move {cases} to “{stage}”?").format(cases=description, stage=target)
    return _("Move {cases} to “{stage}” ({action})?").format(cases=description, stage=target, action=_(t.label))


def choose_scope(key: str, selected: int, all_label: str) -> str | None:
    """Which cases an action applies to: the ticked rows or all matching. Nothing is chosen
    until the user chooses (the safe default, the same on the search and the stage board)."""
    options = ["selected", "all"] if selected else ["all"]
    scope = st.radio(
        _("Apply to"),
        options,
        format_func=lambda v: (
            ngettext("the {n} selected case", "the {n} selected cases", selected).format(n=format_number(selected))
            if v == "selected"
            else all_label
        ),
        index=None,
        horizontal=True,
        key=f"{key}.scope.{len(options)}",
    )
    if scope is None:
        st.caption(
            _(
                "Choose which cases to act on — the rows you ticked in the table or all matching cases — to see the moves."
            )
            if selected
            else _("Tick rows in the table, or choose all matching cases, to see the moves.")
        )
    return scope


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
            target = stage_label(t.target)
            if moved:
                st.success(_("Moved {cases} to “{stage}”.").format(cases=_plural(moved), stage=target))
            if refused:
                st.warning(_("{cases} not moved — the reasons are in the report below.").format(cases=_plural(refused)))
            if not moved and not refused:
                st.info(_("No cases matched any more; nothing was moved."))
            rows = sorted(report.as_rows(), key=lambda r: r["result"] != "refused")
            frame = pd.DataFrame(rows, columns=["case", "result", "from", "to", "reason"])
            frame.columns = [_("Case"), _("Result"), _("From"), _("To"), _("Reason")]
            st.dataframe(frame, hide_index=True, width="stretch", height=min(38 + 35 * len(frame), 320))
            st.download_button(
                _("Download the report (CSV)"),
                _report_csv(report),
                file_name=f"move-report-{report.transition}.csv",
                mime="text/csv",
                key=f"{key}.report_csv",
                icon=":material/download:",
            )
        else:
            st.success(payload)
        if st.button(_("Dismiss"), key=f"{key}.dismiss", type="tertiary"):
            st.session_state.pop(f"{key}.result", None)
            st.rerun()


def _per_case_editor(target: BulkTarget, t: Transition, key: str) -> dict[int, dict[str, Any]] | None:
    per_case = [f for f in t.fields if f.kind == "tracking"]
    if not per_case:
        return {}
    if not target.numbers or len(target.numbers) > PER_CASE_LIMIT:
        st.info(
            _(
                "“{action}” needs a {field} for each case. Select up to {n} cases in the table to enter them here."
            ).format(action=_(t.label), field=_(per_case[0].label).lower(), n=PER_CASE_LIMIT)
        )
        return None
    st.caption(_("Enter the {field} of each case:").format(field=_(per_case[0].label).lower()))
    case_col = _("Case")
    frame = pd.DataFrame({case_col: list(target.numbers.values()), **{f.label: "" for f in per_case}})
    edited = st.data_editor(
        frame,
        key=f"{key}.per_case.{target.fingerprint}.{t.name}",
        hide_index=True,
        disabled=[case_col],
        column_config={f.label: st.column_config.TextColumn(_(f.label)) for f in per_case},
        width="stretch",
        height=min(38 + 35 * len(frame), 320),
    )
    out: dict[int, dict[str, Any]] = {}
    for case_id, (_index, row) in zip(target.numbers, edited.iterrows(), strict=True):
        out[case_id] = {f.name: str(row[f.label] or "").strip() for f in per_case}
    return out


def _run_move(user: SignedInUser, target: BulkTarget, pending: dict[str, Any], key: str) -> None:
    bar = st.progress(0.0, text=_("Moving cases…"))

    def progress(done: int, total: int) -> None:
        bar.progress(
            done / total if total else 1.0,
            text=_("Moved {done} of {total}…").format(done=format_number(done), total=format_number(total)),
        )

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
    bar.progress(1.0, text=_("Done."))
    st.session_state[f"{key}.result"] = ("move", report)
    _after_action(key)


def _run_reassign(user: SignedInUser, target: BulkTarget, pending: dict[str, Any], key: str) -> None:
    bar = st.progress(0.0, text=_("Reassigning…"))

    def progress(done: int, total: int) -> None:
        bar.progress(
            done / total if total else 1.0,
            text=_("Reassigned {done} of {total}…").format(done=format_number(done), total=format_number(total)),
        )

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
        (
            _("{cases} reassigned to {person} ({n} already were).").format(
                cases=_plural(changed), person=pending["user_name"], n=format_number(len(ids) - changed)
            )
            if len(ids) > changed
            else _("{cases} reassigned to {person}.").format(cases=_plural(changed), person=pending["user_name"])
        ),
    )
    _after_action(key)


def _after_action(key: str) -> None:
    st.session_state.pop(f"{key}.pending", None)
    st.session_state.pop(f"{key}.total", None)  # the cases moved: count again
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
        yes, no, _spacer = st.columns([2, 1, 3])
        if yes.button(pending["button"], type="primary", key=f"{key}.yes"):
            if pending["action"] == "move":
                _run_move(user, target, pending, key)
            else:
                _run_reassign(user, target, pending, key)
        if no.button(_("Cancel"), key=f"{key}.no"):
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
    tabs = [name for name, ok in (("move", can_move), ("reassign", can_reassign), ("print", can_print)) if ok]
    if not tabs:
        return
    titles = {"move": _("Move to a stage"), "reassign": _("Reassign"), "print": _("Print package")}
    ids_now = list(target.numbers) if target.numbers else None
    for name, tab in zip(tabs, st.tabs([titles[t] for t in tabs]), strict=True):
        with tab:
            if name == "move":
                _move_controls(user, target, key, ids_now)
            elif name == "reassign":
                _reassign_controls(user, target, key, ids_now)
            else:
                _print_controls(target, key)


PACKAGE_MAX_CASES = 3000


def _print_controls(target: BulkTarget, key: str) -> None:
    """Hand the cases over to the print-package page (a package holds cases at one stage)."""
    if len(target.stages) != 1 or stage(next(iter(target.stages))).closed:
        st.caption(_("A print package holds cases at one open stage: filter or select cases of a single stage."))
        return
    if target.count > PACKAGE_MAX_CASES:
        st.caption(
            _("A package holds at most {n} cases; narrow the filters.").format(n=format_number(PACKAGE_MAX_CASES))
        )
        return
    stage_code = next(iter(target.stages))
    st.caption(
        _("Generate the documents of {cases} and glue them into one PDF to print.").format(cases=target.description)
    )
    if st.button(_("Open in Print packages"), icon=":material/print:", key=f"{key}.print"):
        with db() as session:
            ids = target.resolve(session)
        st.session_state["documents.preselected"] = ids
        st.session_state["documents.stage"] = stage_code
        st.session_state["documents.which"] = "handed"
        st.switch_page("pages/packages.py")


def _per_case_problems(target: BulkTarget, t: Transition, per_case: dict[int, dict[str, Any]]) -> list[str]:
    """What is wrong with the per-case inputs (e.g. a tracking number), case by case."""
    problems: list[str] = []
    for case_id, values in per_case.items():
        for f in (f for f in t.fields if f.kind == "tracking"):
            try:
                f.clean(values.get(f.name))
            except GuardProblem as exc:
                problems.append(f"{target.numbers.get(case_id, case_id)}: {exc}")
    return problems


def _move_controls(user: SignedInUser, target: BulkTarget, key: str, ids_now: list[int] | None) -> None:
    options = transitions_for_stages(target.stages or {s.code for s in STAGES}, user.role)
    if not options:
        st.caption(_("Your role cannot move cases from the stages of these cases."))
        return
    chosen = st.selectbox(
        _("Move to"),
        options,
        format_func=transition_option_label,
        index=None,
        placeholder=_("Choose where the cases go…"),
        key=f"{key}.transition",
    )
    if chosen is None:
        return
    wrong = target.stages - set(chosen.sources) if target.stages else set()
    if wrong:
        st.caption(
            _("Cases now at {stages} cannot take “{action}” and will be reported as not moved.").format(
                stages=", ".join(f"“{stage_label(s)}”" for s in sorted(wrong)), action=_(chosen.label)
            )
        )
    data = guard_inputs(chosen, f"{key}.field.{chosen.name}", skip_kinds=frozenset({"tracking"}))
    per_case = _per_case_editor(target, chosen, key)
    if per_case is None:
        return
    if st.button(_("Move {cases}…").format(cases=_plural(target.count)), type="primary", key=f"{key}.move"):
        # what the move needs is checked now, before the confirmation: one clear message here
        # instead of the same refusal for every case after it
        problems: list[str] = []
        for f in chosen.fields:
            if f.kind == "tracking":
                continue
            try:
                f.clean(data.get(f.name))
            except GuardProblem as exc:
                problems.append(str(exc))
        problems += _per_case_problems(target, chosen, per_case)
        if problems:
            st.error(_("Before moving, fill in what the move needs:") + "\n\n" + "\n".join(f"- {p}" for p in problems))
            return
        st.session_state[f"{key}.pending"] = {
            "action": "move",
            "transition": chosen.name,
            "data": data,
            "per_case": per_case,
            "versions": dict(target.versions),
            "ids": ids_now,
            "fingerprint": target.fingerprint,
            "question": move_question(target.description, chosen),
            "button": _("Yes, move {cases}").format(cases=_plural(target.count)),
        }
        st.rerun()


def _reassign_controls(user: SignedInUser, target: BulkTarget, key: str, ids_now: list[int] | None) -> None:
    with db() as session:
        staff = [(u.id, f"{u.full_name} ({role_name(u.role)})") for u in list_staff(session)]
    chosen = st.selectbox(
        _("New responsible"),
        staff,
        format_func=lambda pair: pair[1],
        index=None,
        placeholder=_("Choose a person…"),
        key=f"{key}.assignee",
    )
    if chosen is None:
        return
    if st.button(_("Reassign {cases}…").format(cases=_plural(target.count)), type="primary", key=f"{key}.reassign"):
        st.session_state[f"{key}.pending"] = {
            "action": "reassign",
            "user_id": chosen[0],
            "user_name": chosen[1],
            "ids": ids_now,
            "fingerprint": target.fingerprint,
            "question": _("Make {person} responsible for {cases}?").format(person=chosen[1], cases=target.description),
            "button": _("Yes, reassign {cases}").format(cases=_plural(target.count)),
        }
        st.rerun()
