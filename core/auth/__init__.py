"""Users, roles, permissions, passwords, TOTP and lockout."""

from core.auth.permissions import Permission, Role, require

__all__ = ["Permission", "Role", "require"]
