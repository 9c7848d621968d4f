"""The authorization check every ``cistrade`` command passes before it runs.

:class:`~cistrade_core.cli.LazyGroup` wraps each command it loads with
:func:`guard_group`; the wrapper looks the command's path up in
:data:`cistrade_core.acl.commands.COMMANDS` and refuses (exit 3) when there is no
entry, when the process is not the local administrator a command needs, or when the
session is missing, invalid or lacks a permission. Refusals of session commands are
audit rows; so is the outcome of a session command whose library call keeps none.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from cistrade_core.acl.commands import (
    Exempt,
    LocalAdmin,
    NotLocalAdmin,
    Permission,
    UnknownCommand,
    check_local_admin,
    needs,
    rule_for,
)

DENIED_EXIT = 3
_MARK = "__cistrade_guarded__"


class Refused(click.ClickException):
    exit_code = DENIED_EXIT


def command_path(ctx: click.Context) -> str:
    """``"portfolio approve"`` for ``cistrade portfolio approve ...``."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


def guard_group(group: click.Group) -> click.Group:
    for command in group.commands.values():
        if isinstance(command, click.Group):
            guard_group(command)
        elif command.callback is not None and not getattr(command.callback, _MARK, False):
            command.callback = _guarded(command.callback)
    return group


def _entity(rule: Permission, params: dict[str, Any]) -> str | None:
    if rule.entity_param is None:
        value = params.get("pairs")  # fx release PAIR ...
        return " ".join(value)[:200] if value else None
    value = params.get(rule.entity_param)
    return None if value is None else str(value)[:200]


def _audit(rule: Permission, user: str, entity: str | None, outcome: str,
           detail: dict[str, Any]) -> None:
    from cistrade_core.audit.log import Outcome, append, new_event
    from cistrade_core.cli.common import get_core

    core = get_core()
    append(core.warehouse, new_event(
        at=core.clock(), user=user, action=rule.action, entity_type=rule.entity_type,
        entity_id=entity, outcome=Outcome(outcome), detail=detail))


def _authorize(rule: Permission, path: str, params: dict[str, Any]):
    from cistrade_core.acl.authz import require
    from cistrade_core.cli.common import NotLoggedIn, current_session, get_core
    from cistrade_core.errors import CoreError

    core = get_core()
    entity = _entity(rule, params)
    try:
        session = current_session(core)
    except NotLoggedIn as exc:
        _audit(rule, "anonymous", entity, "DENIED", {"command": path, "message": exc.message})
        raise
    except click.ClickException as exc:  # a refused session (expired, unknown)
        _audit(rule, "anonymous", entity, "DENIED", {"command": path, "message": exc.message})
        raise
    try:
        with core.warehouse.transaction() as tx:
            for resource, access in needs(rule, params):
                require(tx, session, resource, access, core.clock())
    except CoreError as exc:
        from cistrade_core.cli.common import CoreCommandError

        _audit(rule, session.user_login, entity, exc.outcome,
               {"command": path, "error": type(exc).__name__, "message": str(exc)})
        raise CoreCommandError(exc) from None
    return session, entity


def _guarded(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        path = command_path(ctx)
        try:
            rule = rule_for(path)
        except UnknownCommand as exc:
            raise Refused(str(exc)) from None
        if isinstance(rule, Exempt):
            return callback(*args, **kwargs)
        if isinstance(rule, LocalAdmin):
            from cistrade_core.config import get_settings

            try:
                check_local_admin(get_settings().home)
            except NotLocalAdmin as exc:
                raise Refused(f"refused: {exc}") from None
            return callback(*args, **kwargs)
        assert isinstance(rule, Permission)
        session, entity = _authorize(rule, path, dict(ctx.params))
        if rule.audited_by_library:
            return callback(*args, **kwargs)
        return _run_audited(rule, path, session.user_login, entity, callback, args, kwargs)

    setattr(run, _MARK, True)
    return run


def _run_audited(rule: Permission, path: str, user: str, entity: str | None,
                 callback: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """Run the command and write its outcome as one audit row."""
    detail: dict[str, Any] = {"command": path}
    outcome = "SUCCESS"
    try:
        result = callback(*args, **kwargs)
    except (SystemExit, click.exceptions.Exit) as exc:
        code = exc.code if isinstance(exc, SystemExit) else exc.exit_code
        if code not in (0, None):
            outcome, detail["exit_status"] = "ERROR", code
        raise
    except click.ClickException as exc:
        outcome = "INVALID" if isinstance(exc, click.UsageError) else "ERROR"
        detail["message"] = exc.message[:500]
        raise
    except Exception as exc:
        outcome, detail["error"] = "ERROR", type(exc).__name__
        raise
    finally:
        _audit(rule, user, entity, outcome, detail)
    return result
