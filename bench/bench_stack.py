"""The GMP load on the local production stack (scheduler, Celery workers, PostgreSQL).

Starts ``scripts/stack.sh`` on free ports under ``.cistrade/bench-stack/`` and measures:

* one scheduled GMP day: from the run's creation (queued) to its last task, split into
  task time (sum and critical path of the task durations Airflow's REST API reports)
  and scheduling overhead (wall minus critical path); and from the run's start to its
  last warehouse refresh;
* the same business day through ``airflow dags test`` (one process, tasks in-process);
* a 10-day ``airflow backfill create`` with one Celery worker, then another 10 days
  with two (small drops by default: the backfill measures orchestration).

``python -m bench stack -- --scale 1 --days 10 --backfill-scale 0.02 --parts day,backfill``.
Everything it started is stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Under the checkout, not /tmp (mode 700 elsewhere): the postgres user must reach it.
BASE = ROOT / ".cistrade" / "bench-stack"
DAG = "gmp_reference_etl"
TZ = "Europe/London"
SETTINGS = {
    "CISTRADE_GMP_POKE_INTERVAL": "3",
    "CISTRADE_GMP_LOAD_DEADLINE": "off",
}


def _ts(value: str | None) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _upstream(api) -> dict[str, set[str]]:
    """Each task's upstream task ids, from the DAG's tasks in the REST API."""
    ups: dict[str, set[str]] = {}
    for t in api.get(f"/dags/{DAG}/tasks")["tasks"]:
        ups.setdefault(t["task_id"], set())
        for down in t["downstream_task_ids"]:
            ups.setdefault(down, set()).add(t["task_id"])
    return ups


def run_figures(api, run: dict, ups: dict[str, set[str]]) -> dict[str, float]:
    """Wall (queued to last task end; first task start for a run never queued, as
    ``airflow dags test`` makes), task sum, critical path, overhead, run start to the
    last refresh."""
    tis = api.task_instances(DAG, run["dag_run_id"])
    dur = {t: (_ts(ti["end_date"]) - _ts(ti["start_date"])).total_seconds()
           for t, ti in tis.items() if ti["start_date"] and ti["end_date"]}
    path: dict[str, float] = {}

    def longest(task: str) -> float:
        if task not in path:
            path[task] = dur.get(task, 0.0) + max((longest(u) for u in ups.get(task, ())),
                                                  default=0.0)
        return path[task]

    last = max(_ts(ti["end_date"]) for ti in tis.values() if ti["end_date"])
    refreshed = max(_ts(ti["end_date"]) for t, ti in tis.items() if t.startswith("refresh_"))
    first = min(_ts(ti["start_date"]) for ti in tis.values() if ti["start_date"])
    began = _ts(run["queued_at"]) if run["queued_at"] else first
    started = max(_ts(run["start_date"]), began) if run["start_date"] else began
    wall = (last - began).total_seconds()
    critical = max(longest(t) for t in tis)
    return {"wall": wall, "task_sum": sum(dur.values()), "critical": critical,
            "overhead": wall - critical, "to_refresh": (refreshed - started).total_seconds()}


def _finished(api, run_type: str, count: int) -> list[dict] | None:
    runs = [r for r in api.runs(DAG) if r["run_type"] == run_type]
    done = [r for r in runs if r["state"] in ("success", "failed")]
    return done if len(done) >= count else None


def backfill(stack, api, first: date, days: int, scale: float, ups) -> dict[str, float]:
    """``airflow backfill create`` of ``days`` runs from ``first``: wall and task sum."""
    from cistrade_dev.gmp_samples import generate_drop
    from cistrade_dev.stack import wait

    for i in range(days):
        generate_drop(first + timedelta(days=i - 1), stack.settings.landing_dir, scale=scale)
    before = len([r for r in api.runs(DAG) if r["run_type"] == "backfill"])
    began = time.monotonic()
    stack.airflow("backfill", "create", "--dag-id", DAG,
                  "--from-date", f"{first}T00:00:00+00:00",
                  "--to-date", f"{first + timedelta(days=days - 1)}T03:00:00+00:00")
    runs = wait(lambda: _finished(api, "backfill", before + days), 3600,
                "backfill not finished", every=2.0)
    wall = time.monotonic() - began
    mine = [r for r in runs if _ts(r["logical_date"]).date() >= first]
    failed = [r["dag_run_id"] for r in mine if r["state"] != "success"]
    if failed:
        raise SystemExit(f"backfill runs failed: {failed}")
    task_sum = sum(run_figures(api, r, ups)["task_sum"] for r in mine)
    return {"wall": wall, "task_sum": task_sum, "per_day": wall / days}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench stack", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="drop size (1 = a normal day)")
    parser.add_argument("--days", type=int, default=10, help="days of each backfill")
    parser.add_argument("--backfill-scale", type=float, default=0.02,
                        help="drop size of the backfilled days")
    parser.add_argument("--parts", default="day,backfill",
                        help="what to measure: day (one day, also through dags test), backfill")
    args = parser.parse_args(argv or [])
    parts = set(args.parts.split(","))
    if not parts or parts - {"day", "backfill"}:
        parser.error(f"--parts: day and/or backfill, not {args.parts!r}")

    from cistrade_core.config import get_settings
    from cistrade_dev.stack import LocalStack

    shutil.rmtree(BASE, ignore_errors=True)
    BASE.mkdir(parents=True)
    os.chmod(BASE, 0o755)
    stack = LocalStack(BASE, extra_env=SETTINGS)
    print(f"load average at start: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    started = stack.start()
    try:
        stack.settings = get_settings().with_home(stack.home)
        api = stack.api()
        api.wait_for_dag(DAG)
        ups = _upstream(api)
        print(f"stack up in {started:.0f} s", flush=True)
        if "day" in parts:
            one_day(stack, api, ups, args.scale)
        if "backfill" in parts:
            api.unpause(DAG)  # a paused DAG's backfill runs wait
            first = date(2026, 10, 2)
            one = backfill(stack, api, first, args.days, args.backfill_scale, ups)
            stack.run("worker", "worker2", str(stack.ports["CISTRADE_STACK_WORKER_LOG_PORT"] + 1))
            two = backfill(stack, api, first + timedelta(days=args.days), args.days,
                           args.backfill_scale, ups)
            print(f"\n{args.days}-day backfill (scale {args.backfill_scale:g}), seconds")
            print(f"{'workers':<10}{'wall':>8}{'per day':>9}{'task sum':>10}{'x one worker':>14}")
            for n, f in ((1, one), (2, two)):
                print(f"{n:<10}{f['wall']:>8.1f}{f['per_day']:>9.1f}{f['task_sum']:>10.1f}"
                      f"{f['wall'] / one['wall']:>14.2f}", flush=True)
    finally:
        stack.stop()
        print(f"load average at end: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}",
              flush=True)


def one_day(stack, api, ups, scale: float) -> None:
    """The scheduler's run of the latest 03:00, then the same day through ``dags test``."""
    from cistrade_core.gmp.schedule import business_date_for_run
    from cistrade_dev.gmp_samples import generate_drop
    from cistrade_dev.stack import latest_schedule, wait

    logical = latest_schedule(datetime.now(UTC), TZ)
    day = business_date_for_run(logical, TZ)
    generate_drop(day, stack.settings.landing_dir, scale=scale)
    api.unpause(DAG)
    [run] = wait(lambda: _finished(api, "scheduled", 1), 900, "no scheduled run", every=0.5)
    api.pause(DAG)  # nothing else scheduled while the rest is measured
    if run["state"] != "success":
        raise SystemExit(f"scheduled run {run['state']}: {api.states(DAG, run['dag_run_id'])}")
    scheduled = run_figures(api, run, ups)

    began = time.monotonic()  # the same business day, one process, tasks in-process
    stack.airflow("dags", "test", DAG, (logical - timedelta(hours=1)).isoformat(),
                  "--conf", json.dumps({"business_date": f"{day}"}), timeout=1800)
    tested_wall = time.monotonic() - began
    [tested] = [r for r in api.runs(DAG) if r["run_type"] == "manual"]
    tested_figures = run_figures(api, tested, ups)

    print(f"\none GMP day ({day}, scale {scale:g}), seconds")
    print(f"{'how':<34}{'wall':>8}{'task sum':>10}{'critical':>10}{'overhead':>10}"
          f"{'to refresh':>12}")
    for what, f in (("scheduler + Celery worker", scheduled),
                    ("airflow dags test (tasks)", tested_figures)):
        print(f"{what:<34}{f['wall']:>8.1f}{f['task_sum']:>10.1f}{f['critical']:>10.1f}"
              f"{f['overhead']:>10.1f}{f['to_refresh']:>12.1f}")
    print(f"{'airflow dags test (whole process)':<34}{tested_wall:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
