"""GMP load: check + load of a full day and of a 100x day, beside DuckDB's read_csv.

Each measurement runs in a fresh process so its wall time and peak RSS are its
own (start-up and imports excluded from wall time, included in RSS). Drops are
generated once under ``.cistrade/bench/`` and reused. Each day's time is given as a
ratio to the floor of the same run (``read_csv`` into an in-memory database; the same
into a database file, as the load writes one, is shown beside it); the fixed start-up
of a day (connections, schema objects, lazy imports) is the check + load of a tiny drop
(scale 0.01), and the normal day is also shown without it. Then the Great Expectations
suites of the normal day, all four feeds in one process as the DAG's ``expectations``
task runs them: wall and CPU seconds, the import included. Last, each target with its
verdict, and the peak RSS each larger day adds a row (``CISTRADE_BENCH_SCALES=10,100,200``
for several).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("CISTRADE_HOME", ROOT / ".cistrade")) / "bench"
DAY = date(2026, 11, 27)
SCALES = [float(s) for s in os.environ.get("CISTRADE_BENCH_SCALES", "1,100").split(",")]
#: The drop whose check + load is taken as a day's fixed start-up.
FIXED_SCALE = 0.01
#: Targets: a day (the normal day less its start-up) within this many times the floor,
#: the x100 day's peak RSS, and the Great Expectations suites' CPU seconds.
MAX_X_FLOOR, MAX_RSS_MB, MAX_GX_CPU_S = 3.0, 1024, 15.0

_LOAD = """
import json, resource, sys, time
from datetime import date
from cistrade_core.gmp.pipeline import GmpLoad
from cistrade_core.schema import upgrade
run = GmpLoad()
upgrade(run.warehouse)
start = time.perf_counter()
outcomes = run.run_day(date.fromisoformat(sys.argv[1]))
wall = time.perf_counter() - start
assert all(o.status == "loaded" for o in outcomes), [o.line() for o in outcomes]
print(json.dumps({"wall": wall, "rows": sum(o.rows for o in outcomes),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_FLOOR = """
import glob, json, resource, sys, time
import duckdb
con = duckdb.connect(sys.argv[2] if len(sys.argv) > 2 else ":memory:")
start = time.perf_counter()
rows = 0
for i, path in enumerate(sorted(glob.glob(sys.argv[1] + "/*.csv"))):
    con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?, delim='|', header=true, "
                "quote='', escape='', all_varchar=true)", [path])
    rows += con.execute(f"SELECT count(*) FROM t{i}").fetchone()[0]
wall = time.perf_counter() - start
print(json.dumps({"wall": wall, "rows": rows,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


_GX = """
import json, resource, sys, time
from datetime import date
start, cpu = time.perf_counter(), time.process_time()
from cistrade_core.config import get_settings
from cistrade_core.gmp.expectations import run_suites
results = run_suites(date.fromisoformat(sys.argv[1]), get_settings())
assert all(r.ran and r.success for r in results), [r.summary() for r in results]
print(json.dumps({"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(code: str, *args: str, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         env=env or os.environ.copy(), cwd=ROOT, check=False)
    if out.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _drop(scale: float) -> Path:
    from cistrade_dev.gmp_samples import generate_drop

    folder = BENCH_DIR / f"drop-x{scale:g}"
    marker = folder / ".complete"
    if not marker.exists():
        print(f"generating the x{scale:g} drop in {folder} (once) ...", flush=True)
        generate_drop(DAY, folder, scale=scale)
        marker.touch()
    return folder


def _load(folder: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="cistrade-bench-") as home:
        env = dict(os.environ, CISTRADE_HOME=home, CISTRADE_LANDING_DIR=str(folder))
        return _run(_LOAD, DAY.isoformat(), env=env)


def _verdict(what: str, value: float, most: float, unit: str) -> str:
    return (f"{what}: {value:,.2f}{unit} (at most {most:,g}): "
            f"{'met' if value <= most else 'not met'}")


def _growth(days: dict[float, tuple[dict, dict, dict]]) -> str:
    """Peak RSS added per row from each day to the next larger one (the target: flat)."""
    lines = ["peak RSS added a row, from each day to the next (target: flat, 0):"]
    scales = sorted(days)
    for small, large in itertools.pairwise(scales):
        parts = []
        for what, a, b in zip(("cistrade", "duckdb read_csv", "read_csv to a file"),
                              days[small], days[large], strict=True):
            per_row = (b["rss_mb"] - a["rss_mb"]) * 2**20 / max(b["rows"] - a["rows"], 1)
            parts.append(f"{what} {per_row:,.0f} B")
        lines.append(f"  x{small:g} to x{large:g}: " + ", ".join(parts))
    if len(scales) < 2:
        lines.append("  (two scales or more: CISTRADE_BENCH_SCALES=10,100,200)")
    return "\n".join(lines)


def main() -> None:
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'day':<8}{'what':<28}{'rows':>12}{'wall s':>9}{'rows/s':>12}{'peak RSS MB':>13}"
          f"{'x floor':>9}")
    fixed = _load(_drop(FIXED_SCALE))
    days: dict[float, tuple[dict, dict, dict]] = {}
    verdicts: list[str] = []
    print(f"x{FIXED_SCALE:<7g}{'check + load (start-up)':<28}{fixed['rows']:>12,}"
          f"{fixed['wall']:>9.2f}{'':>12}{fixed['rss_mb']:>13,.0f}", flush=True)
    for scale in SCALES:
        folder = _drop(scale)
        ours = _load(folder)
        floor = _run(_FLOOR, str(folder))
        with tempfile.TemporaryDirectory(prefix="cistrade-bench-") as scratch:
            on_disk = _run(_FLOOR, str(folder), str(Path(scratch) / "floor.duckdb"))
        for what, r in (("check + load (cistrade)", ours), ("duckdb read_csv (floor)", floor),
                        ("duckdb read_csv to a file", on_disk)):
            print(f"x{scale:<7g}{what:<28}{r['rows']:>12,}{r['wall']:>9.2f}"
                  f"{r['rows'] / r['wall']:>12,.0f}{r['rss_mb']:>13,.0f}"
                  f"{r['wall'] / floor['wall']:>9.1f}", flush=True)
        beyond = max(ours["wall"] - fixed["wall"], 0.0)
        print(f"x{scale:<7g}{'  less the start-up':<28}{'':>12}{beyond:>9.2f}{'':>12}{'':>13}"
              f"{beyond / floor['wall']:>9.1f}", flush=True)
        days[scale] = ours, floor, on_disk
        if scale == 1.0:
            verdicts.append(_verdict("x1 less the start-up", beyond / floor["wall"],
                                     MAX_X_FLOOR, "x the floor"))
        elif scale == 100:
            verdicts.append(_verdict("x100", ours["wall"] / floor["wall"], MAX_X_FLOOR,
                                     "x the floor"))
            verdicts.append(_verdict("x100 peak RSS", ours["rss_mb"], MAX_RSS_MB, " MB"))
    if 1.0 in SCALES:
        with tempfile.TemporaryDirectory(prefix="cistrade-bench-") as home:
            env = dict(os.environ, CISTRADE_HOME=home, CISTRADE_LANDING_DIR=str(_drop(1.0)))
            gx = _run(_GX, DAY.isoformat(), env=env)
        print(f"x1      {'GX suites, 4 feeds':<28}{'':>12}{gx['wall']:>9.2f}"
              f"{'CPU s ' + format(gx['cpu'], '.2f'):>12}{gx['rss_mb']:>13,.0f}")
        verdicts.append(_verdict("GX suites", gx["cpu"], MAX_GX_CPU_S, " CPU s"))
    print("targets:")
    for line in verdicts:
        print(f"  {line}")
    print(_growth(days))
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
