"""The import page in the running app (AppTest): who sees it, the queued dry run and import, the history."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from core.auth.models import User
from core.cases.models import Case, Contract
from core.files.models import StoredFile
from core.i18n import _
from core.importer.service import run_import, stage_words
from core.importer.tasks import WORKBOOK_KIND
from core.tasks.models import QueuedTask
from core.tasks.service import run_queued_tasks
from tests.app.conftest import app_db, open_as  # noqa: F401 - fixtures shared with the app tests
from tests.factories import make_user
from tests.importer.builders import csv_bytes, good_row, messy_rows
from tests.importer.registers import build_register


def test_head_sees_upload_stage_words_and_history(app_db: Session, open_as) -> None:  # noqa: F811
    head = make_user(app_db, "head")
    app_db.commit()
    run_import(app_db, head, csv_bytes([good_row(1)]), "январь.csv")
    app_db.commit()
    at = open_as(head, "pages/import.py")
    assert not at.exception, at.exception
    assert at.title[0].value == "Import the legacy spreadsheet"
    assert any("Upload the file" in i.value for i in at.info)
    words = at.dataframe if at.dataframe else []
    history = [d.value for d in words]
    assert any("январь.csv" in set(frame["File"]) for frame in history if "File" in frame)


def test_clerk_is_refused_on_the_import_page(app_db: Session, open_as) -> None:  # noqa: F811
    """The page is not in a clerk's navigation; reached anyway, it refuses before showing anything."""
    clerk = make_user(app_db, "clerk")
    app_db.commit()
    at = open_as(clerk, "pages/search.py")
    try:
        at.switch_page("pages/import.py").run()
    except ValueError as exc:
        assert "Could not find a navigation page" in str(exc)
        return
    assert any("heads and administrators" in e.value for e in at.error)
    assert not at.dataframe


