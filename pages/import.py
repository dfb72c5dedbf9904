"""Import of the legacy case spreadsheet: upload, column mapping, dry run, import, result.

Everything is done by ``core.importer``; this page only collects the choices and shows the
reports. Reading the header and a few rows for the mapping is quick and happens here; the dry run
and the import of a large workbook take a minute, so they are queued for the jobs process
(``core.importer.tasks``) and the page follows their progress. The import is one transaction
there: if it fails, nothing of it is kept, and it can simply be queued again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

import pandas as pd
import streamlit as st

from core.auth.permissions import Permission, has_permission
from core.calendar import format_local
from core.cases.workflow import STAGE_BY_CODE, STAGES
from core.errors import CessioError, NotFound
from core.files.service import download
from core.i18n import _
from core.importer.decisions import RESPONSIBLE, STAGE, Decisions
from core.importer.mapping import FIELD_BY_NAME, FIELDS, detect_mapping, mapping_problems
from core.importer.service import (
    assignable_users,
    inspect_file,
    mapping_names,
    recent_runs,
    remembered_mapping,
    save_decisions,
    save_mapping,
    save_stage_words,
    stage_words,
)
from core.importer.tasks import (
    IMPORT_DRY_RUN,
    IMPORT_RUN,
    KINDS,
    queue_import_task,
    report_rows,
    store_workbook,
)
from core.tasks.models import DONE
from core.tasks.service import TaskView, get_task
from ui.context import SignedInUser, actor, db
from ui.queued_task import recent_tasks_table, task_panel

KEY = "import"
TASK_KEY = f"{KEY}.task"  # the latest work queued here: {"id", "file_key", "mapping_key"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AUTO = "auto"
COLUMN, EXAMPLES, FIELD = _("Column in the file"), _("Example values"), _("Cessio field")
WORD, STAGE_COLUMN = _("Word in the spreadsheet"), _("Cessio stage")
IGNORE_LABEL = _("— ignore —")
FIELD_LABELS = {_(f.label): f.name for f in FIELDS}
STAGE_LABELS = {_(s.label): s.code for s in STAGES}
AUTO_MAPPING = _("(recognised automatically)")
REPORT_COLUMNS = {
    "line": _("Line"),
    "contract": _("Contract"),
    "result": _("Result"),
    "problems": _("Problems"),
    "warnings": _("Notes"),
    "changes": _("Changes"),
}


def _mapping_editor(user: SignedInUser, file_key: str, info: Any) -> dict[str, str]:
    st.subheader(_("2. Columns"))
    st.caption(
        _(
            "Each column of the file and the Cessio field it fills. Fix any wrong guess; the choice is remembered "
            "for the next file."
        )
    )
    with db() as session:
        saved = mapping_names(session)
    if saved:
        chosen = st.selectbox(_("Start from a saved mapping"), [AUTO_MAPPING, *saved], key=f"{KEY}.saved")
        if chosen != AUTO_MAPPING:
            with db() as session:
                remembered = remembered_mapping(session, chosen)
            info_mapping = detect_mapping(info.headers, remembered)
        else:
            info_mapping = info.mapping
    else:
        chosen, info_mapping = "", info.mapping
    samples = [
        " | ".join(str(r[i]) for r in info.sample if i < len(r) and r[i] not in (None, ""))[:80]
        for i in range(len(info.headers))
    ]
    base = pd.DataFrame(
        {
            COLUMN: info.headers,
            EXAMPLES: samples,
            FIELD: [_(FIELD_BY_NAME[f].label) if f else IGNORE_LABEL for f in (info_mapping[h] for h in info.headers)],
        }
    )
    edited = st.data_editor(
        base,
        key=f"{KEY}.mapping.{file_key}.{chosen}",
        hide_index=True,
        width="stretch",
        disabled=[COLUMN, EXAMPLES],
        column_config={
            FIELD: st.column_config.SelectboxColumn(
                options=[IGNORE_LABEL, *FIELD_LABELS], required=True, width="medium"
            )
        },
    )
    mapping = {h: FIELD_LABELS.get(label, "") for h, label in zip(edited[COLUMN], edited[FIELD], strict=True)}
    for problem in mapping_problems(mapping):
        st.warning(problem)
    with st.form(f"{KEY}.save_mapping", border=False):
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        name = c1.text_input(_("Save this mapping as"), placeholder=_("e.g. Monthly register"))
        if c2.form_submit_button(_("Save mapping")):
            try:
                with db() as session:
                    save_mapping(session, user, name, mapping)
                st.success(_("Mapping “{name}” saved.").format(name=name))
            except CessioError as exc:
                st.error(str(exc))
    return mapping


def _downloader(user: SignedInUser, file_id: int) -> Callable[[], bytes]:
    """Bytes fetched (and the download audited) only when the button is clicked."""

    def fetch() -> bytes:
        with db() as session:
            return download(session, user, file_id)[2]

    return fetch


def _number(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _where_read(sheet: str | None, line: int, rows: int) -> str:
    if rows > 1:
        text = _("Header on lines {first}–{last}").format(first=line, last=line + rows - 1)
    else:
        text = _("Header on line {line}").format(line=line)
    return _("Sheet “{sheet}”. {header}.").format(sheet=sheet, header=text) if sheet else text + "."


def _decision_screen(user: SignedInUser, result: dict[str, Any], task_id: int, where: str) -> None:
    """Each value the register uses that Cessio does not know, decided once for all its rows:
    the proposals are filled in; confirm or change them, save, and the dry run runs again."""
    decisions = result["decisions"]
    stages = [d for d in decisions if d["kind"] == STAGE]
    names = [d for d in decisions if d["kind"] == RESPONSIBLE]
    st.subheader(_("Decisions: {n} values to decide once").format(n=result.get("decisions_total", len(decisions))))
    st.caption(
        _(
            "Each value below is decided once for every row that carries it. The proposals are filled in: check "
            "them, change what is wrong, then save. The dry run then runs again."
        )
    )
    stage_labels = {_(s.label): s.code for s in STAGES}
    code_labels = {code: label for label, code in stage_labels.items()}
    stage_edit = None
    if stages:
        stage_edit = st.data_editor(
            pd.DataFrame(
                {
                    _("Stage word in the file"): [d["value"] for d in stages],
                    _("Rows"): [d["count"] for d in stages],
                    _("Cessio stage"): [code_labels.get(d["proposal"]) for d in stages],
                }
            ),
            key=f"{KEY}.{where}.decide.stages.{task_id}",
            hide_index=True,
            width="stretch",
            disabled=[_("Stage word in the file"), _("Rows")],
            column_config={
                _("Cessio stage"): st.column_config.SelectboxColumn(options=list(stage_labels), required=False)
            },
        )
    name_edit = None
    with db() as session:
        people = assignable_users(session, user)
    unassigned = _("— leave unassigned —")
    person_ids = {unassigned: None, **{f"{name} (№ {uid})": uid for uid, name in people}}
    id_labels = {uid: label for label, uid in person_ids.items() if uid is not None}
    if names:
        name_edit = st.data_editor(
            pd.DataFrame(
                {
                    _("Responsible in the file"): [d["value"] for d in names],
                    _("Rows"): [d["count"] for d in names],
                    _("Cessio user"): [id_labels.get(d["proposal"], unassigned) for d in names],
                }
            ),
            key=f"{KEY}.{where}.decide.names.{task_id}",
            hide_index=True,
            width="stretch",
            disabled=[_("Responsible in the file"), _("Rows")],
            column_config={_("Cessio user"): st.column_config.SelectboxColumn(options=list(person_ids), required=True)},
        )
    if st.button(_("Save the decisions and check again"), type="primary", key=f"{KEY}.{where}.decide.save.{task_id}"):
        chosen = Decisions()
        if stage_edit is not None:
            for word, label in zip(stage_edit[_("Stage word in the file")], stage_edit[_("Cessio stage")], strict=True):
                if isinstance(label, str) and label in stage_labels:
                    chosen.stages[str(word)] = stage_labels[label]
        if name_edit is not None:
            for name, label in zip(name_edit[_("Responsible in the file")], name_edit[_("Cessio user")], strict=True):
                chosen.names[str(name)] = person_ids.get(str(label))
        try:
            with db() as session:
                save_decisions(session, user, chosen)
                new_id = queue_import_task(
                    session,
                    user,
                    IMPORT_DRY_RUN,
                    int(result["stored_file_id"]),
                    result["file"],
                    result.get("mapping") or {},
                    result.get("requested_sheet"),
                    result.get("requested_header_line"),
                )
        except CessioError as exc:
            st.error(str(exc))
            return
        latest = st.session_state.get(TASK_KEY) or {}
        file_key, mapping_key = latest.get("file_key", ""), latest.get("mapping_key", "")
        st.session_state[f"{KEY}.checked.{file_key}.{mapping_key}"] = new_id
        st.session_state[TASK_KEY] = {"id": new_id, "file_key": file_key, "mapping_key": mapping_key}
        st.rerun()


def _show_report(user: SignedInUser, result: dict[str, Any], task_id: int, where: str) -> None:
    """The report of a finished dry run or import, from the task's result (``where`` keeps the
    widget keys apart when the same report is shown twice)."""
    c = result["counts"]
    stem = PurePath(result["file"]).stem
    if result.get("sheet") or result.get("header_line"):
        st.caption(_where_read(result.get("sheet"), result.get("header_line") or 1, result.get("header_rows") or 1))
    if result.get("dry_run") and result.get("decisions"):
        _decision_screen(user, result, task_id, where)
    cols = st.columns(6)
    cols[0].metric(_("Rows"), _number(c["rows"]))
    cols[1].metric(_("Good"), _number(c["good"]), help=_("new, changed and unchanged rows"))
    cols[2].metric(_("Invalid"), _number(c["bad"]))
    cols[3].metric(_("Duplicates"), _number(c["duplicate"]))
    cols[4].metric(_("Skipped"), _number(c.get("skipped", 0)), help=_("totals, notes and repeated headers: not cases"))
    cols[5].metric(_("New / changed"), f"{_number(c['new'])} / {_number(c['update'])}")
    if not result["dry_run"]:
        w = result["written"]
        st.success(
            _(
                "Imported: {cases} new cases, {updated} updated cases, {entries} ledger entries, {tracking} tracking "
                "numbers. Unchanged rows were left alone."
            ).format(
                cases=_number(w.get("cases_created", 0)),
                updated=_number(w.get("cases_updated", 0)),
                entries=_number(w.get("ledger_entries", 0)),
                tracking=_number(w.get("shipments", 0)),
            )
        )
    if result.get("invalid_file_id"):
        st.download_button(
            _("Download the {n} invalid rows (.xlsx, with an error column)").format(n=_number(result["invalid_rows"])),
            data=_downloader(user, result["invalid_file_id"]),
            file_name=f"invalid_rows_{stem}.xlsx",
            mime=XLSX_MIME,
            key=f"{KEY}.{where}.invalid.{task_id}",
            on_click="ignore",
        )
    problems_view, all_view = _("Problems and changes"), _("All rows")
    show = st.segmented_control(
        _("Show"),
        [problems_view, all_view],
        default=problems_view,
        key=f"{KEY}.{where}.show.{task_id}",
    )
    rows, total = report_rows(result, problems_only=show != all_view)
    if total > len(rows):
        st.caption(
            _("The first {shown} of {total} rows; download the full report below.").format(
                shown=_number(len(rows)), total=_number(total)
            )
        )
    frame = pd.DataFrame(rows).drop(columns=["status"], errors="ignore").rename(columns=REPORT_COLUMNS)
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button(
        _("Download the full row-by-row report (.csv)"),
        data=_downloader(user, result["report_file_id"]),
        file_name=f"import_report_{stem}.csv",
        mime="text/csv",
        key=f"{KEY}.{where}.full.{task_id}",
        on_click="ignore",
    )


def _result_renderer(user: SignedInUser, where: str = "panel") -> Callable[[TaskView], None]:
    def render(view: TaskView) -> None:
        result = view.result or {}
        if result.get("dry_run"):
            st.markdown("**" + _("Dry run of {file}: nothing was written").format(file=result["file"]) + "**")
        else:
            st.markdown("**" + _("Result of the import of {file}").format(file=result["file"]) + "**")
        _show_report(user, result, view.id, where)

    return render


def _task_view(user: SignedInUser, task_id: int | None) -> TaskView | None:
    if task_id is None:
        return None
    try:
        with db() as session:
            return get_task(session, user, task_id)
    except NotFound:
        return None


def _queue(
    user: SignedInUser,
    kind: str,
    data: bytes,
    filename: str,
    mapping: dict[str, str],
    sheet: str | None,
    header_line: int | None,
) -> int | None:
    """Store the workbook (once; the import reuses the dry run's copy) and queue the work."""
    try:
        with db() as session:
            file_id = store_workbook(session, user, data, filename)
            return queue_import_task(session, user, kind, file_id, filename, mapping, sheet, header_line)
    except CessioError as exc:
        st.error(str(exc))
        return None


def _requested_place(file_key: str) -> tuple[str | None, int | None]:
    """The sheet and header line the user picked for this file (None: found automatically)."""
    sheet = st.session_state.get(f"{KEY}.sheet.{file_key}", AUTO)
    line = st.session_state.get(f"{KEY}.header.{file_key}", 0)
    return (None if sheet in (None, AUTO) else str(sheet)), (int(line) if line else None)


def _place_picker(file_key: str, info: Any) -> None:
    """Which sheet and header line were taken, and a way to take others."""
    if info.header_fields:
        st.info(_where_read(info.sheet, info.header_line, info.header_rows))
    else:
        st.warning(
            _(
                "No recognisable header was found (a row naming the contract number, its date, the debtor and the "
                "amount). The first row is taken; pick the header line below or map the columns by hand."
            )
        )
    for sheet in info.sheets:
        if sheet.problem:
            st.warning(sheet.problem)
    with st.expander(_("Another sheet or header line"), expanded=not info.header_fields):
        names = [s.name for s in info.sheets if not s.problem]
        if len(names) > 1:
            found = {s.name: s for s in info.sheets}

            def label(name: str) -> str:
                if name == AUTO:
                    return _("found automatically")
                s = found[name]
                if s.header_line:
                    return _("{sheet} — header on line {line}, {n} known columns").format(
                        sheet=name, line=s.header_line, n=s.header_fields
                    )
                return _("{sheet} — no recognisable header").format(sheet=name)

            st.selectbox(_("Sheet"), [AUTO, *names], format_func=label, key=f"{KEY}.sheet.{file_key}")
        st.number_input(
            _("Header line (0: found automatically)"),
            min_value=0,
            max_value=1_048_576,
            step=1,
            key=f"{KEY}.header.{file_key}",
        )


def _import_steps(user: SignedInUser) -> None:
    st.subheader(_("1. File"))
    upload = st.file_uploader(
        _("The legacy spreadsheet (.xlsx, or .csv in UTF-8 or Windows-1251, separated by ; or ,)"),
        type=["xlsx", "csv"],
        key=f"{KEY}.file",
    )
    latest: dict[str, Any] | None = st.session_state.get(TASK_KEY)
    if upload is None:
        st.info(_("Upload the file to see how its columns are recognised. Nothing is written before you press Import."))
        if latest is not None:
            st.subheader(_("Your last dry run or import"))
            task_panel(user, latest["id"], _result_renderer(user), key=f"{KEY}.panel")
        return
    data = upload.getvalue()
    file_key = hashlib.sha256(data).hexdigest()[:16]
    sheet, header_line = _requested_place(file_key)
    # Reading the sheets is bounded (core.importer.read) but takes seconds for a large register:
    # done once per file and choice of sheet and header line, not on every rerun.
    info_key = f"{KEY}.info"
    cached = st.session_state.get(info_key)
    if cached is not None and cached[0] == (file_key, sheet, header_line):
        info = cached[1]
    else:
        try:
            with db() as session:
                info = inspect_file(session, user, data, upload.name, sheet=sheet, header_line=header_line)
        except CessioError as exc:
            st.error(str(exc))
            return
        st.session_state[info_key] = ((file_key, sheet, header_line), info)
    if info.encoding:
        details = _("{name}: {rows} rows, encoding {encoding}, separator “{delimiter}”.").format(
            name=upload.name, rows=_number(info.row_count), encoding=info.encoding, delimiter=info.delimiter
        )
    else:
        details = _("{name}: {rows} rows.").format(name=upload.name, rows=_number(info.row_count))
    st.caption(details)
    _place_picker(file_key, info)
    mapping = _mapping_editor(user, f"{file_key}.{info.sheet}.{info.header_line}", info)
    if mapping_problems(mapping):
        return
    st.subheader(_("3. Dry run, then import"))
    st.caption(
        _(
            "Both run in the background: you can leave this page meanwhile, and the result waits below and in "
            "“Your queued work”."
        )
    )
    mapping_key = hashlib.sha256(repr((sorted(mapping.items()), sheet, header_line)).encode()).hexdigest()
    checked_key = f"{KEY}.checked.{file_key}.{mapping_key}"
    latest_view = _task_view(user, latest["id"] if latest else None)
    busy = latest_view is not None and not latest_view.finished
    checked_id = st.session_state.get(checked_key)
    dry_view = latest_view if latest and latest["id"] == checked_id else _task_view(user, checked_id)
    checked = dry_view is not None and dry_view.status == DONE
    wait = (
        _("Wait until “{title}” has finished.").format(title=latest_view.title)
        if busy and latest_view is not None
        else None
    )
    c1, c2 = st.columns(2)
    if c1.button(_("Dry run"), type="secondary", disabled=busy, help=wait, key=f"{KEY}.dry"):
        task_id = _queue(user, IMPORT_DRY_RUN, data, upload.name, mapping, sheet, header_line)
        if task_id is not None:
            st.session_state[checked_key] = task_id
            st.session_state[TASK_KEY] = {"id": task_id, "file_key": file_key, "mapping_key": mapping_key}
            st.rerun()
    if c2.button(
        _("Import the good rows"),
        type="primary",
        disabled=busy or not checked,
        help=wait or (None if checked else _("Make a dry run of this file with this mapping first.")),
        key=f"{KEY}.run",
    ):
        task_id = _queue(user, IMPORT_RUN, data, upload.name, mapping, sheet, header_line)
        if task_id is not None:
            st.session_state[TASK_KEY] = {"id": task_id, "file_key": file_key, "mapping_key": mapping_key}
            st.rerun()
    if latest is None or latest_view is None:
        return
    same = latest["file_key"] == file_key and latest["mapping_key"] == mapping_key
    if same or busy:
        task_panel(user, latest["id"], _result_renderer(user), key=f"{KEY}.panel")


def _import_tab(user: SignedInUser) -> None:
    _import_steps(user)
    st.subheader(_("Your queued work"))
    views = recent_tasks_table(user, KINDS, key=f"{KEY}.recent")
    done = {v.id: v for v in views if v.status == DONE}
    if done:
        chosen = st.selectbox(
            _("Open the report of"),
            list(done),
            index=None,
            placeholder=_("a finished dry run or import…"),
            format_func=lambda i: f"№ {i} · {done[i].title}",
            key=f"{KEY}.open",
        )
        if chosen is not None:
            with db() as session:
                report = get_task(session, user, chosen)
            _result_renderer(user, "recent")(report)


def _stage_words_tab(user: SignedInUser) -> None:
    st.caption(
        _(
            "The words the spreadsheet uses for stages and the Cessio stage each one means. Case, spacing and "
            "the letter ё do not matter; Cessio's own stage names are always understood."
        )
    )
    with db() as session:
        words = stage_words(session)
    base = pd.DataFrame({WORD: list(words), STAGE_COLUMN: [_(STAGE_BY_CODE[s].label) for s in words.values()]})
    edited = st.data_editor(
        base,
        key=f"{KEY}.words",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            STAGE_COLUMN: st.column_config.SelectboxColumn(options=list(STAGE_LABELS), required=True),
            WORD: st.column_config.TextColumn(required=True),
        },
    )
    if st.button(_("Save the stage words"), key=f"{KEY}.words.save"):
        table = {
            str(w): STAGE_LABELS.get(str(label), str(label))
            for w, label in zip(edited[WORD], edited[STAGE_COLUMN], strict=True)
            if isinstance(w, str) and w.strip()
        }
        try:
            with db() as session:
                count = save_stage_words(session, user, table)
            st.success(_("Stage words saved: {n}.").format(n=count))
        except CessioError as exc:
            st.error(str(exc))


def _history_tab(user: SignedInUser) -> None:
    with db() as session:
        runs = recent_runs(session, user)
    if not runs:
        st.info(_("No import has been made yet."))
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    _("When"): format_local(r.started_at),
                    _("Who"): r.actor_name,
                    _("File"): r.filename,
                    _("Rows"): r.summary.get("rows"),
                    _("New"): r.summary.get("new"),
                    _("Changed"): r.summary.get("update"),
                    _("Unchanged"): r.summary.get("unchanged"),
                    _("Invalid"): r.summary.get("bad"),
                    _("Duplicates"): r.summary.get("duplicate"),
                    _("Skipped"): r.summary.get("skipped", 0),
                }
                for r in runs
            ]
        ),
        hide_index=True,
        width="stretch",
    )


user = actor()
st.title(_("Import the legacy spreadsheet"))
if not has_permission(user, Permission.IMPORT_RUN):
    st.error(_("Importing is for department heads and administrators. Ask an administrator if you need it."))
    st.stop()
tab_import, tab_words, tab_history = st.tabs([_("Import"), _("Stage words"), _("History")])
with tab_import:
    _import_tab(user)
with tab_words:
    _stage_words_tab(user)
with tab_history:
    _history_tab(user)
