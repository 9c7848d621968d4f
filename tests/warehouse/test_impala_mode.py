"""Impala mode, run against the real HiveServer2 through impyla and Airflow's ImpalaHook.

What is exercised for real: ImpalaHook building an impyla connection from an
``impala_default``-shaped Airflow connection (PLAIN auth, timeout), the Impala
dialect of every portable statement (schema DDL, INSERTs with CAST timestamps,
``ALTER TABLE ... ADD PARTITION``, queries), and the load through to readers.
What is not: no Impala server exists here, so ``REFRESH ... PARTITION`` and
``INVALIDATE METADATA`` are recorded by the connection wrapper without being
run, and checked by their text.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from cistrade_core.feeds import FEEDS
from cistrade_core.gmp.outcome import FeedStatus
from cistrade_core.gmp.pipeline import GmpLoad
from cistrade_core.gmp.store import GmpStore
from cistrade_core.warehouse.hive_config import ImpalaConfig
from cistrade_core.warehouse.hive_files import DataLayout
from cistrade_core.warehouse.impala_backend import ImpalaWarehouse
from cistrade_dev.gmp_samples import generate_drop
from tests.warehouse.recording import IMPALA_ONLY, RecordingConnection, StatementLog

DAY1, DAY2 = date(2026, 11, 26), date(2026, 11, 27)

#: The seed's connection settings (integration-points.md, "Kudu Storage").
IMPALA_CONFIG = {
    "host": "impala-host.company.com",
    "port": 21050,
    "database": "gmp_cis",
    "auth_mechanism": "PLAIN",
    "use_ssl": True,
    "timeout": 60,
}

REFRESH = re.compile(r"^REFRESH gmp_cis\.(\w+) PARTITION \(business_date = '(\d{4}-\d\d-\d\d)'\)$")
INVALIDATE = re.compile(r"^INVALIDATE METADATA gmp_cis\.(\w+)$")


@pytest.fixture
def impala_env(hive_env, monkeypatch):
    """CISTRADE_WAREHOUSE=impala with impala_default pointing at the local HiveServer2."""
    monkeypatch.setenv("CISTRADE_WAREHOUSE", "impala")
    monkeypatch.setenv("AIRFLOW_CONN_IMPALA_DEFAULT", json.dumps({
        "conn_type": "impala", "host": hive_env.server.host, "port": hive_env.port,
        "login": "cistrade", "schema": "default",
        # IMPALA_CONFIG's options, but no SSL: the local server has no certificate
        "extra": {"auth_mechanism": "PLAIN", "use_ssl": False, "timeout": 60},
    }))
    return hive_env


@pytest.fixture
def recorded_impala(impala_env, settings):
    from cistrade_airflow.warehouse import connection_factory

    connect = connection_factory("impala")
    log = StatementLog()
    wh = ImpalaWarehouse(lambda: RecordingConnection(connect(), log),
                         DataLayout.from_env(settings))
    wh.statements = log
    yield wh
    wh.close()


def test_impala_connection_settings_match_the_seed():
    config = ImpalaConfig.from_mapping(IMPALA_CONFIG)
    assert (config.port, config.database, config.auth_mechanism, config.use_ssl,
            config.timeout) == (21050, "gmp_cis", "PLAIN", True, 60)
    defaults = ImpalaConfig()
    assert (defaults.port, defaults.database, defaults.auth_mechanism, defaults.use_ssl,
            defaults.timeout) == (21050, "gmp_cis", "PLAIN", True, 60)
    assert "s3cret" not in repr(ImpalaConfig(password="s3cret"))
    with pytest.raises(ValueError, match="unknown Impala settings"):
        ImpalaConfig.from_mapping({**IMPALA_CONFIG, "pasword": "x"})


def test_refresh_statements_for_a_new_table_and_for_later_days(recorded_impala, settings):
    wh, log = recorded_impala, recorded_impala.statements
    GmpStore(wh).ensure_schema()  # the GMP part of `cistrade db upgrade`
    run = GmpLoad(settings, wh)
    assert not log.held, "schema creation needs no Impala-only statement"
    assert any(s.startswith("CREATE EXTERNAL TABLE IF NOT EXISTS gmp_cis.gmp_cis_sta_dly")
               for s in log.sent)

    generate_drop(DAY1, settings.landing_dir, scale=0.02)
    assert {o.status for o in run.run_day(DAY1)} == {FeedStatus.LOADED}
    # First load of each table: INVALIDATE METADATA, after the partition was added
    # (the ALTER went to the server and the rows are visible there).
    # (Feeds that do not reference each other load in either order.)
    assert sorted(INVALIDATE.match(s).group(1) for s in log.held) == sorted(
        f.table for f in FEEDS.values())
    adds = [s for s in log.sent if s.startswith("ALTER TABLE")]
    assert len(adds) == len(FEEDS)
    assert all(f"business_date = '{DAY1}'" in s and "LOCATION 'file:" in s for s in adds)
    for feed in FEEDS.values():
        assert run.store.current_rows(feed) > 0

    log.clear()
    generate_drop(DAY2, settings.landing_dir, scale=0.02)
    assert {o.status for o in run.run_day(DAY2)} == {FeedStatus.LOADED}
    assert sorted(REFRESH.match(s).groups() for s in log.held) == sorted(
        (f.table, DAY2.isoformat()) for f in FEEDS.values())

    # Reloading a day refreshes it again (its file was replaced).
    log.clear()
    assert run.run_feed("calendar", DAY2).status is FeedStatus.LOADED
    assert [REFRESH.match(s).groups() for s in log.held] == [
        ("gmp_cis_sta_dly_calendar", DAY2.isoformat())]

    # Timestamps are bound as CAST(... AS TIMESTAMP): Impala has no TIMESTAMP literal.
    inserts = [s for s in log.sent if s.startswith("INSERT INTO gmp_cis.gmp_load_history")]
    assert inserts and all("CAST('" in s and "AS TIMESTAMP)" in s for s in inserts)
    assert not any(IMPALA_ONLY.match(s) for s in log.sent)
