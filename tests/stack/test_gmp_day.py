"""gmp_reference_etl on the local production stack: the scheduler's own run through the
Celery worker, a backfill shared by two workers, clearing a day."""

from __future__ import annotations

from datetime import date, timedelta

from cistrade_core.feeds import FEEDS, get_feed
from tests.stack.conftest import DAG

ONE_DAY = timedelta(days=1)


def day_rows(store, day: date) -> dict[str, list[tuple]]:
    """Every feed table's rows of ``day``, sorted: what must not change on a re-run."""
    out = {}
    for name, feed in FEEDS.items():
        rows = store.warehouse.query(
            f"SELECT * FROM gmp_cis.{feed.table} WHERE business_date = ?", [day])
        out[name] = sorted(tuple(str(v) for k, v in r.items() if k != "load_ts") for r in rows)
    return out


def drop_rows(landing, day: date) -> dict[str, int]:
    return {name: (landing / get_feed(name).data_file_name(day)).read_text().count("\n") - 1
            for name in FEEDS}


def test_the_scheduler_runs_the_daily_load_through_the_celery_worker(stack, api, scheduled_run,
                                                                     stack_store, timed):
    run, day = scheduled_run, scheduled_run["business_date"]
    landing = stack.settings.landing_dir
    tis = api.task_instances(DAG, run["dag_run_id"])
    assert run["state"] == "success", {t: ti["state"] for t, ti in tis.items()}
    assert {ti["state"] for ti in tis.values()} == {"success"}
    assert {ti["hostname"] for ti in tis.values()} == {"worker@127.0.0.1"}
    loaded = {h.feed: h.row_count for h in stack_store.load_history(day, day)
              if h.status == "loaded"}
    assert loaded == drop_rows(landing, day)


def test_a_backfill_loads_three_days_on_two_workers_and_clearing_a_day_changes_nothing(
        stack, api, backfilled, stack_store, timed):
    runs, business = backfilled
    assert {r["state"] for r in runs} == {"success"}
    hosts = set()
    for run in runs:
        hosts |= {ti["hostname"] for ti in api.task_instances(DAG, run["dag_run_id"]).values()}
    assert hosts == {"worker@127.0.0.1", "worker2@127.0.0.1"}
    for day in business:
        history = {h.feed for h in stack_store.load_history(day, day) if h.status == "loaded"}
        assert history == set(FEEDS), day

    before = day_rows(stack_store, business[1])
    cleared = next(r for r in runs if r["logical_date"].startswith(f"{business[1] + ONE_DAY}"))
    day = cleared["logical_date"][:10]
    stack.airflow("tasks", "clear", DAG, "--start-date", f"{day}T00:00:00+00:00",
                  "--end-date", f"{day}T23:59:59+00:00", "--yes")
    rerun = api.wait_for_run(DAG, cleared["dag_run_id"], timeout=240,
                             until=lambda r: r["state"] in ("success", "failed")
                             and r["end_date"] != cleared["end_date"])
    assert rerun["state"] == "success"
    assert day_rows(stack_store, business[1]) == before
    loads = [h for h in stack_store.load_history(business[1], business[1])
             if h.status == "loaded"]
    assert len(loads) == 2 * len(FEEDS)  # loaded twice, the same rows
