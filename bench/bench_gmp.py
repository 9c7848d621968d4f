"""GMP load: check + load of a full day and of a 100x day, beside DuckDB's read_csv.

Each measurement runs in a fresh process so its wall time and peak RSS are its
own (start-up and imports excluded from wall time, included in RSS). Drops are
generated once under ``.cistrade/bench/`` and reused.
"""

from __future__ import annotations

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
con = duckdb.connect()
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


def main() -> None:
    print(f"{'day':<8}{'what':<28}{'rows':>12}{'wall s':>9}{'rows/s':>12}{'peak RSS MB':>13}")
    for scale in SCALES:
        folder = _drop(scale)
        with tempfile.TemporaryDirectory(prefix="cistrade-bench-") as home:
            env = dict(os.environ, CISTRADE_HOME=home, CISTRADE_LANDING_DIR=str(folder))
            ours = _run(_LOAD, DAY.isoformat(), env=env)
        floor = _run(_FLOOR, str(folder))
        for what, r in (("check + load (cistrade)", ours), ("duckdb read_csv (floor)", floor)):
            print(f"x{scale:<7g}{what:<28}{r['rows']:>12,}{r['wall']:>9.2f}"
                  f"{r['rows'] / r['wall']:>12,.0f}{r['rss_mb']:>13,.0f}", flush=True)


if __name__ == "__main__":
    main()
