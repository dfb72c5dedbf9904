"""Editing debtor data and court details: permission, conflict, timeline, bureau-facing event."""

from __future__ import annotations

import pytest

from core.cases.models import Debtor
from core.cases.service import case_timeline, update_case_details, update_debtor
from core.errors import ConcurrentChange, PermissionDenied, ValidationFailed
from core.events import subscribe
from tests.factories import make_case, make_user

published: list[dict] = []


@subscribe("debtor.changed")
def _collect(session, actor, payloads) -> None:
    published.extend(payloads)


def test_update_debtor_publishes_change_and_logs(session) -> None:
    published.clear()
    lawyer = make_user(session, "lawyer")
    case = make_case(session)
    changed = update_debtor(
        session,
        lawyer,
        case.debtor_id,
        {"address": "новый адрес", "full_name": "ПЕТРОВ петр"},
        expected_version=session.get(Debtor, case.debtor_id).version,
    )
    assert set(changed) == {"address", "full_name"}
    assert any(p["debtor_id"] == case.debtor_id and "address" in p["fields"] for p in published)
    assert "Debtor data changed" in case_timeline(session, lawyer, case.id)[0].comment
    assert (
        update_debtor(
            session,
            lawyer,
            case.debtor_id,
            {"address": "новый адрес"},
            expected_version=session.get(Debtor, case.debtor_id).version,
        )
        == []
    )
    with pytest.raises(ValidationFailed, match="cannot be edited"):
        update_debtor(
            session, lawyer, case.debtor_id, {"id": 5}, expected_version=session.get(Debtor, case.debtor_id).version
        )


def test_clerk_cannot_edit(session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session)
    with pytest.raises(PermissionDenied):
        update_debtor(
            session, clerk, case.debtor_id, {"phone": "1"}, expected_version=session.get(Debtor, case.debtor_id).version
        )


def test_update_case_details_with_optimistic_lock(session) -> None:
    lawyer = make_user(session, "lawyer", full_name="Лев Юрист")
    case = make_case(session)
    session.commit()
    seen = case.version
    update_case_details(session, lawyer, case.id, seen, {"court_name": "Мировой судья участка № 5"})
    session.commit()
    with pytest.raises(ConcurrentChange, match="Лев Юрист"):
        update_case_details(session, lawyer, case.id, seen, {"court_name": "другой"})
