"""Managing users, groups and grants.

Callers act either with a session holding ``cis-acl`` access or as a
:class:`SystemActor` (the administrator at the warehouse, who can change the
tables directly anyway). Every call leaves one audit row.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from cistrade_core import text_rules
from cistrade_core.acl import store
from cistrade_core.acl.authz import Actor, actor_login, require
from cistrade_core.acl.model import Access, Group, User
from cistrade_core.acl.passwords import check_policy, hash_password
from cistrade_core.acl.permissions import lineage
from cistrade_core.audit import AuditedRunner, Done, Operation
from cistrade_core.clock import Clock, utcnow
from cistrade_core.errors import InvalidState, NotFound, ValidationError
from cistrade_core.recipients import RecipientError, check_address
from cistrade_core.warehouse import SCHEMA, Transaction, Warehouse

LOGIN_RE = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
RESOURCE_RE = re.compile(r"^[a-z][a-z0-9-]{1,63}$")
GROUP = f"{SCHEMA}.cis_acl_group"
USER = f"{SCHEMA}.cis_acl_user"
MEMBERSHIP = f"{SCHEMA}.cis_acl_user_group"
PERMISSION = f"{SCHEMA}.cis_acl_permission"
SESSION = f"{SCHEMA}.cis_acl_session"


def _text(name: str, value: str | None, rule: text_rules.TextRule = text_rules.NAME,
          required: bool = True) -> str | None:
    try:
        return text_rules.check_text(name, value, rule, required=required)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _grant_of(tx: Transaction, group_id: int, resource: str) -> list[dict[str, Any]]:
    return tx.query(f"SELECT access_level FROM {PERMISSION} WHERE group_id = ? AND resource = ?",
                    [group_id, resource])


def _membership(user_id: int, group_id: int, primary: bool, at: datetime,
                by: str) -> dict[str, Any]:
    return {"user_id": user_id, "group_id": group_id, "is_primary": primary, "added_at": at,
            "added_by": by}


def _end_sessions(tx: Transaction, user_id: int, now: datetime) -> int:
    """Revoke the user's open sessions; return how many there were."""
    return tx.update(SESSION, {"revoked_at": now}, {"user_id": user_id, "revoked_at": None})


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
            done = body(tx)
            if needed is not Access.READ:
                store.record_change(tx, action, op.user, self.clock())
            return done

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
        """One more than the highest id; a concurrent creator of the same id conflicts."""
        return tx.query(f"SELECT coalesce(max({column}), 0) + 1 AS n FROM {SCHEMA}.{table}")[0]["n"]

    def _touch_user(self, tx: Transaction, user_id: int, changes: dict[str, Any],
                    now: datetime) -> None:
        tx.update(USER, {**changes, "updated_at": now, "updated_by": actor_login(self.actor)},
                  {"user_id": user_id})

    # -- groups ------------------------------------------------------------------------------
    def create_group(self, name: str, description: str | None = None,
                     parent: str | None = None) -> int:
        def body(tx: Transaction) -> Done[int]:
            group_name = _text("group name", name, text_rules.SHORT_NAME)
            description_ = _text("group description", description, text_rules.DESCRIPTION,
                                 required=False)
            if store.get_group(tx, group_name):
                raise InvalidState(f"group {group_name!r} already exists")
            tx.claim_unique(GROUP, "group_name", group_name)
            parent_id = self._group(tx, parent)["group_id"] if parent else None
            gid = self._next_id(tx, "cis_acl_group", "group_id")
            tx.insert(GROUP, [{"group_id": gid, "group_name": group_name,
                               "description": description_, "parent_group_id": parent_id,
                               "created_at": self.clock(), "created_by": actor_login(self.actor)}])
            after = {"group_id": gid, "group_name": group_name, "description": description_,
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
            tx.update(GROUP, {"parent_group_id": parent_id}, {"group_id": group["group_id"]})
            return Done(before={"parent_group_id": group["parent_group_id"]},
                        after={"parent_group_id": parent_id, "parent": parent})

        self._run("GROUP_SET_PARENT", "group", name, Access.WRITE, body)

    def grant(self, group: str, resource: str, level: Access | str) -> None:
        level = Access.parse(str(level))

        def body(tx: Transaction) -> Done[None]:
            if not RESOURCE_RE.fullmatch(resource or ""):
                raise ValidationError(f"bad resource name {(resource or '')[:70]!r}: expected "
                                      "lower-case letters, digits and '-', e.g. cis-portfolio")
            gid = self._group(tx, group)["group_id"]
            old = _grant_of(tx, gid, resource)
            tx.upsert(PERMISSION, [{"group_id": gid, "resource": resource,
                                    "access_level": str(level), "granted_at": self.clock(),
                                    "granted_by": actor_login(self.actor)}])
            return Done(before={"access_level": old[0]["access_level"]} if old else None,
                        after={"resource": resource, "access_level": str(level)})

        self._run("PERMISSION_GRANT", "group", group, Access.WRITE, body,
                  {"resource": resource, "access_level": str(level)})

    def revoke(self, group: str, resource: str) -> None:
        def body(tx: Transaction) -> Done[None]:
            gid = self._group(tx, group)["group_id"]
            old = _grant_of(tx, gid, resource)
            if not old:
                raise NotFound(f"group {group!r} has no grant on {resource!r}")
            tx.delete(PERMISSION, {"group_id": gid, "resource": resource})
            return Done(before={"resource": resource, "access_level": old[0]["access_level"]})

        self._run("PERMISSION_REVOKE", "group", group, Access.WRITE, body,
                  {"resource": resource})

    # -- users -------------------------------------------------------------------------------
    def create_user(self, login: str, name: str, email: str, password: str,
                    groups: list[str] | tuple[str, ...] = (), enabled: bool = True) -> int:
        """A new user; the first of ``groups`` is the primary group."""

        def body(tx: Transaction) -> Done[int]:
            if not LOGIN_RE.fullmatch(login or ""):
                raise ValidationError(
                    "a login is 2 to 64 characters: lower-case letters, digits, '.', '_', '-', "
                    "starting with a letter")
            user_name = _text("user name", name)
            try:
                address = check_address(_text("e-mail address", email, text_rules.EMAIL))
            except RecipientError as exc:
                raise ValidationError(f"e-mail address {exc}") from None
            try:
                check_policy(password)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None
            if store.get_user(tx, login):
                raise InvalidState(f"user {login!r} already exists")
            tx.claim_unique(USER, "user_login", login)
            group_ids = [self._group(tx, g)["group_id"] for g in groups]
            uid = self._next_id(tx, "cis_acl_user", "user_id")
            now, by = self.clock(), actor_login(self.actor)
            tx.insert(USER, [{"user_id": uid, "user_login": login, "user_name": user_name,
                              "user_email": address, "password_hash": hash_password(password),
                              "enabled": enabled, "created_at": now, "created_by": by,
                              "updated_at": now, "updated_by": by}])
            memberships = [_membership(uid, gid, i == 0, now, by)
                           for i, gid in enumerate(dict.fromkeys(group_ids))]
            if memberships:
                tx.insert(MEMBERSHIP, memberships)
            after = {"user_id": uid, "user_login": login, "user_name": user_name,
                     "user_email": address, "enabled": enabled, "groups": list(groups)}
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
            if primary_now:  # by key: the new membership is not among these rows
                for g in existing:
                    if g["is_primary"]:
                        tx.update(MEMBERSHIP, {"is_primary": False},
                                  {"user_id": uid, "group_id": g["group_id"]})
            # upsert: the membership may have existed before and been removed
            tx.upsert(MEMBERSHIP, [_membership(uid, gid, primary_now, now, by)])
            return Done(after={"group": group, "primary": primary_now})

        self._run("USER_ADD_GROUP", "user", login, Access.WRITE, body, {"group": group})

    def remove_from_group(self, login: str, group: str) -> None:
        def body(tx: Transaction) -> Done[None]:
            uid = self._user(tx, login)["user_id"]
            gid = self._group(tx, group)["group_id"]
            changed = tx.delete(MEMBERSHIP, {"user_id": uid, "group_id": gid})
            if not changed:
                raise InvalidState(f"{login} is not in {group}")
            return Done(before={"group": group})

        self._run("USER_REMOVE_GROUP", "user", login, Access.WRITE, body, {"group": group})

    def set_enabled(self, login: str, enabled: bool) -> None:
        """Enable or disable a user; disabling also ends their open sessions."""

        def body(tx: Transaction) -> Done[None]:
            user = self._user(tx, login)
            now = self.clock()
            self._touch_user(tx, user["user_id"], {"enabled": enabled}, now)
            ended = _end_sessions(tx, user["user_id"], now) if not enabled else 0
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
            self._touch_user(tx, user["user_id"], {"password_hash": encoded}, now)
            _end_sessions(tx, user["user_id"], now)
            return Done()

        self._run("USER_SET_PASSWORD", "user", login, Access.WRITE, body)

    # -- reading -----------------------------------------------------------------------------
    def list_users(self) -> list[User]:
        def body(tx: Transaction) -> Done[list[User]]:
            users = tx.query(f"SELECT * FROM {SCHEMA}.cis_acl_user ORDER BY user_login")
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
            rows = tx.query(f"SELECT * FROM {SCHEMA}.cis_acl_group ORDER BY group_name")
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
