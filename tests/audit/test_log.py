"""One audit row per operation, refused ones included; queries; append-only."""

import re
from datetime import timedelta
from pathlib import Path

import pytest

import cistrade_core
from cistrade_core.acl import AclAdmin, SystemActor
from cistrade_core.audit import AuditFilter
from cistrade_core.errors import CoreError


def _rows(core):
    return core.warehouse.query("SELECT count(*) AS n FROM gmp_cis.cis_audit_log")[0]["n"]


def test_every_operation_leaves_exactly_one_audit_row(core, login, clock, core_seed):
    maker, checker, auditor = login("maker1"), login("checker1"), login("auditor")
    svc = core.portfolios
    admin = AclAdmin(core.warehouse, SystemActor("admin:test"), clock)
    steps = [
        ("LOGIN", "SUCCESS", lambda: core.sessions.login("viewer", core_seed.passwords["viewer"])),
        ("LOGIN", "DENIED", lambda: core.sessions.login("viewer", "wrong-password")),
        ("LOGIN", "DENIED", lambda: core.sessions.login("ghost", "wrong-password")),
        ("UDF_DEFINE", "SUCCESS", lambda: core.udfs.define(maker, "book", "Book", "string")),
        ("UDF_DEFINE", "INVALID", lambda: core.udfs.define(maker, "Bad Name", "x", "string")),
        ("CREATE", "SUCCESS", lambda: svc.create(maker, "A-01", name="A", base_currency="USD",
                                                 owner="o", desk="d")),
        ("CREATE", "INVALID", lambda: svc.create(maker, "A-02", name="A", base_currency="XXX",
                                                 owner="o", desk="d")),
        ("CREATE", "DENIED", lambda: svc.create(checker, "A-03", name="A", base_currency="USD",
                                                owner="o", desk="d")),
        ("EDIT", "SUCCESS", lambda: svc.edit(maker, "A-01", 1, name="A one")),
        ("EDIT", "CONFLICT", lambda: svc.edit(maker, "A-01", 1, name="A uno")),
        ("SUBMIT", "SUCCESS", lambda: svc.submit(maker, "A-01", 2)),
        ("APPROVE", "DENIED", lambda: svc.approve(maker, "A-01", 3)),
        ("REJECT", "INVALID", lambda: svc.reject(checker, "A-01", 3, "")),
        ("APPROVE", "SUCCESS", lambda: svc.approve(checker, "A-01", 3)),
        ("VIEW", "SUCCESS", lambda: svc.show(auditor, "A-01")),
        ("VIEW", "INVALID", lambda: svc.show(auditor, "NOPE-01")),
        ("LIST", "SUCCESS", lambda: svc.list(auditor)),
        ("HISTORY", "SUCCESS", lambda: svc.history(auditor, "A-01")),
        ("DEACTIVATE", "SUCCESS", lambda: svc.deactivate(maker, "A-01", 4)),
        ("REJECT", "SUCCESS", lambda: svc.reject(checker, "A-01", 5, "still used")),
        ("AUDIT_QUERY", "SUCCESS", lambda: core.audit.query(auditor)),
        ("AUDIT_QUERY", "DENIED", lambda: core.audit.query(maker)),
        ("GROUP_CREATE", "SUCCESS", lambda: admin.create_group("Desk Heads")),
        ("PERMISSION_GRANT", "SUCCESS", lambda: admin.grant("Desk Heads", "cis-audit", "READ")),
        ("USER_DISABLE", "SUCCESS", lambda: admin.set_enabled("maker2", False)),
        ("LOGOUT", "SUCCESS", lambda: core.sessions.logout(auditor)),
        ("VIEW", "DENIED", lambda: svc.show(auditor, "A-01")),  # after logout
    ]
    for action, outcome, call in steps:
        clock.advance(seconds=1)
        count = _rows(core)
        try:
            call()
        except CoreError:
            assert outcome != "SUCCESS", action
        [last] = core.warehouse.query(
            "SELECT * FROM gmp_cis.cis_audit_log ORDER BY event_time DESC, event_id DESC LIMIT 1")
        assert _rows(core) == count + 1, action
        assert (last["action"], last["outcome"]) == (action, outcome)


