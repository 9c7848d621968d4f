"""The FX DAGs on the local production stack: the scheduler creates their runs from their
schedules (every minute on the test stack), the Celery worker runs them against the
market-data simulator and the rates land in the stack's warehouse. They validate the
currencies against the GMP currency feed, which the scheduled GMP day loads first."""

from __future__ import annotations

import pytest

from cistrade_core.fx.pairs import REUTERS_PAIRS
from cistrade_dev.fx_simulator import MarketDataSimulator
from cistrade_dev.stack import wait
from tests.stack.conftest import MARKET_DATA_PORT

FX_DAGS = ("fx_rates_bloomberg", "fx_rates_reuters")


@pytest.fixture
def simulator():
    with MarketDataSimulator(MARKET_DATA_PORT) as sim:
        yield sim


def first_scheduled(api, dag_id: str) -> dict | None:
    runs = [r for r in api.runs(dag_id) if r["run_type"] == "scheduled"]
    done = [r for r in runs if r["state"] in ("success", "failed")]
    return done[0] if done else None


def test_the_fx_dags_run_from_their_schedules_through_the_celery_worker(
        stack, api, scheduled_run, simulator, timed):
    from cistrade_core.fx.store import FxStore
    from cistrade_core.warehouse import get_warehouse

    for dag_id in FX_DAGS:
        api.wait_for_dag(dag_id)
        assert api.get(f"/dags/{dag_id}")["timetable_summary"] == "* * * * *"
        assert not api.runs(dag_id)  # nothing before the scheduler's own run
        api.unpause(dag_id)
    try:
        runs = {dag_id: wait(lambda d=dag_id: first_scheduled(api, d), 240,
                             lambda: {d: api.runs(d) for d in FX_DAGS})
                for dag_id in FX_DAGS}
    finally:
        for dag_id in FX_DAGS:  # no more runs while the GMP tests use the workers
            api.pause(dag_id)
    for dag_id, run in runs.items():
        tis = api.task_instances(dag_id, run["dag_run_id"])
        assert run["state"] == "success", {t: ti["state"] for t, ti in tis.items()}
        assert {ti["hostname"] for ti in tis.values()} == {"worker@127.0.0.1"}
    assert simulator.requests("bloomberg") and simulator.requests("reuters")

    store = FxStore(get_warehouse(stack.settings))
    loads = {r["run_id"]: r for r in store.load_runs(50)}
    for provider in ("bloomberg", "reuters"):
        run_id = f"{provider}:{runs[f'fx_rates_{provider}']['dag_run_id']}"
        assert loads[run_id]["status"] == "ok", loads[run_id]
    current = store.current_rates()
    assert {r.source for r in current} >= {"bloomberg"}
    assert len(current) >= len(REUTERS_PAIRS)
