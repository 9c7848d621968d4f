"""Load runs against the simulator: every fault mode's stored source, alerts, feed health,
staleness and retry count (from the simulator's request log)."""

import logging
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from cistrade_core.clock import utcnow
from cistrade_core.config import SmtpSettings
from cistrade_core.fx.load import FxLoader, run_load
from cistrade_core.fx.pairs import BLOOMBERG_PAIRS, REUTERS_PAIRS
from cistrade_dev.smtp_server import free_port
from tests.fx_fixtures import KEYS, alert_mails, recorded_alerts

UNCOVERED = tuple(p for p in BLOOMBERG_PAIRS if p not in REUTERS_PAIRS)


@pytest.fixture
def load(store, mail_settings, fx_settings, endpoints):
    def run(provider="bloomberg", **kwargs):
        return run_load(provider, settings=mail_settings, fx=fx_settings, endpoints=endpoints,
                        store=store, **kwargs)
    return run


def sources(store) -> dict[str, str]:
    return {r.pair: r.source for r in store.current_rates()}


def health(store, report) -> dict[str, dict]:
    return {h["provider"]: h for h in store.feed_health(report.run_id)}


def test_a_clean_run_stores_every_pair_from_bloomberg(sim, store, load, smtp_server):
    report = load()
    assert report.fresh and report.status == "ok"
    assert report.stored == len(BLOOMBERG_PAIRS) == store.count_rates()
    assert set(sources(store).values()) == {"bloomberg"}
    h = health(store, report)["bloomberg"]
    assert (h["role"], h["outcome"], h["pairs_received"], h["retries"]) == (
        "primary", "ok", len(BLOOMBERG_PAIRS), 0)
    assert [r.provider for r in sim.requests()] == ["bloomberg"]  # Reuters not needed
    assert alert_mails(smtp_server) == {}
    [run] = store.load_runs()
    assert (run["status"], run["pairs_stored"]) == ("ok", len(BLOOMBERG_PAIRS))


@pytest.mark.parametrize(
    ("kind", "attempts", "outcome", "extra_alerts"),
    [
        ("down", 4, "unavailable", set()),
        ("slow", 4, "unavailable", set()),
        ("500", 4, "unavailable", set()),
        ("429", 4, "unavailable", set()),
        ("401", 1, "auth_failed", {"auth"}),
        ("malformed", 1, "malformed", set()),
        ("stale", 1, "rejected", {"rejected"}),
        ("crossed", 1, "rejected", {"rejected"}),
    ],
)
def test_bloomberg_failing_falls_back_to_reuters(sim, store, load, smtp_server, kind, attempts,
                                                  outcome, extra_alerts):
    baseline = {r.pair: r for r in load().good}
    sim.clear_requests()
    sim.set_fault("bloomberg", kind, delay=1.0, retry_after=0.05)
    report = load()
    assert report.fresh and report.status == "degraded"
    assert len(sim.requests("bloomberg")) == attempts
    assert len(sim.requests("reuters")) == 1
    assert {r.source for r in report.good} == {"reuters"}
    assert {r.pair for r in report.good} == set(REUTERS_PAIRS)
    assert report.missing == UNCOVERED
    written = store.warehouse.query(
        "SELECT source, count(*) AS n FROM gmp_cis.cis_fx_rate WHERE run_id = ? "
        "GROUP BY source", [report.run_id])
    assert written == [{"source": "reuters", "n": len(REUTERS_PAIRS)}]
    current = {r.pair: r for r in store.current_rates(stale_after=timedelta(minutes=30))}
    for pair in UNCOVERED:  # the last good Bloomberg rate stays current, not yet stale
        assert current[pair].mid == baseline[pair].mid and current[pair].source == "bloomberg"
    assert not any(r.stale for r in current.values()) and report.stale == []
    later = store.current_rates(UNCOVERED, now=utcnow() + timedelta(minutes=31),
                                stale_after=timedelta(minutes=30))
    assert all(r.stale and r.age > timedelta(minutes=30) for r in later)
    h = health(store, report)
    assert (h["bloomberg"]["outcome"], h["bloomberg"]["retries"]) == (outcome, attempts - 1)
    assert (h["reuters"]["role"], h["reuters"]["outcome"]) == ("fallback", "ok")
    assert h["reuters"]["pairs_stored"] == len(REUTERS_PAIRS)
    mails = alert_mails(smtp_server)
    assert set(mails) == {"fallback"} | extra_alerts
    [fallback] = mails["fallback"]
    assert fallback["To"] == "market-data@example.com"
    assert "bloomberg unavailable" in fallback["Subject"]
    body = fallback.get_content()
    assert f"{len(UNCOVERED)} pairs have no fresh rate" in body and "EURKWD" in body
    assert {a["topic"] for a in recorded_alerts(store, report.run_id)} == {
        f"fx.{kind}" for kind in {"fallback"} | extra_alerts}
    if kind in ("stale", "crossed"):
        held = store.held_rates(report.run_id)
        assert len(held) == len(BLOOMBERG_PAIRS)
        check = {"stale": "stale_timestamp", "crossed": "crossed"}[kind]
        assert {(r["disposition"], r["check_name"]) for r in held} == {("rejected", check)}


