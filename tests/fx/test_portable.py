"""The FX store under the rules of Impala/Kudu and Hive: row operations only, writes
applied when the unit of work ends, portable SQL (see :mod:`tests.kudu_on_duckdb`)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from cistrade_core.config import SQL_DIR, SmtpSettings
from cistrade_core.fx.alerts import FxAlert, send_alert
from cistrade_core.fx.divergence import find_divergences
from cistrade_core.fx.refdata import SEEDED_REASON, currency_count, seed_currencies
from cistrade_core.fx.store import PREFERENCE, FxStore
from cistrade_core.fx.validation import Check, Failure
from cistrade_core.gmp.store import GmpStore
from cistrade_core.notify import Notifier
from cistrade_dev.smtp_server import free_port
from tests.fx_fixtures import recorded_alerts
from tests.kudu_on_duckdb import KuduOnDuckDB, check_portable

from .test_store import T0, rate, save


@pytest.fixture
def deferred(store) -> FxStore:
    fx_store = FxStore(KuduOnDuckDB.over(store.warehouse, refuse_reads_after_writes=True))
    fx_store.ensure_schema()
    return fx_store


def test_the_checker_catches_what_other_engines_reject():
    for sql in ("SELECT * FROM t QUALIFY row_number() OVER () = 1",
                "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
                "SELECT string_agg(kind, ', ') FROM t", "SELECT x::DATE FROM t",
                "SELECT date_diff('hour', a, b) FROM t",
                "SELECT ts + CASE s WHEN 'b' THEN INTERVAL 5 MINUTE ELSE INTERVAL 0 MINUTE END"):
        with pytest.raises(AssertionError, match="not portable"):
            check_portable(sql)
    check_portable(f"SELECT {PREFERENCE} AS ranked_ts, updated_at FROM t")


def test_quotes_are_stored_once_and_counted_when_new(deferred):
    written, run, health = save(deferred, [rate(), rate("USDJPY", "151.4")])
    assert written == 2 and run.pairs_stored == 2 and health[0].pairs_stored == 2
    written, run, health = save(deferred, [rate(), rate("USDJPY", "151.4")], "run-2")
    assert written == 0 and run.pairs_stored == 0 and health[0].pairs_stored == 0
    assert deferred.count_rates() == 2
    assert save(deferred, [rate(source="reuters")], "run-3")[0] == 1
    # a quote repeated within one run is one new rate
    assert save(deferred, [rate(ts=T0 + timedelta(minutes=1))] * 2, "run-4")[0] == 1
    assert [r["run_id"] for r in deferred.load_runs()] != []
    assert {r["provider"] for r in deferred.feed_health("run-4")} == {"bloomberg", "reuters"}


def test_held_rates_are_released_without_reading_own_writes(deferred):
    save(deferred, [rate("USDJPY", "151.4")], "a",
         failures=[Failure(rate("GBPUSD", "1.27"), Check.CROSSED, "bid above ask")])
    jumped = rate("USDJPY", "180", ts=T0 + timedelta(minutes=15))
    save(deferred, [], "b", held=[Failure(jumped, Check.JUMP, "moved 19%", Decimal("151.4"))])
    assert deferred.held_rates("a")[0]["disposition"] == "rejected"
    released = deferred.release_held("USDJPY", "release-1")
    assert released is not None and released.mid == Decimal("180")
    assert deferred.last_mids()["USDJPY"] == Decimal("180")
    assert {r["disposition"] for r in deferred.held_rates("b")} == {"released"}
    assert deferred.release_held("USDJPY", "release-2") is None


def test_reads_rank_as_the_view_does(deferred):
    save(deferred, [rate(mid="1.08"), rate(mid="1.07", source="reuters",
                                           ts=T0 + timedelta(minutes=4))], "a")
    save(deferred, [rate("USDJPY", "151.4"),
                    rate("USDJPY", "151.5", source="reuters", ts=T0 + timedelta(minutes=6))], "b")
    view = {r.pair: r.source for r in deferred.current_rates()}
    assert view == {"EURUSD": "bloomberg", "USDJPY": "reuters"}
    as_of = deferred.rates_as_of(T0 + timedelta(hours=1))
    assert {p: r.source for p, r in as_of.items()} == view
    assert deferred.rates_as_of(T0 - timedelta(seconds=1)) == {}
    found, compared = find_divergences(deferred, threshold_bp=Decimal(25),
                                       max_age=timedelta(hours=1), now=T0 + timedelta(minutes=10))
    assert compared == 2 and [d.pair for d in found] == ["EURUSD"]


def test_alerts_are_recorded(deferred, settings):
    down = replace(settings, smtp=SmtpSettings(port=free_port(), timeout=1),
                   market_data_recipients=("a@example.com",))
    send_alert(FxAlert("outage", "down", provider="bloomberg"), notifier=Notifier(down),
               warehouse=deferred.warehouse, run_id="run-1")
    [alert] = recorded_alerts(deferred, "run-1")
    assert (alert["topic"], alert["status"], alert["recipients"]) == ("fx.outage", "FAILED",
                                                                      "a@example.com")


def test_currencies_are_seeded_through_the_feed_load(warehouse):
    deferred = KuduOnDuckDB.over(warehouse, refuse_reads_after_writes=True)
    day = date(2026, 1, 5)
    assert seed_currencies(deferred, ["EUR", "USD", "XAU"], day, inactive=["XAU"]) == 3
    assert currency_count(deferred) == 3
    assert seed_currencies(deferred, ["EUR", "GBP"], day) == 2  # the day is replaced
    rows = {r["currency_code"]: r for r in deferred.query(
        "SELECT * FROM gmp_cis.gmp_cis_sta_dly_currency_current")}
    assert set(rows) == {"EUR", "GBP"} and rows["EUR"]["numeric_code"] == "978"
    [record] = GmpStore(deferred).load_history(feed="currency")[-1:]
    assert (record.business_date, record.row_count, record.reason) == (day, 2, SEEDED_REASON)
    assert record.extract_timestamp is None  # no extract: later GMP loads are not judged by it
    with pytest.raises(ValueError, match="not ISO 4217"):
        seed_currencies(deferred, ["EUR", "ZZZ"], day)


@pytest.mark.parametrize("path", [SQL_DIR / "duckdb" / "fx_tables.sql",
                                  SQL_DIR / "impala" / "kudu_tables.sql"])
def test_the_current_rate_view_ranks_as_the_store(path):
    view = " ".join(path.read_text().split())
    assert re.search(rf"ORDER BY {re.escape(PREFERENCE)} DESC, provider_ts DESC", view), path
