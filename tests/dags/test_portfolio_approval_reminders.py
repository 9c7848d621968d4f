"""The reminders DAG: its shape, and a real run with ``dag.test()``."""

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAG_ID = "portfolio_approval_reminders"
DAG_FILE = REPO / "dags" / "portfolio_approval_reminders.py"
WEDNESDAY = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
GOOD_FRIDAY = datetime(2026, 4, 3, 6, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 4, 4, 6, 0, tzinfo=UTC)


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
    assert [t.task_id for t in dag.tasks] == ["retry_notifications", "business_day",
                                              "remind_checkers"]
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

    run = dag.test(run_conf={"max_age_hours": 24}, logical_date=WEDNESDAY)
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


def _overdue_change(core_seed, code: str) -> None:
    from cistrade_core.clock import utcnow
    from cistrade_core.config import get_settings
    from cistrade_core.services import open_core

    now = utcnow()
    core = open_core(get_settings(), clock=lambda: now - timedelta(days=3), dispatch=False)
    maker = core.sessions.login("maker1", core_seed.passwords["maker1"])
    p = core.portfolios.create(maker, code, name=code, base_currency="USD", owner="o", desk="d")
    core.portfolios.submit(maker, code, p.version)


@pytest.mark.parametrize("when, calendars, reason", [
    (SATURDAY, "", "Saturday"),
    (GOOD_FRIDAY, "GB", "Good Friday"),
])
def test_no_reminders_on_a_weekend_or_a_holiday_of_the_business_calendars(
        dag, smtp_server, settings, core_seed, monkeypatch, caplog, when, calendars, reason):
    import pyarrow as pa
    from airflow.utils.state import DagRunState, TaskInstanceState

    from cistrade_core.feeds import FEEDS
    from cistrade_core.gmp.store import GmpStore, LoadRecord, LoadStatus
    from cistrade_core.warehouse import get_warehouse
    from cistrade_dev.smtp_server import read_outbox

    shutil.copy(core_seed.template, settings.warehouse_path)
    feed, loaded = FEEDS["calendar"], date(2026, 3, 31)
    holidays = pa.table({"calendar_code": ["GB"], "holiday_date": [date(2026, 4, 3)],
                         "holiday_name": ["Good Friday"]})
    GmpStore(get_warehouse(settings)).load_day(
        feed, loaded, holidays.select(list(feed.column_names)),
        LoadRecord("calendar", loaded, LoadStatus.LOADED, "test", row_count=1))
    monkeypatch.setenv("CISTRADE_BUSINESS_CALENDARS", calendars)
    _overdue_change(core_seed, "OLD-02")

    run = dag.test(run_conf={"max_age_hours": 24}, logical_date=when)
    assert run.state == DagRunState.SUCCESS
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["business_day"] == TaskInstanceState.SUCCESS
    assert states["remind_checkers"] == TaskInstanceState.SKIPPED
    events = [m["X-CisTrade-Event"] for m in read_outbox(smtp_server.outbox)]
    assert "approval_reminder" not in events and "approval_request" in events
    assert f"is not a business day ({reason})" in caplog.text
