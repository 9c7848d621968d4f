"""Every ``cistrade`` command has one rule in the authorization table, and is refused
without it: no session, a session lacking the permission, or not the local
administrator. The README shows the same table."""

import re

import click
import pytest
from click.testing import CliRunner

from cistrade_core.acl import AclAdmin, SystemActor
from cistrade_core.acl.commands import (
    COMMANDS,
    REPORT_RESOURCES,
    Exempt,
    LocalAdmin,
    Permission,
    markdown_table,
)
from cistrade_core.audit import log as audit_log
from cistrade_core.cli import main
from cistrade_core.config import REPO_ROOT

#: Arguments that parse for each command (the check comes before the command's work).
ARGS = {
    "acl login": ["--user", "maker1"], "acl logout": [], "acl whoami": [],
    "acl create-group": ["G"], "acl set-parent": ["G"], "acl grant": ["G", "cis-fx", "READ"],
    "acl revoke": ["G", "cis-fx"], "acl create-user": ["u1", "--name", "U", "--email", "u@x"],
    "acl add-member": ["u1", "G"], "acl remove-member": ["u1", "G"], "acl enable": ["u1"],
    "acl disable": ["u1"], "acl set-password": ["u1"], "acl users": [], "acl groups": [],
    "acl permissions": ["u1"], "acl seed-demo": [],
    "api serve": ["--port", "1"], "api openapi": ["--output", "/dev/null"],
    "api client-create": ["client-x", "--group", "G"], "api clients": [],
    "audit query": [],
    "db upgrade": [], "db version": [],
    "fx load": [], "fx show": [], "fx convert": ["1", "EUR", "USD"], "fx health": [],
    "fx release": ["EURUSD"], "fx seed-currencies": [], "fx simulate": [],
    "fx fault": ["bloomberg=down"],
    "gmp load": ["--date", "2026-11-27"], "gmp status": [], "gmp summary": [],
    "gmp generate": ["--date", "2026-11-27"],
    "gx render": [], "gx validate": ["--date", "2026-11-27"],
    "mail list": [], "mail retry": [], "mail serve": [], "notify list": [], "notify retry": [],
    "metrics serve": [], "metrics show": [], "metrics dashboards": ["--check"],
    "portfolio create": ["P-1", "--name", "n", "--currency", "USD", "--owner", "o",
                         "--desk", "d"],
    "portfolio edit": ["P-1", "--version", "1"], "portfolio submit": ["P-1", "--version", "1"],
    "portfolio deactivate": ["P-1", "--version", "1"],
    "portfolio approve": ["P-1", "--version", "1"],
    "portfolio reject": ["P-1", "--version", "1", "--reason", "r"],
    "portfolio show": ["P-1"], "portfolio list": [], "portfolio history": ["P-1"],
    "portfolio remind": [],
    "report list": [], "report run": ["audit_log_monthly", "--no-mail"],
    "sql render": ["--check"],
    "udf define": ["f1", "--label", "F", "--type", "string"], "udf retire": ["f1"],
    "udf list": [],
}
SESSION_COMMANDS = sorted(c for c, r in COMMANDS.items() if isinstance(r, Permission))
ADMIN_COMMANDS = sorted(c for c, r in COMMANDS.items() if isinstance(r, LocalAdmin))
RESOURCES = ("cis-portfolio", "cis-portfolio-approval", "cis-udf", "cis-audit", "cis-acl",
             "cis-fx", "cis-gmp", "cis-report")


def registered() -> dict[str, click.Command]:
    ctx = click.Context(main)
    out = {}
    for name in main.list_commands(ctx):
        group = main.get_command(ctx, name)
        for sub, command in group.commands.items():
            out[f"{name} {sub}"] = command
    return out


def test_the_table_covers_every_registered_command_and_nothing_else():
    commands = registered()
    assert sorted(commands) == sorted(COMMANDS)
    assert sorted(ARGS) == sorted(COMMANDS)
    assert all(getattr(c.callback, "__cistrade_guarded__", False) for c in commands.values())
    assert all(r.reason for r in COMMANDS.values() if isinstance(r, Exempt))


