"""Scrape time of the metrics endpoint on a warehouse with years of history.

``python -m bench metrics [--scrapes N]``. In a temporary CISTRADE_HOME it fills a
DuckDB warehouse with 2 years of daily GMP load history (four feeds, some rejected
and held), 1,000,000 FX rates with their feed-health records, 100,000 outbox rows
and 50,000 audit-log rows, starts ``cistrade metrics serve`` on 127.0.0.1 and times
whole HTTP scrapes of ``/metrics`` (target <= 0.2 s), the first one apart (it
imports the FX settings module and warms DuckDB up).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
TARGET = 0.2
HISTORY_DAYS, RATES, OUTBOX, AUDIT = 730, 1_000_000, 100_000, 50_000


def _fill(home: Path) -> dict[str, int]:
    import duckdb

    from cistrade_core.config import get_settings
    from cistrade_core.fx.pairs import COVERAGE
    from cistrade_core.gmp.store import GmpStore
    from cistrade_core.warehouse import get_warehouse

    os.environ["CISTRADE_HOME"] = str(home)
    wh = get_warehouse(get_settings())
    GmpStore(wh).ensure_schema()
    wh.ensure_store_schema()
    pairs = list(COVERAGE["bloomberg"])
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        con.execute("""
            INSERT INTO gmp_cis.gmp_load_history (feed, business_date, extract_timestamp,
                row_count, status, reason, override, recorded_at)
            SELECT f.feed, current_date - CAST(d.range AS INTEGER), NULL,
                   1000 + d.range % 7,
                   CASE WHEN d.range % 97 = 3 THEN 'rejected'
                        WHEN d.range % 89 = 5 THEN 'held' ELSE 'loaded' END,
                   CASE WHEN d.range % 97 = 3 THEN 'data quality: LEI check digits are wrong'
                        WHEN d.range % 89 = 5 THEN 'significant row count change: 20%'
                        ELSE 'loaded' END,
                   false, now()::TIMESTAMP - INTERVAL (d.range) DAY
            FROM range(?) d, (VALUES ('currency'), ('country'), ('calendar'),
                                     ('counterparty')) f(feed)""", [HISTORY_DAYS])
        con.execute("CREATE TEMP TABLE p AS SELECT unnest(?) AS pair, "
                    "generate_subscripts(?, 1) - 1 AS i", [pairs, pairs])
        n_pairs = len(pairs)
        con.execute(f"""
            INSERT INTO gmp_cis.cis_fx_rate
            SELECT p.pair, substr(p.pair, 1, 3), substr(p.pair, 4, 3), 1.1, 1.1002, 1.1001,
                   now()::TIMESTAMP - INTERVAL (r.range // {n_pairs} * 15) MINUTE,
                   CASE WHEN (r.range // {n_pairs}) % 5 = 4 THEN 'reuters' ELSE 'bloomberg' END,
                   p.pair, 'run-' || (r.range // {n_pairs}),
                   now()::TIMESTAMP - INTERVAL (r.range // {n_pairs} * 15) MINUTE
            FROM range(?) r JOIN p ON p.i = r.range % {n_pairs}""", [RATES])
        runs = RATES // n_pairs
        con.execute(f"""
            INSERT INTO gmp_cis.cis_fx_feed_health
            SELECT 'run-' || r.range,
                   CASE WHEN r.range % 5 = 4 THEN 'reuters' ELSE 'bloomberg' END,
                   CASE WHEN r.range % 5 = 4 THEN 'fallback' ELSE 'primary' END,
                   now()::TIMESTAMP - INTERVAL (r.range * 15) MINUTE,
                   now()::TIMESTAMP - INTERVAL (r.range * 15) MINUTE, {n_pairs}, {n_pairs},
                   {n_pairs}, {n_pairs}, 0, 0, 1 + r.range % 3 // 2, r.range % 3 // 2,
                   CASE WHEN r.range % 5 = 3 THEN 'unavailable' ELSE 'ok' END, NULL
            FROM range(?) r""", [runs])
        con.execute("""
            INSERT INTO gmp_cis.cis_mail_outbox
            SELECT 'm' || r.range,
                   CASE r.range % 4 WHEN 0 THEN 'gmp.data_quality' WHEN 1 THEN 'fx.fallback'
                        WHEN 2 THEN 'portfolio.submitted' ELSE 'report.gmp_daily_load_summary'
                   END,
                   'subject', 'text', NULL, 'a@example.com', NULL, NULL, NULL, NULL, NULL,
                   NULL, NULL, NULL, NULL, NULL,
                   CASE WHEN r.range % 1000 = 1 THEN 'FAILED'
                        WHEN r.range % 1000 = 2 THEN 'PENDING' ELSE 'SENT' END,
                   1 + r.range % 2, NULL, '<m' || r.range || '@bench>',
                   now()::TIMESTAMP - INTERVAL (r.range) MINUTE, NULL, NULL, NULL
            FROM range(?) r""", [OUTBOX])
        con.execute("""
            INSERT INTO gmp_cis.cis_audit_log
            SELECT 'e' || r.range, now()::TIMESTAMP, 'u' || (r.range % 50),
                   CASE WHEN r.range % 3 = 0 THEN 'LOGIN' ELSE 'PORTFOLIO_EDIT' END,
                   'user', NULL, CASE WHEN r.range % 30 = 0 THEN 'DENIED' ELSE 'SUCCESS' END,
                   NULL, NULL, NULL
            FROM range(?) r""", [AUDIT])
        counts = {table: con.execute(f"SELECT count(*) FROM gmp_cis.{table}").fetchone()[0]
                  for table in ("gmp_load_history", "cis_fx_rate", "cis_fx_feed_health",
                                "cis_mail_outbox", "cis_audit_log")}
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read()
    return time.perf_counter() - start, body


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench metrics")
    parser.add_argument("--scrapes", type=int, default=30)
    args = parser.parse_args(argv if argv is not None else [])
    with tempfile.TemporaryDirectory(prefix="cistrade-bench-metrics-") as tmp:
        home = Path(tmp)
        start = time.perf_counter()
        counts = _fill(home)
        print(f"filled in {time.perf_counter() - start:.1f} s: {counts}")
        port = _free_port()
        env = {**os.environ, "CISTRADE_HOME": str(home)}
        serve = subprocess.Popen([str(BIN / "cistrade"), "metrics", "serve", "--port", str(port)],
                                 env=env, stderr=subprocess.PIPE, start_new_session=True)
        try:
            serve.stderr.readline()  # "metrics on http://..."
            url = f"http://127.0.0.1:{port}/metrics"
            first, body = _get(url)
            warm = sorted(_get(url)[0] for _ in range(args.scrapes))
            body = _get(url)[1].decode()
        finally:
            serve.terminate()
            serve.wait(timeout=30)
        median = statistics.median(warm)
        p95 = warm[int(len(warm) * 0.95) - 1]
        print("| scrape | seconds | target |\n| --- | ---: | --- |")
        print(f"| first (cold) | {first:.3f} | |")
        print(f"| warm, median of {len(warm)} | {median:.3f} | <= {TARGET} s |")
        print(f"| warm, p95 | {p95:.3f} | |")
        print(f"| warm, max | {warm[-1]:.3f} | |")
        families = {line.split('"')[1]: float(line.split()[-1]) for line in body.splitlines()
                    if line.startswith("cistrade_scrape_collector_duration_seconds{")}
        print("per family (one scrape): " + ", ".join(f"{k} {v * 1000:.0f} ms"
                                                       for k, v in families.items()))
        print(f"exposition: {len(body):,} bytes; load average {os.getloadavg()[0]:.1f}")
        if median > TARGET:
            print(f"median scrape {median:.3f} s is over the {TARGET} s target")
