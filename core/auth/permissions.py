"""The one table of permissions per role; every service calls ``require`` itself.

Permissions are enforced in core (ARCHITECTURE rule 2): hiding a page is only a courtesy.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from core.errors import PermissionDenied
from core.i18n import N_, _


class Role(StrEnum):
    CLERK = "clerk"
    LAWYER = "lawyer"
    HEAD = "head"
    ADMIN = "admin"


ROLE_NAMES: dict[str, str] = {
    "clerk": N_("Clerk"),
    "lawyer": N_("Lawyer"),
    "head": N_("Head of department"),
    "admin": N_("Administrator"),
}


def role_name(role: str) -> str:
    """The role as people call it, in the current interface language (an unknown role as is)."""
    return _(ROLE_NAMES[role]) if role in ROLE_NAMES else role


class Permission(StrEnum):
    CASE_VIEW = "case.view"
    CASE_TRANSITION = "case.transition"
    CASE_BULK_TRANSITION = "case.bulk_transition"
    CASE_REASSIGN = "case.reassign"
    CASE_EDIT = "case.edit"
    CASE_EXPORT = "case.export"
    LEDGER_VIEW = "ledger.view"
    LEDGER_PAYMENT = "ledger.payment"
    LEDGER_ADJUST = "ledger.adjust"
    LEDGER_IMPORT = "ledger.import"
    DOCUMENT_GENERATE = "document.generate"
    DOCUMENT_UPLOAD = "document.upload"
    TEMPLATE_EDIT = "template.edit"
    MAIL_MANAGE = "mail.manage"
    OCR_REVIEW = "ocr.review"
    BUREAU_VIEW = "bureau.view"
    BUREAU_MANAGE = "bureau.manage"
    KPI_VIEW = "kpi.view"
    IMPORT_RUN = "import.run"
    USER_ADMIN = "user.admin"
    AUDIT_VIEW = "audit.view"
    JOBS_VIEW = "jobs.view"


_CLERK = {
    Permission.CASE_VIEW,
    Permission.CASE_TRANSITION,
    Permission.CASE_BULK_TRANSITION,
    Permission.CASE_EXPORT,
    Permission.LEDGER_VIEW,
    Permission.LEDGER_PAYMENT,
    Permission.LEDGER_IMPORT,
    Permission.DOCUMENT_GENERATE,
    Permission.DOCUMENT_UPLOAD,
    Permission.MAIL_MANAGE,
    Permission.OCR_REVIEW,
    Permission.BUREAU_VIEW,
    Permission.JOBS_VIEW,
}
_LAWYER = _CLERK | {Permission.CASE_EDIT, Permission.LEDGER_ADJUST, Permission.CASE_REASSIGN}
_HEAD = _LAWYER | {
    Permission.KPI_VIEW,
    Permission.IMPORT_RUN,
    Permission.BUREAU_MANAGE,
    Permission.AUDIT_VIEW,
}
_ADMIN = set(Permission)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: frozenset(_CLERK),
    Role.LAWYER: frozenset(_LAWYER),
    Role.HEAD: frozenset(_HEAD),
    Role.ADMIN: frozenset(_ADMIN),
}

MFA_REQUIRED_ROLES = frozenset({Role.HEAD, Role.ADMIN})


class Actor(Protocol):
    """Anything that acts: a ``User`` row or a ``SystemActor`` for jobs."""

    id: int | None
    username: str
    role: str


class SystemActor:
    """The jobs process and importers act as a named system user with admin rights.

    ``id`` is None: events record the source (postal job, import) instead of a person.
    """

    def __init__(self, name: str) -> None:
        self.id: int | None = None
        self.username = name
        self.role = Role.ADMIN.value


def has_permission(actor: Actor, permission: Permission) -> bool:
    try:
        role = Role(actor.role)
    except ValueError:
        return False
    return permission in ROLE_PERMISSIONS[role]


def require(actor: Actor, permission: Permission) -> None:
    """Raise ``PermissionDenied`` naming the permission unless the actor's role has it."""
    if not has_permission(actor, permission):
        raise PermissionDenied(permission.value, getattr(actor, "username", None), getattr(actor, "role", None))
