"""Bearer authentication and the per-route permission check.

A bearer token is a CisTrade session token (from ``POST /api/v1/token``): the
session is resumed and checked on every request (expired, logged out, user
disabled) with its user's current permission map, in one read (the library's
``verify``; while the ACL change log's count stands, the app's ``AccessCache``
answers and the read is of that count only), then the route's entry in
:data:`ROUTE_PERMISSIONS` is checked against that map. A refusal is recorded in
the audit log like any refused operation. The route gets the verified session,
so the library's own check of the operation it runs uses the same map instead of
reading it again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cistrade_core.acl.authz import check_access, verify
from cistrade_core.acl.model import Session
from cistrade_core.acl.sessions import session_id_of
from cistrade_core.api.permissions import ROUTE_PERMISSIONS
from cistrade_core.api.problems import ApiProblem
from cistrade_core.audit.log import Outcome, append, new_event
from cistrade_core.errors import CoreError
from cistrade_core.services import Core

bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/token")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="cistrade"'}


_opening = threading.Lock()


def core_of(request: Request) -> Core:
    """The app's core services, opened on first use where no lifespan ran (a mounted app)."""
    state = request.app.state
    if getattr(state, "core", None) is None:
        with _opening:
            if getattr(state, "core", None) is None:
                from cistrade_core.services import open_core

                state.core = open_core()
    return state.core


class ResumedSessions:
    """The sessions this worker resumed lately, by session id (at most :attr:`size`).

    What a session row stores at login never changes (only ``revoked_at`` is set
    later), so a resumed session is kept instead of being read again. Its state is
    still checked on every request (:func:`~cistrade_core.acl.authz.verify`): a
    logged-out, revoked, expired or unknown session is refused as before.
    """

    size = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: OrderedDict[str, Session] = OrderedDict()

    def resume(self, core: Core, token: str) -> Session:
        key = session_id_of(token)
        with self._lock:
            session = self._by_id.get(key)
            if session is not None:
                self._by_id.move_to_end(key)
        if session is None or session.expires_at <= core.clock():
            session = core.sessions.resume(token)
            with self._lock:
                self._by_id[key] = session
                while len(self._by_id) > self.size:
                    self._by_id.popitem(last=False)
        return session


def authenticate(request: Request, token: str) -> Session:
    """The session ``token`` stands for, as stored (not yet checked); ``SessionError``.

    With single sign-on configured, a JWT is checked against the identity provider
    and opens (at its first use) the ACL session it stands for.
    """
    from cistrade_core.api.oidc import looks_like_jwt, session_for

    state = request.app.state
    verifier = getattr(state, "oidc", None)
    if verifier is not None and looks_like_jwt(token):
        return session_for(core_of(request), verifier, token)
    return state.resumed.resume(core_of(request), token)


def _audit_refusal(core: Core, session: Session, route: str, exc: CoreError) -> None:
    append(core.warehouse, new_event(
        at=core.clock(), user=session.user_login, action="API_ACCESS", entity_type="api",
        entity_id=route, outcome=Outcome(exc.outcome),
        detail={"error": type(exc).__name__, "message": str(exc)}))


def requires(route: str) -> Callable[..., Session]:
    """A dependency giving the caller's session once ``route``'s permission is checked."""
    needs = ROUTE_PERMISSIONS[route]

    def dependency(request: Request,
                   credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
                   ) -> Session:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise ApiProblem(401, "a Bearer token is required (POST /api/v1/token)",
                             headers=CHALLENGE)
        core = core_of(request)
        with core.warehouse.keep_open():   # the two reads below share one open of the file
            session = authenticate(request, credentials.credentials)
            cache = request.app.state.access
            if needs.resource is None:
                return verify(core.warehouse, session, core.clock(), cache)
            try:
                session = verify(core.warehouse, session, core.clock(), cache)
                check_access(session.user_login, session.permissions, needs.resource,
                             needs.access)
            except CoreError as exc:
                refused = exc
            else:
                return session
        _audit_refusal(core, session, route, refused)
        raise refused

    return dependency


def caller(route: str) -> Any:
    """The annotation of a route's ``session`` parameter: ``session: caller("portfolio_get")``."""
    return Annotated[Session, Depends(requires(route))]
