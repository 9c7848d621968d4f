"""Revocation bites at once: a removed member, a revoked grant or a disabled user is
refused on the very next request of every live session of the users it touches."""

import pytest

from cistrade_core.acl import AclAdmin, SystemActor
from cistrade_core.audit import log as audit_log
from cistrade_core.errors import PermissionDenied, SessionError


@pytest.fixture
def admin(core, clock):
    return AclAdmin(core.warehouse, SystemActor("admin:test"), clock)


@pytest.fixture
def pending(core, login):
    """A portfolio waiting for approval, made by maker1."""
    maker = login("maker1")
    core.portfolios.create(maker, "REV-01", name="Revocation", base_currency="USD",
                           owner="maker1", desk="d")
    return core.portfolios.submit(maker, "REV-01", 1)


def test_removing_a_member_refuses_the_live_session_at_once(core, login, admin, pending):
    first, second = login("checker2"), login("checker2")  # two live sessions
    admin.remove_from_group("checker2", "Checkers")
    for session in (first, second):
        with pytest.raises(PermissionDenied, match="checker2 needs WRITE on "
                                                   "cis-portfolio-approval"):
            core.portfolios.approve(session, "REV-01", pending.version)
    assert core.sessions.validate(first).permissions == {}
    assert audit_log.count(core.warehouse, action="APPROVE", user_login="checker2",
                           outcome="DENIED") == 2


def test_revoking_a_grant_refuses_every_member_at_once(core, login, admin, pending):
    sessions = [login("checker1"), login("checker2"), login("hybrid")]
    admin.revoke("Checkers", "cis-portfolio-approval")
    for session in sessions:
        with pytest.raises(PermissionDenied, match="cis-portfolio-approval"):
            core.portfolios.approve(session, "REV-01", pending.version)
    # what the group still inherits keeps working
    assert [p.portfolio_code for p in core.portfolios.list(sessions[0])] == ["REV-01"]


def test_a_revoked_parent_grant_bites_through_the_hierarchy(core, login, admin, pending):
    checker = login("checker1")
    assert core.portfolios.show(checker, "REV-01").portfolio_code == "REV-01"
    admin.revoke("Staff", "cis-portfolio")  # Checkers inherited READ from Staff
    with pytest.raises(PermissionDenied, match="READ on cis-portfolio"):
        core.portfolios.show(checker, "REV-01")


def test_disabling_a_user_invalidates_their_sessions(core, login, admin, pending):
    session = login("checker2")
    admin.set_enabled("checker2", False)
    with pytest.raises(SessionError, match="disabled|ended"):
        core.portfolios.approve(session, "REV-01", pending.version)
    with pytest.raises(SessionError):
        core.sessions.validate(session)
    admin.set_enabled("checker2", True)
    with pytest.raises(SessionError, match="ended"):  # enabling again does not revive it
        core.sessions.validate(session)


def test_one_read_per_request_the_verified_map_serves_that_request_only(core, login, admin,
                                                                       pending, monkeypatch):
    from cistrade_core.acl import authz, store

    checker = login("checker1")
    with core.warehouse.transaction() as tx:
        access = store.session_access(tx, checker.session_id, checker.user_id)
        perms, state = access.permissions, access.state
        assert perms == store.user_permission_map(tx, checker.user_id)[0]
        assert state["enabled"] and state["revoked_at"] is None
        assert access.changes == store.change_count(tx) > 0   # the fixtures' users and grants
        # another user's id with this session's id is not a live session
        assert store.session_access(tx, checker.session_id, checker.user_id + 999).state is None
        verified = authz.verify(tx, checker, core.clock())
    assert verified.permissions == perms and verified.verified[1] == perms
    reads = []
    real = store.session_access
    monkeypatch.setattr(store, "session_access", lambda *a: reads.append(1) or real(*a))
    assert core.portfolios.show(verified, "REV-01").portfolio_code == "REV-01"
    assert reads == []                          # the request's own map, no second read
    admin.revoke("Staff", "cis-portfolio")
    # a later request resumes the session again and reads the map again: refused at once
    with pytest.raises(PermissionDenied, match="READ on cis-portfolio"):
        core.portfolios.show(checker, "REV-01")
    assert reads == [1]
    # and a verified session kept past its request is read again once it is stale
    monkeypatch.setattr(authz, "VERIFIED_FOR", 0.0)
    with pytest.raises(PermissionDenied, match="READ on cis-portfolio"):
        core.portfolios.show(verified, "REV-01")


