"""Reading the ACL tables (on a transaction or the warehouse) and noting their changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cistrade_core.acl.model import Access, allows
from cistrade_core.acl.permissions import effective_groups, permission_map
from cistrade_core.ids import sortable_id
from cistrade_core.warehouse import SCHEMA, Transaction


class Queryable(Protocol):
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...


def placeholders(n: int) -> str:
    return ", ".join("?" for _ in range(n))


def get_user(q: Queryable, login: str) -> dict[str, Any] | None:
    rows = q.query(f"SELECT * FROM {SCHEMA}.cis_acl_user WHERE user_login = ?", [login])
    return rows[0] if rows else None


def get_group(q: Queryable, name: str) -> dict[str, Any] | None:
    rows = q.query(f"SELECT * FROM {SCHEMA}.cis_acl_group WHERE group_name = ?", [name])
    return rows[0] if rows else None


def user_groups(q: Queryable, user_id: int) -> list[dict[str, Any]]:
    """The user's direct groups, primary first."""
    return q.query(
        f"SELECT g.group_id, g.group_name, ug.is_primary FROM {SCHEMA}.cis_acl_user_group ug "
        f"JOIN {SCHEMA}.cis_acl_group g ON g.group_id = ug.group_id WHERE ug.user_id = ? "
        "ORDER BY ug.is_primary DESC, g.group_name",
        [user_id],
    )


def group_parents(q: Queryable) -> dict[int, int | None]:
    rows = q.query(f"SELECT group_id, parent_group_id FROM {SCHEMA}.cis_acl_group")
    return {r["group_id"]: r["parent_group_id"] for r in rows}


def grants(q: Queryable, group_ids: Iterable[int] | None = None) -> dict[int, dict[str, str]]:
    """``{group_id: {resource: level}}`` for ``group_ids`` (all groups when None)."""
    sql = f"SELECT group_id, resource, access_level FROM {SCHEMA}.cis_acl_permission"
    params: list[Any] = []
    if group_ids is not None:
        ids = list(group_ids)
        if not ids:
            return {}
        sql += f" WHERE group_id IN ({placeholders(len(ids))})"
        params = ids
    out: dict[int, dict[str, str]] = {}
    for r in q.query(sql, params):
        out.setdefault(r["group_id"], {})[r["resource"]] = r["access_level"]
    return out


def user_permission_map(q: Queryable, user_id: int) -> tuple[dict[str, str], dict | None]:
    """The user's permission map and primary group (user, then groups, then permissions)."""
    groups = user_groups(q, user_id)
    parents = group_parents(q)
    direct = [g["group_id"] for g in groups]
    perms = permission_map(direct, parents, grants(q, effective_groups(direct, parents)))
    return perms, (groups[0] if groups else None)


#: The ACL change log: one row per change to users, groups, grants or sessions.
CHANGES = f"{SCHEMA}.cis_acl_change"


@dataclass(frozen=True)
class SessionAccess:
    """What one read of the tables says of a session: see :func:`session_access`."""

    state: dict[str, Any] | None           # revoked_at, expires_at, enabled (None: unknown)
    permissions: dict[str, str]
    changes: int                           # rows of the ACL change log in the same read


def record_change(tx: Transaction, action: str, by: str, at: datetime) -> None:
    """Note a change to users, groups, grants or sessions in its own transaction.

    Readers that keep what they read of a session (``authz.AccessCache``) read it
    again once the count of these rows moves; a change made without a row is not
    seen by them until they restart.
    """
    tx.insert(CHANGES, [{"change_id": sortable_id(), "changed_at": at, "changed_by": by,
                         "action": action}])


def change_count(q: Queryable) -> int:
    """Rows of the ACL change log (it only grows)."""
    return int(q.query(f"SELECT count(*) AS n FROM {CHANGES}")[0]["n"])


