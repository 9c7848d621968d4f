"""gmp_reference_etl run through Airflow (dag.test) on generated drops."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cistrade_core.feeds import FEEDS, get_feed
from cistrade_core.gmp.store import GmpStore
from cistrade_dev.gmp_samples import generate_drop
from cistrade_dev.smtp_server import read_outbox
from tests.gmp.conftest import DAY, PREVIOUS_DAY, SCALE

#: The run that processes business date DAY (03:00 London on the next day).
RUN_AT = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


@pytest.fixture
def gmp_dag(airflow_db, settings):
    from airflow.dag_processing.dagbag import DagBag

    from tests.dags.test_dagbag import DAGS

    bag = DagBag(dag_folder=str(DAGS / "gmp_reference_etl.py"))
    assert bag.import_errors == {}
    return bag.dags["gmp_reference_etl"]


def task_states(run) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in run.get_task_instances()}


def test_a_faulty_feed_is_rejected_while_the_others_load(gmp_dag, settings, warehouse,
                                                         smtp_server):
    from cistrade_core.gmp.pipeline import GmpLoad

    generate_drop(PREVIOUS_DAY, settings.landing_dir, scale=SCALE)
    GmpLoad(settings, warehouse).run_day(PREVIOUS_DAY)
    generate_drop(DAY, settings.landing_dir, fault="bad-lei", scale=SCALE)

    run = gmp_dag.test(logical_date=RUN_AT)

    states = task_states(run)
    for feed in ("currency", "country", "calendar"):
        assert states[f"refresh_{feed}"] == "success", states
        day = warehouse.query(f"SELECT max(business_date) AS d FROM gmp_cis.{get_feed(feed).table}")
        assert day == [{"d": DAY}]
    assert states["validate_counterparty"] == "failed"
    assert states["load_counterparty"] == "upstream_failed"
    assert states["expectations"] == "success"  # Data Docs show why
    assert str(run.state) == "failed"

    current = warehouse.query(
        "SELECT DISTINCT business_date FROM gmp_cis.gmp_cis_sta_dly_counterparty_current")
    assert current == [{"business_date": PREVIOUS_DAY}]
    history = {(r.feed, r.status) for r in GmpStore(warehouse).load_history(DAY, DAY)}
    assert history == {("currency", "loaded"), ("country", "loaded"), ("calendar", "loaded"),
                       ("counterparty", "rejected")}

    mails = read_outbox(smtp_server.outbox)
    alert = next(m for m in mails if m["X-CisTrade-Alert"] == "data_quality")
    assert alert["Subject"].strip() == "[CisTrade GMP] data quality: counterparty 2026-11-27"
    body = alert.get_body(("plain",)).get_content()
    assert "LEI check digits are wrong" in body and "Findings (5 in all)" in body
    assert str(settings.data_docs_index) in body
    failure = [m for m in mails if "Airflow task failed" in str(m["Subject"])]
    assert any("validate_counterparty" in str(m["Subject"]) for m in failure), \
        [m["Subject"] for m in mails]
    assert settings.data_docs_index.exists()


def test_a_good_day_loads_through_airflow_and_rerunning_it_is_idempotent(gmp_dag, settings,
                                                                        warehouse, smtp_server):
    generate_drop(DAY, settings.landing_dir, scale=SCALE)
    run = gmp_dag.test(logical_date=RUN_AT)
    assert str(run.state) == "success", task_states(run)
    counts = GmpStore(warehouse).table_counts()
    for feed in FEEDS:
        lines = (settings.landing_dir / get_feed(feed).data_file_name(DAY)).read_text()
        assert counts[feed]["current"] == lines.count("\n") - 1

    rerun = gmp_dag.test(logical_date=RUN_AT, run_conf={"business_date": DAY.isoformat()})
    assert str(rerun.state) == "success"
    assert GmpStore(warehouse).table_counts() == counts
    assert read_outbox(smtp_server.outbox) == []


def test_a_failure_of_great_expectations_itself_never_blocks_the_load(gmp_dag, settings,
                                                                     warehouse, smtp_server):
    generate_drop(DAY, settings.landing_dir, scale=SCALE)
    # The Data Docs site cannot be written: a file stands where its folder goes.
    docs = settings.gx_dir / "uncommitted" / "data_docs"
    docs.parent.mkdir(parents=True)
    docs.write_text("not a folder")

    run = gmp_dag.test(logical_date=RUN_AT)

    states = task_states(run)
    assert {states[f"refresh_{feed}"] for feed in FEEDS} == {"success"}, states
    assert states["expectations"] == "failed"
    assert states["all_loaded"] == "success"
    assert {(r.feed, r.status) for r in GmpStore(warehouse).load_history(DAY, DAY)} == \
        {(feed, "loaded") for feed in FEEDS}
    for feed in FEEDS:
        day = warehouse.query(f"SELECT max(business_date) AS d FROM gmp_cis.{get_feed(feed).table}")
        assert day == [{"d": DAY}]


def test_great_expectations_runs_once_a_day_after_every_load(gmp_dag):
    gx = gmp_dag.task_dict["expectations"]
    assert gx.upstream_task_ids == {f"refresh_{feed}" for feed in FEEDS}
    assert gx.downstream_task_ids == set()
    assert gmp_dag.task_dict["all_loaded"].upstream_task_ids == gx.upstream_task_ids
    assert not [t for t in gmp_dag.task_dict if t.startswith("expectations_")]


def test_a_missing_feed_is_waited_for_until_the_dag_timeout(gmp_dag):
    from datetime import timedelta

    for feed in FEEDS:
        sensor = gmp_dag.get_task(f"wait_{feed}")
        # it keeps poking after the missing-file alert (an hour late), until its timeout
        assert timedelta(hours=1) < timedelta(seconds=sensor.timeout) < timedelta(days=1)
