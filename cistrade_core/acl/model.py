"""Access levels, resources and the session a login creates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

#: How long a session lasts after login.
SESSION_TTL = timedelta(hours=8)


class Access(StrEnum):
    READ = "READ"
    WRITE = "WRITE"
    READ_WRITE = "READ_WRITE"

    @classmethod
    def parse(cls, text: str) -> Access:
        try:
            return cls(text.strip().upper().replace("-", "_"))
        except ValueError:
            raise ValueError(
                f"unknown access level {text!r}; use READ, WRITE or READ_WRITE"
            ) from None


def combine(a: Access | None, b: Access | None) -> Access | None:
    """The access two grants give together (READ and WRITE make READ_WRITE)."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    return Access.READ_WRITE


def allows(has: Access | str | None, needed: Access) -> bool:
    """Whether ``has`` covers ``needed``."""
    if has is None:
        return False
    has = Access(has)
    return has == Access.READ_WRITE or has == needed


class Resource(StrEnum):
    """The resources permissions are granted on."""

    PORTFOLIO = "cis-portfolio"               # READ: show/list/history; WRITE: make changes
    APPROVAL = "cis-portfolio-approval"       # WRITE: approve or reject changes (checkers)
    UDF = "cis-udf"                           # READ: list fields; WRITE: define/retire fields
    AUDIT = "cis-audit"                       # READ: query the audit log
    ACL = "cis-acl"                           # READ: list users/groups; WRITE: manage them
    FX = "cis-fx"                             # READ: FX rates (reports); WRITE: release held
    GMP = "cis-gmp"                           # READ: GMP reference data and loads (reports)
    REPORT = "cis-report"                     # READ: list reports; WRITE: run and mail one


@dataclass(frozen=True)
class Session:
    """A logged-in user: who they are and what they may do, until ``expires_at``.

    ``session_id`` is the SHA-256 of ``token``; only the id is stored. The
    permission map is the one built at login (the session data); operations do not
    trust it but check the current map (:func:`cistrade_core.acl.authz.require`).
    ``verified`` is set by :func:`cistrade_core.acl.authz.verify`: when the current
    map was read (``time.monotonic()``) and the map.
    """

    session_id: str
    user_id: int
    user_login: str
    user_name: str
    user_email: str
    user_group_id: int | None
    user_group_name: str | None
    permissions: Mapping[str, str]
    created_at: datetime
    expires_at: datetime
    token: str | None = field(default=None, repr=False, compare=False)
    verified: tuple[float, Mapping[str, str]] | None = field(default=None, repr=False,
                                                             compare=False)

    def access(self, resource: str) -> Access | None:
        level = self.permissions.get(str(resource))
        return Access(level) if level else None

    def can(self, resource: str, needed: Access) -> bool:
        return allows(self.access(resource), needed)

    def data(self) -> dict[str, Any]:
        """The session data in the shape the ACL integration defines."""
        return {
            "user_login": self.user_login,
            "user_id": str(self.user_id),
            "user_name": self.user_name,
            "user_email": self.user_email,
            "user_group_id": None if self.user_group_id is None else str(self.user_group_id),
            "user_group_name": self.user_group_name,
            "user_permissions": dict(sorted(self.permissions.items())),
        }

    @classmethod
    def from_data(cls, session_id: str, data: Mapping[str, Any], created_at: datetime,
                  expires_at: datetime, token: str | None = None) -> Session:
        group_id = data.get("user_group_id")
        return cls(
            session_id=session_id, user_id=int(data["user_id"]), user_login=data["user_login"],
            user_name=data["user_name"], user_email=data["user_email"],
            user_group_id=None if group_id is None else int(group_id),
            user_group_name=data.get("user_group_name"),
            permissions=dict(data.get("user_permissions") or {}),
            created_at=created_at, expires_at=expires_at, token=token,
        )


@dataclass(frozen=True)
class SystemActor:
    """A trusted local actor: scheduled jobs, or the administrator at the warehouse.

    Used where no user session exists (the reminder DAG, ``cistrade acl`` run by
    whoever can open the warehouse). Its operations are audited under ``login``.
    """

    login: str = "system"


@dataclass(frozen=True)
class User:
    user_id: int
    user_login: str
    user_name: str
    user_email: str
    enabled: bool
    groups: tuple[str, ...] = ()
    primary_group: str | None = None


@dataclass(frozen=True)
class Group:
    group_id: int
    group_name: str
    description: str | None
    parent_group_name: str | None
    permissions: Mapping[str, str] = field(default_factory=dict)