def test_the_auth_alert_goes_out_before_the_fallback_runs(sim, store, load, smtp_server):
    sim.set_fault("bloomberg", "401")
    report = load()
    kinds = [a.kind for a in report.alerts]
    assert kinds == ["auth", "fallback"]
    [auth] = alert_mails(smtp_server)["auth"]
    assert "rejected the API key" in auth["Subject"]
    assert "bloomberg_default" in auth.get_content()


def test_partial_coverage_is_filled_from_reuters(sim, store, load, smtp_server):
    dropped = ("EURUSD", "USDJPY", "GBPJPY", "EURKWD")  # EURKWD: Reuters lacks it too
    sim.set_fault("bloomberg", "partial", pairs=dropped)
    report = load()
    stored = sources(store)
    assert {p for p, s in stored.items() if s == "reuters"} == {"EURUSD", "USDJPY", "GBPJPY"}
    assert "EURKWD" not in stored and report.missing == ("EURKWD",)
    assert sum(s == "bloomberg" for s in stored.values()) == len(BLOOMBERG_PAIRS) - 4
    [request] = [r for r in sim.requests("reuters")]
    assert request.pairs == 3  # only what Bloomberg lacked and Reuters covers
    h = health(store, report)
    assert h["bloomberg"]["outcome"] == "partial"
    assert "4 of 164 requested pairs not supplied" in h["bloomberg"]["error"]
    assert h["reuters"]["pairs_stored"] == 3
    mails = alert_mails(smtp_server)
    assert set(mails) == {"coverage"}
    assert "EURKWD" in mails["coverage"][0].get_content()


def test_partial_coverage_that_reuters_fills_completely_is_not_mailed(sim, store, load,
                                                                      smtp_server):
    sim.set_fault("bloomberg", "partial", pairs=("EURUSD", "USDJPY"))
    report = load()
    assert report.status == "degraded" and report.missing == ()
    assert report.by_source() == {"bloomberg": len(BLOOMBERG_PAIRS) - 2, "reuters": 2}
    assert alert_mails(smtp_server) == {}


def test_a_jump_is_held_alerted_and_filled_from_reuters(sim, store, load, smtp_server):
    load()
    before = {r.pair: r.mid for r in store.current_rates()}
    sim.set_fault("bloomberg", "jump", pairs=("EURUSD", "EURKWD"))
    report = load()
    assert [f.rate.pair for f in report.held] == ["EURUSD", "EURKWD"]
    assert [(r.pair, r.source) for r in report.good if r.source == "reuters"] == [
        ("EURUSD", "reuters")]  # Reuters did not jump: its rate is stored
    assert store.history("EURUSD")[0].source == "reuters"
    current = {r.pair: r for r in store.current_rates()}
    assert abs(current["EURUSD"].mid / before["EURUSD"] - 1) < Decimal("0.01")
    assert current["EURKWD"].mid == before["EURKWD"]  # no Reuters quote: the last good stays
    held = {r["pair"]: r for r in store.held_rates(report.run_id)}
    assert held["EURUSD"]["disposition"] == "held" and held["EURUSD"]["check_name"] == "jump"
    assert held["EURUSD"]["reference_mid"] == before["EURUSD"]
    mails = alert_mails(smtp_server)
    assert set(mails) == {"held", "coverage"}
    body = mails["held"][0].get_content()
    assert "EURUSD from bloomberg" in body and "limit 10%" in body


