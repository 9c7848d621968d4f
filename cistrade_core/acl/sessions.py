"""Login, logout and resuming a session from its token.

Login follows the ACL integration flow: look up the user, then their groups
(with ancestors), then the permissions, build the permission map and create a
session that expires after eight hours.

Failed logins are throttled per key (:mod:`cistrade_core.acl.throttle`); a
successful login with a hash of an older scheme or cost stores a new Argon2id
hash of the password (:func:`cistrade_core.acl.passwords.needs_rehash`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from cistrade_core import jsonutil
from cistrade_core.acl import store
from cistrade_core.acl.authz import current_permissions
from cistrade_core.acl.model import SESSION_TTL, Session
from cistrade_core.acl.passwords import (
    MAX_LENGTH,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from cistrade_core.acl.throttle import (
    LoginThrottle,
    LoginThrottled,
    ThrottlePolicy,
    client_key,
    login_key,
)
from cistrade_core.audit import AuditedRunner, Done, Operation
from cistrade_core.audit.log import Outcome, append, new_event
from cistrade_core.clock import Clock, utcnow
from cistrade_core.errors import AuthenticationError, SessionError
from cistrade_core.monitoring import acl_metrics
from cistrade_core.warehouse import SCHEMA, Transaction, Warehouse

TABLE = f"{SCHEMA}.cis_acl_session"
USER = f"{SCHEMA}.cis_acl_user"


def session_id_of(token: str) -> str:
    """What the warehouse keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class SessionManager:
    def __init__(self, warehouse: Warehouse, clock: Clock = utcnow,
                 ttl: timedelta = SESSION_TTL, throttle: ThrottlePolicy | None = None) -> None:
        self.warehouse = warehouse
        self.clock = clock
        self.ttl = ttl
        self.runner = AuditedRunner(warehouse, clock)
        self.throttle = LoginThrottle(warehouse, throttle)

    @acl_metrics.timed_login
    def login(self, login: str, password: str, *, client: str | None = None,
              keys: Sequence[str] = ()) -> Session:
        """A new session for ``login``; :class:`AuthenticationError` otherwise.

        Unknown users, wrong passwords and disabled users with a wrong password
        get the same answer after the same work (a hash check against a dummy
        hash). Only the right password of a disabled user learns it is disabled.
        Failures are throttled on ``login:<login>``, on ``client:<client>`` when
        given (an API passes the caller's address) and on any further ``keys``;
        a locked key refuses the attempt with :class:`LoginThrottled` unchecked.
        """
        login = (login or "").strip()[:100]
        password = password or ""
        attempt = [login_key(login or "anonymous"), *([client_key(client)] if client else []),
                   *keys]
        op = Operation(user=login or "anonymous", action="LOGIN", entity_type="user",
                       entity_id=login or None, request={"client": client} if client else None)

        def body(tx: Transaction) -> Done[Session]:
            self.throttle.check(tx, attempt, self.clock())
            user = store.get_user(tx, login) if login else None
            candidate = password if len(password) <= MAX_LENGTH else ""
            ok = verify_password(candidate, user["password_hash"] if user else dummy_hash())
            if user is None or not ok or candidate != password:
                raise AuthenticationError()
            if not user["enabled"]:
                raise AuthenticationError(f"user {login} is disabled")
            detail = None
            if needs_rehash(user["password_hash"]):
                tx.update(USER, {"password_hash": hash_password(password)},
                          {"user_id": user["user_id"]})
                detail = {"password_rehashed": True}
            self.throttle.succeeded(tx, attempt)
            return Done(self._open(tx, user), detail=detail)

        try:
            return self.runner.run(op, body)
        except LoginThrottled:
            raise
        except AuthenticationError:
            self._count_failure(op, attempt)
            raise

    def _count_failure(self, op: Operation, attempt: Sequence[str]) -> None:
        now = self.clock()
        for failure in self.throttle.failed(attempt, now):
            if failure.locked_until is not None:
                append(self.warehouse, new_event(
                    at=now, user=op.user, action="LOGIN_LOCKOUT", entity_type="login-key",
                    entity_id=failure.key, outcome=Outcome.DENIED,
                    detail={"failures": failure.failures,
                            "locked_until": failure.locked_until.isoformat(sep=" ")}))

    def open_external(self, login: str, token: str, expires_at: datetime,
                      action: str = "SSO_LOGIN") -> Session:
        """A session for ``login`` under a token issued elsewhere (an identity provider's
        access token, already verified by the caller), ending at ``expires_at`` or after
        the usual eight hours, whichever is first. Audited as ``action``."""
        op = Operation(user=login, action=action, entity_type="user", entity_id=login)

        def body(tx: Transaction) -> Done[Session]:
            user = store.get_user(tx, login)
            if user is None or not user["enabled"]:
                raise AuthenticationError(f"user {login} is unknown or disabled")
            return Done(self._open(tx, user, token, expires_at))

        return self.runner.run(op, body)

    def _open(self, tx: Transaction, user: dict, token: str | None = None,
              expires_at: datetime | None = None) -> Session:
        with acl_metrics.permission_map_timer():
            perms, primary = store.user_permission_map(tx, user["user_id"])
        now = self.clock()
        token = token or secrets.token_urlsafe(32)
        expires_at = min(expires_at, now + self.ttl) if expires_at else now + self.ttl
        session = Session(
            session_id=session_id_of(token), user_id=user["user_id"],
            user_login=user["user_login"], user_name=user["user_name"],
            user_email=user["user_email"],
            user_group_id=primary["group_id"] if primary else None,
            user_group_name=primary["group_name"] if primary else None,
            permissions=perms, created_at=now, expires_at=expires_at, token=token,
        )
        tx.insert(TABLE, [{
            "session_id": session.session_id, "user_id": session.user_id,
            "user_login": session.user_login, "session_data": jsonutil.dumps(session.data()),
            "created_at": session.created_at, "expires_at": session.expires_at,
            "revoked_at": None,
        }])
        return session

    def resume(self, token: str) -> Session:
        """The session a token stands for, as stored; expiry is checked by each operation."""
        rows = self.warehouse.query(
            f"SELECT session_id, session_data, created_at, expires_at FROM {TABLE} "
            "WHERE session_id = ?", [session_id_of(token)])
        if not rows:
            raise SessionError("unknown session; log in again")
        row = rows[0]
        return Session.from_data(row["session_id"], jsonutil.loads(row["session_data"]),
                                 row["created_at"], row["expires_at"], token=token)

    def validate(self, session: Session) -> Session:
        """``session`` with its user's current permission map, or :class:`SessionError`
        (expired, ended, or the user disabled)."""
        with self.warehouse.transaction() as tx:
            perms = current_permissions(tx, session, self.clock())
        return replace(session, permissions=perms)

    def logout(self, session: Session) -> None:
        op = Operation(user=session.user_login, action="LOGOUT", entity_type="user",
                       entity_id=session.user_login)

        def body(tx: Transaction) -> Done[None]:
            now = self.clock()
            if tx.update(TABLE, {"revoked_at": now},
                         {"session_id": session.session_id, "revoked_at": None}):
                store.record_change(tx, "LOGOUT", session.user_login, now)
            return Done()

        self.runner.run(op, body)
