"""No traceback ever reaches a user: every command of the authorization table, run with
hostile values in each of its parameters, answers with a message and an exit status.

In process (click's runner) for speed, as a user holding every permission and as the
local administrator, so that each value reaches the command's own validation; a few
cases run again as real processes.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cistrade_core.acl.commands import COMMANDS
from cistrade_core.cli import main
from tests.cli.test_guard import ARGS, RESOURCES

STRINGS = ["\x00", "\x1b[2J\x1b]0;owned\x07", "A\u202eB", "x" * 100_000, "../../../etc/passwd' --"]
NUMBERS = ["-5", "99999999999999999999", "abc", "nan", ""]
DATES = ["2026-13-45", "\x00", "x" * 10_000]
PATHS = ["/proc/nonexistent/dir", "\x00"]
#: Commands that serve until stopped or call remote systems: only the values their
#: parsing refuses (numbers, choices, dates) are tried, never a string they would accept.
PARSE_ONLY = {"fx simulate", "mail serve", "metrics serve", "api serve", "fx load",
              "gx validate"}


def _kind(param: click.Parameter) -> str:
    t = param.type
    if isinstance(t, click.types.BoolParamType) or getattr(param, "is_flag", False):
        return "flag"
    if isinstance(t, click.Choice):
        return "choice"
    if isinstance(t, (click.types.IntParamType, click.types.FloatParamType, click.IntRange,
                      click.FloatRange)) or t.name in ("number", "integer range"):
        return "number"
    if isinstance(t, click.DateTime) or param.name in ("day", "start", "end"):
        return "date"
    if isinstance(t, click.Path):
        return "path"
    return "string"


def hostile_cases():
    """Per command: one run with every free-text parameter hostile, one with every typed
    one (number, date, choice) hostile; the values rotate over the lists above."""
    ctx = click.Context(main)
    n = 0
    for command in sorted(COMMANDS):
        group, name = command.split()
        cmd = main.get_command(ctx, group).commands[name]
        base = ARGS[command]
        arguments = [p for p in cmd.params if isinstance(p, click.Argument)]
        required = [a for a in arguments if a.nargs == 1 and a.required]
        positional, options = list(base[:len(required)]), list(base[len(required):])
        for typed in (False, True):
            args, extra, kinds = list(positional), [], set()
            for param in cmd.params:
                kind = _kind(param)
                if kind == "flag" or (kind in ("number", "date", "choice")) != typed:
                    continue
                if command in PARSE_ONLY and kind in ("string", "path"):
                    continue
                values = {"choice": ["nope", "\x1b[31m"], "number": NUMBERS, "date": DATES,
                          "path": PATHS, "string": STRINGS}[kind]
                value = values[n % len(values)]
                n += 1
                kinds.add(kind)
                if isinstance(param, click.Argument):
                    i = arguments.index(param)
                    if i < len(args):
                        args[i] = value
                    else:
                        args.append(value)
                else:
                    extra += [param.opts[-1], value]
            if kinds:
                yield pytest.param(command, typed, [*args, *options, *extra],
                                   id=f"{command}-{'typed' if typed else 'text'}")


CASES = list(hostile_cases())


@pytest.fixture(scope="module")
def almighty(tmp_path_factory, core_seed):
    """A seeded warehouse and a session of a user holding every permission."""
    import shutil

    from cistrade_core.acl import AclAdmin, SystemActor
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

    home = tmp_path_factory.mktemp("hostile") / "cistrade"
    home.mkdir()
    shutil.copy(core_seed.template, home / "warehouse.duckdb")
    admin = AclAdmin(DuckDBWarehouse(home / "warehouse.duckdb"), SystemActor("admin:test"))
    admin.create_group("Everything")
    for resource in RESOURCES:
        admin.grant("Everything", resource, "READ_WRITE")
    admin.add_to_group("nobody", "Everything")
    env = {"CISTRADE_HOME": str(home), "CISTRADE_SMTP_PORT": "1", "CISTRADE_SMTP_HOST":
           "127.0.0.1", "CISTRADE_NEW_PASSWORD": "a-new-password-1",
           "CISTRADE_BLOOMBERG_URL": "http://127.0.0.1:1/b", "CISTRADE_REUTERS_URL":
           "http://127.0.0.1:1/r", "CISTRADE_FX_SIMULATOR_URL": "http://127.0.0.1:1"}
    login = CliRunner().invoke(main, ["acl", "login", "--user", "nobody"],
                               env={**env, "CISTRADE_PASSWORD": core_seed.passwords["nobody"]})
    assert login.exit_code == 0, login.output
    return env


@pytest.mark.parametrize("command, typed, args", CASES)
def test_hostile_arguments_get_a_message_not_a_traceback(almighty, monkeypatch, command, typed,
                                                         args):
    for name, value in almighty.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CISTRADE_SESSION_FILE", raising=False)
    result = CliRunner().invoke(main, [*command.split(), *args])
    out = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        command, args[:4], repr(result.exception))
    assert "Traceback" not in out and "internal error" not in out, (command, out[-500:])
    assert "\x1b" not in out and "\u202e" not in out, (command, out[-300:])
    if typed:
        assert result.exit_code != 0, (command, args, out[-300:])
    if result.exit_code != 0:
        assert out.strip(), command


def test_a_few_hostile_runs_as_real_processes(home, core_seed):
    exe = Path(sys.executable).parent / "cistrade"
    env = {**os.environ, "CISTRADE_PASSWORD": core_seed.passwords["viewer"]}
    env.pop("CISTRADE_SESSION_FILE", None)

    def run(*args):
        return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True,
                              timeout=120)

    assert run("acl", "login", "--user", "viewer").returncode == 0
    for args in (("portfolio", "list", "--limit", "-5"),
                 ("portfolio", "list", "--limit", "99999999999999999999"),
                 ("portfolio", "show", "\x1b[2J" + "x" * 5000)):
        done = run(*args)
        assert done.returncode != 0 and "Traceback" not in done.stderr + done.stdout, args
        assert "Error" in done.stderr or "invalid" in done.stderr, done.stderr
    (home / "session.json").write_text(json.dumps({"token": "tökén"}), encoding="utf-8")
    who = run("acl", "whoami")
    assert who.returncode == 3 and "does not hold a session token" in who.stderr
    assert "Traceback" not in who.stderr + who.stdout


def test_an_unexpected_error_is_a_message_without_its_details(cli, monkeypatch):
    """The last line of defence: an error no command anticipated."""
    from cistrade_core.portfolio import PortfolioService

    def broken(*args, **kwargs):
        raise RuntimeError("password=hunter2 at /secret/path")

    cli.as_user("viewer")
    monkeypatch.setattr(PortfolioService, "list", broken)
    out = cli("portfolio", "list", expect=1)
    assert "internal error (RuntimeError)" in out
    assert "hunter2" not in out and "Traceback" not in out
