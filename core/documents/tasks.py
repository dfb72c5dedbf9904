"""Print packages as queued work: a package of up to a few thousand cases takes from ten seconds
to minutes to build, longer than a Streamlit rerun lets a page live, so the page queues it and
the jobs process builds it (``core.tasks``). The CLI and the benchmark call ``build_package``
directly."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from core.auth.permissions import Actor, Permission
from core.cases.workflow import STAGE_BY_CODE
from core.documents.packages import (
    DEFAULT_PACKAGE_DOCS,
    DEFAULT_POSTAGE,
    build_package,
    check_package_selection,
)
from core.errors import ValidationFailed
from core.i18n import _, format_number, ngettext
from core.tasks.registry import ProgressFn, TaskKind
from core.tasks.service import enqueue_task, unfinished_tasks

PRINT_PACKAGE = "print_package"


def queue_print_package(
    session: Session,
    actor: Actor,
    case_ids: Sequence[int],
    *,
    doc_types: Sequence[str] = DEFAULT_PACKAGE_DOCS,
    postage: Decimal = DEFAULT_POSTAGE,
) -> int:
    """Queue a package for the jobs process; returns the task id.

    What can be known now is checked now (empty selection, bad postage, unknown cases, cases at
    several stages), so the clerk reads the reason at once instead of in a failed task later. The
    same cases queued twice by the same person while the first is not built yet (a second click)
    are refused: they would make two identical packages."""
    ids = list(dict.fromkeys(int(i) for i in case_ids))
    stage = check_package_selection(session, actor, ids, postage)
    wanted = sorted(ids)
    for task in unfinished_tasks(session, PRINT_PACKAGE, actor.id):
        if sorted(int(i) for i in (task.params or {}).get("case_ids", [])) == wanted:
            raise ValidationFailed(
                _(
                    "You have already queued a package of these {count} cases (queued work № {id}); it is not built yet. Wait for it to finish before building them again."
                ).format(count=format_number(len(ids)), id=task.id)
            )
    return enqueue_task(
        session,
        actor,
        PRINT_PACKAGE,
        ngettext("Print package: {n} case at {stage}", "Print package: {n} cases at {stage}", len(ids)).format(
            n=format_number(len(ids)), stage=STAGE_BY_CODE[stage].label
        ),
        {"case_ids": ids, "doc_types": list(doc_types), "postage": str(postage)},
    )


def _postage(raw: Any) -> Decimal:
    """Postage travels as exact text; a float here would be a rounding error on a ledger."""
    if not isinstance(raw, str):
        raise ValidationFailed(
            _("Postage must be queued as a decimal string, not {kind}.").format(kind=type(raw).__name__)
        )
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ValidationFailed(_("Postage '{raw}' is not an amount in rubles.").format(raw=raw)) from None


def run(session: Session, actor: Actor, params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    """Build the package as the clerk who queued it; the result is what the page shows of it."""
    report = build_package(
        session,
        actor,
        [int(i) for i in params["case_ids"]],
        doc_types=list(params["doc_types"]),
        postage=_postage(params["postage"]),
        progress=lambda label, share: progress(share, label),
    )
    return {
        "package_id": report.package_id,
        "file_id": report.file_id,
        "case_count": report.case_count,
        "page_count": report.page_count,
        "failures": {str(case_id): reason for case_id, reason in report.failures.items()},
    }


TASKS = [TaskKind(PRINT_PACKAGE, Permission.DOCUMENT_GENERATE, run)]
