"""GMP load: check + load of a full day and of a 100x day, beside DuckDB's read_csv.

Each measurement runs in a fresh process so its wall time and peak RSS are its
own (start-up and imports excluded from wall time, included in RSS); each figure of a
day is the least of two runs (``CISTRADE_BENCH_RUNS``). Drops are
generated once under ``.cistrade/bench/`` and reused. Each day's time is given as a
ratio to the floor of the same run (``read_csv`` into an in-memory database; the same
into a database file, as the load writes one, is shown beside it); the fixed start-up
of a day (connections, schema objects, lazy imports) is the check + load of a tiny drop
(scale 0.01), and the normal day is also shown without it. Then the Great Expectations
suites of the normal day, all four feeds in one process as the DAG's ``expectations``
task runs them: wall and CPU seconds, the import included. Last, each target with its
verdict, and the peak RSS each larger day adds a row (``CISTRADE_BENCH_SCALES=30,100,200``
for larger days). Memory stays flat as the day grows when a row adds no more than the
database itself adds writing the same files (``read_csv`` into a database file): for the
whole day, and for the largest feed (the calendar, read a range at a time) checked and
loaded alone; its checks only, which write no database, add next to nothing.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("CISTRADE_HOME", ROOT / ".cistrade")) / "bench"
DAY = date(2026, 11, 27)
SCALES = [float(s) for s in os.environ.get("CISTRADE_BENCH_SCALES", "1,10,30,100").split(",")]
#: The drop whose check + load is taken as a day's fixed start-up.
FIXED_SCALE = 0.01
#: Targets: a day (the normal day less its start-up) within this many times the floor,
#: the x100 day's peak RSS, and the Great Expectations suites' CPU seconds.
MAX_X_FLOOR, MAX_RSS_MB, MAX_GX_CPU_S = 3.0, 1024, 15.0
#: Each figure of a day (wall time, peak RSS) is the least of this many runs, each in a
#: fresh process: what one run adds to another (a page cache, a neighbour's burst) is noise.
RUNS = int(os.environ.get("CISTRADE_BENCH_RUNS", "2"))
#: The largest feed, and the peak RSS a day or that feed may add a row from one day to a
#: larger one (of at least FLAT_FROM) beyond what DuckDB's read_csv of the same files into
#: a database file adds: flat, within the spread of peak RSS from run to run (about 10 MB,
#: 1.4 B a row over the 7M rows from x30 to x100). A smaller calendar ends before the
#: ranges being read and the row groups being staged are all in flight at once (its checks
#: only, three runs each: 256 to 266 MB at x10, 278 to 285 at x30, 276 to 284 at x100).
LARGEST, MAX_FLAT_B, FLAT_FROM = "calendar", 2.0, 30

_LOAD = """
import json, sys, time
from datetime import date
from bench import peak_rss_mb
from cistrade_core.gmp.pipeline import GmpLoad
from cistrade_core.schema import upgrade
run = GmpLoad()
upgrade(run.warehouse)
start = time.perf_counter()
day, feeds, checks_only = date.fromisoformat(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
feeds = [f for f in feeds.split(",") if f] or None
if checks_only:  # each feed checked and staged, none loaded
    outcomes = [run.validate(name, day) for name in feeds]
else:
    outcomes = run.run_day(day, feeds=feeds)
wall = time.perf_counter() - start
done = "validated" if checks_only else "loaded"
assert all(o.status == done for o in outcomes), [o.line() for o in outcomes]
print(json.dumps({"wall": wall, "rows": sum(o.rows for o in outcomes),
                  "rss_mb": peak_rss_mb()}))
"""

_FLOOR = """
import glob, json, sys, time
import duckdb
from bench import peak_rss_mb
con = duckdb.connect(sys.argv[2] if len(sys.argv) > 2 else ":memory:")  # files: argv[1]
start = time.perf_counter()
rows = 0
for i, path in enumerate(sorted(glob.glob(sys.argv[1]))):
    con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?, delim='|', header=true, "
                "quote='', escape='', all_varchar=true)", [path])
    rows += con.execute(f"SELECT count(*) FROM t{i}").fetchone()[0]
wall = time.perf_counter() - start
print(json.dumps({"wall": wall, "rows": rows,
                  "rss_mb": peak_rss_mb()}))
