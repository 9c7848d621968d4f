"""The local production stack (scripts/stack.sh), started once per test session by the
first test that asks for it, and stopped (exactly its own processes) at the end."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cistrade_core.gmp.schedule import business_date_for_run
from cistrade_dev.fx_simulator import DEFAULT_KEYS
from cistrade_dev.gmp_samples import generate_drop
from cistrade_dev.stack import LocalStack, free_port, latest_schedule, wait

DAG = "gmp_reference_etl"
#: Small drops: the stack tests are about orchestration, not volume.
SCALE = 0.02
TZ = "Europe/London"

REPO = Path(__file__).resolve().parents[2]
#: Under the checkout, not pytest's tmp (mode 700): the postgres user must reach it.
STACK_BASE = REPO / ".cistrade" / "test-stack"
#: The market-data simulator's port, known before the stack creates its connections.
MARKET_DATA_PORT = free_port()
#: Settings of the DAGs under test, read by every process of the stack.
STACK_SETTINGS = {
    "CISTRADE_GMP_POKE_INTERVAL": "3",
    # a held feed waits this long for an operator (the release test answers at once)
    "CISTRADE_GMP_REVIEW_TIMEOUT": "30",
    # every run has a deadline 20 s after it was queued (the late-feed test waits past it)
    "CISTRADE_GMP_LOAD_DEADLINE": "PT20S",
    # two task slots a worker: one run's four feeds need both workers of the backfill
    "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
    # the FX DAGs every minute against the simulator (bloomberg_default, reuters_default)
    "CISTRADE_FX_BLOOMBERG_SCHEDULE": "* * * * *",
    "CISTRADE_FX_REUTERS_SCHEDULE": "* * * * *",
    "BLOOMBERG_PORT": str(MARKET_DATA_PORT),
    "REUTERS_PORT": str(MARKET_DATA_PORT),
    "BLOOMBERG_API_KEY": DEFAULT_KEYS["bloomberg"],
    "REUTERS_API_KEY": DEFAULT_KEYS["reuters"],
}


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    shutil.rmtree(STACK_BASE, ignore_errors=True)
    STACK_BASE.mkdir(parents=True)
    os.chmod(STACK_BASE, 0o755)
    local = LocalStack(STACK_BASE, extra_env=STACK_SETTINGS)
    local.started_in = local.start()
    from cistrade_core.config import get_settings

    local.settings = get_settings().with_home(local.home)
    print(f"\nstack up in {local.started_in:.0f} s")
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="session")
def api(stack):
    client = stack.api()
    client.wait_for_dag("gmp_reference_etl")
    return client


@pytest.fixture(scope="session")
def stack_store(stack):
    """The GMP tables and load history of the stack's warehouse (DuckDB under its
    CISTRADE_HOME), read by the tests."""
    from cistrade_core.gmp.store import GmpStore
    from cistrade_core.warehouse import get_warehouse

    return GmpStore(get_warehouse(stack.settings))


@pytest.fixture
def timed(request):
    began = time.monotonic()
    yield
    print(f"\n{request.node.name}: {time.monotonic() - began:.0f} s")


@pytest.fixture(scope="session")
def scheduled_run(stack, api, stack_store) -> dict:
    """The DAG unpaused: the scheduler's own run of the latest 03:00, on a good drop.

    Every later test of the DAG needs it unpaused and this run out of the way
    (``max_active_runs=1``)."""
    logical = latest_schedule(datetime.now(UTC), TZ)
    day = business_date_for_run(logical, TZ)
    generate_drop(day, stack.settings.landing_dir, scale=SCALE)
    api.unpause(DAG)  # the scheduler creates the latest 03:00 run by itself
    runs = wait(lambda: [r for r in api.runs(DAG) if r["run_type"] == "scheduled"], 120,
                "no scheduled run")
    assert len(runs) == 1 and runs[0]["logical_date"].startswith(f"{logical:%Y-%m-%dT%H:%M}")
    run = api.wait_for_run(DAG, runs[0]["dag_run_id"], timeout=240)
    run["business_date"] = day
    return run


def finished_backfill(api, count: int) -> list[dict] | None:
    runs = [r for r in api.runs(DAG) if r["run_type"] == "backfill"]
    done = [r for r in runs if r["state"] in ("success", "failed")]
    return done if len(done) == count else None


@pytest.fixture(scope="session")
def backfilled(stack, api, scheduled_run) -> tuple[list[dict], list]:
    """``airflow backfill create`` of three days with a second Celery worker up: the
    finished runs and the business dates they loaded (Sun 1 to Tue 3 November 2026)."""
    from datetime import date

    days = [date(2026, 11, 2) + timedelta(days=i) for i in range(3)]  # the runs' dates
    business = [d - timedelta(days=1) for d in days]
    for day in business:
        generate_drop(day, stack.settings.landing_dir, scale=SCALE)
    stack.run("worker", "worker2", str(stack.ports["CISTRADE_STACK_WORKER_LOG_PORT"] + 1))
    out = stack.airflow("backfill", "create", "--dag-id", DAG,
                        "--from-date", f"{days[0]}T00:00:00+00:00",
                        "--to-date", f"{days[-1]}T03:00:00+00:00")
    assert "backfill" in out.lower()
    runs = wait(lambda: finished_backfill(api, 3), 480,
                lambda: [(r["dag_run_id"], r["state"]) for r in api.runs(DAG)])
    return runs, business
