"""Report DAGs generated from reports/*.yaml, run through Airflow."""

from __future__ import annotations

from datetime import UTC, datetime

from cistrade_core.gmp.pipeline import GmpLoad
from cistrade_core.reports.definition import load_all
from cistrade_dev.gmp_samples import generate_drop
from cistrade_dev.smtp_server import read_outbox
from tests.gmp.conftest import DAY, SCALE


def bag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    from tests.dags.test_dagbag import DAGS

    dagbag = DagBag(dag_folder=str(DAGS / "reports.py"))
    assert dagbag.import_errors == {}
    return dagbag


def test_one_dag_per_definition_on_its_schedule(airflow_db):
    dags = bag(airflow_db).dags
    for name, definition in load_all().items():
        dag = dags[f"report_{name}"]
        timetable = dag.timetable
        cron = getattr(timetable, "timetable", timetable)  # AssetOrTimeSchedule wraps it
        assert cron.expression == definition.schedule.cron
        assert {t.task_id for t in dag.tasks} == {"build", "deliver"}
    gmp = dags["report_gmp_daily_load_summary"]
    assert "gmp_cis.gmp_cis_sta_dly_counterparty" in str(gmp.timetable.asset_condition)


def test_report_dag_builds_and_mails_the_report(airflow_db, settings, warehouse, smtp_server,
                                               monkeypatch):
    generate_drop(DAY, settings.landing_dir, scale=SCALE)
    GmpLoad(settings, warehouse).run_day(DAY)
    monkeypatch.setenv("AIRFLOW_VAR_CISTRADE_REPORT_GMP_DAILY_LOAD_SUMMARY_RECIPIENTS",
                       "desk-a@example.com, desk-b@example.com")
    dag = bag(airflow_db).dags["report_gmp_daily_load_summary"]
    run = dag.test(logical_date=datetime(2026, 11, 28, 6, 30, tzinfo=UTC))
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert states == {"build": "success", "deliver": "success"}
    folder = settings.home / "reports" / "gmp_daily_load_summary" / "2026-11-27"
    assert sorted(p.suffix for p in folder.glob("gmp_daily_load_summary_*")) == [
        ".csv", ".pdf", ".xlsx"]
    [mail] = [m for m in read_outbox(smtp_server.outbox) if m["X-CisTrade-Report"]]
    assert mail["To"] == "desk-a@example.com, desk-b@example.com"
    assert mail["Subject"] == "CisTrade GMP load 2026-11-27: 4 of 4 feeds loaded"
    assert len(list(mail.iter_attachments())) == 3