"""


_GX = """
import json, sys, time
from datetime import date
from bench import peak_rss_mb
start, cpu = time.perf_counter(), time.process_time()
from cistrade_core.config import get_settings
from cistrade_core.gmp.expectations import run_suites
results = run_suites(date.fromisoformat(sys.argv[1]), get_settings())
assert all(r.ran and r.success for r in results), [r.summary() for r in results]
print(json.dumps({"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                  "rss_mb": peak_rss_mb()}))
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


def _load(folder: Path, feeds: str = "", *, checks_only: bool = False) -> dict:
    """Check + load of the day in ``folder`` (only ``feeds``, comma-separated, if given;
    ``checks_only``: checked, not loaded)."""
    with tempfile.TemporaryDirectory(prefix="cistrade-bench-") as home:
        env = dict(os.environ, CISTRADE_HOME=home, CISTRADE_LANDING_DIR=str(folder))
        return _run(_LOAD, DAY.isoformat(), feeds, str(int(checks_only)), env=env)


def _floor_to_a_file(files: Path) -> dict:
    """DuckDB's read_csv of ``files`` (a glob) into a new database file."""
    with tempfile.TemporaryDirectory(prefix="cistrade-bench-") as scratch:
        return _run(_FLOOR, str(files), str(Path(scratch) / "floor.duckdb"))


def _best(measure: Callable[..., dict], *args: object, **kwargs: object) -> dict:
    """``measure(*args, **kwargs)`` run :data:`RUNS` times: the least wall time and the
    least peak RSS."""
    runs = [measure(*args, **kwargs) for _ in range(RUNS)]
    return {**runs[0], "wall": min(r["wall"] for r in runs),
            "rss_mb": min(r["rss_mb"] for r in runs)}


def _verdict(what: str, value: float, most: float, unit: str) -> str:
    return (f"{what}: {value:,.2f}{unit} (at most {most:,g}): "
            f"{'met' if value <= most else 'not met'}")


def _added(small: dict, large: dict) -> float:
    """Peak RSS bytes added a row from the ``small`` run to the ``large`` one."""
    return (large["rss_mb"] - small["rss_mb"]) * 2**20 / max(large["rows"] - small["rows"], 1)


def _growth(days: dict[float, dict[str, dict]]) -> str:
    """Peak RSS added per row from each day to the next larger one."""
    lines = ["peak RSS added a row, from each day to the next:"]
    scales = sorted(days)
    for small, large in itertools.pairwise(scales):
        parts = [f"{what} {_added(days[small][what], days[large][what]):,.1f} B"
                 for what in days[small]]
        lines.append(f"  x{small:g} to x{large:g}: " + ", ".join(parts))
    if len(scales) < 2:
        lines.append("  (two scales or more: CISTRADE_BENCH_SCALES=30,100,200)")
    return "\n".join(lines)


#: What each memory verdict judges, and the run whose growth it may exceed by at most
#: MAX_FLAT_B (None: none, the growth itself is judged).
_FLATNESS = (("whole day", "cistrade", "read_csv to a file"),
             (f"{LARGEST} checked and loaded alone", f"{LARGEST} alone",
              "its read_csv to a file"),
             (f"{LARGEST} checks only", "its checks only", None))


def _flat(days: dict[float, dict[str, dict]]) -> list[str]:
    """The verdicts on memory over each step between large days (:data:`_FLATNESS`)."""
    large = [scale for scale in sorted(days) if scale >= FLAT_FROM]
    verdicts = []
    for a, b in itertools.pairwise(large):
        for what, ours, floor in _FLATNESS:
            added = _added(days[a][ours], days[b][ours])
            beyond = "" if floor is None else " beyond read_csv to a file"
            if floor is not None:
                added -= _added(days[a][floor], days[b][floor])
            verdicts.append(_verdict(f"{what}, x{a:g} to x{b:g}: peak RSS added a row{beyond}",
                                     added, MAX_FLAT_B, " B"))
    return verdicts


def main() -> None:
    from cistrade_core.feeds import get_feed

    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'day':<8}{'what':<28}{'rows':>12}{'wall s':>9}{'rows/s':>12}{'peak RSS MB':>13}"
          f"{'x floor':>9}")
    fixed = _best(_load, _drop(FIXED_SCALE))
    days: dict[float, dict[str, dict]] = {}
    verdicts: list[str] = []
    print(f"x{FIXED_SCALE:<7g}{'check + load (start-up)':<28}{fixed['rows']:>12,}"
          f"{fixed['wall']:>9.2f}{'':>12}{fixed['rss_mb']:>13,.0f}", flush=True)
    for scale in SCALES:
        folder = _drop(scale)
        ours = _best(_load, folder)
        floor = _best(_run, _FLOOR, str(folder / "*.csv"))
        on_disk = _best(_floor_to_a_file, folder / "*.csv")
        for what, r in (("check + load (cistrade)", ours), ("duckdb read_csv (floor)", floor),
                        ("duckdb read_csv to a file", on_disk)):
            print(f"x{scale:<7g}{what:<28}{r['rows']:>12,}{r['wall']:>9.2f}"
                  f"{r['rows'] / r['wall']:>12,.0f}{r['rss_mb']:>13,.0f}"
                  f"{r['wall'] / floor['wall']:>9.1f}", flush=True)
        beyond = max(ours["wall"] - fixed["wall"], 0.0)
        print(f"x{scale:<7g}{'  less the start-up':<28}{'':>12}{beyond:>9.2f}{'':>12}{'':>13}"
              f"{beyond / floor['wall']:>9.1f}", flush=True)
        alone = _best(_load, folder, LARGEST)
        checked = _best(_load, folder, LARGEST, checks_only=True)
        largest_floor = _best(_floor_to_a_file, folder / get_feed(LARGEST).data_file_name(DAY))
        for what, r in ((f"  {LARGEST} alone", alone), (f"  {LARGEST}, checks only", checked),
                        (f"  {LARGEST}, read_csv to a file", largest_floor)):
            print(f"x{scale:<7g}{what:<28}{r['rows']:>12,}{r['wall']:>9.2f}"
                  f"{r['rows'] / r['wall']:>12,.0f}{r['rss_mb']:>13,.0f}", flush=True)
        days[scale] = {"cistrade": ours, "duckdb read_csv": floor, "read_csv to a file": on_disk,
                       f"{LARGEST} alone": alone, "its checks only": checked,
                       "its read_csv to a file": largest_floor}
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
    verdicts += _flat(days)
    print("targets:")
    for line in verdicts:
        print(f"  {line}")
    print(_growth(days))
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
