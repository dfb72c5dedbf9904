"""``cessio import FILE [--mapping M] [--dry-run]`` through the real command entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.cases.models import Case
from core.cli import main as cli_main
from core.i18n import use_language
from tests.factories import make_user
from tests.importer.builders import csv_bytes, good_row


def main(argv: list[str]) -> int:
    """The command in English, so the assertions read as the messages are written."""
    with use_language("en"):
        return cli_main(argv)


def test_dry_run_then_import_from_the_command_line(
    session: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_user(session, "head", username="boss")
    session.commit()
    english = ["Contract No", "Contract date", "Borrower", "DOB", "Amount", "State"]
    rows = [
        ["L-1", "15.03.2023", "smith john", "02.07.1985", "1 000,00", "new"],
        ["L-2", "15.03.2023", "Doe Jane", "02.07.1985", "12.345", "new"],
    ]
    path = tmp_path / "legacy.csv"
    path.write_bytes(csv_bytes(rows, delimiter=",", headers=english))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "Contract No": "contract_number",
                "Contract date": "contract_date",
                "Borrower": "debtor_name",
                "DOB": "birth_date",
                "Amount": "debt_total",
                "State": "stage",
            }
        ),
        encoding="utf-8",
    )
    invalid = tmp_path / "invalid.csv"
    code = main(["import", str(path), "--mapping", str(mapping), "--dry-run", "--invalid", str(invalid)])
    out = capsys.readouterr().out
    assert code == 2
    assert "line 3: Amount: '12.345' is ambiguous" in out and "empty" not in out
    assert "1 good (1 new" in out and "would be imported" in out
    assert invalid.read_text(encoding="utf-8-sig").splitlines()[0].endswith("Ошибка / Error")
    assert session.scalar(select(func.count()).select_from(Case)) == 0
    code = main(["import", str(path), "--mapping", str(mapping), "--user", "boss", "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 2 and summary["new"] == 1 and summary["bad"] == 1
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Case)) == 1
    # the mapping is remembered: the same file imports again without --mapping and changes nothing
    assert main(["import", str(path), "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["unchanged"] == 1


def test_missing_file_and_unknown_user_are_reported(session: Session, tmp_path: Path, capsys) -> None:
    assert main(["import", str(tmp_path / "nope.xlsx")]) == 1
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes([good_row(1)]))
    assert main(["import", str(path), "--user", "ghost"]) == 1
    assert "no active user 'ghost'" in capsys.readouterr().err
