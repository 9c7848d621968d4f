"""Every DAG file parses, follows the house rules and stays cheap to parse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
HEAVY_MODULES = ("pandas", "great_expectations", "pandera", "pyarrow", "duckdb", "openpyxl",
                 "weasyprint")


@pytest.fixture(scope="module")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "gmp_reference_etl" in dagbag.dags


def test_every_dag_is_documented_tagged_retried_and_single_run(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.doc_md and len(dag.doc_md) > 100, dag_id
        assert dag.tags, dag_id
        assert dag.max_active_runs == 1, dag_id
        assert dag.catchup is False, dag_id
        for t in dag.tasks:
            assert t.retries is not None, (dag_id, t.task_id)
        assert any(t.retries > 0 for t in dag.tasks), dag_id


def test_every_dag_alerts_on_task_failure(dagbag):
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    for dag_id, dag in dagbag.dags.items():
        for t in dag.tasks:
            callbacks = t.on_failure_callback or []
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            assert any(isinstance(c, SmtpNotifier) for c in callbacks), (dag_id, t.task_id)


def test_gmp_dag_shape(dagbag):
    dag = dagbag.dags["gmp_reference_etl"]
    assert dag.timetable.expression == "0 3 * * *"
    assert str(dag.timetable.timezone) in ("Europe/London", "Timezone('Europe/London')")
    for feed in ("currency", "country", "calendar", "counterparty"):
        wait = dag.task_dict[f"wait_{feed}"]
        assert wait.mode == "reschedule"  # holds no worker slot while waiting
        refresh = dag.task_dict[f"refresh_{feed}"]
        assert [a.name for a in refresh.outlets] == [f"gmp_cis.gmp_cis_sta_dly_{feed}"]
    assert "validate_currency" in dag.task_dict["validate_country"].upstream_task_ids
    assert "validate_country" in dag.task_dict["validate_counterparty"].upstream_task_ids
    assert "validate_currency" not in dag.task_dict["validate_calendar"].upstream_task_ids


@pytest.mark.parametrize("dag_file", sorted(p.name for p in DAGS.glob("*.py")))
def test_dag_files_import_no_heavy_library_at_top_level(dag_file, airflow_db):
    code = (
        "import sys, runpy\n"
        f"runpy.run_path({str(DAGS / dag_file)!r})\n"
        f"heavy = [m for m in {HEAVY_MODULES!r} if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(DAGS.parent / "plugins"),
                                                        str(DAGS)]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    heavy = [line for line in out.stdout.splitlines() if line.startswith("HEAVY=")]
    assert heavy == ["HEAVY="], out.stdout


def test_every_asset_is_a_warehouse_table_named_one_way(dagbag):
    """Produced and consumed Assets alike: ``<schema>.<table>``, ``cistrade://warehouse/...``."""
    from airflow.sdk import Asset

    def flatten(condition) -> list:
        if isinstance(condition, Asset):
            return [condition]
        return [a for part in getattr(condition, "objects", ()) for a in flatten(part)]

    produced, consumed = set(), set()
    for dag in dagbag.dags.values():
        schedule = flatten(getattr(dag.timetable, "asset_condition", None))
        outlets = [a for t in dag.tasks for a in t.outlets]
        for asset in schedule + outlets:
            schema, table = asset.name.split(".")
            assert asset.uri == f"cistrade://warehouse/{schema}/{table}", (dag.dag_id, asset)
        consumed |= {a.name for a in schedule}
        produced |= {a.name for a in outlets}
    assert {"gmp_cis.gmp_cis_sta_dly_currency", "gmp_cis.cis_fx_rate",
            "gmp_cis.cis_notification"} <= produced
    assert consumed and consumed <= produced
