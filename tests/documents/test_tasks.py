"""Print packages as queued work: checked when queued, built by the jobs process as the clerk."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from core.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from core.cases.models import Case
from core.documents.models import GeneratedDocument, PrintPackage
from core.documents.tasks import PRINT_PACKAGE, queue_print_package, run
from core.errors import PermissionDenied, ValidationFailed
from core.files.models import StoredFile
from core.tasks.models import DONE, FAILED, QueuedTask
from core.tasks.service import enqueue_task, get_task, run_queued_tasks
from tests.documents.builders import case_with_debt
from tests.factories import make_case, make_user


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_queued_package_is_built_by_the_jobs_process(session: Session, engine: Engine) -> None:
    clerk = make_user(session, "clerk")
    lawyer = make_user(session, "lawyer")
    good = [case_with_debt(session, lawyer, stage="claim_prepared") for _ in range(2)]
    nothing_owed = make_case(session, stage="claim_prepared")
    ids = [good[0].id, nothing_owed.id, good[1].id]
    task_id = queue_print_package(
        session, clerk, ids, doc_types=["court_order_application", "mail_inventory"], postage=Decimal("99.50")
    )
    session.commit()
    view = get_task(session, clerk, task_id)
    assert view.title == "Print package: 3 cases at Claim prepared"
    assert view.status != DONE and _count(session, PrintPackage) == 0

    assert run_queued_tasks(engine, "test-runner") == "1 done, 0 failed"
    view = get_task(session, clerk, task_id)
    assert view.status == DONE
    package = session.scalars(select(PrintPackage)).one()
    result = view.result or {}
    assert result["package_id"] == package.id and result["file_id"] == package.file_id
    assert result["case_count"] == 2 and result["page_count"] == package.page_count > 2
    assert list(result["failures"]) == [str(nothing_owed.id)]
    assert "nothing to claim" in result["failures"][str(nothing_owed.id)]
    assert json.loads(json.dumps(result)) == result
    # built as the clerk who queued it, with what the clerk chose
    assert package.created_by_id == clerk.id
    assert package.postage_per_item == Decimal("99.50")
    assert package.doc_types == ["court_order_application", "mail_inventory"]


def test_the_build_reports_its_progress_share_first_then_label(session: Session) -> None:
    clerk = make_user(session, "clerk")
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, lawyer, stage="claim_prepared")
    told: list[tuple[float, str]] = []

    def progress(share: float, label: str) -> None:
        told.append((share, label))

    run(
        session,
        clerk,
        {"case_ids": [case.id], "doc_types": ["court_order_application"], "postage": "142.00"},
        progress,
    )
    assert told[0] == (0.0, "Documents: 0 of 1 cases")
    assert told[-1] == (1.0, "Done")
    shares = [share for share, _ in told]
    assert shares == sorted(shares)


def test_a_mixed_stage_selection_is_refused_when_queued(session: Session) -> None:
    clerk = make_user(session, "clerk")
    lawyer = make_user(session, "lawyer")
    a = case_with_debt(session, lawyer, stage="claim_prepared")
    b = case_with_debt(session, lawyer, stage="new")
    with pytest.raises(ValidationFailed, match="one stage; the selection is at: Claim prepared, New. Narrow it down"):
        queue_print_package(session, clerk, [a.id, b.id])
    assert _count(session, QueuedTask) == 0


def test_cases_that_moved_after_queueing_fail_the_build_with_the_reason_and_save_nothing(
    session: Session, engine: Engine
) -> None:
    clerk = make_user(session, "clerk")
    lawyer = make_user(session, "lawyer")
    a = case_with_debt(session, lawyer, stage="claim_prepared")
    b = case_with_debt(session, lawyer, stage="claim_prepared")
    task_id = queue_print_package(session, clerk, [a.id, b.id])
    session.commit()
    documents_before, files_before = _count(session, GeneratedDocument), _count(session, StoredFile)
    session.execute(update(Case).where(Case.id == b.id).values(stage="new"))  # another clerk moved it meanwhile
    session.commit()

    assert run_queued_tasks(engine, "test-runner") == "0 done, 1 failed"
    view = get_task(session, clerk, task_id)
    assert view.status == FAILED
    assert view.error == (
        "A package holds cases at one stage; the selection is at: Claim prepared, New. Narrow it down."
    )
    assert _count(session, PrintPackage) == 0
    assert (_count(session, GeneratedDocument), _count(session, StoredFile)) == (documents_before, files_before)


def test_postage_sent_as_a_number_fails_the_build_instead_of_rounding(session: Session, engine: Engine) -> None:
    clerk = make_user(session, "clerk")
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, lawyer, stage="claim_prepared")
    task_id = queue_print_package(session, clerk, [case.id])
    params: dict[str, Any] = {"case_ids": [case.id], "doc_types": ["court_order_application"], "postage": 142.1}
    session.execute(update(QueuedTask).where(QueuedTask.id == task_id).values(params=params))
    session.commit()
    run_queued_tasks(engine, "test-runner")
    view = get_task(session, clerk, task_id)
    assert view.status == FAILED and "decimal string, not float" in (view.error or "")
    assert _count(session, PrintPackage) == 0


def test_the_same_cases_are_not_queued_twice_while_the_first_is_not_built(session: Session, engine: Engine) -> None:
    clerk = make_user(session, "clerk")
    other_clerk = make_user(session, "clerk")
    lawyer = make_user(session, "lawyer")
    cases = [case_with_debt(session, lawyer, stage="claim_prepared") for _ in range(2)]
    ids = [c.id for c in cases]
    first = queue_print_package(session, clerk, ids)
    session.commit()
    with pytest.raises(
        ValidationFailed, match=f"already queued a package of these 2 cases \\(queued work № {first}\\)"
    ):
        queue_print_package(session, clerk, list(reversed(ids)))
    queue_print_package(session, clerk, ids[:1])  # a different selection is fine
    queue_print_package(session, other_clerk, ids)  # so is another clerk's
    session.commit()
    run_queued_tasks(engine, "test-runner")
    assert queue_print_package(session, clerk, ids) > first  # built: the clerk may print them again


@pytest.mark.parametrize("how", ["page", "queue"])
def test_a_clerk_without_the_permission_cannot_queue_a_package(
    session: Session, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    clerk = make_user(session, "clerk")
    lawyer = make_user(session, "lawyer")
    case = case_with_debt(session, lawyer, stage="claim_prepared")
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.CLERK, ROLE_PERMISSIONS[Role.CLERK] - {Permission.DOCUMENT_GENERATE})
    with pytest.raises(PermissionDenied, match="document.generate"):
        if how == "page":
            queue_print_package(session, clerk, [case.id])
        else:
            params = {"case_ids": [case.id], "doc_types": ["court_order_application"], "postage": "142.00"}
            enqueue_task(session, clerk, PRINT_PACKAGE, "Print package", params)
    assert _count(session, QueuedTask) == 0


def test_a_package_of_more_cases_than_a_print_run_is_refused_before_queueing(session: Session) -> None:
    from core.documents.packages import MAX_PACKAGE_CASES

    clerk = make_user(session, "clerk")
    case = make_case(session, stage="claim_prepared")
    session.commit()
    too_many = [case.id, *range(10**9, 10**9 + MAX_PACKAGE_CASES)]
    with pytest.raises(ValidationFailed, match=f"at most {MAX_PACKAGE_CASES:,} cases; {MAX_PACKAGE_CASES + 1:,} were"):
        queue_print_package(session, clerk, too_many)
    assert session.scalar(select(func.count()).select_from(QueuedTask)) == 0
