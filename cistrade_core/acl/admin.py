"""Managing users, groups and grants.

Callers act either with a session holding ``cis-acl`` access or as a
:class:`SystemActor` (the administrator at the warehouse, who can change the
tables directly anyway). Every call leaves one audit row.
"""

from __future__ import annotations

import re
from typing import Any

from cistrade_core.acl import store
from cistrade_core.acl.authz import Actor, actor_login, require
from cistrade_core.acl.model import Access, Group, User
from cistrade_core.acl.passwords import check_policy, hash_password
from cistrade_core.acl.permissions import lineage
from cistrade_core.audit import AuditedRunner, Done, Operation
from cistrade_core.clock import Clock, utcnow
from cistrade_core.errors import InvalidState, NotFound, ValidationError
from cistrade_core.warehouse import Transaction, Warehouse

LOGIN_RE = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+$")
RESOURCE_RE = re.compile(r"^[a-z][a-z0-9-]{1,63}$")
S = "gmp_cis"


def _text(name: str, value: str | None, max_len: int = 200) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(f"{name} must not be empty")
    if len(value) > max_len or any(ord(c) < 32 for c in value):
        raise ValidationError(f"{name} must be at most {max_len} printable characters")
    return value


class AclAdmin:
    def __init__(self, warehouse: Warehouse, actor: Actor, clock: Clock = utcnow) -> None:
        self.warehouse = warehouse
        self.actor = actor
        self.clock = clock
        self.runner = AuditedRunner(warehouse, clock)

    # -- helpers -----------------------------------------------------------------------------
    def _run(self, action: str, entity_type: str, entity_id: str | None, needed: Access,
             body, request: dict[str, Any] | None = None):
        op = Operation(user=actor_login(self.actor), action=action, entity_type=entity_type,
                       entity_id=entity_id, request=request)

        def guarded(tx: Transaction) -> Done:
            require(tx, self.actor, "cis-acl", needed, self.clock(), allow_system=True)
            return body(tx)

        return self.runner.run(op, guarded)

    def _group(self, tx: Transaction, name: str) -> dict[str, Any]:
        group = store.get_group(tx, name)
        if group is None:
            raise NotFound(f"no group {name!r}")
        return group

    def _user(self, tx: Transaction, login: str) -> dict[str, Any]:
        user = store.get_user(tx, login)
        if user is None:
            raise NotFound(f"no user {login!r}")
        return user

    @staticmethod
    def _next_id(tx: Transaction, table: str, column: str) -> int:
        return tx.query(f"SELECT coalesce(max({column}), 0) + 1 AS n FROM {S}.{table}")[0]["n"]

    # -- groups ------------------------------------------------------------------------------
    def create_group(self, name: str, description: str | None = None,
                     parent: str | None = None) -> int:
        def body(tx: Transaction) -> Done[int]:
            group_name = _text("group name", name, 100)
            if store.get_group(tx, group_name):
                raise InvalidState(f"group {group_name!r} already exists")
            parent_id = self._group(tx, parent)["group_id"] if parent else None
            gid = self._next_id(tx, "cis_acl_group", "group_id")
            tx.execute(
                f"INSERT INTO {S}.cis_acl_group (group_id, group_name, description, "
                "parent_group_id, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
                [gid, group_name, description, parent_id, self.clock(),
                 actor_login(self.actor)],
            )
            after = {"group_id": gid, "group_name": group_name, "description": description,
                     "parent": parent}
            return Done(gid, after=after)

        return self._run("GROUP_CREATE", "group", name, Access.WRITE, body)

    def set_parent(self, name: str, parent: str | None) -> None:
        def body(tx: Transaction) -> Done[None]:
            group = self._group(tx, name)
            parent_id = self._group(tx, parent)["group_id"] if parent else None
            if parent_id is not None:
                parents = store.group_parents(tx)
                if group["group_id"] in lineage(parent_id, parents):
                    raise ValidationError(f"{parent!r} is {name!r} or below it: no cycles")
            tx.execute(f"UPDATE {S}.cis_acl_group SET parent_group_id = ? WHERE group_id = ?",
                       [parent_id, group["group_id"]])
            return Done(before={"parent_group_id": group["parent_group_id"]},
                        after={"parent_group_id": parent_id, "parent": parent})

        self._run("GROUP_SET_PARENT", "group", name, Access.WRITE, body)

    def grant(self, group: str, resource: str, level: Access | str) -> None:
        level = Access.parse(str(level))

        def body(tx: Transaction) -> Done[None]:
            if not RESOURCE_RE.match(resource or ""):
                raise ValidationError(f"bad resource name {resource!r}")
            gid = self._group(tx, group)["group_id"]
            old = tx.query(
                f"SELECT access_level FROM {S}.cis_acl_permission "
                "WHERE group_id = ? AND resource = ?", [gid, resource])
            tx.execute(f"DELETE FROM {S}.cis_acl_permission WHERE group_id = ? AND resource = ?",
                       [gid, resource])
            tx.execute(
                f"INSERT INTO {S}.cis_acl_permission (group_id, resource, access_level, "
                "granted_at, granted_by) VALUES (?, ?, ?, ?, ?)",
                [gid, resource, str(level), self.clock(), actor_login(self.actor)],
            )
            return Done(before={"access_level": old[0]["access_level"]} if old else None,
                        after={"resource": resource, "access_level": str(level)})

        self._run("PERMISSION_GRANT", "group", group, Access.WRITE, body,
                  {"resource": resource, "access_level": str(level)})

    def revoke(self, group: str, resource: str) -> None:
        def body(tx: Transaction) -> Done[None]:
            gid = self._group(tx, group)["group_id"]
            old = tx.query(
                f"SELECT access_level FROM {S}.cis_acl_permission "
                "WHERE group_id = ? AND resource = ?", [gid, resource])
            if not old:
                raise NotFound(f"group {group!r} has no grant on {resource!r}")
            tx.execute(f"DELETE FROM {S}.cis_acl_permission WHERE group_id = ? AND resource = ?",
                       [gid, resource])
            return Done(before={"resource": resource, "access_level": old[0]["access_level"]})

        self._run("PERMISSION_REVOKE", "group", group, Access.WRITE, body,
                  {"resource": resource})

    # -- users -------------------------------------------------------------------------------
    def create_user(self, login: str, name: str, email: str, password: str,
                    groups: list[str] | tuple[str, ...] = (), enabled: bool = True) -> int:
        """A new user; the first of ``groups`` is the primary group."""

        def body(tx: Transaction) -> Done[int]:
            if not LOGIN_RE.match(login or ""):
                raise ValidationError(
                    "a login is 2 to 64 characters: lower-case letters, digits, '.', '_', '-', "
                    "starting with a letter")
            user_name = _text("user name", name)
            if not EMAIL_RE.match(email or ""):
                raise ValidationError(f"bad e-mail address {email!r}")
            try:
                check_policy(password)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None
            if store.get_user(tx, login):
                raise InvalidState(f"user {login!r} already exists")
            group_ids = [self._group(tx, g)["group_id"] for g in groups]
            uid = self._next_id(tx, "cis_acl_user", "user_id")
            now, by = self.clock(), actor_login(self.actor)
            tx.execute(
                f"INSERT INTO {S}.cis_acl_user (user_id, user_login, user_name, user_email, "
                "password_hash, enabled, created_at, created_by, updated_at, updated_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [uid, login, user_name, email, hash_password(password), enabled, now, by, now,
                 by],
            )
            for i, gid in enumerate(dict.fromkeys(group_ids)):
                tx.execute(
                    f"INSERT INTO {S}.cis_acl_user_group (user_id, group_id, is_primary, "
                    "added_at, added_by) VALUES (?, ?, ?, ?, ?)", [uid, gid, i == 0, now, by])
            after = {"user_id": uid, "user_login": login, "user_name": user_name,
                     "user_email": email, "enabled": enabled, "groups": list(groups)}
            return Done(uid, after=after)

        return self._run("USER_CREATE", "user", login, Access.WRITE, body,
                         {"groups": list(groups)})

    def add_to_group(self, login: str, group: str, primary: bool = False) -> None:
        def body(tx: Transaction) -> Done[None]:
            uid = self._user(tx, login)["user_id"]
            gid = self._group(tx, group)["group_id"]
            existing = store.user_groups(tx, uid)
            if any(g["group_id"] == gid for g in existing):
                raise InvalidState(f"{login} is already in {group}")
            now, by = self.clock(), actor_login(self.actor)
            primary_now = primary or not existing
            if primary_now:
                tx.execute(f"UPDATE {S}.cis_acl_user_group SET is_primary = false "
                           "WHERE user_id = ?", [uid])
            tx.execute(
                f"INSERT INTO {S}.cis_acl_user_group (user_id, group_id, is_primary, added_at, "
                "added_by) VALUES (?, ?, ?, ?, ?)", [uid, gid, primary_now, now, by])
            return Done(after={"group": group, "primary": primary_now})

        self._run("USER_ADD_GROUP", "user", login, Access.WRITE, body, {"group": group})

    def remove_from_group(self, login: str, group: str) -> None:
        def body(tx: Transaction) -> Done[None]:
            uid = self._user(tx, login)["user_id"]
            gid = self._group(tx, group)["group_id"]
            changed = tx.execute_update(
                f"DELETE FROM {S}.cis_acl_user_group WHERE user_id = ? AND group_id = ?",
                [uid, gid])
            if not changed:
                raise InvalidState(f"{login} is not in {group}")
            return Done(before={"group": group})

        self._run("USER_REMOVE_GROUP", "user", login, Access.WRITE, body, {"group": group})

    def set_enabled(self, login: str, enabled: bool) -> None:
        """Enable or disable a user; disabling also ends their open sessions."""

        def body(tx: Transaction) -> Done[None]:
            user = self._user(tx, login)
            now = self.clock()
            tx.execute(f"UPDATE {S}.cis_acl_user SET enabled = ?, updated_at = ?, "
                       "updated_by = ? WHERE user_id = ?",
                       [enabled, now, actor_login(self.actor), user["user_id"]])
            ended = 0
            if not enabled:
                ended = tx.execute_update(
                    f"UPDATE {S}.cis_acl_session SET revoked_at = ? "
                    "WHERE user_id = ? AND revoked_at IS NULL", [now, user["user_id"]])
            return Done(before={"enabled": user["enabled"]}, after={"enabled": enabled},
                        detail={"sessions_ended": ended} if ended else None)

        self._run("USER_ENABLE" if enabled else "USER_DISABLE", "user", login, Access.WRITE,
                  body)

    def set_password(self, login: str, password: str) -> None:
        """Replace a user's password and end their open sessions."""

        def body(tx: Transaction) -> Done[None]:
            user = self._user(tx, login)
            try:
                encoded = hash_password(password)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None
            now = self.clock()
            tx.execute(f"UPDATE {S}.cis_acl_user SET password_hash = ?, updated_at = ?, "
                       "updated_by = ? WHERE user_id = ?",
                       [encoded, now, actor_login(self.actor), user["user_id"]])
            tx.execute(f"UPDATE {S}.cis_acl_session SET revoked_at = ? "
                       "WHERE user_id = ? AND revoked_at IS NULL", [now, user["user_id"]])
            return Done()

        self._run("USER_SET_PASSWORD", "user", login, Access.WRITE, body)

    # -- reading -----------------------------------------------------------------------------
    def list_users(self) -> list[User]:
        def body(tx: Transaction) -> Done[list[User]]:
            users = tx.query(f"SELECT * FROM {S}.cis_acl_user ORDER BY user_login")
            out = []
            for u in users:
                groups = store.user_groups(tx, u["user_id"])
                out.append(User(
                    u["user_id"], u["user_login"], u["user_name"], u["user_email"],
                    u["enabled"], tuple(g["group_name"] for g in groups),
                    next((g["group_name"] for g in groups if g["is_primary"]), None),
                ))
            return Done(out, detail={"rows": len(out)})

        return self._run("USER_LIST", "user", None, Access.READ, body)

    def list_groups(self) -> list[Group]:
        def body(tx: Transaction) -> Done[list[Group]]:
            rows = tx.query(f"SELECT * FROM {S}.cis_acl_group ORDER BY group_name")
            names = {r["group_id"]: r["group_name"] for r in rows}
            all_grants = store.grants(tx)
            out = [Group(r["group_id"], r["group_name"], r["description"],
                         names.get(r["parent_group_id"]), all_grants.get(r["group_id"], {}))
                   for r in rows]
            return Done(out, detail={"rows": len(out)})

        return self._run("GROUP_LIST", "group", None, Access.READ, body)

    def effective_permissions(self, login: str) -> dict[str, str]:
        """The permission map ``login`` would get at login now."""

        def body(tx: Transaction) -> Done[dict[str, str]]:
            perms, _ = store.user_permission_map(tx, self._user(tx, login)["user_id"])
            return Done(perms)

        return self._run("USER_PERMISSIONS", "user", login, Access.READ, body)
