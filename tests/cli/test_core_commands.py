"""The acl, portfolio, udf, audit and notify commands, as a user would run them."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path


def test_login_keeps_a_private_session_file(cli, home):
    out = cli.as_user("maker1")
    assert "logged in as maker1 (Makers) until" in out
    path = home / "session.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    who = json.loads(cli("acl", "whoami"))
    assert who["user_login"] == "maker1"
    assert who["user_permissions"]["cis-portfolio"] == "READ_WRITE"
    assert "token" not in who
    cli("acl", "logout")
    assert not path.exists()
    assert "not logged in" in cli("portfolio", "list", expect=3)


def test_password_comes_from_a_prompt_never_an_argument(cli, core_seed):
    out = cli("acl", "login", "--user", "maker1", "--password", "x", expect=2)
    assert "No such option" in out
    out = cli("acl", "login", "--user", "maker1", input=core_seed.passwords["maker1"] + "\n")
    assert "logged in as maker1" in out
    assert core_seed.passwords["maker1"] not in out
    out = cli("acl", "login", "--user", "maker1", input="wrong-password\n", expect=3)
    assert "invalid user or password" in out


def test_workflow_from_the_command_line(cli):
    cli.as_user("maker1")
    cli("udf", "define", "strategy", "--label", "Strategy", "--type", "enum",
        "--allowed", "HEDGE", "--allowed", "TRADING", "--mandatory", "--default", "TRADING")
    assert "strategy" in cli("udf", "list")
    out = cli("portfolio", "create", "EQ-LDN-01", "--name", "Equities London",
              "--currency", "GBP", "--owner", "maker1", "--desk", "EQ Flow",
              "--udf", "strategy=HEDGE")
    assert "now version 1, DRAFT" in out
    assert "version 2, PENDING_APPROVAL" in cli("portfolio", "submit", "EQ-LDN-01",
                                                "--version", "1")
    out = cli("portfolio", "approve", "EQ-LDN-01", "--version", "2", expect=3)
    assert "needs WRITE on cis-portfolio-approval" in out

    cli.as_user("checker1")
    assert "conflict" in cli("portfolio", "approve", "EQ-LDN-01", "--version", "1", expect=5)
    assert "version 3, ACTIVE" in cli("portfolio", "approve", "EQ-LDN-01", "--version", "2")

    cli.as_user("maker1")
    out = cli("portfolio", "edit", "EQ-LDN-01", "--version", "3", "--desk", "EQ Delta One")
    assert "pending edit: DRAFT" in out
    cli("portfolio", "submit", "EQ-LDN-01", "--version", "4")
    shown = cli("portfolio", "show", "EQ-LDN-01")
    assert "owner / desk:  maker1 / EQ Flow" in shown
    assert "desk: EQ Flow -> EQ Delta One" in shown
    cli.as_user("checker2")
    assert "invalid" in cli("portfolio", "reject", "EQ-LDN-01", "--version", "5",
                            "--reason", " ", expect=4)
    cli("portfolio", "reject", "EQ-LDN-01", "--version", "5", "--reason", "wrong desk")
    history = cli("portfolio", "history", "EQ-LDN-01")
    assert [line.split()[3] for line in history.splitlines()] == [
        "CREATE", "SUBMIT", "APPROVE", "EDIT", "SUBMIT", "REJECT"]
    assert "reason: wrong desk" in history
    listed = json.loads(cli("portfolio", "list", "--json"))
    assert [(p["portfolio_code"], p["pending_status"]) for p in listed] == [
        ("EQ-LDN-01", "REJECTED")]

    assert "needs READ on cis-audit" in cli("audit", "query", expect=3)
    cli.as_user("auditor")
    rows = json.loads(cli("audit", "query", "--entity", "EQ-LDN-01", "--json"))
    assert [(r["user_login"], r["action"], r["outcome"]) for r in rows][:4] == [
        ("maker1", "CREATE", "SUCCESS"), ("maker1", "SUBMIT", "SUCCESS"),
        ("maker1", "APPROVE", "DENIED"), ("checker1", "APPROVE", "CONFLICT")]
    out = cli("audit", "query", "--user", "checker2", "--action", "reject")
    assert len(out.splitlines()) == 2 and "INVALID" in out
    assert "approval_request" in cli("notify", "list")


def test_command_mail_goes_to_the_configured_server(cli, smtp_server):
    from cistrade_dev.smtp_server import read_outbox

    cli.as_user("maker1")
    cli("portfolio", "create", "M-01", "--name", "Mail", "--currency", "USD", "--owner", "o",
        "--desk", "d")
    cli("portfolio", "submit", "M-01", "--version", "1")
    [msg] = read_outbox(smtp_server.outbox)
    assert msg["X-CisTrade-Event"] == "approval_request"


def test_acl_administration(cli, home, monkeypatch):
    cli("acl", "create-group", "Desk Heads", "--parent", "Checkers")
    cli("acl", "grant", "Desk Heads", "cis-audit", "read")
    monkeypatch.setenv("CISTRADE_NEW_PASSWORD", "head-of-desk-pw")
    cli("acl", "create-user", "head1", "--name", "Head One", "--email", "head1@example.com",
        "--group", "Desk Heads")
    perms = json.loads(cli("acl", "permissions", "head1"))
    assert perms == {"cis-audit": "READ", "cis-fx": "READ", "cis-gmp": "READ",
                     "cis-portfolio": "READ", "cis-portfolio-approval": "WRITE",
                     "cis-udf": "READ"}
    assert "Desk Heads" in cli("acl", "groups")
    cli("acl", "disable", "head1")
    assert "head1            DISABLED" in cli("acl", "users")
    monkeypatch.setenv("CISTRADE_PASSWORD", "head-of-desk-pw")
    assert "disabled" in cli("acl", "login", "--user", "head1", expect=3)
    cli("acl", "enable", "head1")
    assert "logged in as head1 (Desk Heads)" in cli("acl", "login", "--user", "head1")
    assert "cycles" in cli("acl", "set-parent", "Staff", "Desk Heads", expect=4)


def test_seed_demo_uses_env_passwords_or_prints_generated_ones_once(cli, monkeypatch):
    monkeypatch.setenv("CISTRADE_DEMO_MAKER_PASSWORD", "demo-maker-password")
    out = cli("acl", "seed-demo")
    assert "user demo_maker created; password from CISTRADE_DEMO_MAKER_PASSWORD" in out
    assert "demo-maker-password" not in out
    generated = [line.rsplit(" ", 1)[1] for line in out.splitlines() if "shown once" in line]
    assert len(generated) == 2  # checker and auditor
    again = cli("acl", "seed-demo")
    assert "shown once" not in again and "user demo_checker exists" in again
    monkeypatch.setenv("CISTRADE_PASSWORD", generated[0])
    assert "logged in as demo_checker (Checkers)" in cli("acl", "login", "--user",
                                                         "demo_checker")


def test_the_installed_command_runs_in_its_own_process(home, core_seed):
    exe = Path(sys.executable).parent / "cistrade"
    env = {**os.environ, "CISTRADE_PASSWORD": core_seed.passwords["viewer"]}
    login = subprocess.run([str(exe), "acl", "login", "--user", "viewer"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert login.returncode == 0, login.stderr
    env.pop("CISTRADE_PASSWORD")
    who = subprocess.run([str(exe), "acl", "whoami"], env=env, capture_output=True, text=True,
                         timeout=120)
    assert json.loads(who.stdout)["user_login"] == "viewer"


def test_whoami_says_a_disabled_users_session_is_invalid(cli):
    cli.as_user("checker2")
    assert json.loads(cli("acl", "whoami"))["valid"] is True
    cli("acl", "remove-member", "checker2", "Checkers")
    assert "cis-portfolio-approval" not in json.loads(cli("acl", "whoami"))["user_permissions"]
    cli("acl", "disable", "checker2")
    out = cli("acl", "whoami", expect=3)
    assert "checker2 is disabled" in out or "session ended" in out
    assert "needs WRITE" in cli("portfolio", "approve", "X", "--version", "1", expect=3) \
        or "disabled" in cli("portfolio", "approve", "X", "--version", "1", expect=3)


def test_a_session_file_with_a_non_ascii_token_is_refused_cleanly(cli, home):
    (home / "session.json").write_text(json.dumps({"token": "tökén-ünïcode"}))
    out = cli("acl", "whoami", expect=3)
    assert "does not hold a session token" in out and "Traceback" not in out
    (home / "session.json").write_bytes(b"\xff\xfe garbage")
    assert "log in again" in cli("portfolio", "list", expect=3)
    assert "not logged in" in cli("acl", "logout")


def test_portfolio_show_neutralises_control_characters_stored_earlier(cli, home):
    """Text written before the rules (or by another writer) can't drive the terminal."""
    from cistrade_core.warehouse import get_warehouse

    cli.as_user("maker1")
    cli("portfolio", "create", "ESC-01", "--name", "Clean", "--currency", "USD",
        "--owner", "o", "--desk", "d")
    get_warehouse().execute("UPDATE gmp_cis.cis_portfolio SET portfolio_name = ?, desk = ?",
                            ["\x1b[2J\x1b[31mRED", "EQ \u202eFlow"])
    for args in (("portfolio", "show", "ESC-01"), ("portfolio", "list")):
        out = cli(*args)
        assert "\x1b" not in out and "\u202e" not in out
        assert "\\x1b[2J\\x1b[31mRED" in out and "\\u202e" in out
    shown = cli("portfolio", "show", "ESC-01", "--json")
    assert "\x1b" not in shown and json.loads(shown)["portfolio_name"] == "\x1b[2J\x1b[31mRED"
