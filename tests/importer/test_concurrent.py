"""Two imports of one file at the same time: each contract and case is created once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import sessionmaker

from core.cases.models import Case, Contract
from core.importer import service
from tests.factories import make_user
from tests.importer.builders import csv_bytes, good_row


def test_second_import_started_meanwhile_sees_the_first(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as s:
        head = make_user(s, "head")
        s.commit()
    data = csv_bytes([good_row(1), good_row(2)])
    analysed = threading.Event()
    original = service._analyse

    def analyse(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if threading.current_thread().name == "second":
            analysed.set()
        return result

    monkeypatch.setattr(service, "_analyse", analyse)
    first = factory()
    service.run_import(first, head, data, "f.csv")  # not committed yet
    outcome: dict[str, Any] = {}

    def second() -> None:
        with factory() as s:
            outcome["report"] = service.run_import(s, head, data, "f.csv")
            s.commit()

    thread = threading.Thread(target=second, name="second")
    thread.start()
    assert analysed.wait(60)  # the second import read the database before the first committed
    first.commit()
    first.close()
    thread.join(60)
    assert outcome["report"].counts()["unchanged"] == 2 and outcome["report"].counts()["new"] == 0
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Contract)) == 2
        assert s.scalar(select(func.count()).select_from(Case)) == 2
