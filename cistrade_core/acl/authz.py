"""The check every core operation starts with: a live session with the right access.

Nothing a session was given at login is trusted later: each check reads the
session row, the user's status and the user's current permission map (groups,
ancestors, grants) from the tables, so removing a member, revoking a grant or
disabling a user takes effect on the next request of every live session.
"""

from __future__ import annotations

from datetime import datetime

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


def check_session(tx: Transaction, session: Session, now: datetime) -> None:
    """Refuse expired or ended sessions and disabled users."""
    if now >= session.expires_at:
        raise SessionError(
            f"session of {session.user_login} expired at {session.expires_at:%Y-%m-%d %H:%M} "
            "UTC; log in again"
        )
    rows = tx.query(
        f"SELECT s.revoked_at, s.expires_at, u.enabled FROM {SCHEMA}.cis_acl_session s "
        f"JOIN {SCHEMA}.cis_acl_user u ON u.user_id = s.user_id WHERE s.session_id = ?",
        [session.session_id],
    )
    if not rows:
        raise SessionError("unknown session; log in again")
    row = rows[0]
    if not row["enabled"]:
        raise SessionError(f"user {session.user_login} is disabled")
    if row["revoked_at"] is not None:
        raise SessionError("session ended (logged out or access changed); log in again")
    if now >= row["expires_at"]:
        raise SessionError("session expired; log in again")


def current_permissions(tx: Transaction, session: Session, now: datetime) -> dict[str, str]:
    """The permission map of a live session's user as the tables say now."""
    check_session(tx, session, now)
    return store.user_permission_map(tx, session.user_id)[0]


def require(tx: Transaction, actor: Actor | None, resource: str, needed: Access,
            now: datetime, *, allow_system: bool = False) -> None:
    """Raise unless ``actor`` may use ``resource`` at level ``needed`` now."""
    if isinstance(actor, SystemActor):
        if allow_system:
            return
        raise PermissionDenied(actor.login, str(resource), str(needed), None)
    if not isinstance(actor, Session):
        raise SessionError("not logged in")
    has = current_permissions(tx, actor, now).get(str(resource))
    if not allows(has, needed):
        raise PermissionDenied(actor.user_login, str(resource), str(needed), has)
