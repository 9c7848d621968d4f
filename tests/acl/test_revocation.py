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
        state, perms = store.session_access(tx, checker.session_id, checker.user_id)
        assert perms == store.user_permission_map(tx, checker.user_id)[0]
        assert state["enabled"] and state["revoked_at"] is None
        # another user's id with this session's id is not a live session
        assert store.session_access(tx, checker.session_id, checker.user_id + 999)[0] is None
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
