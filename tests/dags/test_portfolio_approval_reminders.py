"""The reminders DAG: its shape, and a real run with ``dag.test()``."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAG_ID = "portfolio_approval_reminders"
DAG_FILE = REPO / "dags" / "portfolio_approval_reminders.py"


@pytest.fixture(scope="module")
def dag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}
    return bag.dags[DAG_ID]


def test_dag_shape(dag):
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    assert {"cistrade", "portfolio"} <= set(dag.tags)
    assert dag.timetable.expression == "0 7 * * *"  # daily
    assert dag.doc_md and "remind" in dag.doc_md.lower()
    assert [t.task_id for t in dag.tasks] == ["retry_notifications", "remind_checkers"]
    for t in dag.tasks:
        assert t.retries == 2
    assert dag.params["max_age_hours"] == 24


def test_dag_file_keeps_heavy_imports_inside_tasks():
    source = DAG_FILE.read_text()
    top = source[source.index('"""', 3):].split("def portfolio_approval_reminders")[0]
    assert "cistrade_core" not in top


def test_dag_run_sends_queued_mail_and_reminders(dag, smtp_server, settings, core_seed):
    from airflow.utils.state import DagRunState

    from cistrade_core.audit import AuditFilter
    from cistrade_core.audit import log as audit_log
    from cistrade_core.clock import utcnow
    from cistrade_core.config import get_settings
    from cistrade_core.notify import mails
    from cistrade_core.services import open_core
    from cistrade_dev.smtp_server import read_outbox

    shutil.copy(core_seed.template, settings.warehouse_path)
    now = utcnow()
    for code, age in (("OLD-01", timedelta(days=2)), ("NEW-01", timedelta(hours=1))):
        core = open_core(get_settings(), clock=lambda age=age: now - age, dispatch=False)
        maker = core.sessions.login("maker1", core_seed.passwords["maker1"])
        p = core.portfolios.create(maker, code, name=code, base_currency="USD", owner="o",
                                   desk="d")
        core.portfolios.submit(maker, code, p.version)
    assert [r["status"] for r in mails(core.warehouse)] == ["PENDING", "PENDING"]

    run = dag.test(run_conf={"max_age_hours": 24})
    assert run.state == DagRunState.SUCCESS

    events = [(m["X-CisTrade-Event"], m["X-CisTrade-Portfolio"])
              for m in read_outbox(smtp_server.outbox)]
    assert sorted(events) == [("approval_reminder", "OLD-01"), ("approval_request", "NEW-01"),
                              ("approval_request", "OLD-01")]
    [reminder] = [m for m in read_outbox(smtp_server.outbox)
                  if m["X-CisTrade-Event"] == "approval_reminder"]
    assert "checker1@example.com" in reminder["X-Envelope-To"]
    assert "waiting for approval for 2 days" in reminder["Subject"]
    assert all(r["status"] == "SENT" for r in mails(core.warehouse))
    [remind] = audit_log.select(core.warehouse, AuditFilter(action="REMIND"))
    assert remind.detail["overdue"] == ["OLD-01"]
