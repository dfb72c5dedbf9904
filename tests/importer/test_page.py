"""The import page in the running app (AppTest): who sees it, the stage words, the history."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.importer.service import run_import
from tests.app.conftest import app_db, open_as  # noqa: F401 - fixtures shared with the app tests
from tests.factories import make_user
from tests.importer.builders import csv_bytes, good_row


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


def test_upload_dry_run_then_import_on_the_page(app_db: Session, open_as, monkeypatch) -> None:  # noqa: F811
    import streamlit as st
    from sqlalchemy import func, select

    from core.cases.models import Case
    from tests.importer.builders import messy_rows

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
    assert any("nothing was written" in m.value for m in at.markdown)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Good"] == "4" and metrics["Invalid"] == "7" and metrics["Duplicates"] == "1"
    assert app_db.scalar(select(func.count()).select_from(Case)) == 0
    at.button(key="import.run").click().run()
    assert not at.exception, at.exception
    assert any("Imported: 4 new cases" in s.value for s in at.success)
    app_db.expire_all()
    assert app_db.scalar(select(func.count()).select_from(Case)) == 4