def test_both_down_stores_nothing_and_keeps_the_last_good_rates(sim, store, mail_settings,
                                                                fx_settings, endpoints,
                                                                smtp_server):
    loader = FxLoader(store, mail_settings, fx_settings, endpoints)
    assert loader.run().fresh
    good = {r.pair: r.mid for r in store.current_rates()}
    rows = store.count_rates()

    sim.clear_requests()
    sim.set_fault("bloomberg", "down")
    sim.set_fault("reuters", "500")
    later = FxLoader(store, mail_settings, fx_settings, endpoints,
                     clock=lambda: utcnow() + timedelta(minutes=45))
    report = later.run()
    assert not report.fresh and report.status == "outage" and report.stored == 0
    assert store.count_rates() == rows
    assert {r.pair: r.mid for r in store.current_rates()} == good
    assert len(sim.requests("bloomberg")) == 4 and len(sim.requests("reuters")) == 4
    assert len(report.stale) == len(BLOOMBERG_PAIRS)
    assert all(r.age > timedelta(minutes=44) for r in report.stale)
    aged = store.current_rates(now=utcnow() + timedelta(minutes=45),
                               stale_after=fx_settings.stale_after)
    assert all(r.stale for r in aged)
    h = health(store, report)
    assert (h["bloomberg"]["outcome"], h["reuters"]["outcome"]) == ("unavailable",
                                                                   "unavailable")
    [run] = [r for r in store.load_runs() if r["run_id"] == report.run_id]
    assert run["status"] == "outage"
    mails = alert_mails(smtp_server)
    assert set(mails) == {"outage"}
    body = mails["outage"][0].get_content()
    assert "bloomberg and reuters both failed" in mails["outage"][0]["Subject"]
    assert f"{len(BLOOMBERG_PAIRS)} current rates are stale" in body


def test_reuters_run_is_the_backup_feed_without_fallback(sim, store, load, smtp_server):
    report = load("reuters")
    assert report.status == "ok" and report.stored == len(REUTERS_PAIRS)
    assert [h.role for h in report.health] == ["backup"]
    sim.set_fault("reuters", "down")
    report = load("reuters")
    assert report.status == "outage"
    assert [r.provider for r in sim.requests()].count("bloomberg") == 0
    assert "no fresh FX rates from reuters" in alert_mails(smtp_server)["outage"][0]["Subject"]


def test_missing_reference_currency_rejects_only_its_pairs(sim, store, load, currencies):
    from tests.fx_fixtures import seed_currency_table

    seed_currency_table(currencies, [c for c in ("USD", "EUR", "JPY", "GBP", "KWD")],
                        inactive=["KWD"])
    report = load(pairs=["EURUSD", "USDJPY", "GBPJPY", "USDKWD", "USDCHF"])
    assert sorted(r.pair for r in report.good) == ["EURUSD", "GBPJPY", "USDJPY"]
    assert {f.rate.pair: str(f.check) for f in report.rejected if f.rate.source == "bloomberg"
            } == {"USDKWD": "unknown_currency", "USDCHF": "unknown_currency"}


def test_an_smtp_failure_never_fails_the_load(sim, store, fx_settings, endpoints, settings):
    dead = replace(settings, smtp=SmtpSettings(port=free_port(), timeout=0.5))
    sim.set_fault("bloomberg", "down")
    report = run_load("bloomberg", settings=dead, fx=fx_settings, endpoints=endpoints,
                      store=store)
    assert report.fresh and report.stored == len(REUTERS_PAIRS)
    [alert] = report.alerts
    assert not alert.sent and alert.error
    assert [a["status"] for a in recorded_alerts(store, report.run_id)] == ["FAILED"]
    assert len(recorded_alerts(store)) == 1  # kept for `cistrade mail retry`


def test_a_missing_endpoint_counts_as_a_failed_provider(sim, store, mail_settings, fx_settings,
                                                        endpoints):
    from cistrade_core.fx.providers import ProviderConfigError

    partial = {"bloomberg": ProviderConfigError("bloomberg", "no API key: set X"),
               "reuters": endpoints["reuters"]}
    report = run_load("bloomberg", settings=mail_settings, fx=fx_settings, endpoints=partial,
                      store=store)
    assert report.by_source() == {"reuters": len(REUTERS_PAIRS)}
    assert report.health[0].outcome == "not_configured"


def test_the_api_keys_never_reach_logs_tables_or_mail(sim, store, load, smtp_server, caplog,
                                                      cistrade_home):
    caplog.set_level(logging.DEBUG)
    load()
    for kind in ("down", "slow", "500", "429", "401", "malformed", "stale", "crossed", "jump",
                 "partial"):
        sim.set_fault("bloomberg", kind, delay=1.0, retry_after=0)
        sim.set_fault("reuters", "401" if kind == "down" else "partial")
        load()
    dump = caplog.text
    for table in ("cis_fx_rate", "cis_fx_rate_held", "cis_fx_feed_health", "cis_fx_load_run",
                  "cis_mail_outbox"):
        dump += repr(store.warehouse.query(f"SELECT * FROM gmp_cis.{table}"))
    for path in Path(cistrade_home).rglob("*"):
        if path.is_file() and path.suffix != ".duckdb":
            dump += path.read_text(errors="replace")
    dump += Path(store.warehouse.path).read_bytes().decode("latin-1")
    assert "auth_failed" in dump and "fallback" in dump  # the dump holds the runs
    for key in KEYS.values():
        assert key not in dump
