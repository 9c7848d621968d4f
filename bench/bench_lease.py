"""DuckDB file sharing: units of work per second with one and with two processes.

``python -m bench lease`` (options after ``--``: ``--seconds 5``). Each process
loops over a unit of work (a transaction inserting a row, then a query reading
it back) on one fresh DuckDB file, as API workers, CLI commands and Airflow
tasks do; prints units/s and p99 per process. The baseline is the same loop on
an in-memory database (no file to share), measured in the same run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path


def _loop(path: str, seconds: float, out) -> None:
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

    wh = DuckDBWarehouse(path)
    samples = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.perf_counter()
        with wh.transaction() as tx:
            tx.execute("INSERT INTO gmp_cis.t VALUES (?)", [os.getpid()])
        wh.query("SELECT count(*) AS n FROM gmp_cis.t WHERE n = ?", [os.getpid()])
        samples.append(time.perf_counter() - t)
    samples.sort()
    out.put((len(samples) / seconds, samples[int(len(samples) * 0.99)] * 1000))


def _memory_baseline(seconds: float) -> float:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE t (n BIGINT)")
    count, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        cur = con.cursor()
        cur.begin()
        cur.execute("INSERT INTO t VALUES (?)", [1])
        cur.commit()
        cur.execute("SELECT count(*) FROM t WHERE n = ?", [1]).fetchall()
        cur.close()
        count += 1
    return count / seconds


def run(seconds: float) -> dict[str, list[tuple[float, float]] | float]:
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

    results: dict = {"baseline": _memory_baseline(seconds)}
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="cistrade-bench-lease-") as tmp:
        for n in (1, 2):
            path = Path(tmp) / f"w{n}.duckdb"
            wh = DuckDBWarehouse(path)
            wh.execute("CREATE SCHEMA gmp_cis")
            wh.execute("CREATE TABLE gmp_cis.t (n BIGINT)")
            wh.close()
            out = ctx.Queue()
            procs = [ctx.Process(target=_loop, args=(str(path), seconds, out)) for _ in range(n)]
            for p in procs:
                p.start()
            results[n] = [out.get(timeout=seconds + 300) for _ in procs]
            for p in procs:
                p.join(timeout=60)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_lease", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv if argv is not None else [])
    r = run(args.seconds)
    base = r["baseline"]
    print(f"in-memory loop (baseline): {base:8.0f} units/s")
    for n in (1, 2):
        total = sum(u for u, _ in r[n])
        per = ", ".join(f"{u:.0f}/s p99 {p:.0f} ms" for u, p in r[n])
        print(f"{n} process(es) on one file: {total:8.0f} units/s ({total / base:.3f} of "
              f"baseline; {per})")


if __name__ == "__main__":
    main(sys.argv[1:])
