"""Errors the services raise; each message tells the user what is wrong and what to do."""

from __future__ import annotations

from core.i18n import _


class CessioError(Exception):
    """Base of every domain error; its text is safe and meant for the user."""


class PermissionDenied(CessioError):
    def __init__(self, permission: str, username: str | None = None, role: str | None = None) -> None:
        if username:
            message = _(
                "User '{username}' ({role}) lacks the permission '{permission}'. Ask an administrator if you need it."
            )
        else:
            message = _("This user lacks the permission '{permission}'. Ask an administrator if you need it.")
        super().__init__(message.format(username=username, role=role, permission=permission))
        self.permission = permission


class NotFound(CessioError):
    pass


class ValidationFailed(CessioError):
    """Input that cannot be accepted; ``problems`` maps a field to what is wrong with it."""

    def __init__(self, message: str, problems: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or {}


class ConcurrentChange(CessioError):
    """Optimistic-lock conflict: somebody else changed the record first (ARCHITECTURE rule 6)."""

    def __init__(self, what: str, changed_by: str | None, changed_at: str | None) -> None:
        by = changed_by or _("another user")
        if changed_at:
            message = _(
                "{what} was changed by {by} at {at} after you opened it. Reload to see the current data, "
                "then repeat your action."
            )
        else:
            message = _(
                "{what} was changed by {by} after you opened it. Reload to see the current data, "
                "then repeat your action."
            )
        super().__init__(message.format(what=what, by=by, at=changed_at))
        self.changed_by = changed_by
        self.changed_at = changed_at


class AuthenticationFailed(CessioError):
    pass
