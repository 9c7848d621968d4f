"""OAuth 2.0 token endpoint (password and client-credentials grants) and logout.

The access token is the library's revocable eight-hour session token; logging
out revokes it. Clients (``cistrade api client-create``) send their id and
secret in the form or as HTTP Basic credentials (RFC 6749 section 2.3.1).
Failed attempts are limited by the library's login throttle, per login and per
client address (``429`` with ``Retry-After`` while locked), as in the CLI.
"""

from __future__ import annotations

import base64
from typing import Annotated
from urllib.parse import unquote_plus

from fastapi import APIRouter, Form, Request, Response

from cistrade_core.acl.clients import client_login, is_client
from cistrade_core.acl.throttle import LoginThrottled
from cistrade_core.api.auth import caller, core_of
from cistrade_core.api.problems import ApiProblem
from cistrade_core.api.schemas import TokenResponse, WhoAmI, utc
from cistrade_core.errors import AuthenticationError

router = APIRouter(tags=["auth"])
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def client_address(request: Request) -> str:
    """The caller's address: failed logins are also limited per address."""
    return request.client.host if request.client else "unknown"


def _basic(request: Request) -> tuple[str, str] | None:
    """Client id and secret from ``Authorization: Basic``, if sent."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client, sep, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise _invalid("invalid_client", "malformed Basic credentials", 401) from None
    if not sep:
        raise _invalid("invalid_client", "malformed Basic credentials", 401)
    return unquote_plus(client), unquote_plus(secret)


def _invalid(error: str, detail: str, status: int = 400) -> ApiProblem:
    return ApiProblem(status, detail, error=error, headers=NO_STORE)


@router.post("/token", operation_id="token", response_model=TokenResponse,
             summary="Issue an access token (OAuth 2.0 password grant)")
def token(*, request: Request, response: Response,
          grant_type: Annotated[str, Form(max_length=64)],
          username: Annotated[str | None, Form(max_length=100)] = None,
          password: Annotated[str | None, Form(max_length=1000)] = None,
          client_id: Annotated[str | None, Form(max_length=100)] = None,
          client_secret: Annotated[str | None, Form(max_length=1000)] = None,
          scope: Annotated[str | None, Form(max_length=1000)] = None) -> TokenResponse:
    core = core_of(request)
    if grant_type == "password":
        if not username or not password:
            raise _invalid("invalid_request", "the password grant needs username and password")
        name, secret = username, password
        if is_client(core.warehouse, name.strip()):
            secret = ""   # a client's secret is no person's password: refuse like a bad one
    elif grant_type == "client_credentials":
        basic = _basic(request)
        name, secret = basic or (client_id or "", client_secret or "")
        if not name or not secret:
            raise _invalid("invalid_client", "client_credentials needs client_id and "
                           "client_secret (form or HTTP Basic)", 401)
    else:
        raise _invalid("unsupported_grant_type", f"grant_type {grant_type!r} is not supported; "
                       "use password or client_credentials")
    address = client_address(request)
    try:
        if grant_type == "password":
            session = core.sessions.login(name, secret, client=address)
        else:
            session = client_login(core.sessions, name, secret, client=address)
    except LoginThrottled as exc:
        wait = max(1, int((exc.until - core.clock()).total_seconds()) + 1)
        raise ApiProblem(429, str(exc), headers={**NO_STORE, "Retry-After": str(wait)},
                         error="invalid_grant") from None
    except AuthenticationError as exc:
        if grant_type == "client_credentials":
            raise _invalid("invalid_client", "invalid client", 401) from None
        raise _invalid("invalid_grant", str(exc)) from None
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
def whoami(*, request: Request, session: caller("whoami")) -> WhoAmI:
    session = core_of(request).sessions.validate(session)   # the permission map as of now
    return WhoAmI(user_login=session.user_login, user_name=session.user_name,
                  user_email=session.user_email, primary_group=session.user_group_name,
                  permissions=dict(session.permissions), expires_at=utc(session.expires_at))
