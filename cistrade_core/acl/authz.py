"""The check every core operation starts with: a live session with the right access.

Nothing a session was given at login is trusted later: each check reads the
session row, the user's status and the user's current permission map (groups,
ancestors, grants) from the tables, so removing a member, revoking a grant or
disabling a user takes effect on the next request of every live session.

One request reads them once: :func:`verify` returns the session with the map it
read attached, and the checks of the operations that request runs use that map
for :data:`VERIFIED_FOR` seconds instead of reading the tables again.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from cistrade_core.acl import store
from cistrade_core.acl.model import Access, Session, SystemActor, allows
from cistrade_core.errors import PermissionDenied, SessionError
from cistrade_core.warehouse import SCHEMA, Transaction

Actor = Session | SystemActor


def actor_login(actor: Actor | None) -> str:
    if isinstance(actor, Session):
        return actor.user_login
    if isinstance(actor, SystemActor):
        return actor.login
    return "anonymous"


#: Seconds a map read by :func:`verify` stands for the tables (one request's operations).
VERIFIED_FOR = 2.0


def _check_expiry(session: Session, now: datetime) -> None:
    if now >= session.expires_at:
        raise SessionError(
            f"session of {session.user_login} expired at {session.expires_at:%Y-%m-%d %H:%M} "
            "UTC; log in again"
        )


def _check_state(session: Session, row: dict[str, Any] | None, now: datetime) -> None:
    if row is None:
        raise SessionError("unknown session; log in again")
    if not row["enabled"]:
        raise SessionError(f"user {session.user_login} is disabled")
    if row["revoked_at"] is not None:
        raise SessionError("session ended (logged out or access changed); log in again")
    if now >= row["expires_at"]:
        raise SessionError("session expired; log in again")


def check_session(tx: Transaction, session: Session, now: datetime) -> None:
    """Refuse expired or ended sessions and disabled users."""
    _check_expiry(session, now)
    rows = tx.query(
        f"SELECT s.revoked_at, s.expires_at, u.enabled FROM {SCHEMA}.cis_acl_session s "
        f"JOIN {SCHEMA}.cis_acl_user u ON u.user_id = s.user_id WHERE s.session_id = ?",
        [session.session_id],
    )
    _check_state(session, rows[0] if rows else None, now)


def verify(tx: Transaction, session: Session, now: datetime) -> Session:
    """``session`` checked as live, with its user's current permission map (one read).

    The map it carries is what :func:`require` uses for :data:`VERIFIED_FOR` seconds.
    """
    _check_expiry(session, now)
    state, perms = store.session_access(tx, session.session_id, session.user_id)
    _check_state(session, state, now)
    return replace(session, permissions=perms, verified=(time.monotonic(), perms))


def current_permissions(tx: Transaction, session: Session, now: datetime) -> dict[str, str]:
    """The permission map of a live session's user as the tables say now."""
    if session.verified is not None and time.monotonic() - session.verified[0] < VERIFIED_FOR:
        _check_expiry(session, now)
        return dict(session.verified[1])
    return verify(tx, session, now).permissions


def require(tx: Transaction, actor: Actor | None, resource: str, needed: Access,
            now: datetime, *, allow_system: bool = False) -> None:
    """Raise unless ``actor`` may use ``resource`` at level ``needed`` now."""
    if isinstance(actor, SystemActor):
        if allow_system:
            return
        raise PermissionDenied(actor.login, str(resource), str(needed), None)
    if not isinstance(actor, Session):
        raise SessionError("not logged in")
    check_access(actor.user_login, current_permissions(tx, actor, now), resource, needed)


def check_access(login: str, permissions: Mapping[str, str], resource: str,
                 needed: Access) -> None:
    """Raise :class:`PermissionDenied` unless ``permissions`` cover ``needed`` on ``resource``."""
    has = permissions.get(str(resource))
    if not allows(has, needed):
        raise PermissionDenied(login, str(resource), str(needed), has)
