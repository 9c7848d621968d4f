"""ACL changes that rewrite rows: re-grants, re-added memberships, the primary group.

Each test runs on plain DuckDB and on the unit of work of Impala/Kudu (claims,
then writes at its end) over DuckDB.
"""

import shutil

import pytest

from cistrade_core.acl import SystemActor
from cistrade_core.audit import AuditFilter
from cistrade_core.audit import log as audit_log
from tests.kudu_on_duckdb import KuduOnDuckDB


@pytest.fixture(params=["duckdb", "kudu"])
def core_wh(request, settings, core_seed):
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

    shutil.copy(core_seed.template, settings.warehouse_path)
    wh = DuckDBWarehouse(settings.warehouse_path)
    if request.param == "kudu":
        wh = KuduOnDuckDB.over(wh)
    with wh.keep_open():
        yield wh


def _grants(admin, group):
    return next(g.permissions for g in admin.list_groups() if g.group_name == group)


def test_a_revoked_grant_can_be_granted_again_and_changed(core):
    admin = core.admin(SystemActor("test-admin"))
    admin.revoke("Checkers", "cis-portfolio-approval")
    assert "cis-portfolio-approval" not in _grants(admin, "Checkers")
    admin.grant("Checkers", "cis-portfolio-approval", "READ")
    admin.grant("Checkers", "cis-portfolio-approval", "WRITE")
    assert _grants(admin, "Checkers") == {"cis-portfolio-approval": "WRITE"}
    befores = [e.before for e in audit_log.select(
        core.warehouse, AuditFilter(action="PERMISSION_GRANT", entity_id="Checkers"))]
    assert befores[-2:] == [None, {"access_level": "READ"}]


def test_a_removed_membership_can_be_added_again_as_the_primary_group(core, login):
    admin = core.admin(SystemActor("test-admin"))
    admin.remove_from_group("hybrid", "Checkers")
    admin.add_to_group("hybrid", "Checkers", primary=True)
    hybrid = next(u for u in admin.list_users() if u.user_login == "hybrid")
    assert hybrid.groups == ("Checkers", "Makers") and hybrid.primary_group == "Checkers"
    rows = core.warehouse.query(
        "SELECT is_primary FROM gmp_cis.cis_acl_user_group WHERE user_id = ?",
        [hybrid.user_id])
    assert sorted(r["is_primary"] for r in rows) == [False, True]
    assert login("hybrid").user_group_name == "Checkers"


def test_a_user_without_groups_gets_a_primary_group_when_added(core):
    admin = core.admin(SystemActor("test-admin"))
    admin.add_to_group("nobody", "Staff")
    nobody = next(u for u in admin.list_users() if u.user_login == "nobody")
    assert nobody.groups == ("Staff",) and nobody.primary_group == "Staff"


def test_disabling_ends_only_open_sessions(core, login, clock):
    admin = core.admin(SystemActor("test-admin"))
    first = login("viewer")
    core.sessions.logout(first)
    login("viewer")
    admin.set_enabled("viewer", False)
    [event] = audit_log.select(core.warehouse, AuditFilter(action="USER_DISABLE"))
    assert event.detail == {"sessions_ended": 1}
    rows = core.warehouse.query(
        "SELECT revoked_at FROM gmp_cis.cis_acl_session WHERE user_login = 'viewer'")
    assert len(rows) == 2 and all(r["revoked_at"] is not None for r in rows)