class _Upload:
    """Stands in for Streamlit's UploadedFile (AppTest cannot drive a file uploader)."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self._data = data

    def getvalue(self) -> bytes:
        return self._data


def _progress_texts(at: AppTest) -> list[str]:
    return [str(p.proto.text) for p in at.get("progress")]


def _download_labels(at: AppTest) -> list[str]:
    return [str(b.proto.label) for b in at.get("download_button")]


def test_upload_dry_run_then_import_on_the_page(app_db: Session, open_as, monkeypatch) -> None:  # noqa: F811
    """Both long steps are queued for the jobs process; the page shows them queued, then their report."""
    head = make_user(app_db, "head", full_name="Петрова Анна Сергеевна")
    app_db.commit()
    upload = _Upload("реестр.csv", csv_bytes(messy_rows(), encoding="cp1251"))
    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: upload)
    at = open_as(head, "pages/import.py")
    assert not at.exception, at.exception
    assert "cp1251" in " ".join(c.value for c in at.caption)
    assert at.button(key="import.run").disabled

    at.button(key="import.dry").click().run()
    assert not at.exception, at.exception
    assert any("Dry run of реестр.csv: queued" in t for t in _progress_texts(at))
    assert at.button(key="import.run").disabled  # not before the dry run has finished
    assert at.button(key="import.dry").disabled  # and not twice at once
    assert run_queued_tasks(app_db.get_bind(), "test-runner") == "1 done, 0 failed"
    at.run()
    assert not at.exception, at.exception
    assert any("Dry run of реестр.csv: nothing was written" in m.value for m in at.markdown)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Good"] == "4" and metrics["Invalid"] == "7" and metrics["Duplicates"] == "1"
    problems = next(d.value for d in at.dataframe if _("Problems") in d.value.columns)
    lines = set(problems[_("Line")])
    assert 5 in lines and 2 not in lines  # a bad date; a good row is not a problem
    assert _download_labels(at) == [
        "Download the 7 invalid rows (.xlsx, with an error column)",
        "Download the full row-by-row report (.csv)",
    ]
    assert app_db.scalar(select(func.count()).select_from(Case)) == 0

    assert not at.button(key="import.run").disabled
    at.button(key="import.run").click().run()
    assert not at.exception, at.exception
    assert any("Import of реестр.csv: queued" in t for t in _progress_texts(at))
    assert app_db.scalar(select(func.count()).select_from(Case)) == 0
    assert run_queued_tasks(app_db.get_bind(), "test-runner") == "1 done, 0 failed"
    at.run()
    assert not at.exception, at.exception
    assert any("Imported: 4 new cases" in s.value for s in at.success)
    app_db.expire_all()
    assert app_db.scalar(select(func.count()).select_from(Case)) == 4
    workbooks = app_db.scalars(select(StoredFile).where(StoredFile.kind == WORKBOOK_KIND)).all()
    assert len(workbooks) == 1  # the import used the dry run's stored copy
    queued = next(d.value for d in at.dataframe if "Work" in d.value.columns)
    assert list(queued["Work"]) == ["Import of реестр.csv", "Dry run of реестр.csv"]
    assert list(queued["Status"]) == ["✅ done", "✅ done"]


def test_a_changed_mapping_needs_a_new_dry_run(app_db: Session, open_as, monkeypatch) -> None:  # noqa: F811
    """The report of a dry run made with another mapping is not shown, and Import waits for a new dry run."""
    head = make_user(app_db, "head", full_name="Петрова Анна Сергеевна")
    app_db.commit()
    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: _Upload("реестр.csv", csv_bytes([good_row(1)])))
    at = open_as(head, "pages/import.py")
    at.button(key="import.dry").click().run()
    run_queued_tasks(app_db.get_bind(), "test-runner")
    at.run()
    assert not at.button(key="import.run").disabled
    editor = at.data_editor[0]
    court = list(editor.value["Column in the file"]).index("Суд")
    at.session_state[editor.key] = {"edited_rows": {court: {"Cessio field": "— ignore —"}}}
    at.run()
    assert not at.exception, at.exception
    assert at.button(key="import.run").disabled
    assert not any("nothing was written" in m.value for m in at.markdown)


def test_a_failed_import_says_why_on_the_page(app_db: Session, open_as, monkeypatch) -> None:  # noqa: F811
    """Work that fails in the jobs process shows its reason where the report would be."""
    head = make_user(app_db, "head", full_name="Петрова Анна Сергеевна")
    app_db.commit()
    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: _Upload("реестр.csv", csv_bytes([good_row(1)])))
    at = open_as(head, "pages/import.py")
    at.button(key="import.dry").click().run()
    app_db.execute(update(User).where(User.id == head.id).values(role="clerk"))  # demoted meanwhile
    app_db.commit()
    assert run_queued_tasks(app_db.get_bind(), "test-runner") == "0 done, 1 failed"
    at.run()
    assert not at.exception, at.exception
    assert any("Dry run of реестр.csv" in e.value and "import.run" in e.value for e in at.error)


def test_the_last_report_waits_when_the_upload_is_gone(app_db: Session, open_as, monkeypatch) -> None:  # noqa: F811
    """Back on the page after leaving it the uploader is empty; the last dry run's report is still shown."""
    head = make_user(app_db, "head", full_name="Петрова Анна Сергеевна")
    app_db.commit()
    uploads: list[_Upload | None] = [_Upload("реестр.csv", csv_bytes(messy_rows()))]
    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: uploads[-1])
    at = open_as(head, "pages/import.py")
    at.button(key="import.dry").click().run()
    uploads.append(None)
    at.run()
    assert any("Dry run of реестр.csv: queued" in t for t in _progress_texts(at))
    run_queued_tasks(app_db.get_bind(), "test-runner")
    at.run()
    assert not at.exception, at.exception
    assert any("Upload the file" in i.value for i in at.info)
    assert any("Dry run of реестр.csv: nothing was written" in m.value for m in at.markdown)
    assert {m.label: m.value for m in at.metric}["Invalid"] == "7"


def test_after_a_refresh_the_report_opens_from_the_list(app_db: Session, open_as, monkeypatch) -> None:  # noqa: F811
    """A browser refresh loses the session, not the work: the finished import's report opens from the list."""
    head = make_user(app_db, "head", full_name="Петрова Анна Сергеевна")
    app_db.commit()
    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: _Upload("реестр.csv", csv_bytes(messy_rows())))
    at = open_as(head, "pages/import.py")
    at.button(key="import.dry").click().run()
    run_queued_tasks(app_db.get_bind(), "test-runner")
    [task_id] = app_db.scalars(select(QueuedTask.id)).all()

    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: None)
    fresh = open_as(head, "pages/import.py")
    assert not fresh.exception, fresh.exception
    assert not fresh.metric  # no report without asking for one
    opener = fresh.selectbox(key="import.open")
    assert opener.options == [f"№ {task_id} · Dry run of реестр.csv"]
    opener.select(task_id).run()
    assert not fresh.exception, fresh.exception
    assert any("Dry run of реестр.csv: nothing was written" in m.value for m in fresh.markdown)
    assert {m.label: m.value for m in fresh.metric}["Invalid"] == "7"


