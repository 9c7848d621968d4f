"""The transactional stores on the real HiveServer2: FX through Airflow, the core workflow,
reports. The same library code as on DuckDB, with ``CISTRADE_WAREHOUSE=hive``: units of
work claim their rows and append to row logs (cistrade_core/warehouse/rowstore.py)."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest

from cistrade_core.warehouse import get_warehouse
from cistrade_dev.smtp_server import read_outbox
from tests import fx_fixtures
from tests.core_fixtures import email
from tests.fx_fixtures import alert_mails, seed_currency_table

REPO = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 2, 9, 0, 0)
sim, fx_env = fx_fixtures.sim, fx_fixtures.fx_env  # the market-data simulator fixtures


@pytest.fixture
def hive(hive_env, settings):
    wh = get_warehouse(settings)
    assert wh.engine == "hive"
    yield wh
    wh.close()


def test_fx_dag_and_report_on_hive(hive, airflow_db, fx_env, smtp_server, settings):
    """Bloomberg down: the DAG falls back to Reuters and stores through HiveServer2; the
    snapshot report reads the rates back from there."""
    from airflow.dag_processing.dagbag import DagBag

    from cistrade_core.fx.pairs import REUTERS_PAIRS
    from cistrade_core.fx.store import FxStore
    from cistrade_core.reports.definition import get_definition
    from cistrade_core.reports.runner import build_report

    seed_currency_table(hive)
    store = FxStore(hive)
    store.ensure_schema()
    fx_env.set_fault("bloomberg", "500")
    dag = DagBag(dag_folder=str(REPO / "dags" / "fx_rates.py")).get_dag(
        "fx_rates_bloomberg")
    run = dag.test()
    assert run.state == "success"
    current = store.current_rates()
    assert {r.source for r in current} == {"reuters"} and len(current) == len(REUTERS_PAIRS)
    [load_run] = store.load_runs(1)
    assert (load_run["run_id"], load_run["status"]) == (f"bloomberg:{run.run_id}", "degraded")
    outcomes = {h["provider"]: h["outcome"] for h in store.feed_health(load_run["run_id"])}
    assert outcomes == {"bloomberg": "unavailable", "reuters": "ok"}
    assert "fallback" in alert_mails(smtp_server)
    assert store.count_rates() == len(REUTERS_PAIRS)

    report = build_report(get_definition("fx_rates_snapshot"), date.today(), formats=["csv"],
                          settings=settings, warehouse=hive)
    with report.files[0].open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(REUTERS_PAIRS) == report.row_count
    assert {r["source"] for r in rows} == {"reuters"}
    recorded = hive.query("SELECT report, row_count FROM gmp_cis.cis_report_run")
    assert recorded == [{"report": "fx_rates_snapshot", "row_count": len(REUTERS_PAIRS)}]


def test_maker_checker_workflow_on_hive(hive, settings, smtp_server):
    """Users, login, a portfolio from draft to active with four eyes, a stale edit refused,
    audit rows and mail: all stored in and read back from HiveServer2."""
    from cistrade_core.acl import AclAdmin, SessionManager, SystemActor
    from cistrade_core.audit import log as audit_log
    from cistrade_core.clock import FixedClock
    from cistrade_core.errors import ConflictError, PermissionDenied
    from cistrade_core.portfolio import Status
    from cistrade_core.services import open_core

    clock = FixedClock(START)
    core = open_core(settings, hive, clock, dispatch=True)
    seed_currency_table(hive, ["GBP", "USD"])
    admin = AclAdmin(hive, SystemActor("test-setup"), clock)
    admin.create_group("Makers", "make changes")
    admin.grant("Makers", "cis-portfolio", "READ_WRITE")
    admin.create_group("Checkers", "approve changes")
    admin.grant("Checkers", "cis-portfolio", "READ")
    admin.grant("Checkers", "cis-portfolio-approval", "WRITE")
    admin.create_user("maker1", "Maria Maker", email("maker1"), "maker-pw-123", ["Makers"])
    admin.create_user("checker1", "Chloe Checker", email("checker1"), "checker-pw-123",
                      ["Checkers"])

    sessions = SessionManager(hive, clock)
    maker = sessions.login("maker1", "maker-pw-123")
    checker = sessions.login("checker1", "checker-pw-123")
    assert maker.permissions["cis-portfolio"] == "READ_WRITE"

    svc = core.portfolios
    p = svc.create(maker, "EQ-LDN-01", name="Equities London", base_currency="GBP",
                   owner="maker1", desk="EQ Flow")
    assert (p.status, p.version) == (Status.DRAFT, 1)
    p = svc.submit(maker, "EQ-LDN-01", 1)
    with pytest.raises(PermissionDenied):
        svc.approve(maker, "EQ-LDN-01", 2)
    clock.advance(minutes=5)
    p = svc.approve(checker, "EQ-LDN-01", 2)
    assert (p.status, p.version, p.approved_by) == (Status.ACTIVE, 3, "checker1")
    with pytest.raises(ConflictError):  # an edit from a stale version
        svc.edit(maker, "EQ-LDN-01", 2, desk="EQ Derivatives")

    stored = svc.show(checker, "EQ-LDN-01")
    assert (stored.status, stored.version, stored.desk) == (Status.ACTIVE, 3, "EQ Flow")
    assert [h["status"] for h in svc.history(checker, "EQ-LDN-01")] == [
        "DRAFT", "PENDING_APPROVAL", "ACTIVE"]
    outcomes = {(e.action, str(e.outcome)) for e in audit_log.select(
        hive, audit_log.AuditFilter(entity_id="EQ-LDN-01"))}
    assert {("CREATE", "SUCCESS"), ("APPROVE", "DENIED"), ("APPROVE", "SUCCESS"),
            ("EDIT", "CONFLICT")} <= outcomes
    mails = read_outbox(smtp_server.outbox)
    assert any(email("checker1") in str(m["To"]) for m in mails)  # asked to approve
    statuses = {r["status"] for r in hive.query(
        "SELECT status FROM gmp_cis.cis_mail_outbox")}
    assert statuses == {"SENT"}
    sessions.logout(maker)
    assert hive.query("SELECT revoked_at FROM gmp_cis.cis_acl_session WHERE user_login = ?",
                      ["maker1"])[0]["revoked_at"] == clock()
