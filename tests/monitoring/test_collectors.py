"""The warehouse families, read from a real DuckDB file with known contents."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest
from prometheus_client import CollectorRegistry

from cistrade_core.clock import utcnow
from cistrade_core.gmp.store import GmpStore, LoadRecord, LoadStatus
from cistrade_core.monitoring.gmp_metrics import load_deadline, reason_kind
from cistrade_core.monitoring.scrape import ReadOnlyWarehouse, WarehouseCollector

D1, D2 = date(2026, 11, 26), date(2026, 11, 27)


def scrape(settings, **reader_options) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WarehouseCollector(ReadOnlyWarehouse(settings, **reader_options)))
    return registry


def sample(registry: CollectorRegistry, name: str, **labels) -> float | None:
    return registry.get_sample_value(name, labels)


@pytest.fixture
def store(warehouse):
    warehouse.ensure_store_schema()
    return warehouse


def test_gmp_family_from_the_load_history(store, settings):
    def rec(feed, day, status, rows, reason="loaded", minute=0):
        GmpStore(store).record_load(LoadRecord(feed, day, LoadStatus(status), reason, None, rows,
                                     recorded_at=datetime(2026, 11, 28, 3, minute)))

    rec("currency", D1, "loaded", 100)
    rec("currency", D2, "loaded", 105)
    rec("counterparty", D1, "loaded", 200)
    rec("counterparty", D2, "held", 150, "significant row count change: 150 rows against 200")
    rec("country", D1, "loaded", 250)
    rec("country", D2, "rejected", 250, "format error: wrong header", minute=1)
    rec("country", D2, "rejected", 251, "data quality: LEI check digits are wrong", minute=2)
    rec("calendar", D1, "loaded", 5000)

    r = scrape(settings)
    assert sample(r, "cistrade_scrape_collector_success", family="gmp") == 1
    status = {(f, s): sample(r, "cistrade_gmp_feed_status", feed=f, status=s)
              for f in ("currency", "country", "calendar", "counterparty")
              for s in ("loaded", "rejected", "held", "missing")}
    assert {k for k, v in status.items() if v == 1} == {
        ("currency", "loaded"), ("country", "rejected"), ("calendar", "missing"),
        ("counterparty", "held")}
    midnight = datetime(2026, 11, 27, tzinfo=ZoneInfo("UTC")).timestamp()
    assert sample(r, "cistrade_gmp_latest_business_date_timestamp_seconds") == midnight
    assert sample(r, "cistrade_gmp_last_loaded_business_date_timestamp_seconds",
                  feed="currency") == midnight
    assert sample(r, "cistrade_gmp_last_loaded_business_date_timestamp_seconds",
                  feed="counterparty") == midnight - 86400
    assert sample(r, "cistrade_gmp_loaded_rows", feed="counterparty") == 200
    assert sample(r, "cistrade_gmp_row_count_change_ratio", feed="counterparty") == -0.25
    assert sample(r, "cistrade_gmp_row_count_change_ratio", feed="currency") == 0.05
    assert sample(r, "cistrade_gmp_rejections_total", feed="country", kind="format_error") == 1
    assert sample(r, "cistrade_gmp_rejections_total", feed="country", kind="data_quality") == 1
    assert sample(r, "cistrade_gmp_rejections_total", feed="counterparty",
                  kind="row_count_change") == 1
    assert sample(r, "cistrade_gmp_loads_total", feed="country", status="rejected") == 2


def test_reason_kinds_are_the_check_kinds():
    assert reason_kind("empty file: no data lines") == "empty_file"
    assert reason_kind("timestamp check failed: too old") == "timestamp"
    assert reason_kind("something else") == "other"
    assert reason_kind(None) == "other"


def test_the_due_business_date_follows_the_local_deadline(monkeypatch):
    london = ZoneInfo("Europe/London")
    before = datetime(2026, 11, 28, 5, 59, tzinfo=london)
    after = datetime(2026, 11, 28, 6, 0, tzinfo=london)
    assert load_deadline("Europe/London", before) == (
        date(2026, 11, 26), datetime(2026, 11, 27, 6, 0, tzinfo=london))
    assert load_deadline("Europe/London", after) == (
        date(2026, 11, 27), datetime(2026, 11, 28, 6, 0, tzinfo=london))
    monkeypatch.setenv("CISTRADE_GMP_LOAD_DEADLINE", "05:30")
    assert load_deadline("Europe/London", before)[0] == date(2026, 11, 27)
    monkeypatch.setenv("CISTRADE_GMP_LOAD_DEADLINE", "half past five")
    with pytest.raises(ValueError, match="CISTRADE_GMP_LOAD_DEADLINE must be a local time HH:MM"):
        load_deadline("Europe/London", before)


def _health(provider, role, outcome, finished, retries=0):
    return {"run_id": f"run-{provider}-{finished:%H%M%S}", "provider": provider, "role": role,
            "started_at": finished - timedelta(seconds=2), "finished_at": finished,
            "pairs_requested": 2, "pairs_received": 2 if outcome == "ok" else 0,
            "pairs_good": 2 if outcome == "ok" else 0, "pairs_stored": 0, "pairs_rejected": 0,
            "pairs_held": 0, "attempts": retries + 1, "retries": retries, "outcome": outcome,
            "error": None if outcome == "ok" else "connection failed"}


def _rate(pair, source, ts, mid):
    return {"pair": pair, "base_ccy": pair[:3], "quote_ccy": pair[3:], "bid": mid, "ask": mid,
            "mid": mid, "provider_ts": ts, "source": source, "source_id": pair, "run_id": "r",
            "loaded_at": ts}


def test_fx_family_from_feed_health_rates_and_held_rates(store, settings):
    now = utcnow()
    store.insert("gmp_cis.cis_fx_feed_health", [
        _health("bloomberg", "primary", "ok", now - timedelta(minutes=20)),
        _health("bloomberg", "primary", "unavailable", now - timedelta(minutes=5), retries=3),
        _health("reuters", "fallback", "ok", now - timedelta(minutes=5)),
    ])
    store.insert("gmp_cis.cis_fx_rate", [
        _rate("EURUSD", "bloomberg", now - timedelta(minutes=20), 1.1000),
        _rate("EURUSD", "reuters", now - timedelta(minutes=5), 1.1022),  # 20 bp apart
        _rate("GBPUSD", "reuters", now - timedelta(minutes=45), 1.25),   # stale
    ])
    store.insert("gmp_cis.cis_fx_rate_held", [{
        "run_id": "r", "pair": "USDJPY", "source": "bloomberg", "source_id": "USDJPY",
        "bid": 180, "ask": 180, "mid": 180, "provider_ts": now, "disposition": "held",
        "check_name": "jump", "detail": "moved 20%", "reference_mid": 150, "recorded_at": now}])

    r = scrape(settings)
    assert sample(r, "cistrade_scrape_collector_success", family="fx") == 1
    assert sample(r, "cistrade_fx_provider_up", provider="bloomberg") == 0
    assert sample(r, "cistrade_fx_provider_up", provider="reuters") == 1
    assert sample(r, "cistrade_fx_last_success_timestamp_seconds", provider="bloomberg") == \
        pytest.approx((now - timedelta(minutes=20)).replace(tzinfo=ZoneInfo("UTC")).timestamp())
    assert sample(r, "cistrade_fx_retries_total", provider="bloomberg") == 3
    assert sample(r, "cistrade_fx_fallbacks_total", provider="reuters") == 1
    assert sample(r, "cistrade_fx_calls_total", provider="bloomberg", outcome="unavailable") == 1
    # EURUSD: Reuters is 15 min newer than Bloomberg (more than the 5-minute head start)
    assert sample(r, "cistrade_fx_pairs", provider="reuters") == 2
    assert sample(r, "cistrade_fx_stale_pairs", provider="reuters") == 1
    assert sample(r, "cistrade_fx_held_jumps_total", provider="bloomberg") == 1
    assert sample(r, "cistrade_fx_held_rates", provider="bloomberg") == 1
    assert sample(r, "cistrade_fx_provider_divergence_max_ratio") == pytest.approx(0.002, 1e-2)
    assert sample(r, "cistrade_fx_divergent_pairs") == 0  # 20 bp is within the 25 bp limit


def test_mail_family_from_the_outbox(store, settings):
    now = utcnow()

    def mail(mid, topic, status, attempts, minutes_ago):
        return {"mail_id": mid, "topic": topic, "subject": mid, "body_text": "t",
                "body_html": None, "recipients": "a@example.com", "headers": None,
                "attachments": None, "dedupe_key": None, "feed": None, "business_date": None,
                "provider": None, "run_id": None, "portfolio_code": None,
                "portfolio_version": None, "report": None, "status": status,
                "attempts": attempts, "error": None, "message_id": f"<{mid}@x>",
                "created_at": now - timedelta(minutes=minutes_ago), "claimed_at": None,
                "claimed_by": None, "sent_at": None}

    store.insert("gmp_cis.cis_mail_outbox", [
        mail("m1", "portfolio.submitted", "SENT", 1, 90),
        mail("m2", "portfolio.approved", "SENT", 3, 80),     # two failed tries first
        mail("m3", "gmp.data_quality", "FAILED", 2, 120),    # waiting for a retry
        mail("m4", "fx.outage", "PENDING", 0, 30),
        mail("m5", "system", "NO_RECIPIENTS", 0, 10),
        mail("m6", "report.fx_rates_snapshot", "SENT", 1, 5)])

    r = scrape(settings)
    assert sample(r, "cistrade_scrape_collector_success", family="mail") == 1
    assert sample(r, "cistrade_mail_sent_total", kind="portfolio") == 2
    assert sample(r, "cistrade_mail_failed_total", kind="portfolio") == 2
    assert sample(r, "cistrade_mail_retried_total", kind="portfolio") == 2
    assert sample(r, "cistrade_mail_failed_total", kind="gmp") == 2
    assert sample(r, "cistrade_mail_queued", kind="gmp") == 1
    assert sample(r, "cistrade_mail_queued", kind="fx") == 1
    assert sample(r, "cistrade_mail_failed_total", kind="system") == 1
    assert sample(r, "cistrade_mail_sent_total", kind="report") == 1
    age = sample(r, "cistrade_mail_oldest_unsent_age_seconds")
    assert 7190 <= age <= 7300  # the failed GMP alert, two hours old


def test_acl_family_from_the_audit_log_and_sessions(store, settings):
    now = utcnow()
    store.insert("gmp_cis.cis_audit_log", [
        {"event_id": f"e{i}", "event_time": now, "user_login": "u", "action": action,
         "entity_type": "user", "entity_id": "u", "outcome": outcome, "before_json": None,
         "after_json": None, "detail": None}
        for i, (action, outcome) in enumerate([("LOGIN", "SUCCESS"), ("LOGIN", "DENIED"),
                                               ("LOGIN", "DENIED"), ("LOGOUT", "SUCCESS")])])
    store.insert("gmp_cis.cis_acl_session", [
        {"session_id": sid, "user_id": 1, "user_login": "u", "session_data": "{}",
         "created_at": now, "expires_at": now + timedelta(hours=h), "revoked_at": revoked}
        for sid, h, revoked in (("s1", 8, None), ("s2", -1, None), ("s3", 8, now))])
    r = scrape(settings)
    assert sample(r, "cistrade_acl_logins_total", outcome="success") == 1
    assert sample(r, "cistrade_acl_logins_total", outcome="failure") == 2
    assert sample(r, "cistrade_acl_live_sessions") == 1


def test_a_missing_table_fails_its_family_only(warehouse, settings):
    r = scrape(settings)  # GMP tables only: no FX, mail or ACL tables yet
    assert sample(r, "cistrade_scrape_collector_success", family="gmp") == 1
    assert sample(r, "cistrade_scrape_collector_success", family="fx") == 0
    assert sample(r, "cistrade_scrape_collector_success", family="mail") == 0


def test_the_scrape_is_read_only_and_gives_up_on_a_writer(warehouse, settings):
    reader = ReadOnlyWarehouse(settings)
    with reader.session() as query, pytest.raises(duckdb.Error, match="read-only"):
        query("CREATE TABLE gmp_cis.x (a INTEGER)", [])
    # another process writing: it holds the file's lock
    writer = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); time.sleep(60)", str(settings.warehouse_path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "open"
        start = time.monotonic()
        r = scrape(settings, lock_wait=0.3)
        assert time.monotonic() - start < 5
        assert sample(r, "cistrade_scrape_collector_success", family="gmp") == 0
    finally:
        writer.kill()
        writer.wait()
    assert sample(scrape(settings), "cistrade_scrape_collector_success", family="gmp") == 1


def test_a_slow_statement_is_interrupted(warehouse, settings):
    reader = ReadOnlyWarehouse(settings, timeout=0.5)
    start = time.monotonic()
    with reader.session() as query, pytest.raises(duckdb.Error):
        query("SELECT count(*) FROM range(100000000000) a", [])
    assert time.monotonic() - start < 10
