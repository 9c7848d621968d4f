"""The Hive backend against a real HiveServer2 (the Spark Thrift Server of the session)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from cistrade_core.feeds import FEEDS
from cistrade_core.gmp.outcome import FeedStatus
from cistrade_core.gmp.pipeline import GmpLoad
from cistrade_core.gmp.store import GmpStore, LoadRecord, LoadStatus
from cistrade_core.gmp.tables import expected_tables, feed_table
from cistrade_core.notify import mails
from cistrade_core.warehouse.hive_backend import HiveWarehouse
from cistrade_dev.gmp_samples import generate_drop

DAY1 = date(2026, 11, 26)
DAY2 = date(2026, 11, 27)
SCALE = 0.02  # 2,000 calendar rows, ~140 counterparties: the full four-feed shape, small


def _current(wh: HiveWarehouse, feed: str) -> tuple[int, set[date]]:
    table = FEEDS[feed].current_view
    rows = wh.query(f"SELECT business_date, count(*) AS n FROM gmp_cis.{table} "
                    "GROUP BY business_date")
    return sum(r["n"] for r in rows), {r["business_date"] for r in rows}


def _drop(settings, day: date, fault: str | None = None) -> None:
    generate_drop(day, settings.landing_dir, fault=fault, scale=SCALE)


def test_schema_is_external_partitioned_text_over_the_data_dir(hive_warehouse, hive_env):
    wh = hive_warehouse
    assert expected_tables() <= wh.existing_tables()
    feed = FEEDS["currency"]
    info = {r["col_name"].strip(): (r["data_type"] or "").strip()
            for r in wh.query(f"DESCRIBE FORMATTED gmp_cis.{feed.table}") if r["col_name"]}
    assert info["Type"] == "EXTERNAL"
    assert info["Location"].rstrip("/") == "file:" + str(hive_env.data_dir / feed.table)
    assert "LazySimpleSerDe" in info["Serde Library"]
    assert "# Partition Information" in info
    # A second call finds everything in place and runs no DDL.
    before = wh.pool.stats.reused + wh.pool.stats.opened
    GmpStore(wh).ensure_schema()
    assert wh.pool.stats.reused + wh.pool.stats.opened - before == 1  # the SHOW TABLES


HOSTILE = [
    "O'Brien", "back\\slash", "ends with a backslash\\", "\\'; DROP TABLE x; --",
    'double "quotes"', "line\nbreak\tand tab", "100% ?  :name ${var} -- /* */",
    "Zürich – 東京 – ñ", "",
]


def test_values_are_bound_safely(hive_connection):
    sql = "SELECT " + ", ".join(f"? AS v{i}" for i in range(len(HOSTILE))) + ", ? AS n"
    [row] = hive_connection.query(sql, [*HOSTILE, 7])
    assert row == {**{f"v{i}": v for i, v in enumerate(HOSTILE)}, "n": 7}


def test_typed_values_round_trip_through_a_managed_table(hive_connection):
    wh = hive_connection
    wh.execute("CREATE DATABASE gmp_cis")
    wh.execute("CREATE TABLE gmp_cis.t_types (s STRING, d DATE, ts TIMESTAMP, b BOOLEAN, "
               "n BIGINT, x DECIMAL(12, 4)) STORED AS PARQUET")
    values = ["it's", date(2026, 11, 27), datetime(2026, 11, 28, 2, 0, 7, 125000, tzinfo=UTC), True,
              2**40, Decimal("1.2345")]
    wh.execute("INSERT INTO gmp_cis.t_types VALUES (?, ?, ?, ?, ?, ?)", values)
    wh.execute("INSERT INTO gmp_cis.t_types VALUES (?, ?, ?, ?, ?, ?)", [None] * 6)
    rows = wh.query("SELECT * FROM gmp_cis.t_types WHERE d = ? OR d IS NULL ORDER BY s",
                    [date(2026, 11, 27)])
    assert rows[0] == dict.fromkeys(["s", "d", "ts", "b", "n", "x"])
    assert list(rows[1].values()) == values


def test_a_loaded_day_is_invisible_until_the_refresh(hive_warehouse, settings):
    wh = hive_warehouse
    run = GmpLoad(settings, wh)
    _drop(settings, DAY1)
    for name in FEEDS:
        assert run.validate(name, DAY1).status is FeedStatus.VALIDATED
        loaded = run.load(name, DAY1)
        assert loaded.status is FeedStatus.LOADED and loaded.rows > 0
        assert wh.layout.data_file(feed_table(FEEDS[name]), DAY1).exists()
        assert wh.partitions(FEEDS[name].table) == []
        assert _current(wh, name) == (0, set())
    for name in FEEDS:
        done = run.refresh(name, DAY1)
        assert "registered" in done
        assert wh.partitions(FEEDS[name].table) == [DAY1]
    expected = {name: GmpStore(wh).load_history(DAY1, DAY1, name)[0].row_count for name in FEEDS}
    for name in FEEDS:
        assert _current(wh, name) == (expected[name], {DAY1})

    # Typed columns come back typed, empty fields as NULL (the GMP contract).
    [xau] = wh.query("SELECT * FROM gmp_cis.gmp_cis_sta_dly_currency_current "
                     "WHERE currency_code = ?", ["XAU"])
    assert xau["minor_units"] is None and xau["business_date"] == DAY1
    cp = wh.query("SELECT updated_at, lei FROM gmp_cis.gmp_cis_sta_dly_counterparty LIMIT 1")[0]
    assert isinstance(cp["updated_at"], datetime)
    cal = wh.query("SELECT min(holiday_date) AS d FROM gmp_cis.gmp_cis_sta_dly_calendar")[0]
    assert isinstance(cal["d"], date)

    # The next day: loaded but not refreshed, readers still see DAY1.
    _drop(settings, DAY2)
    assert run.validate("currency", DAY2).status is FeedStatus.VALIDATED
    run.load("currency", DAY2)
    assert _current(wh, "currency") == (expected["currency"], {DAY1})
    run.refresh("currency", DAY2)
    assert _current(wh, "currency")[1] == {DAY2}
    assert wh.partitions(FEEDS["currency"].table) == [DAY1, DAY2]


def test_a_rejected_feed_leaves_the_previous_day_current(hive_warehouse, settings, smtp_server):
    wh = hive_warehouse
    run = GmpLoad(settings, wh)
    _drop(settings, DAY1)
    assert {o.status for o in run.run_day(DAY1)} == {FeedStatus.LOADED}
    day1_calendar = _current(wh, "calendar")

    _drop(settings, DAY2, fault="truncated")  # the calendar transfer was cut short
    outcomes = {o.feed: o for o in run.run_day(DAY2)}
    assert outcomes["calendar"].status is FeedStatus.REJECTED
    assert {outcomes[n].status for n in ("currency", "country", "counterparty")} == {
        FeedStatus.LOADED}

    assert _current(wh, "calendar") == day1_calendar
    assert day1_calendar[1] == {DAY1}
    assert not wh.layout.partition_dir(feed_table(FEEDS["calendar"]), DAY2).exists()
    assert wh.partitions(FEEDS["calendar"].table) == [DAY1]
    for name in ("currency", "country", "counterparty"):
        assert _current(wh, name)[1] == {DAY2}
    [rejected] = GmpStore(wh).load_history(DAY2, DAY2, "calendar")
    assert rejected.status is LoadStatus.REJECTED
    assert [a["topic"] for a in mails(wh, topic="gmp", feed="calendar",
                                      business_date=DAY2)] == ["gmp.row_count_mismatch"]


def test_loading_a_day_twice_gives_the_same_tables(hive_warehouse, settings):
    wh = hive_warehouse
    run = GmpLoad(settings, wh)
    _drop(settings, DAY1)

    def snapshot():
        return {name: (_current(wh, name), wh.partitions(FEEDS[name].table),
                       wh.query(f"SELECT count(*) AS n FROM gmp_cis.{FEEDS[name].table}")[0]["n"],
                       sorted(p.name for p in wh.layout.partition_dir(
                           feed_table(FEEDS[name]), DAY1).iterdir()))
                for name in FEEDS}

    assert {o.status for o in run.run_day(DAY1)} == {FeedStatus.LOADED}
    first = snapshot()
    assert {o.status for o in run.run_day(DAY1)} == {FeedStatus.LOADED}
    assert snapshot() == first
    assert all(files == [wh.layout.file_name] for *_, files in first.values())
    history = GmpStore(wh).load_history(DAY1, DAY1)
    assert len(history) == 2 * len(FEEDS)
    assert {r.status for r in history} == {LoadStatus.LOADED}


def test_a_failed_load_puts_the_previous_file_back(hive_warehouse, settings, monkeypatch):
    wh = hive_warehouse
    run = GmpLoad(settings, wh)
    _drop(settings, DAY1)
    assert run.run_feed("currency", DAY1).status is FeedStatus.LOADED
    feed = FEEDS["currency"]
    before_bytes = wh.layout.data_file(feed_table(feed), DAY1).read_bytes()
    before_rows = _current(wh, "currency")

    def history_down(table, row):
        raise ConnectionError("metastore unavailable")

    monkeypatch.setattr(wh, "append", history_down)
    import pyarrow as pa

    smaller = pa.table({c: ["ZZZ" if c == "currency_code" else "Y" if c == "is_active" else None]
                        for c in feed.column_names})
    record = LoadRecord("currency", DAY1, LoadStatus.LOADED, "loaded")
    with pytest.raises(ConnectionError):
        wh.replace_partition(feed_table(feed), DAY1, smaller, record.history_row())
    assert wh.layout.data_file(feed_table(feed), DAY1).read_bytes() == before_bytes
    assert _current(wh, "currency") == before_rows
    with pytest.raises(ConnectionError):
        wh.replace_partition(feed_table(feed), DAY2, smaller, record.history_row())
    assert not wh.layout.data_file(feed_table(feed), DAY2).exists()
    assert not any(wh.layout.staging_root.iterdir())


def test_refresh_refuses_a_day_that_was_not_loaded(hive_warehouse):
    with pytest.raises(FileNotFoundError, match="nothing loaded"):
        hive_warehouse.publish_partition(feed_table(FEEDS["country"]), DAY2)
    assert hive_warehouse.partitions(FEEDS["country"].table) == []


def test_the_command_line_loads_through_pyhive(hive_env, settings, monkeypatch):
    """``cistrade gmp load`` with CISTRADE_WAREHOUSE=hive: PyHive from CISTRADE_HIVE_*."""
    from click.testing import CliRunner

    from cistrade_core.cli import main

    monkeypatch.setenv("CISTRADE_SMTP_PORT", "9")  # a good day sends no mail
    _drop(settings, DAY1)
    runner = CliRunner()
    result = runner.invoke(main, ["gmp", "load", "--date", DAY1.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.output.count("LOADED") == len(FEEDS)
    status = runner.invoke(main, ["gmp", "status", "--from", DAY1.isoformat(),
                                  "--to", DAY1.isoformat()])
    assert status.exit_code == 0 and status.output.count(" loaded ") == len(FEEDS)


def test_hive_connection_settings_from_the_environment(monkeypatch):
    from cistrade_core.warehouse.hive_config import HiveServer2Config

    monkeypatch.setenv("CISTRADE_HIVE_HOST", "hs2.company.com")
    monkeypatch.setenv("CISTRADE_HIVE_AUTH", "ldap")
    monkeypatch.setenv("CISTRADE_HIVE_USER", "svc_cistrade")
    monkeypatch.setenv("CISTRADE_HIVE_PASSWORD", "s3cret-pw")
    config = HiveServer2Config.from_env()
    assert (config.host, config.port, config.auth, config.database) == (
        "hs2.company.com", 10000, "LDAP", "default")
    assert "s3cret-pw" not in repr(config)
    monkeypatch.delenv("CISTRADE_HIVE_PASSWORD")
    with pytest.raises(ValueError, match="needs CISTRADE_HIVE_PASSWORD"):
        HiveServer2Config.from_env().connect()
    monkeypatch.setenv("CISTRADE_HIVE_AUTH", "KERBEROS")
    assert HiveServer2Config.from_env().kerberos_service_name == "hive"
