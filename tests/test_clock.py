"""One clock: aware UTC everywhere in the library, naive UTC only inside the warehouse."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from cistrade_core.clock import FixedClock, as_utc, naive_utc, utcnow

REPO = Path(__file__).resolve().parents[1]
PRODUCTION = ("cistrade_core", "cistrade_dev", "plugins", "dags")
CLOCK = REPO / "cistrade_core" / "clock.py"
#: Reading the system time, and the time helpers that only the clock module defines.
NOW_CALLS = {"now", "utcnow", "today"}
CLOCK_HELPERS = {"utcnow", "utcnow_naive", "_now", "now_utc_naive", "as_utc", "naive_utc"}

CAIRO = timezone(timedelta(hours=2))


def _modules() -> list[Path]:
    return sorted(p for root in PRODUCTION for p in (REPO / root).rglob("*.py")
                  if p != CLOCK)


def _datetime_now_calls(tree: ast.AST) -> list[int]:
    """Lines calling ``datetime.now()``, ``datetime.utcnow()``, ``datetime.today()``
    (also as ``datetime.datetime.…``)."""
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        named = (isinstance(owner, ast.Name) and owner.id == "datetime"
                 or isinstance(owner, ast.Attribute) and owner.attr == "datetime")
        if named and node.func.attr in NOW_CALLS:
            lines.append(node.lineno)
    return lines


def test_only_the_clock_module_reads_the_system_time():
    found = []
    for path in _modules():
        tree = ast.parse(path.read_text(), str(path))
        found += [f"{path.relative_to(REPO)}:{line}" for line in _datetime_now_calls(tree)]
        found += [f"{path.relative_to(REPO)}:{node.lineno} defines {node.name}()"
                  for node in ast.walk(tree)
                  if isinstance(node, ast.FunctionDef) and node.name in CLOCK_HELPERS]
    assert not found, "use cistrade_core.clock instead: " + ", ".join(found)


def test_the_check_finds_a_call_to_datetime_now():
    tree = ast.parse("import datetime as d\nfrom datetime import datetime\n"
                     "x = datetime.now()\ny = d.datetime.utcnow()\n")
    assert _datetime_now_calls(tree) == [3, 4]


def test_utcnow_is_aware_utc():
    now = utcnow()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_fixed_clock_takes_a_naive_start_as_utc_and_returns_aware_time():
    clock = FixedClock(datetime(2026, 3, 2, 9, 0))
    assert clock() == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert clock().tzinfo is UTC
    assert clock.advance(minutes=5) == datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
    clock.now = datetime(2026, 3, 2, 12, 0, tzinfo=CAIRO)
    assert clock() == datetime(2026, 3, 2, 10, 0, tzinfo=UTC) and clock().tzinfo is UTC


def test_storage_form_is_naive_utc():
    assert naive_utc(datetime(2026, 3, 2, 12, 0, tzinfo=CAIRO)) == datetime(2026, 3, 2, 10, 0)
    assert naive_utc(datetime(2026, 3, 2, 10, 0)) == datetime(2026, 3, 2, 10, 0)
    assert as_utc(datetime(2026, 3, 2, 10, 0)) == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_duckdb_stores_naive_utc_and_reads_back_aware_utc(tmp_path):
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

    wh = DuckDBWarehouse(tmp_path / "w.duckdb")
    wh.execute("CREATE TABLE t (ts TIMESTAMP)")
    wh.execute("INSERT INTO t VALUES (?)", [datetime(2026, 3, 2, 12, 0, tzinfo=CAIRO)])
    with wh.transaction() as tx:
        tx.execute("INSERT INTO t VALUES (?)", [datetime(2026, 3, 2, 11, 0, tzinfo=UTC)])
    assert wh.query("SELECT CAST(ts AS VARCHAR) AS s FROM t ORDER BY ts") == [
        {"s": "2026-03-02 10:00:00"}, {"s": "2026-03-02 11:00:00"}]
    rows = wh.query("SELECT ts FROM t WHERE ts >= ? ORDER BY ts",
                    [datetime(2026, 3, 2, 11, 30, tzinfo=CAIRO)])  # 09:30 UTC
    assert [r["ts"] for r in rows] == [datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
                                       datetime(2026, 3, 2, 11, 0, tzinfo=UTC)]
    assert all(r["ts"].tzinfo is UTC for r in rows)


def test_hive_literals_of_aware_times_are_the_stored_naive_utc_text():
    from cistrade_core.warehouse.sqltext import HIVE, IMPALA, bind
    from cistrade_core.warehouse.timestamps import to_storage

    aware = datetime(2026, 11, 28, 4, 0, 7, tzinfo=CAIRO)
    assert bind("x = ?", to_storage([aware])) == "x = TIMESTAMP '2026-11-28 02:00:07'"
    assert bind("x = ?", to_storage([aware]), dialect=IMPALA) == \
        "x = CAST('2026-11-28 02:00:07' AS TIMESTAMP)"
    assert HIVE.literal(datetime(2026, 11, 28, 2, 0, 7)) == "TIMESTAMP '2026-11-28 02:00:07'"


def test_the_library_hands_out_aware_utc_timestamps(core, login, clock):
    from cistrade_core import jsonutil
    from cistrade_core.audit.log import AuditFilter

    maker = login("maker1")
    assert maker.expires_at.tzinfo is UTC
    p = core.portfolios.create(maker, "CLOCK-1", name="Clock", base_currency="USD",
                               owner="maker1", desk="Clock")
    p = core.portfolios.show(maker, "CLOCK-1")
    assert p.created_at == clock() and p.created_at.tzinfo is UTC
    events = core.audit.query(login("auditor"), AuditFilter(entity_id="CLOCK-1"))
    assert events and all(e.event_time.tzinfo is UTC for e in events)
    # and text meant for storage or people keeps the naive UTC form
    assert jsonutil.dumps({"at": clock()}) == '{"at":"2026-03-02 09:00:00"}'
