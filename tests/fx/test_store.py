"""The FX tables in a real DuckDB file."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cistrade_core.fx.alerts import FxAlert
from cistrade_core.fx.health import FeedHealth, LoadRun
from cistrade_core.fx.models import FxRate
from cistrade_core.fx.validation import Check, Failure
from cistrade_core.notify import Notifier
from tests.fx_fixtures import recorded_alerts

T0 = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)


def rate(pair="EURUSD", mid="1.085", ts=T0, source="bloomberg"):
    m = Decimal(mid)
    return FxRate(pair, m - Decimal("0.0001"), m + Decimal("0.0001"), m, ts, source,
                  f"{pair} BGN Curncy" if source == "bloomberg" else f"{pair[:3]}=")


def save(store, rates, run_id="run-1", failures=(), held=()):
    run = LoadRun(run_id, "bloomberg", T0, T0, "ok", len(rates), len(rates), 0, 0, 0, "test")
    health = [FeedHealth(run_id, "bloomberg", "primary", T0, T0, len(rates)),
              FeedHealth(run_id, "reuters", "fallback", T0, T0, 0)]
    written = store.save_run(run, rates, list(failures), health, list(held))
    return written, run, health


def test_schema_is_created_from_the_sql_file(store):
    tables = {r["table_name"] for r in store.warehouse.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", ["gmp_cis"])}
    assert {"cis_fx_rate", "cis_fx_rate_current", "cis_fx_rate_held", "cis_fx_feed_health",
            "cis_fx_load_run", "cis_mail_outbox"} <= tables
    store.warehouse.run_sql_file("fx_tables.sql")  # idempotent


def test_the_same_quote_twice_is_stored_once(store):
    written, run, health = save(store, [rate(), rate("USDJPY", "151.4")])
    assert written == 2 and run.pairs_stored == 2 and health[0].pairs_stored == 2
    written, run, health = save(store, [rate(), rate("USDJPY", "151.4")], "run-2")
    assert written == 0 and health[0].pairs_stored == 0
    assert store.count_rates() == 2
    # same pair and time from the other source is another quote
    assert save(store, [rate(source="reuters")], "run-3")[0] == 1


def test_history_is_kept_and_the_view_shows_the_newest(store):
    save(store, [rate(mid="1.080", ts=T0)], "a")
    save(store, [rate(mid="1.090", ts=T0 + timedelta(minutes=15))], "b")
    save(store, [rate(mid="1.070", ts=T0 + timedelta(minutes=5), source="reuters")], "c")
    assert [r.mid for r in store.history("EURUSD")] == [Decimal("1.09"), Decimal("1.07"),
                                                         Decimal("1.08")]
    [current] = store.current_rates(["EUR/USD"], now=T0 + timedelta(minutes=20))
    assert (current.mid, current.source, current.run_id) == (Decimal("1.09"), "bloomberg", "b")
    assert current.age == timedelta(minutes=5)
    assert current.provider_ts.tzinfo is not None


@pytest.mark.parametrize(("reuters_newer", "current"), [
    (timedelta(0), "bloomberg"), (timedelta(minutes=4), "bloomberg"),
    (timedelta(minutes=6), "reuters"),
])
def test_bloomberg_has_a_head_start_over_reuters(store, reuters_newer, current):
    save(store, [rate(mid="1.08"), rate(mid="1.07", source="reuters", ts=T0 + reuters_newer)])
    [now] = store.current_rates(["EURUSD"])
    assert now.source == current
    [then] = store.rates_as_of(T0 + timedelta(hours=1)).values()
    assert then.source == current


def test_staleness_is_flagged_with_the_age(store):
    save(store, [rate()])
    [fresh] = store.current_rates(now=T0 + timedelta(minutes=10),
                                  stale_after=timedelta(minutes=30))
    [old] = store.current_rates(now=T0 + timedelta(hours=2), stale_after=timedelta(minutes=30))
    assert not fresh.stale and old.stale and old.age == timedelta(hours=2)


def test_rates_as_of_a_past_time(store):
    save(store, [rate(mid="1.080", ts=T0)], "a")
    save(store, [rate(mid="1.090", ts=T0 + timedelta(hours=1))], "b")
    at = store.rates_as_of(T0 + timedelta(minutes=30))
    assert at["EURUSD"].mid == Decimal("1.08") and at["EURUSD"].age == timedelta(minutes=30)
    assert store.rates_as_of(T0 - timedelta(seconds=1)) == {}


def test_rejected_and_held_rates_are_kept_apart_from_good_ones(store):
    crossed = rate("GBPUSD", "1.27")
    jumped = rate("USDJPY", "180")
    save(store, [rate()], failures=[Failure(crossed, Check.CROSSED, "bid above ask")],
         held=[Failure(jumped, Check.JUMP, "moved 19%", Decimal("151.4"))])
    assert {r.pair for r in store.current_rates()} == {"EURUSD"}
    held = {r["pair"]: r for r in store.held_rates("run-1")}
    assert (held["GBPUSD"]["disposition"], held["GBPUSD"]["check_name"]) == ("rejected",
                                                                            "crossed")
    assert held["USDJPY"]["disposition"] == "held"
    assert held["USDJPY"]["reference_mid"] == Decimal("151.4")


def test_a_held_rate_can_be_released_after_a_check(store):
    save(store, [rate("USDJPY", "151.4")], "a")
    jumped = rate("USDJPY", "180", ts=T0 + timedelta(minutes=15))
    save(store, [], "b", held=[Failure(jumped, Check.JUMP, "moved 19%", Decimal("151.4"))])
    released = store.release_held("usd/jpy", "release-1")
    assert released is not None and released.mid == Decimal("180")
    assert store.last_mids()["USDJPY"] == Decimal("180")
    assert {r["disposition"] for r in store.held_rates("b")} == {"released"}
    assert store.release_held("USDJPY", "release-2") is None


def test_values_are_bound_not_formatted(store, settings):
    hostile = "x'); DROP TABLE gmp_cis.cis_fx_rate; --"
    with store.warehouse.transaction() as tx:
        Notifier(settings).queue(tx, FxAlert("test", hostile, [hostile]).mail(settings, "run-1"))
    assert recorded_alerts(store)[0]["subject"] == f"[CisTrade FX] {hostile}"
    assert store.count_rates() == 0


@pytest.mark.parametrize("pairs", [[], ["EURUSD"]])
def test_current_rates_of_unknown_pairs_is_empty(store, pairs):
    assert store.current_rates(pairs) == []
