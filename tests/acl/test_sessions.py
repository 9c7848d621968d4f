"""Login, the permission map, sessions expiring after 8 hours, disabled users."""

import hashlib
import json
import stat

import pytest

from cistrade_core.acl import AclAdmin, SessionManager, SystemActor
from cistrade_core.audit import log as audit_log
from cistrade_core.errors import AuthenticationError, PermissionDenied, SessionError


def test_login_builds_the_seed_shaped_session_with_inherited_permissions(login, core_wh):
    session = login("maker1")
    data = session.data()
    assert set(data) == {"user_login", "user_id", "user_name", "user_email", "user_group_id",
                         "user_group_name", "user_permissions"}
    assert data["user_login"] == "maker1"
    assert data["user_name"] == "Maria Maker"
    assert data["user_email"] == "maker1@example.com"
    assert data["user_group_name"] == "Makers"
    assert isinstance(data["user_id"], str) and isinstance(data["user_group_id"], str)
    # READ on cis-portfolio from the parent group Staff + WRITE from Makers
    assert data["user_permissions"] == {"cis-fx": "READ", "cis-gmp": "READ",
                                        "cis-portfolio": "READ_WRITE", "cis-udf": "READ_WRITE"}
    assert login("checker1").data()["user_permissions"] == {
        "cis-fx": "READ", "cis-gmp": "READ", "cis-portfolio": "READ",
        "cis-portfolio-approval": "WRITE", "cis-udf": "READ"}
    assert login("nobody").data()["user_permissions"] == {}
    assert (session.expires_at - session.created_at).total_seconds() == 8 * 3600


def test_session_row_keeps_a_hash_of_the_token_not_the_token(login, core_wh):
    session = login("checker1")
    [row] = core_wh.query("SELECT * FROM gmp_cis.cis_acl_session WHERE user_login = ?",
                          ["checker1"])
    assert row["session_id"] == hashlib.sha256(session.token.encode()).hexdigest()
    assert session.token not in json.dumps(row, default=str)
    assert json.loads(row["session_data"]) == session.data()


def test_failed_logins_do_not_reveal_whether_the_user_exists(core_wh, clock, core_seed):
    sessions = SessionManager(core_wh, clock)
    with pytest.raises(AuthenticationError) as unknown:
        sessions.login("ghost", "some-password-1")
    with pytest.raises(AuthenticationError) as wrong:
        sessions.login("maker1", "some-password-1")
    assert str(unknown.value) == str(wrong.value) == "invalid user or password"
    assert audit_log.count(core_wh, action="LOGIN", outcome="DENIED", user_login="ghost") == 1
    assert audit_log.count(core_wh, action="LOGIN", outcome="DENIED", user_login="maker1") == 1


def test_stored_passwords_are_argon2id_hashes(core_wh, core_seed):
    rows = core_wh.query("SELECT user_login, password_hash FROM gmp_cis.cis_acl_user")
    for row in rows:
        assert row["password_hash"].startswith("$argon2id$v=19$")
        assert core_seed.passwords[row["user_login"]] not in row["password_hash"]


def test_passwords_never_reach_the_audit_log_or_sessions(core, login, core_seed, clock):
    login("maker1")
    with pytest.raises(AuthenticationError):
        core.sessions.login("maker1", core_seed.passwords["checker1"])
    AclAdmin(core.warehouse, SystemActor("admin:test"), clock).set_password(
        "viewer", "a-new-viewer-password")
    dump = json.dumps(core.warehouse.query("SELECT * FROM gmp_cis.cis_audit_log")
                      + core.warehouse.query("SELECT * FROM gmp_cis.cis_acl_session"),
                      default=str)
    for secret in [*core_seed.passwords.values(), "a-new-viewer-password"]:
        assert secret not in dump


def test_session_expires_after_eight_hours(core, login, clock):
    session = login("maker1")
    clock.advance(hours=7, minutes=59, seconds=59)
    assert core.portfolios.list(session) == []
    clock.advance(seconds=1)
    with pytest.raises(SessionError, match="expired"):
        core.portfolios.list(session)
    assert audit_log.count(core.warehouse, action="LIST", outcome="DENIED",
                           user_login="maker1") == 1
    # a new login gives a fresh 8 hours
    assert login("maker1").expires_at == clock() + (session.expires_at - session.created_at)


