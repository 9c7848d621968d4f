"""OAuth 2.0 token endpoint (password grant) and logout.

The access token is the library's revocable eight-hour session token; logging
out revokes it. ``LoginThrottle`` is where failed-login limits plug in: it is
asked before each attempt with the keys of the login and of the client address.
"""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import APIRouter, Form, Request, Response

from cistrade_core.api.auth import caller, core_of
from cistrade_core.api.problems import ApiProblem
from cistrade_core.api.schemas import TokenResponse, WhoAmI, utc
from cistrade_core.errors import AuthenticationError

router = APIRouter(tags=["auth"])
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class LoginThrottle(Protocol):
    """Limits failed logins per key (``login:<name>``, ``address:<ip>``)."""

    def check(self, keys: list[str]) -> None:
        """Raise (a ``CoreError``) while any of ``keys`` is locked out."""

    def failed(self, keys: list[str]) -> None: ...

    def succeeded(self, keys: list[str]) -> None: ...


def throttle_keys(request: Request, username: str) -> list[str]:
    host = request.client.host if request.client else "unknown"
    return [f"login:{username.strip().lower()}", f"address:{host}"]


def _invalid(error: str, detail: str, status: int = 400) -> ApiProblem:
    return ApiProblem(status, detail, error=error, headers=NO_STORE)


@router.post("/token", operation_id="token", response_model=TokenResponse,
             summary="Issue an access token (OAuth 2.0 password grant)")
def token(*, request: Request, response: Response,
          grant_type: Annotated[str, Form(max_length=64)],
          username: Annotated[str | None, Form(max_length=100)] = None,
          password: Annotated[str | None, Form(max_length=1000)] = None,
          scope: Annotated[str | None, Form(max_length=1000)] = None) -> TokenResponse:
    core = core_of(request)
    if grant_type != "password":
        raise _invalid("unsupported_grant_type", f"grant_type {grant_type!r} is not supported; "
                       "use password")
    if not username or not password:
        raise _invalid("invalid_request", "the password grant needs username and password")
    throttle: LoginThrottle | None = getattr(request.app.state, "login_throttle", None)
    keys = throttle_keys(request, username)
    if throttle is not None:
        throttle.check(keys)
    try:
        session = core.sessions.login(username, password)
    except AuthenticationError as exc:
        if throttle is not None:
            throttle.failed(keys)
        raise _invalid("invalid_grant", str(exc)) from None
    if throttle is not None:
        throttle.succeeded(keys)
    response.headers.update(NO_STORE)
    ttl = int((session.expires_at - session.created_at).total_seconds())
    return TokenResponse(access_token=session.token or "", expires_in=ttl)


@router.post("/logout", operation_id="logout", status_code=204,
             summary="Revoke the bearer token's session")
def logout(*, request: Request, session: caller("logout")) -> Response:
    core_of(request).sessions.logout(session)
    return Response(status_code=204)


@router.get("/whoami", operation_id="whoami", response_model=WhoAmI,
            summary="The caller's session: login, groups and permission map")
def whoami(*, session: caller("whoami")) -> WhoAmI:
    return WhoAmI(user_login=session.user_login, user_name=session.user_name,
                  user_email=session.user_email, primary_group=session.user_group_name,
                  permissions=dict(session.permissions), expires_at=utc(session.expires_at))
