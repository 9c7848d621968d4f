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
