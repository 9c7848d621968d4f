"""What the core CLI commands share: opening the services, the session, errors."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from cistrade_core import jsonutil
from cistrade_core.acl.model import Session, SystemActor
from cistrade_core.errors import CoreError
from cistrade_core.services import Core, open_core

PASSWORD_ENV = "CISTRADE_PASSWORD"

#: Exit status per audit outcome of a refused operation.
EXIT_CODES = {"DENIED": 3, "INVALID": 4, "CONFLICT": 5, "ERROR": 1}


class CoreCommandError(click.ClickException):
    def __init__(self, error: CoreError) -> None:
        super().__init__(f"{error.outcome.lower()}: {error}")
        self.exit_code = EXIT_CODES.get(error.outcome, 1)


@contextmanager
def core_errors() -> Iterator[None]:
    """Turn refused operations into a message and an exit status."""
    try:
        yield
    except CoreError as exc:
        raise CoreCommandError(exc) from exc


def get_core(ctx: click.Context | None = None) -> Core:
    ctx = ctx or click.get_current_context()
    core = ctx.meta.get("cistrade.core")
    if core is None:
        core = ctx.meta["cistrade.core"] = open_core()
    return core


def current_session(core: Core) -> Session:
    """The logged-in user's session from the session file, or a clear error."""
    from cistrade_core.cli.session_file import SessionFileError, load_token, session_path

    ctx = click.get_current_context(silent=True)
    if ctx is not None and "cistrade.session" in ctx.meta:
        return ctx.meta["cistrade.session"]
    path = session_path(core.settings)
    try:
        token = load_token(path)
    except SessionFileError as exc:
        raise NotLoggedIn(str(exc)) from None
    if token is None:
        raise NotLoggedIn(f"not logged in ({path}): run `cistrade acl login --user ...`")
    with core_errors():
        session = core.sessions.resume(token)
    if ctx is not None:
        ctx.meta["cistrade.session"] = session
    return session


class NotLoggedIn(click.ClickException):
    """No usable session: exit status 3, as for a refused permission."""

    exit_code = 3


def admin_actor() -> SystemActor:
    """The local administrator, audited under the operating-system account."""
    try:
        who = getpass.getuser()
    except Exception:  # no passwd entry (some containers)
        who = str(os.getuid())
    return SystemActor(f"admin:{who}")


def read_password(prompt: str, env: str = PASSWORD_ENV, confirm: bool = False) -> str:
    """A password from ``env`` or a hidden prompt; never from the command line."""
    value = os.environ.get(env)
    if value:
        return value
    return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


def echo(line: object = "", err: bool = False) -> None:
    """Print one line, control and bidirectional characters shown as escapes: stored text
    (names, reasons, UDF values) can't drive the terminal or reorder what is shown."""
    from cistrade_core.text_rules import printable

    click.echo(printable(line), err=err)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(json.loads(jsonutil.dumps(value) or "null"), indent=2))


def parse_assignments(items: tuple[str, ...]) -> dict[str, str]:
    """``name=value`` pairs (an empty value clears the field)."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected name=value, got {item!r}")
        out[name.strip()] = value
    return out