def test_audit_rows_carry_user_entity_before_after_and_time(core, login, clock):
    maker, checker, auditor = login("maker1"), login("checker1"), login("auditor")
    p = core.portfolios.create(maker, "B-01", name="B", base_currency="EUR", owner="o",
                               desk="d")
    p = core.portfolios.submit(maker, "B-01", p.version)
    clock.advance(hours=1)
    core.portfolios.approve(checker, "B-01", p.version)
    [event] = core.audit.query(auditor, AuditFilter(action="APPROVE", entity_id="B-01"))
    assert (event.user_login, event.entity_type, event.outcome) == (
        "checker1", "portfolio", "SUCCESS")
    assert event.event_time == clock()
    assert (event.before["status"], event.before["version"]) == ("PENDING_APPROVAL", 2)
    assert (event.after["status"], event.after["version"]) == ("ACTIVE", 3)
    assert event.after["approved_by"] == "checker1"


def test_audit_query_filters(core, login, clock):
    maker, checker, auditor = login("maker1"), login("checker1"), login("auditor")
    t0 = clock()
    core.portfolios.create(maker, "C-01", name="C", base_currency="EUR", owner="o", desk="d")
    clock.advance(hours=2)
    t1 = clock()
    core.portfolios.create(maker, "C-02", name="C", base_currency="EUR", owner="o", desk="d")
    with pytest.raises(CoreError):
        core.portfolios.submit(checker, "C-02", 1)
    clock.advance(hours=2)

    def q(**kw):
        return [(e.user_login, e.action, e.entity_id, e.outcome)
                for e in core.audit.query(auditor, AuditFilter(**kw))]

    assert q(user="maker1", action="CREATE") == [("maker1", "CREATE", "C-01", "SUCCESS"),
                                                 ("maker1", "CREATE", "C-02", "SUCCESS")]
    assert q(entity_type="portfolio", entity_id="C-02") == [
        ("maker1", "CREATE", "C-02", "SUCCESS"), ("checker1", "SUBMIT", "C-02", "DENIED")]
    assert q(action="CREATE", since=t1) == [("maker1", "CREATE", "C-02", "SUCCESS")]
    assert q(action="CREATE", since=t0, until=t1) == [("maker1", "CREATE", "C-01", "SUCCESS")]
    assert q(outcome="DENIED") == [("checker1", "SUBMIT", "C-02", "DENIED")]
    assert q(action="CREATE", since=t0, until=t0 + timedelta(seconds=0)) == []
    # the queries themselves are audited
    assert len(q(action="AUDIT_QUERY", user="auditor")) == 6


def test_the_library_never_updates_or_deletes_audit_rows():
    package = Path(cistrade_core.__file__).parent
    direct = re.compile(r"(UPDATE|DELETE\s+FROM|TRUNCATE)\s+\S*cis_audit_log", re.IGNORECASE)
    via_constant = re.compile(r"(UPDATE|DELETE\s+FROM|TRUNCATE)\s+\{TABLE\}", re.IGNORECASE)
    # the warehouse row operations that change or remove rows
    row_op = re.compile(r"\.(update|upsert|delete)\(\s*[\"'](gmp_cis\.)?cis_audit_log\b")
    row_op_via_constant = re.compile(r"\.(update|upsert|delete)\(\s*TABLE\b")
    offenders = []
    for path in package.rglob("*.py"):
        text = path.read_text()
        names_audit_table = 'TABLE = "gmp_cis.cis_audit_log"' in text
        if direct.search(text) or row_op.search(text) or (names_audit_table and (
                via_constant.search(text) or row_op_via_constant.search(text))):
            offenders.append(path.name)
    assert offenders == []
    assert ".insert(TABLE, " in (package / "audit" / "log.py").read_text()
