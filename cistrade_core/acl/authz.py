"""The check every core operation starts with: a live session with the right access.

Nothing a session was given at login is trusted later: each check reads the
session row, the user's status and the user's current permission map (groups,
ancestors, grants) from the tables, so removing a member, revoking a grant or
disabling a user takes effect on the next request of every live session.

One request reads them once: :func:`verify` returns the session with the map it
read attached, and the checks of the operations that request runs use that map
for :data:`VERIFIED_FOR` seconds instead of reading the tables again. A long-lived
reader (the API) keeps what it read in an :class:`AccessCache` and reads only the
count of the ACL change log while that count stands: every change to users,
groups, grants or sessions adds a row to it in the change's own transaction.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from cistrade_core.acl import store
from cistrade_core.acl.model import Access, Session, SystemActor, allows
from cistrade_core.errors import PermissionDenied, SessionError
from cistrade_core.warehouse import Transaction

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


class AccessCache:
    """What :func:`verify` read lately for each session (at most :attr:`size` of them).

    An entry stands while the ACL change log has the count it was read with: every
    change to users, groups, grants or sessions adds a row in its own transaction
    (:func:`store.record_change`), so the next check after it, in any process, reads
    the tables again. One cache serves one warehouse.
    """

    size = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_session: OrderedDict[str, store.SessionAccess] = OrderedDict()

    def get(self, session_id: str, changes: int) -> store.SessionAccess | None:
        with self._lock:
            access = self._by_session.get(session_id)
            if access is None or access.changes != changes:
                return None
            self._by_session.move_to_end(session_id)
            return access

    def put(self, session_id: str, access: store.SessionAccess) -> None:
        if access.state is None:
            return                                # an unknown session is read every time
        with self._lock:
            self._by_session[session_id] = access
            self._by_session.move_to_end(session_id)
            while len(self._by_session) > self.size:
                self._by_session.popitem(last=False)


def verify(tx: Transaction, session: Session, now: datetime,
           cache: AccessCache | None = None) -> Session:
    """``session`` checked as live, with its user's current permission map (one read).

    With ``cache``, the read is of the ACL change log's count only while nothing
    changed since the session was last read. The map it carries is what
    :func:`require` uses for :data:`VERIFIED_FOR` seconds.
    """
    _check_expiry(session, now)
    access = None if cache is None else cache.get(session.session_id, store.change_count(tx))
    if access is None:
        access = store.session_access(tx, session.session_id, session.user_id)
        if cache is not None:
            cache.put(session.session_id, access)
    _check_state(session, access.state, now)
    perms = dict(access.permissions)
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