@pytest.fixture
def reads(monkeypatch):
    """Counts the full reads of a session's access (``store.session_access``)."""
    from cistrade_core.acl import store

    calls: list[str] = []
    real = store.session_access
    monkeypatch.setattr(store, "session_access",
                        lambda q, sid, uid: calls.append(sid) or real(q, sid, uid))
    return calls


@pytest.mark.parametrize("change", ["revoke", "remove_member", "disable", "set_parent",
                                    "logout_elsewhere"])
def test_a_cached_access_is_read_again_after_any_acl_change(core, login, admin, pending,
                                                             reads, change):
    from cistrade_core.acl import authz

    cache = authz.AccessCache()
    checker, other = login("checker1"), login("checker2")
    for _ in range(3):
        checker = authz.verify(core.warehouse, checker, core.clock(), cache)
    assert reads == [checker.session_id]          # read once, then only the change count
    assert checker.permissions.get("cis-portfolio") == "READ"
    {"revoke": lambda: admin.revoke("Staff", "cis-portfolio"),
     "remove_member": lambda: admin.remove_from_group("checker1", "Checkers"),
     "disable": lambda: admin.set_enabled("checker1", False),
     "set_parent": lambda: admin.set_parent("Checkers", None),
     "logout_elsewhere": lambda: core.sessions.logout(other)}[change]()
    if change == "disable":
        with pytest.raises(SessionError, match="disabled|ended"):
            authz.verify(core.warehouse, checker, core.clock(), cache)
    else:
        again = authz.verify(core.warehouse, checker, core.clock(), cache)
        assert ("cis-portfolio" in again.permissions) is (change == "logout_elsewhere")
    assert len(reads) == 2


def test_a_logout_refuses_the_session_through_the_cache(core, login, reads):
    from cistrade_core.acl import authz

    cache = authz.AccessCache()
    session = login("checker1")
    authz.verify(core.warehouse, session, core.clock(), cache)
    core.sessions.logout(session)
    with pytest.raises(SessionError, match="ended"):
        authz.verify(core.warehouse, session, core.clock(), cache)
    with pytest.raises(SessionError, match="ended"):   # refused again, whatever is cached
        authz.verify(core.warehouse, session, core.clock(), cache)


def test_every_acl_command_records_a_change_and_a_read_or_failure_does_not(core, admin):
    from cistrade_core.acl import store
    from cistrade_core.errors import NotFound

    def count() -> int:
        with core.warehouse.transaction() as tx:
            return store.change_count(tx)

    before = count()
    admin.create_group("Reviewers")
    admin.grant("Reviewers", "cis-audit", "READ")
    admin.add_to_group("checker1", "Reviewers")
    admin.set_password("checker1", "An0ther-long-passphrase")
    assert count() == before + 4
    admin.list_users()
    admin.effective_permissions("checker1")
    with pytest.raises(NotFound):
        admin.revoke("No-such-group", "cis-audit")
    assert count() == before + 4


def test_an_unknown_session_is_never_cached(core, login, reads):
    from dataclasses import replace

    from cistrade_core.acl import authz

    cache = authz.AccessCache()
    session = replace(login("checker1"), session_id="0" * 64)
    for _ in range(2):
        with pytest.raises(SessionError, match="unknown"):
            authz.verify(core.warehouse, session, core.clock(), cache)
    assert len(reads) == 2
