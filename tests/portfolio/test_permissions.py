"""Every operation checks the session's permission on its resource, and says so."""

import pytest

from cistrade_core.acl import AclAdmin
from cistrade_core.audit import AuditFilter
from cistrade_core.audit import log as audit_log
from cistrade_core.errors import PermissionDenied, SessionError


@pytest.fixture
def world(core, login):
    """A draft (DRAFT-01), a submitted one (PEND-01) and an active one (ACT-01)."""
    maker, checker = login("maker1"), login("checker1")
    svc = core.portfolios
    svc.create(maker, "DRAFT-01", name="Draft", base_currency="USD", owner="m", desk="d")
    p = svc.create(maker, "PEND-01", name="Pending", base_currency="USD", owner="m", desk="d")
    svc.submit(maker, "PEND-01", p.version)
    p = svc.create(maker, "ACT-01", name="Active", base_currency="USD", owner="m", desk="d")
    p = svc.approve(checker, "ACT-01", svc.submit(maker, "ACT-01", p.version).version)
    return core


# operation, the user lacking the permission, resource, level needed
CASES = [
    ("CREATE", "checker1", "cis-portfolio", "WRITE",
     lambda c, s: c.portfolios.create(s, "NEW-01", name="n", base_currency="USD", owner="o",
                                      desk="d")),
    ("EDIT", "checker1", "cis-portfolio", "WRITE",
     lambda c, s: c.portfolios.edit(s, "DRAFT-01", 1, name="n2")),
    ("SUBMIT", "auditor", "cis-portfolio", "WRITE",
     lambda c, s: c.portfolios.submit(s, "DRAFT-01", 1)),
    ("DEACTIVATE", "checker2", "cis-portfolio", "WRITE",
     lambda c, s: c.portfolios.deactivate(s, "ACT-01", 3)),
    ("APPROVE", "maker2", "cis-portfolio-approval", "WRITE",
     lambda c, s: c.portfolios.approve(s, "PEND-01", 2)),
    ("REJECT", "maker1", "cis-portfolio-approval", "WRITE",
     lambda c, s: c.portfolios.reject(s, "PEND-01", 2, "no")),
    ("VIEW", "nobody", "cis-portfolio", "READ", lambda c, s: c.portfolios.show(s, "ACT-01")),
    ("LIST", "nobody", "cis-portfolio", "READ", lambda c, s: c.portfolios.list(s)),
    ("HISTORY", "nobody", "cis-portfolio", "READ",
     lambda c, s: c.portfolios.history(s, "ACT-01")),
    ("UDF_DEFINE", "maker2", "cis-udf", "WRITE",
     lambda c, s: c.udfs.define(s, "book_type", "Book type", "string")),
    ("UDF_RETIRE", "checker1", "cis-udf", "WRITE", lambda c, s: c.udfs.retire(s, "x")),
    ("UDF_LIST", "nobody", "cis-udf", "READ", lambda c, s: c.udfs.list(s)),
    ("AUDIT_QUERY", "maker1", "cis-audit", "READ", lambda c, s: c.audit.query(s)),
    ("GROUP_CREATE", "maker1", "cis-acl", "WRITE",
     lambda c, s: AclAdmin(c.warehouse, s, c.clock).create_group("G")),
    ("USER_DISABLE", "checker1", "cis-acl", "WRITE",
     lambda c, s: AclAdmin(c.warehouse, s, c.clock).set_enabled("maker1", False)),
    ("USER_LIST", "auditor", "cis-acl", "READ",
     lambda c, s: AclAdmin(c.warehouse, s, c.clock).list_users()),
]


@pytest.mark.parametrize("action, user, resource, needed, call", CASES,
                         ids=[c[0] for c in CASES])
def test_permission_denied(world, login, action, user, resource, needed, call):
    session = login(user)
    before = world.warehouse.query("SELECT * FROM gmp_cis.cis_portfolio ORDER BY 1")
    with pytest.raises(PermissionDenied) as err:
        call(world, session)
    assert (err.value.resource, err.value.needed) == (resource, needed)
    assert f"{user} needs {needed} on {resource}" in str(err.value)
    assert world.warehouse.query("SELECT * FROM gmp_cis.cis_portfolio ORDER BY 1") == before
    [event] = audit_log.select(world.warehouse, AuditFilter(user=user, action=action))
    assert event.outcome == "DENIED"
    assert event.detail["error"] == "PermissionDenied"


def test_no_session_is_refused(world):
    with pytest.raises(SessionError, match="not logged in"):
        world.portfolios.list(None)
