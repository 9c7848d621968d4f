"""A full GMP day loaded through the HiveServer2 backend beside the DuckDB backend, in one run.

Both engines load the same generated drop (scale 1: ~180 currencies, ~250
countries, ~100,000 holidays, ~7,000 counterparties) with the same code
(``GmpLoad``): validate (checks, incl. the warehouse look-ups), load and
refresh per feed, then the day again (a reload: idempotent replace), then a
read of every current-day view. The HiveServer2 is the local Spark Thrift
Server (``make hiveserver``), started here and timed too.

    python -m bench bench_hive [--scale 1.0] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

DAY = date(2026, 11, 26)


@contextmanager
def _env(**values: str):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _load_day(settings, warehouse) -> dict:
    from cistrade_core.feeds import FEEDS
    from cistrade_core.gmp.pipeline import GmpLoad

    timings: dict = {"feeds": {}}
    began = time.perf_counter()
    run = GmpLoad(settings, warehouse)
    timings["schema_s"] = time.perf_counter() - began
    for attempt in ("first", "reload"):
        total = time.perf_counter()
        for name in FEEDS:
            t0 = time.perf_counter()
            outcome = run.validate(name, DAY)
            t1 = time.perf_counter()
            if outcome.status != "validated":
                raise RuntimeError(f"{name}: {outcome.line()}")
            loaded = run.load(name, DAY)
            t2 = time.perf_counter()
            run.refresh(name, DAY)
            t3 = time.perf_counter()
            if attempt == "first":
                timings["feeds"][name] = {"rows": loaded.rows, "validate_s": t1 - t0,
                                          "load_s": t2 - t1, "refresh_s": t3 - t2}
        timings[f"{attempt}_day_s"] = time.perf_counter() - total
    t0 = time.perf_counter()
    timings["current_rows"] = {name: run.store.current_rows(feed) for name, feed in FEEDS.items()}
    timings["read_current_s"] = time.perf_counter() - t0
    for name, feed in timings["feeds"].items():
        if timings["current_rows"][name] != feed["rows"]:
            raise RuntimeError(f"{name}: {timings['current_rows'][name]} rows visible, "
                               f"{feed['rows']} loaded")
    return timings


def run(scale: float = 1.0) -> dict:
    from cistrade_core.config import get_settings
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse
    from cistrade_core.warehouse.hive_backend import HiveWarehouse
    from cistrade_core.warehouse.hive_config import HiveServer2Config
    from cistrade_core.warehouse.hive_files import DataLayout
    from cistrade_dev.gmp_samples import generate_drop
    from cistrade_dev.local_hiveserver import LocalHiveServer

    results: dict = {"scale": scale, "business_date": DAY.isoformat(),
                     "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
                                f"Python {platform.python_version()}"}
    with tempfile.TemporaryDirectory(prefix="bench-hive-") as tmp:
        tmp = Path(tmp)
        landing = tmp / "landing"
        t0 = time.perf_counter()
        generate_drop(DAY, landing, scale=scale)
        results["generate_s"] = time.perf_counter() - t0
        # Alerts go nowhere: a good drop raises none.
        with _env(CISTRADE_SMTP_PORT="9", CISTRADE_LANDING_DIR=str(landing)):
            duck_settings = replace(get_settings().with_home(tmp / "duckdb"), landing_dir=landing)
            results["duckdb"] = _load_day(duck_settings, DuckDBWarehouse(
                duck_settings.warehouse_path))

            with LocalHiveServer(tmp / "hiveserver2") as server:
                results["hiveserver2_start_s"] = server.started_in
                hive_settings = replace(duck_settings, home=tmp / "hive")
                layout = DataLayout(tmp / "hive" / "gmp-data",
                                    (tmp / "hive" / "gmp-data").as_uri())
                config = HiveServer2Config(host=server.host, port=server.port, user="bench")
                warehouse = HiveWarehouse(config.connect, layout)
                try:
                    results["hive"] = _load_day(hive_settings, warehouse)
                finally:
                    warehouse.close()
    return results


def report(results: dict) -> str:
    lines = [f"GMP day {results['business_date']} at scale {results['scale']} "
             f"({results['machine']}); drop generated in {results['generate_s']:.1f} s",
             f"local HiveServer2 up in {results['hiveserver2_start_s']:.1f} s",
             "",
             f"{'feed':<13}{'rows':>9}  {'duckdb v/l/r (s)':>22}  {'hive v/l/r (s)':>22}"]
    for name, duck in results["duckdb"]["feeds"].items():
        hive = results["hive"]["feeds"][name]
        cell = "{validate_s:6.2f} {load_s:6.2f} {refresh_s:6.2f}".format
        lines.append(f"{name:<13}{duck['rows']:>9,}  {cell(**duck):>22}  {cell(**hive):>22}")
    for key, label in (("schema_s", "schema check/create"), ("first_day_s", "whole day"),
                       ("reload_day_s", "same day again"),
                       ("read_current_s", "count all current views")):
        lines.append(f"{label:<24}{results['duckdb'][key]:>17.2f}{results['hive'][key]:>24.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench bench_hive")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args(argv or [])
    results = run(args.scale)
    print(report(results), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
