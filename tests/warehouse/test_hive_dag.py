"""gmp_reference_etl end to end through Airflow, with the Hive backend on the real HiveServer2.

The tasks reach the server through the Hive provider's HiveServer2Hook and the
``hiveserver2_default`` connection (an ``AIRFLOW_CONN_*`` variable here).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pendulum

from cistrade_core.feeds import FEEDS
from cistrade_core.gmp.store import GmpStore
from cistrade_core.warehouse import get_warehouse
from cistrade_core.warehouse.hive_backend import HiveWarehouse
from cistrade_dev.gmp_samples import generate_drop

REPO = Path(__file__).resolve().parents[2]
DAY = date(2026, 11, 26)


def test_gmp_dag_loads_a_day_into_hive(airflow_db, hive_env, smtp_server, settings,
                                       monkeypatch):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState, TaskInstanceState

    # Only the pyhive path is allowed: fail loudly if anything falls back to the CLI settings.
    monkeypatch.setenv("CISTRADE_HIVE_PORT", "1")
    generate_drop(DAY, settings.landing_dir, scale=0.02)
    bag = DagBag(dag_folder=str(REPO / "dags" / "gmp_reference_etl.py"))
    assert not bag.import_errors
    dag = bag.get_dag("gmp_reference_etl")
    run = dag.test(logical_date=pendulum.datetime(2026, 11, 27, 3, tz="Europe/London"),
                   run_conf={"business_date": DAY.isoformat()})
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == DagRunState.SUCCESS, states
    assert set(states.values()) == {TaskInstanceState.SUCCESS}
    assert {f"refresh_{name}" for name in FEEDS} <= set(states)

    monkeypatch.setenv("CISTRADE_HIVE_PORT", str(hive_env.port))
    wh = get_warehouse(settings)
    assert isinstance(wh, HiveWarehouse)
    try:
        history = {r.feed: r for r in GmpStore(wh).load_history(DAY, DAY)}
        assert {r.status for r in history.values()} == {"loaded"}
        for feed in FEEDS.values():
            assert wh.partitions(feed.table) == [DAY]
            assert GmpStore(wh).current_rows(feed) == history[feed.name].row_count > 0
    finally:
        wh.close()
