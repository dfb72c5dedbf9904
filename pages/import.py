"""Import of the legacy case spreadsheet: upload, column mapping, dry run, import, result.

Everything is done by ``core.importer.service``; this page only collects the choices and shows
the reports. The import runs in one transaction: if it is interrupted (page closed, another
button pressed) nothing of it is kept, and it can simply be started again.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import streamlit as st

from core.auth.permissions import Permission, has_permission
from core.calendar import to_local
from core.cases.workflow import STAGE_BY_CODE, STAGES
from core.errors import CessioError
from core.importer.mapping import FIELD_BY_NAME, FIELDS, detect_mapping, mapping_problems
from core.importer.service import (
    ImportReport,
    dry_run,
    inspect_file,
    invalid_rows_file,
    mapping_names,
    recent_runs,
    remembered_mapping,
    run_import,
    save_mapping,
    save_stage_words,
    stage_words,
)
from ui.context import SignedInUser, actor, db

KEY = "import"
SHOWN_ROWS = 2000
IGNORE_LABEL = "— ignore —"
FIELD_LABELS = {f.label: f.name for f in FIELDS}
STAGE_LABELS = {s.label: s.code for s in STAGES}


def _progress_bar() -> Any:
    bar = st.progress(0.0, text="Reading the file…")

    def update(stage: str, done: int, total: int) -> None:
        bar.progress(
            min(done / total, 1.0) if total else 1.0, text=f"{stage}: {done:,} of {total:,} rows".replace(",", " ")
        )

    return update


def _mapping_editor(user: SignedInUser, file_key: str, info: Any) -> dict[str, str]:
    st.subheader("2. Columns")
    st.caption(
        "Each column of the file and the Cessio field it fills. Fix any wrong guess; the choice is remembered "
        "for the next file."
    )
    with db() as session:
        saved = mapping_names(session)
    if saved:
        chosen = st.selectbox("Start from a saved mapping", ["(recognised automatically)", *saved], key=f"{KEY}.saved")
        if chosen != "(recognised automatically)":
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
            "Column in the file": info.headers,
            "Example values": samples,
            "Cessio field": [
                FIELD_BY_NAME[f].label if f else IGNORE_LABEL for f in (info_mapping[h] for h in info.headers)
            ],
        }
    )
    edited = st.data_editor(
        base,
        key=f"{KEY}.mapping.{file_key}.{chosen}",
        hide_index=True,
        width="stretch",
        disabled=["Column in the file", "Example values"],
        column_config={
            "Cessio field": st.column_config.SelectboxColumn(
                options=[IGNORE_LABEL, *FIELD_LABELS], required=True, width="medium"
            )
        },
    )
    mapping = {
        h: FIELD_LABELS.get(label, "")
        for h, label in zip(edited["Column in the file"], edited["Cessio field"], strict=True)
    }
    for problem in mapping_problems(mapping):
        st.warning(problem)
    with st.form(f"{KEY}.save_mapping", border=False):
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        name = c1.text_input("Save this mapping as", placeholder="e.g. Monthly register")
        if c2.form_submit_button("Save mapping"):
            try:
                with db() as session:
                    save_mapping(session, user, name, mapping)
                st.success(f"Mapping '{name}' saved.")
            except CessioError as exc:
                st.error(str(exc))
    return mapping


def _show_report(report: ImportReport, file_key: str) -> None:
    c = report.counts()
    cols = st.columns(5)
    cols[0].metric("Rows", f"{c['rows']:,}".replace(",", " "))
    cols[1].metric("Good", f"{c['good']:,}".replace(",", " "), help="new, changed and unchanged rows")
    cols[2].metric("Invalid", f"{c['bad']:,}".replace(",", " "))
    cols[3].metric("Duplicates", f"{c['duplicate']:,}".replace(",", " "))
    cols[4].metric("New / changed", f"{c['new']} / {c['update']}")
    if report.written:
        w = report.written
        st.success(
            f"Imported: {w.get('cases_created', 0)} new cases, {w.get('cases_updated', 0)} updated cases, "
            f"{w.get('ledger_entries', 0)} ledger entries, {w.get('shipments', 0)} tracking numbers. "
            f"Unchanged rows were left alone."
        )
    if report.invalid:
        st.download_button(
            f"Download the {len(report.invalid)} invalid rows (.xlsx, with an error column)",
            data=invalid_rows_file(report),
            file_name=f"invalid_rows_{report.filename.rsplit('.', 1)[0]}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{KEY}.invalid.{file_key}.{report.dry_run}",
            on_click="ignore",
        )
    show = st.segmented_control(
        "Show",
        ["Problems and changes", "All rows"],
        default="Problems and changes",
        key=f"{KEY}.show.{file_key}.{report.dry_run}",
    )
    statuses = None if show == "All rows" else ["invalid", "duplicate", "update"]
    rows = report.as_rows(statuses)
    if show != "All rows":
        rows += [r for r in report.as_rows(["new", "unchanged"]) if r["warnings"]]
        rows.sort(key=lambda r: r["line"])
    if len(rows) > SHOWN_ROWS:
        st.caption(f"The first {SHOWN_ROWS} of {len(rows)} rows; download the full report below.")
    st.dataframe(pd.DataFrame(rows[:SHOWN_ROWS]), hide_index=True, width="stretch")
    st.download_button(
        "Download the full row-by-row report (.csv)",
        data=pd.DataFrame(report.as_rows()).to_csv(index=False, sep=";").encode("utf-8-sig"),
        file_name=f"import_report_{report.filename.rsplit('.', 1)[0]}.csv",
        mime="text/csv",
        key=f"{KEY}.full.{file_key}.{report.dry_run}",
        on_click="ignore",
    )


def _import_tab(user: SignedInUser) -> None:
    st.subheader("1. File")
    upload = st.file_uploader(
        "The legacy spreadsheet (.xlsx, or .csv in UTF-8 or Windows-1251, separated by ; or ,)",
        type=["xlsx", "csv"],
        key=f"{KEY}.file",
    )
    if upload is None:
        st.info("Upload the file to see how its columns are recognised. Nothing is written before you press Import.")
        return
    data = upload.getvalue()
    file_key = hashlib.sha256(data).hexdigest()[:16]
    try:
        with db() as session:
            info = inspect_file(session, user, data, upload.name)
    except CessioError as exc:
        st.error(str(exc))
        return
    details = f"{info.row_count:,} rows".replace(",", " ")
    if info.encoding:
        details += f", encoding {info.encoding}, separator '{info.delimiter}'"
    st.caption(f"{upload.name}: {details}.")
    mapping = _mapping_editor(user, file_key, info)
    if mapping_problems(mapping):
        return
    st.subheader("3. Dry run, then import")
    state_key = f"{KEY}.report.{file_key}"
    mapping_key = hashlib.sha256(repr(sorted(mapping.items())).encode()).hexdigest()
    c1, c2 = st.columns(2)
    if c1.button("Dry run", type="secondary", key=f"{KEY}.dry"):
        update = _progress_bar()
        try:
            with db() as session:
                report = dry_run(session, user, data, upload.name, mapping, update)
            st.session_state[state_key] = (mapping_key, report)
        except CessioError as exc:
            st.error(str(exc))
    previous = st.session_state.get(state_key)
    checked = previous is not None and previous[0] == mapping_key
    if c2.button(
        "Import the good rows",
        type="primary",
        disabled=not checked,
        help=None if checked else "Make a dry run of this file with this mapping first.",
        key=f"{KEY}.run",
    ):
        update = _progress_bar()
        try:
            with db() as session:
                report = run_import(session, user, data, upload.name, mapping, update)
            st.session_state[state_key] = (mapping_key, report)
        except CessioError as exc:
            st.error(str(exc))
    current = st.session_state.get(state_key)
    if current is not None and current[0] == mapping_key:
        report = current[1]
        st.markdown("**Result of the import**" if not report.dry_run else "**Dry run: nothing was written**")
        _show_report(report, file_key)


def _stage_words_tab(user: SignedInUser) -> None:
    st.caption(
        "The words the spreadsheet uses for stages and the Cessio stage each one means. Case, spacing and "
        "the letter ё do not matter; Cessio's own stage names are always understood."
    )
    with db() as session:
        words = stage_words(session)
    base = pd.DataFrame(
        {"Word in the spreadsheet": list(words), "Cessio stage": [STAGE_BY_CODE[s].label for s in words.values()]}
    )
    edited = st.data_editor(
        base,
        key=f"{KEY}.words",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "Cessio stage": st.column_config.SelectboxColumn(options=list(STAGE_LABELS), required=True),
            "Word in the spreadsheet": st.column_config.TextColumn(required=True),
        },
    )
    if st.button("Save the stage words", key=f"{KEY}.words.save"):
        table = {
            str(w): STAGE_LABELS.get(str(label), str(label))
            for w, label in zip(edited["Word in the spreadsheet"], edited["Cessio stage"], strict=True)
            if isinstance(w, str) and w.strip()
        }
        try:
            with db() as session:
                count = save_stage_words(session, user, table)
            st.success(f"{count} stage words saved.")
        except CessioError as exc:
            st.error(str(exc))


def _history_tab(user: SignedInUser) -> None:
    with db() as session:
        runs = recent_runs(session, user)
    if not runs:
        st.info("No import has been made yet.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "When": f"{to_local(r.started_at):%d.%m.%Y %H:%M}",
                    "Who": r.actor_name,
                    "File": r.filename,
                    "Rows": r.summary.get("rows"),
                    "New": r.summary.get("new"),
                    "Changed": r.summary.get("update"),
                    "Unchanged": r.summary.get("unchanged"),
                    "Invalid": r.summary.get("bad"),
                    "Duplicates": r.summary.get("duplicate"),
                }
                for r in runs
            ]
        ),
        hide_index=True,
        width="stretch",
    )


user = actor()
st.title("Import the legacy spreadsheet")
if not has_permission(user, Permission.IMPORT_RUN):
    st.error("Importing is for department heads and administrators. Ask an administrator if you need it.")
    st.stop()
tab_import, tab_words, tab_history = st.tabs(["Import", "Stage words", "History"])
with tab_import:
    _import_tab(user)
with tab_words:
    _stage_words_tab(user)
with tab_history:
    _history_tab(user)