def test_the_decision_screen_decides_each_unknown_value_once(app_db: Session, open_as, monkeypatch) -> None:  # noqa: F811
    """Issue #15: after the dry run each unknown stage word and name is listed once with its rows
    and the proposal; saving the screen stores the decisions and checks the file again."""
    head = make_user(app_db, "head", full_name="Петрова Анна Сергеевна")
    app_db.commit()
    rows = [
        good_row(1, Стадия="СП вынесен", Ответственный="Петрва А.С."),
        good_row(2, Стадия="СП вынесен", Ответственный="Сидоров С.С."),
        good_row(3, Стадия="отмена СП", Ответственный="Петрва А.С."),
        good_row(4, Стадия="Передано в КА"),
    ]
    title = "Реестр должников на 01.12.2026\nВыгружено: Иванова И.И.\n".encode()
    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: _Upload("реестр.csv", title + csv_bytes(rows)))
    at = open_as(head, "pages/import.py")
    assert not at.exception, at.exception
    assert any(_("Header on line {line}").format(line=3) in i.value for i in at.info)
    at.button(key="import.dry").click().run()
    assert run_queued_tasks(app_db.get_bind(), "test-runner") == "1 done, 0 failed"
    at.run()
    assert not at.exception, at.exception
    [task_id] = app_db.scalars(select(QueuedTask.id)).all()
    assert {m.label: m.value for m in at.metric}["Good"] == "0"
    stages = at.data_editor(key=f"import.panel.decide.stages.{task_id}")
    table = stages.value
    assert list(table[_("Stage word in the file")]) == ["СП вынесен", "отмена СП", "Передано в КА"]
    assert list(table[_("Rows")]) == [2, 1, 1]
    proposed = list(table[_("Cessio stage")])
    assert proposed[:2] == [_("Court order issued"), _("Order cancelled")] and not isinstance(proposed[2], str)
    names = at.data_editor(key=f"import.panel.decide.names.{task_id}").value
    assert list(names[_("Responsible in the file")]) == ["Петрва А.С.", "Сидоров С.С."]
    assert list(names[_("Cessio user")]) == [f"Петрова Анна Сергеевна (№ {head.id})", _("— leave unassigned —")]

    # the clerk corrects one proposal and decides the word nobody could guess
    at.session_state[stages.key] = {"edited_rows": {2: {_("Cessio stage"): _("New")}}}
    at.run()
    at.button(key=f"import.panel.decide.save.{task_id}").click().run()
    assert not at.exception, at.exception
    words = stage_words(app_db)
    assert words["сп вынесен"] == "order_issued" and words["передано в ка"] == "new"
    assert any(_("Dry run of реестр.csv") in t and "queued" in t for t in _progress_texts(at))
    assert run_queued_tasks(app_db.get_bind(), "test-runner") == "1 done, 0 failed"
    at.run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Good"] == "4"
    assert not any(_("Stage word in the file") in d.value.columns for d in at.data_editor)  # nothing left to decide
    at.button(key="import.run").click().run()
    assert run_queued_tasks(app_db.get_bind(), "test-runner") == "1 done, 0 failed"
    app_db.expire_all()
    stored = dict(app_db.execute(select(Contract.number, Case.responsible_id).join(Case)).all())
    assert stored == {"ДЗ-00001": head.id, "ДЗ-00002": None, "ДЗ-00003": head.id, "ДЗ-00004": head.id}


def test_the_page_shows_the_sheet_and_header_taken_and_offers_another(app_db: Session, open_as, monkeypatch) -> None:  # noqa: F811
    head = make_user(app_db, "head", full_name="Петрова Анна Сергеевна")
    app_db.commit()
    data, truth = build_register(30, page=20)
    monkeypatch.setattr(st, "file_uploader", lambda *a, **k: _Upload("реестр.xlsx", data))
    at = open_as(head, "pages/import.py")
    assert not at.exception, at.exception
    shown = " ".join(i.value for i in at.info)
    assert "Реестр" in shown and str(truth.header_line) in shown
    assert at.selectbox[0].options[1:] == [
        _("{sheet} — no recognisable header").format(sheet="Сводка"),
        _("{sheet} — header on line {line}, {n} known columns").format(sheet="Реестр", line=truth.header_line, n=14),
        _("{sheet} — no recognisable header").format(sheet="Справочник"),
    ]
    at.selectbox[0].select("Сводка").run()
    assert not at.exception, at.exception
    assert any(
        w.value.startswith(
            _(
                "No recognisable header was found (a row naming the contract number, its date, the debtor and the amount). The first row is taken; pick the header line below or map the columns by hand."
            )[:20]
        )
        for w in at.warning
    )
