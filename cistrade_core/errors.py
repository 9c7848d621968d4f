"""Errors raised by the core library.

Each carries the audit ``outcome`` recorded for the refused operation, so the
caller (CLI, DAG, API) can show the message and the audit log says why.
"""

from __future__ import annotations

from collections.abc import Sequence


class CoreError(Exception):
    """A refused core operation."""

    outcome = "ERROR"


class AuthenticationError(CoreError):
    """Login failed. The message never says whether the user exists."""

    outcome = "DENIED"

    def __init__(self, message: str = "invalid user or password") -> None:
        super().__init__(message)


class SessionError(CoreError):
    """No session, or it expired or was revoked: log in again."""

    outcome = "DENIED"


class PermissionDenied(CoreError):
    outcome = "DENIED"

    def __init__(self, user: str, resource: str, needed: str, has: str | None) -> None:
        self.user, self.resource, self.needed, self.has = user, resource, needed, has
        super().__init__(
            f"permission denied: {user} needs {needed} on {resource} "
            f"(has {has or 'no access'})"
        )


class FourEyesViolation(CoreError):
    """The maker of a change tried to approve or reject it."""

    outcome = "DENIED"


class NotFound(CoreError):
    outcome = "INVALID"


class InvalidState(CoreError):
    """The operation is not allowed in the entity's current state."""

    outcome = "INVALID"


class ValidationError(CoreError):
    """Input that breaks a rule; ``problems`` lists every one found."""

    outcome = "INVALID"

    def __init__(self, problems: Sequence[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class ConflictError(CoreError):
    """The entity changed since the caller read it (stale version or a concurrent write)."""

    outcome = "CONFLICT"
