"""API clients (OAuth 2.0 client credentials): a client id and a secret, bound to a group.

Each client is a service account: an ACL user whose login is the client id, whose
password hash is the hash of the secret, in exactly the bound group, plus a row
in ``cis_api_client`` that marks it as a client. So the secret is stored hashed
like every password, a client session is an ordinary revocable ACL session with
the group's permission map, and disabling the user disables the client. People
cannot use the client grant, nor clients the password grant.
"""

from __future__ import annotations

import secrets
from typing import Any

from cistrade_core.acl.admin import AclAdmin
from cistrade_core.acl.authz import Actor, actor_login
from cistrade_core.acl.model import Session
from cistrade_core.acl.sessions import SessionManager
from cistrade_core.clock import Clock, utcnow
from cistrade_core.errors import AuthenticationError, ValidationError
from cistrade_core.warehouse import SCHEMA, Warehouse

TABLE = f"{SCHEMA}.cis_api_client"


def is_client(q: Any, login: str) -> bool:
    return bool(q.query(f"SELECT client_id FROM {TABLE} WHERE client_id = ?", [login]))


def list_clients(q: Any) -> list[dict[str, Any]]:
    return q.query(f"SELECT client_id, group_name, description, created_at, created_by "
                   f"FROM {TABLE} ORDER BY client_id")


def create_client(warehouse: Warehouse, actor: Actor, client_id: str, group: str,
                  description: str | None = None, clock: Clock = utcnow) -> str:
    """Register a client acting in ``group``; returns its secret (shown once, kept hashed)."""
    if not client_id.startswith("client-"):
        raise ValidationError("a client id starts with 'client-' (e.g. client-reporting)")
    secret = secrets.token_urlsafe(32)
    admin = AclAdmin(warehouse, actor, clock)
    admin.create_user(client_id, description or f"API client {client_id}",
                      f"{client_id}@localhost", secret, [group])
    warehouse.insert(TABLE, [{"client_id": client_id, "group_name": group,
                              "description": description, "created_at": clock(),
                              "created_by": actor_login(actor)}])
    return secret


def client_login(sessions: SessionManager, client_id: str, secret: str,
                 client: str | None = None) -> Session:
    """A session for a registered client; the same answer for every failure, throttled
    like every login (per client id and per ``client`` address)."""
    if not is_client(sessions.warehouse, (client_id or "").strip()):
        # the same work, audited refusal and throttling as a bad secret
        sessions.login(client_id or "", "", client=client)
        raise AuthenticationError("invalid client")
    return sessions.login(client_id, secret, client=client)
