"""The warehouse schema is created and migrated once (``cistrade db upgrade``): a new
warehouse gets every table, a warehouse of the previous release is upgraded with its data
kept, and the library's entry points only read the version."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
from click.testing import CliRunner

from cistrade_core.cli import main
from cistrade_core.gmp.outcome import FeedStatus
from cistrade_core.gmp.pipeline import GmpLoad
from cistrade_core.gmp.store import GmpStore
from cistrade_core.gmp.tables import expected_tables
from cistrade_core.notify import mails
from cistrade_core.schema import LATEST, RETIRED_TABLES, ensure_core_schema, schema_version, upgrade
from cistrade_core.warehouse import get_warehouse
from cistrade_core.warehouse.tables import table_specs
from cistrade_dev.gmp_samples import generate_drop

PREVIOUS_RELEASE = Path(__file__).with_name("previous_release_duckdb.sql")
DAY, EARLIER = date(2026, 11, 27), date(2026, 11, 26)


def _tables(path: Path) -> set[str]:
    with duckdb.connect(str(path)) as con:
        return {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'gmp_cis'"
        ).fetchall()}


def _build_previous_release(path: Path) -> None:
    """A warehouse file as the previous release left it: its DDL, a loaded day, its mail."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute(PREVIOUS_RELEASE.read_text())
        con.execute("INSERT INTO gmp_cis.gmp_load_history VALUES ('currency', ?, NULL, 2, "
                    "'loaded', 'loaded', false, ?)", [EARLIER, datetime(2026, 11, 27, 3)])
        con.execute("INSERT INTO gmp_cis.gmp_cis_sta_dly_currency VALUES "
                    "(?, 'USD', 'US Dollar', '840', 2, 'Y'), (?, 'EUR', 'Euro', '978', 2, 'Y')",
                    [EARLIER, EARLIER])
        con.execute("INSERT INTO gmp_cis.gmp_alert_log VALUES ('empty', 'country', ?, "
                    "'[CisTrade GMP] empty', 'ops@example.com', true, NULL, ?)",
                    [EARLIER, datetime(2026, 11, 27, 3)])
        con.execute("INSERT INTO gmp_cis.cis_mail_outbox (mail_id, topic, subject, body_text, "
                    "recipients, status, attempts, message_id, created_at) VALUES ('m1', "
                    "'system', 'waiting since the last release', 'body', 'ops@example.com', "
                    "'FAILED', 1, '<m1@cistrade.local>', ?)", [datetime(2026, 11, 27, 4)])


def test_a_new_warehouse_gets_every_table_once(settings):
    warehouse = get_warehouse(settings)
    assert schema_version(warehouse) == 0
    applied = upgrade(warehouse)
    assert [m.version for m in applied] == list(range(1, LATEST + 1))
    assert schema_version(warehouse) == LATEST
    tables = _tables(settings.warehouse_path)
    assert expected_tables() | set(table_specs()) - {"cis_row_claim"} <= tables
    assert not tables & set(RETIRED_TABLES)
    assert upgrade(warehouse) == []  # nothing left to do, nothing recorded twice
    versions = warehouse.query("SELECT version FROM gmp_cis.cis_schema_version ORDER BY 1")
    assert [r["version"] for r in versions] == list(range(1, LATEST + 1))


def test_a_warehouse_of_the_previous_release_is_upgraded_not_broken(settings):
    _build_previous_release(settings.warehouse_path)
    assert set(RETIRED_TABLES) <= _tables(settings.warehouse_path)

    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"schema version 0 -> {LATEST}" in result.output

    warehouse = get_warehouse(settings)
    assert schema_version(warehouse) == LATEST
    assert not _tables(settings.warehouse_path) & set(RETIRED_TABLES)
    assert "cis_acl_login_throttle" in _tables(settings.warehouse_path)  # new in this release
    assert warehouse.query(  # the load history gained who released a held feed, and when
        "SELECT released_by, released_at FROM gmp_cis.gmp_load_history") == [
        {"released_by": None, "released_at": None}]
    # what the previous release stored is still there, and still read the same way
    store = GmpStore(warehouse)
    [earlier] = store.load_history(EARLIER, EARLIER)
    assert (earlier.feed, earlier.row_count, earlier.status) == ("currency", 2, "loaded")
    assert [m["mail_id"] for m in mails(warehouse, status="FAILED")] == ["m1"]
    # and the next day loads on it, judged against the day it kept (2 currencies: a
    # row-count change, released here)
    generate_drop(DAY, settings.landing_dir, scale=0.02)
    outcomes = GmpLoad(settings, warehouse).run_day(DAY, accept_row_count_change=True)
    assert {o.status for o in outcomes} == {FeedStatus.LOADED}
    assert next(o for o in outcomes if o.feed == "currency").override
    assert {r.feed for r in store.load_history(DAY, DAY)} == {o.feed for o in outcomes}

    again = CliRunner().invoke(main, ["db", "upgrade"])
    assert again.exit_code == 0 and "up to date" in again.output


def test_the_library_reads_the_version_and_creates_nothing(warehouse, settings, monkeypatch):
    """After the set-up, entry points (the GMP load on every sensor poke, the services)
    run no DDL: one read of the version at most."""
    def no_ddl(*args, **kwargs):
        raise AssertionError("schema DDL in a hot path")

    for name in ("ensure_tables", "ensure_store_schema", "run_sql_file", "execute"):
        monkeypatch.setattr(warehouse, name, no_ddl)
    reads = []
    real_query = warehouse.query
    monkeypatch.setattr(warehouse, "query", lambda sql, params=(): (reads.append(sql),
                                                                     real_query(sql, params))[1])
    GmpLoad(settings, warehouse)
    assert reads == []
    ensure_core_schema(warehouse)
    assert reads == ["SELECT max(version) AS v FROM gmp_cis.cis_schema_version"]


def test_db_version_says_when_a_warehouse_is_behind(settings):
    result = CliRunner().invoke(main, ["db", "version"])
    assert result.exit_code == 0
    assert f"schema version 0, this release {LATEST} (behind: run `cistrade db upgrade`)" in (
        result.output)
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    assert "(up to date)" in CliRunner().invoke(main, ["db", "version"]).output