def test_a_command_without_an_entry_is_refused(home):
    @click.command("sneaky")
    def sneaky() -> None:
        click.echo("ran")

    group = main.get_command(click.Context(main), "portfolio")
    group.add_command(sneaky)
    try:
        main.get_command(click.Context(main), "portfolio")  # guards what it loads
        result = CliRunner().invoke(main, ["portfolio", "sneaky"])
    finally:
        group.commands.pop("sneaky")
    assert result.exit_code == 3 and "ran" not in result.output
    assert "'portfolio sneaky' has no entry in the authorization table" in result.output


def test_every_report_reads_declared_data():
    from cistrade_core.reports.definition import load_all

    assert sorted(load_all()) == sorted(REPORT_RESOURCES)


@pytest.mark.parametrize("command", SESSION_COMMANDS)
def test_session_commands_refuse_without_a_session(cli, home, command):
    out = cli(*command.split(), *ARGS[command], expect=3)
    assert "not logged in" in out and "Traceback" not in out


def test_session_commands_refuse_a_session_without_the_permission(cli, home, clock):
    """One user with every grant except the one a command needs (the other level of the
    same resource instead); grants change between commands and apply to the live session."""
    from cistrade_core.warehouse import get_warehouse

    admin = AclAdmin(get_warehouse(), SystemActor("admin:test"), clock)
    admin.create_group("Almost")
    for r in RESOURCES:
        admin.grant("Almost", r, "READ_WRITE")
    admin.add_to_group("nobody", "Almost")
    cli.as_user("nobody")
    for command in SESSION_COMMANDS:
        rule = COMMANDS[command]
        params = {"name": ARGS[command][0]} if command == "report run" else {}
        for (resource, access) in [(rule.resource, rule.access),
                                   *(rule.also(params) if rule.also else [])]:
            admin.grant("Almost", resource, "WRITE" if str(access) == "READ" else "READ")
            out = cli(*command.split(), *ARGS[command], expect=3)
            assert f"nobody needs {access} on {resource}" in out, (command, out)
            admin.grant("Almost", resource, "READ_WRITE")
    denied = audit_log.count(get_warehouse(), user_login="nobody", outcome="DENIED")
    assert denied >= len(SESSION_COMMANDS)


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
def test_local_administrator_commands_refuse_another_os_account(home, command, monkeypatch):
    monkeypatch.setattr("cistrade_core.acl.commands.effective_uid", lambda: 4242)
    result = CliRunner().invoke(main, [*command.split(), *ARGS[command]])
    assert result.exit_code == 3, (command, result.output)
    assert "this command is for the local administrator" in result.output
    assert "Traceback" not in result.output


def test_refusals_without_a_session_are_audited(cli, home):
    from cistrade_core.warehouse import get_warehouse

    cli("report", "run", "audit_log_monthly", "--to", "anyone@example.com", expect=3)
    cli("fx", "release", "EURUSD", expect=3)
    cli("portfolio", "remind", expect=3)
    rows = get_warehouse().query(
        "SELECT user_login, action, outcome FROM gmp_cis.cis_audit_log "
        "WHERE action IN ('REPORT_RUN', 'FX_RELEASE', 'REMIND') ORDER BY event_time")
    assert [(r["user_login"], r["action"], r["outcome"]) for r in rows] == [
        ("anonymous", "REPORT_RUN", "DENIED"), ("anonymous", "FX_RELEASE", "DENIED"),
        ("anonymous", "REMIND", "DENIED")]


def test_a_session_command_without_its_own_audit_row_gets_one(cli, home):
    from cistrade_core.warehouse import get_warehouse

    cli.as_user("checker1")
    assert "reminders sent" in cli("portfolio", "remind")
    [row] = get_warehouse().query("SELECT user_login, outcome, detail FROM "
                                  "gmp_cis.cis_audit_log WHERE action = 'REMIND'")
    assert (row["user_login"], row["outcome"]) == ("checker1", "SUCCESS")


def test_the_readme_shows_the_table():
    readme = (REPO_ROOT / "README.md").read_text()
    match = re.search(r"<!-- command-table -->\n(.*?)<!-- /command-table -->", readme, re.S)
    assert match, "README.md lacks the command table markers"
    assert match.group(1) == markdown_table(), "regenerate: python -m cistrade_core.acl.commands"