def test_resume_by_token_and_logout(core, login):
    session = login("viewer")
    resumed = core.sessions.resume(session.token)
    assert resumed.data() == session.data() and resumed.expires_at == session.expires_at
    core.sessions.logout(resumed)
    with pytest.raises(SessionError, match="ended"):
        core.portfolios.list(session)
    with pytest.raises(SessionError, match="unknown session"):
        core.sessions.resume("not-a-token")
    assert audit_log.count(core.warehouse, action="LOGOUT", user_login="viewer") == 1


def test_disabled_user_cannot_log_in_and_loses_open_sessions(core, login, clock, core_seed):
    session = login("maker2")
    admin = AclAdmin(core.warehouse, SystemActor("admin:test"), clock)
    admin.set_enabled("maker2", False)
    with pytest.raises(AuthenticationError, match="disabled"):
        login("maker2")
    # a wrong password for a disabled user says nothing about the account
    with pytest.raises(AuthenticationError, match="invalid user or password"):
        core.sessions.login("maker2", "not-the-password")
    with pytest.raises(SessionError, match="disabled|ended"):
        core.portfolios.list(session)
    admin.set_enabled("maker2", True)
    assert login("maker2").user_login == "maker2"
    assert audit_log.count(core.warehouse, action="USER_DISABLE", outcome="SUCCESS") == 1


def test_a_new_grant_applies_to_live_sessions_at_once(core, login, clock):
    before = login("viewer")
    with pytest.raises(PermissionDenied, match="cis-audit"):
        core.audit.query(before)
    AclAdmin(core.warehouse, SystemActor("admin:test"), clock).grant("Staff", "cis-audit", "READ")
    assert before.access("cis-audit") is None  # the login-time session data is unchanged
    assert core.audit.query(before) is not None  # but the check reads the current grants
    assert core.sessions.validate(before).access("cis-audit") == "READ"


def test_group_hierarchy_cycles_are_refused(core, clock):
    from cistrade_core.errors import ValidationError

    admin = AclAdmin(core.warehouse, SystemActor("admin:test"), clock)
    with pytest.raises(ValidationError, match="cycles"):
        admin.set_parent("Staff", "Makers")
    admin.create_group("Desk Heads", parent="Checkers")
    with pytest.raises(ValidationError):
        admin.set_parent("Staff", "Desk Heads")


def test_acl_management_with_a_session_needs_cis_acl(core, login, clock):
    maker = login("maker1")
    with pytest.raises(PermissionDenied, match="cis-acl"):
        AclAdmin(core.warehouse, maker, clock).create_group("Rogue")
    with pytest.raises(PermissionDenied, match="cis-acl"):
        AclAdmin(core.warehouse, maker, clock).list_users()
    root = AclAdmin(core.warehouse, SystemActor("admin:test"), clock)
    root.create_group("Admins")
    root.grant("Admins", "cis-acl", "READ_WRITE")
    root.add_to_group("viewer", "Admins")
    admin_session = login("viewer")
    AclAdmin(core.warehouse, admin_session, clock).create_group("Ops")
    assert audit_log.count(core.warehouse, action="GROUP_CREATE", user_login="viewer",
                           entity_id="Ops", outcome="SUCCESS") == 1
    assert audit_log.count(core.warehouse, action="GROUP_CREATE", user_login="maker1",
                           outcome="DENIED") == 1


def test_changing_a_password_ends_sessions(core, login, clock):
    session = login("auditor")
    AclAdmin(core.warehouse, SystemActor("admin:test"), clock).set_password(
        "auditor", "a-brand-new-password")
    with pytest.raises(SessionError):
        core.audit.query(session)
    assert core.sessions.login("auditor", "a-brand-new-password").user_login == "auditor"


def test_session_file_is_private(tmp_path, login):
    from cistrade_core.cli.session_file import load_token, save

    session = login("maker1")
    path = tmp_path / "s" / "session.json"
    save(path, session)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_token(path) == session.token
