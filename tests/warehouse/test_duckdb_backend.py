"""The DuckDB warehouse: atomic day replacement and waiting for another writer."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cistrade_core.feeds import get_feed
from cistrade_core.gmp.store import GmpStore, LoadRecord, LoadStatus
from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

CURRENCY = get_feed("currency")
DAY = date(2026, 11, 27)


def rows(*codes: str, minor: str = "2") -> pa.Table:
    return pa.table({
        "currency_code": list(codes), "currency_name": [f"{c} name" for c in codes],
        "numeric_code": ["840"] * len(codes), "minor_units": [minor] * len(codes),
        "is_active": ["Y"] * len(codes),
    })


def record(n: int) -> LoadRecord:
    return LoadRecord("currency", DAY, LoadStatus.LOADED, "loaded", None, n)


@pytest.fixture(params=["arrow", "parquet"])
def staged(request, tmp_path):
    """The rows as handed to the load: an Arrow table, or the Parquet file it was staged to."""
    def stage(table: pa.Table) -> pa.Table | Path:
        if request.param == "arrow":
            return table
        path = tmp_path / f"staged-{len(list(tmp_path.iterdir()))}.parquet"
        pq.write_table(table, path)
        return path
    return stage


def test_replacing_a_day_is_all_or_nothing(warehouse, staged):
    store = GmpStore(warehouse)
    assert store.load_day(CURRENCY, DAY, staged(rows("USD", "EUR")), record(2)) == 2
    with pytest.raises(Exception, match="Could not convert string 'two'"):
        store.load_day(CURRENCY, DAY, staged(rows("GBP", minor="two")), record(1))
    with pytest.raises(ValueError, match="staged columns"):
        store.load_day(CURRENCY, DAY, staged(rows("GBP").drop_columns(["is_active"])),
                       record(1))
    kept = warehouse.query("SELECT currency_code FROM gmp_cis.gmp_cis_sta_dly_currency "
                           "WHERE business_date = ? ORDER BY 1", [DAY])
    assert [r["currency_code"] for r in kept] == ["EUR", "USD"]
    # the failed load left no history row
    assert len(GmpStore(warehouse).load_history(DAY, DAY)) == 1


def test_replacing_a_day_leaves_other_days_alone(warehouse):
    other = date(2026, 11, 26)
    GmpStore(warehouse).load_day(CURRENCY, other, rows("CHF"), record(1))
    GmpStore(warehouse).load_day(CURRENCY, DAY, rows("USD"), record(1))
    GmpStore(warehouse).load_day(CURRENCY, DAY, rows("JPY"), record(1))
    got = warehouse.query("SELECT business_date, currency_code FROM "
                          "gmp_cis.gmp_cis_sta_dly_currency ORDER BY 1")
    assert [(r["business_date"], r["currency_code"]) for r in got] == [(other, "CHF"),
                                                                        (DAY, "JPY")]


def test_a_writer_in_another_process_is_waited_for(settings):
    warehouse = DuckDBWarehouse(settings.warehouse_path, lock_timeout=30)
    GmpStore(warehouse).ensure_schema()
    warehouse.close()   # this process's idle turn on the file ends now, not in 0.25 s
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True);"
         " time.sleep(2); c.close()", str(settings.warehouse_path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        start = time.monotonic()
        assert warehouse.query("SELECT 1 AS one") == [{"one": 1}]
        assert time.monotonic() - start >= 1.0
    finally:
        holder.wait(timeout=30)
