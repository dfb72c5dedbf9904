"""Each role's refusals come from core, whatever the UI shows."""

from __future__ import annotations

import pytest

from core.audit.service import AuditFilter, search_audit
from core.auth.permissions import ROLE_PERMISSIONS, Permission, Role, has_permission, require
from core.auth.service import change_role, create_user, list_users
from core.cases.search import CaseFilter, export_cases
from core.cases.service import reassign, transition_case
from core.errors import PermissionDenied
from tests.factories import make_case, make_user


def test_permission_table_is_ordered_by_seniority() -> None:
    assert ROLE_PERMISSIONS[Role.CLERK] < ROLE_PERMISSIONS[Role.LAWYER] < ROLE_PERMISSIONS[Role.HEAD]
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)


@pytest.mark.parametrize("role", ["clerk", "lawyer", "head"])
def test_only_admin_manages_users(session, role: str) -> None:
    actor = make_user(session, role)
    with pytest.raises(PermissionDenied, match="user.admin"):
        list_users(session, actor)
    with pytest.raises(PermissionDenied):
        create_user(session, actor, "new", "New", "clerk", "password123")
    with pytest.raises(PermissionDenied):
        change_role(session, actor, actor.id, "admin")


def test_clerk_cannot_reassign_or_read_audit(session) -> None:
    clerk = make_user(session, "clerk")
    case = make_case(session)
    with pytest.raises(PermissionDenied, match="case.reassign"):
        reassign(session, clerk, [case.id], clerk.id)
    with pytest.raises(PermissionDenied, match="audit.view"):
        search_audit(session, clerk, AuditFilter())


def test_lawyer_cannot_read_audit_but_head_can(session) -> None:
    lawyer = make_user(session, "lawyer")
    head = make_user(session, "head")
    with pytest.raises(PermissionDenied):
        search_audit(session, lawyer, AuditFilter())
    rows, total = search_audit(session, head, AuditFilter())
    assert total == len(rows)


def test_unknown_role_has_nothing(session) -> None:
    ghost = make_user(session, "clerk")
    ghost.role = "ghost"
    assert not has_permission(ghost, Permission.CASE_VIEW)
    case = make_case(session)
    with pytest.raises(PermissionDenied):
        transition_case(session, ghost, case.id, "prepare_claim", case.version)
    with pytest.raises(PermissionDenied):
        export_cases(session, ghost, CaseFilter())
    with pytest.raises(PermissionDenied, match="kpi.view"):
        require(ghost, Permission.KPI_VIEW)