def session_access(q: Queryable, session_id: str, user_id: int) -> SessionAccess:
    """A session's state and its user's permission map, in one read.

    The state is the session row's ``revoked_at`` and ``expires_at`` with the user's
    ``enabled`` (``None`` for an unknown session or user); the map is built from the
    user's groups, the group tree and the grants as :func:`user_permission_map` builds
    it; ``changes`` counts the ACL change log as the same statement saw it. Each part
    is a filtered scan of one table (a join costs more on DuckDB).
    """
    rows = q.query(
        "SELECT 'session' AS kind, revoked_at, expires_at, CAST(NULL AS BOOLEAN) AS enabled, "
        "user_id AS group_id, CAST(NULL AS BIGINT) AS parent_id, "
        "CAST(NULL AS STRING) AS resource, CAST(NULL AS STRING) AS access_level "
        f"FROM {SCHEMA}.cis_acl_session WHERE session_id = ? "
        "UNION ALL SELECT 'user', NULL, NULL, enabled, NULL, NULL, NULL, NULL "
        f"FROM {SCHEMA}.cis_acl_user WHERE user_id = ? "
        "UNION ALL SELECT 'member', NULL, NULL, NULL, group_id, NULL, NULL, NULL "
        f"FROM {SCHEMA}.cis_acl_user_group WHERE user_id = ? "
        "UNION ALL SELECT 'group', NULL, NULL, NULL, group_id, parent_group_id, NULL, NULL "
        f"FROM {SCHEMA}.cis_acl_group "
        "UNION ALL SELECT 'grant', NULL, NULL, NULL, group_id, NULL, resource, access_level "
        f"FROM {SCHEMA}.cis_acl_permission "
        "UNION ALL SELECT 'changes', NULL, NULL, NULL, count(*), NULL, NULL, NULL "
        f"FROM {CHANGES}",
        [session_id, user_id, user_id],
    )
    session = user = None
    changes = 0
    direct: list[int] = []
    parents: dict[int, int | None] = {}
    by_group: dict[int, dict[str, str]] = {}
    for r in rows:
        kind = r["kind"]
        if kind == "session":
            session = r
        elif kind == "user":
            user = r
        elif kind == "member":
            direct.append(r["group_id"])
        elif kind == "group":
            parents[r["group_id"]] = r["parent_id"]
        elif kind == "changes":
            changes = int(r["group_id"])
        else:
            by_group.setdefault(r["group_id"], {})[r["resource"]] = r["access_level"]
    if session is not None and session["group_id"] != user_id:
        session = None                            # not this user's session
    state = None if session is None or user is None else {
        "revoked_at": session["revoked_at"], "expires_at": session["expires_at"],
        "enabled": user["enabled"]}
    return SessionAccess(state, permission_map(sorted(direct), parents, by_group), changes)


def users_with_access(q: Queryable, resource: str, needed: Access) -> list[dict[str, Any]]:
    """Enabled users whose permission map covers ``needed`` on ``resource``."""
    users = q.query(
        f"SELECT user_id, user_login, user_name, user_email FROM {SCHEMA}.cis_acl_user "
        "WHERE enabled ORDER BY user_login"
    )
    if not users:
        return []
    parents = group_parents(q)
    all_grants = grants(q)
    memberships: dict[int, list[int]] = {}
    for r in q.query(f"SELECT user_id, group_id FROM {SCHEMA}.cis_acl_user_group"):
        memberships.setdefault(r["user_id"], []).append(r["group_id"])
    return [
        u for u in users
        if allows(permission_map(memberships.get(u["user_id"], []), parents, all_grants)
                  .get(str(resource)), needed)
    ]


def emails_of(q: Queryable, logins: Iterable[str]) -> list[str]:
    """Addresses of the enabled users among ``logins``."""
    logins = sorted(set(logins))
    if not logins:
        return []
    rows = q.query(
        f"SELECT user_email FROM {SCHEMA}.cis_acl_user WHERE enabled "
        f"AND user_login IN ({placeholders(len(logins))}) ORDER BY user_login",
        logins,
    )
    return [r["user_email"] for r in rows]
