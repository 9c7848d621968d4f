"""The two FX DAGs, loaded from the dags folder and run through Airflow (``dag.test()``)
against the simulator, with the connections given as environment variables."""

import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from cistrade_core.fx.load import run_load
from cistrade_core.fx.pairs import REUTERS_PAIRS
from tests.fx_fixtures import alert_mails, recorded_alerts

REPO = Path(__file__).resolve().parents[2]
DAG_IDS = ("fx_rates_bloomberg", "fx_rates_reuters")


@pytest.fixture(scope="module")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags"))


def test_dags_load_with_the_house_settings(airflow_db, dagbag):
    assert not {k: v for k, v in dagbag.import_errors.items() if "fx_rates" in k}
    expected = {"fx_rates_bloomberg": "*/15 * * * *", "fx_rates_reuters": "*/30 * * * *"}
    for dag_id, cron in expected.items():
        dag = dagbag.get_dag(dag_id)
        assert dag is not None, dag_id
        assert dag.schedule == cron and dag.timetable.expression == cron
        assert dag.max_active_runs == 1 and dag.catchup is False
        assert {"fx", "market-data"} <= set(dag.tags)
        assert dag.doc_md and "###" in dag.doc_md
        load = dag.get_task("load_rates")
        assert load.retries >= 1 and load.on_failure_callback
        assert [o.uri for o in load.outlets] == ["cistrade://warehouse/gmp_cis/cis_fx_rate"]
    assert dagbag.get_dag("fx_rates_reuters").get_task("compare_with_bloomberg")


def test_dag_files_import_neither_pandas_nor_the_core_at_top_level():
    code = (
        "import runpy, sys\n"
        f"sys.path.insert(0, {str(REPO / 'plugins')!r})\n"
        f"runpy.run_path({str(REPO / 'dags' / 'fx_rates.py')!r})\n"
        "print(sorted(m for m in sys.modules if m in ('pandas', 'duckdb', 'requests')"
        " or m.startswith('cistrade_core.fx')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_an_environment_setting_replaces_a_providers_schedule():
    code = (
        "import runpy, sys\n"
        f"sys.path.insert(0, {str(REPO / 'plugins')!r})\n"
        f"found = runpy.run_path({str(REPO / 'dags' / 'fx_rates.py')!r})\n"
        "print(found['fx_rates_bloomberg'].schedule, '|', found['fx_rates_reuters'].schedule)\n"
    )
    env = {**os.environ, "CISTRADE_FX_BLOOMBERG_SCHEDULE": "* * * * *"}
    env.pop("CISTRADE_FX_REUTERS_SCHEDULE", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True, env=env)
    assert out.stdout.strip().splitlines()[-1] == "* * * * * | */30 * * * *"


def test_bloomberg_dag_falls_back_to_reuters(airflow_db, dagbag, fx_env, store, smtp_server):
    fx_env.set_fault("bloomberg", "500")
    run = dagbag.get_dag("fx_rates_bloomberg").test()
    assert run.state == "success"
    assert len(fx_env.requests("bloomberg")) == 4 and len(fx_env.requests("reuters")) == 1
    current = store.current_rates()
    assert {r.source for r in current} == {"reuters"} and len(current) == len(REUTERS_PAIRS)
    [load_run] = store.load_runs(1)
    assert load_run["run_id"] == f"bloomberg:{run.run_id}"
    assert load_run["status"] == "degraded"
    outcomes = {h["provider"]: h["outcome"] for h in store.feed_health(load_run["run_id"])}
    assert outcomes == {"bloomberg": "unavailable", "reuters": "ok"}
    assert "fallback" in alert_mails(smtp_server)


def test_reuters_dag_keeps_the_backup_fresh_and_alerts_divergence(
        airflow_db, dagbag, fx_env, store, smtp_server, mail_settings, fx_settings, endpoints):
    run_load("bloomberg", settings=mail_settings, fx=fx_settings, endpoints=endpoints,
             store=store)
    fx_env.set_fault("reuters", "jump", size=0.01, pairs=["EURUSD"])
    run = dagbag.get_dag("fx_rates_reuters").test()
    assert run.state == "success"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {"load_rates": "success", "compare_with_bloomberg": "success"}
    newest = store.history("EURUSD")[0]
    assert newest.source == "reuters" and newest.age < timedelta(minutes=1)
    [divergence] = alert_mails(smtp_server)["divergence"]
    assert "EURUSD" in divergence.get_content()
    assert [a["topic"] for a in recorded_alerts(store, f"divergence:{run.run_id}")] == [
        "fx.divergence"]
    gap = Decimal(divergence.get_content().split("= ")[1].split(" bp")[0])
    assert gap > 90
