"""Market-data metrics, read at scrape time from the FX feed-health, rate and held tables."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from cistrade_core.monitoring.sql import Query, ScrapeContext, epoch_seconds
from cistrade_core.warehouse import SCHEMA

PROVIDERS = ("bloomberg", "reuters")
PRIMARY = "bloomberg"
#: Bloomberg's head start in choosing a pair's current rate (as in the view
#: ``cis_fx_rate_current`` and ``cistrade_core.fx.store.PREFERENCE``).
HEAD_START = timedelta(minutes=5)
#: Outcomes of a provider call that delivered good rates.
GOOD_OUTCOMES = ("ok", "partial")

#: One statement, four parts of one shape (part, k1, k2, n, x, ts):
#: calls per provider, outcome and role; each pair's newest rate per source; held
#: and rejected rates; the mids of each pair's newest recent rate per source.
FX_SQL = (
    "SELECT 'call' AS part, provider AS k1, outcome AS k2, role AS k3, count(*) AS n, "
    "CAST(sum(retries) AS DOUBLE) AS x, max(finished_at) AS ts "
    f"FROM {SCHEMA}.cis_fx_feed_health GROUP BY provider, outcome, role "
    "UNION ALL "
    "SELECT 'newest' AS part, pair AS k1, source AS k2, CAST(NULL AS STRING) AS k3, "
    f"count(*) AS n, CAST(0 AS DOUBLE) AS x, max(provider_ts) AS ts FROM {SCHEMA}.cis_fx_rate "
    "GROUP BY pair, source "
    "UNION ALL "
    "SELECT 'held' AS part, source AS k1, check_name AS k2, disposition AS k3, count(*) AS n, "
    f"CAST(0 AS DOUBLE) AS x, max(recorded_at) AS ts FROM {SCHEMA}.cis_fx_rate_held "
    "GROUP BY source, check_name, disposition "
    "UNION ALL "
    "SELECT 'mid' AS part, r.pair AS k1, r.source AS k2, CAST(NULL AS STRING) AS k3, "
    "count(*) AS n, CAST(max(r.mid) AS DOUBLE) AS x, max(r.provider_ts) AS ts "
    f"FROM {SCHEMA}.cis_fx_rate r JOIN (SELECT pair, source, max(provider_ts) AS newest "
    f"FROM {SCHEMA}.cis_fx_rate WHERE provider_ts >= ? GROUP BY pair, source) n "
    "ON r.pair = n.pair AND r.source = n.source AND r.provider_ts = n.newest "
    "WHERE r.provider_ts >= ? GROUP BY r.pair, r.source"
)


def _current_source(newest: dict[str, datetime]) -> tuple[str, datetime]:
    """Which source's rate is a pair's current one, and its provider time."""
    def rank(item: tuple[str, datetime]) -> tuple[datetime, datetime]:
        source, ts = item
        return (ts + HEAD_START if source == PRIMARY else ts, ts)

    return max(newest.items(), key=rank)


def _blank() -> dict[str, Any]:
    return {"retries": 0.0, "fallbacks": 0, "last": None, "ok": None, "pairs": 0, "stale": 0,
            "jumps": 0, "held": 0, "rejected": 0}


def collect(query: Query, ctx: ScrapeContext) -> Iterator[Metric]:
    """Per provider: last success, up, calls, retries, fallbacks, pairs, stale, held, divergence."""
    from cistrade_core.fx.settings import FxSettings

    fx = FxSettings.from_env()
    recent = ctx.now - fx.stale_after
    rows = query(FX_SQL, [recent, recent])

    calls = CounterMetricFamily("cistrade_fx_calls", "Provider calls by outcome (ok, "
                                "partial, rejected, unavailable, auth_failed, ...).",
                                labels=["provider", "outcome"])
    retries = CounterMetricFamily("cistrade_fx_retries", "Retried provider requests.",
                                  labels=["provider"])
    fallbacks = CounterMetricFamily(
        "cistrade_fx_fallbacks", "Calls made to a provider as the fallback of the other.",
        labels=["provider"])
    last_call = GaugeMetricFamily("cistrade_fx_last_call_timestamp_seconds",
                                  "When the provider's last call finished.", labels=["provider"])
    last_ok = GaugeMetricFamily("cistrade_fx_last_success_timestamp_seconds",
                                "When the provider's last call with good rates finished "
                                "(0: never).", labels=["provider"])
    up = GaugeMetricFamily("cistrade_fx_provider_up", "1 if the provider's last call "
                           "delivered good rates.", labels=["provider"])
    pairs = GaugeMetricFamily("cistrade_fx_pairs", "Pairs whose current rate comes from the "
                              "provider.", labels=["provider"])
    stale = GaugeMetricFamily(
        "cistrade_fx_stale_pairs", f"Pairs whose current rate from the provider is older than "
        f"{int(fx.stale_after.total_seconds())} s (CISTRADE_FX_STALE_AFTER).",
        labels=["provider"])
    jumps = CounterMetricFamily("cistrade_fx_held_jumps", "Rates held back after a jump "
                                "against the last stored mid.", labels=["provider"])
    held_now = GaugeMetricFamily("cistrade_fx_held_rates", "Rates held back and not yet "
                                 "released.", labels=["provider"])
    rejected = CounterMetricFamily("cistrade_fx_rejected_rates", "Rates that failed a check.",
                                   labels=["provider"])
    divergence = GaugeMetricFamily(
        "cistrade_fx_provider_divergence_max_ratio", "Largest relative gap between the two "
        "providers' newest mids of a pair, among pairs both quoted recently.")
    divergent = GaugeMetricFamily(
        "cistrade_fx_divergent_pairs", f"Pairs whose providers' mids differ by more than "
        f"{fx.divergence_bp} bp (CISTRADE_FX_DIVERGENCE_BP).")

    per = {p: _blank() for p in PROVIDERS}
    outcomes: dict[tuple[str, str], int] = {}
    newest: dict[str, dict[str, datetime]] = {}
    mids: dict[str, dict[str, float]] = {}
    for r in rows:
        part, k1, k2 = r["part"], r["k1"], r["k2"]
        if part == "newest":
            newest.setdefault(k1, {})[k2] = r["ts"]
            continue
        if part == "mid":
            mids.setdefault(k1, {})[k2] = float(r["x"])
            continue
        p = per.setdefault(k1, _blank())
        if part == "call":
            outcomes[(k1, k2)] = outcomes.get((k1, k2), 0) + int(r["n"])
            p["retries"] += float(r["x"] or 0)
            if r["k3"] == "fallback":
                p["fallbacks"] += int(r["n"])
            p["last"] = max(filter(None, (p["last"], r["ts"])))
            if k2 in GOOD_OUTCOMES:
                p["ok"] = max(filter(None, (p["ok"], r["ts"])))
        elif part == "held":
            if r["k3"] == "rejected":
                p["rejected"] += int(r["n"])
            else:  # held, or released after a check
                p["jumps"] += int(r["n"]) if k2 == "jump" else 0
                p["held"] += int(r["n"]) if r["k3"] == "held" else 0
    for by_source in newest.values():
        source, ts = _current_source(by_source)
        p = per.setdefault(source, _blank())
        p["pairs"] += 1
        p["stale"] += 1 if ctx.now - ts > fx.stale_after else 0

    for (provider, outcome), n in sorted(outcomes.items()):
        calls.add_metric([provider, outcome], n)
    for provider, p in per.items():
        retries.add_metric([provider], p["retries"])
        fallbacks.add_metric([provider], p["fallbacks"])
        jumps.add_metric([provider], p["jumps"])
        held_now.add_metric([provider], p["held"])
        rejected.add_metric([provider], p["rejected"])
        pairs.add_metric([provider], p["pairs"])
        stale.add_metric([provider], p["stale"])
        last_ok.add_metric([provider], epoch_seconds(p["ok"]))
        if p["last"] is not None:
            last_call.add_metric([provider], epoch_seconds(p["last"]))
            up.add_metric([provider], 1.0 if p["ok"] == p["last"] else 0.0)
    gaps = [abs(m[PROVIDERS[0]] - m[PROVIDERS[1]]) / ((m[PROVIDERS[0]] + m[PROVIDERS[1]]) / 2)
            for m in mids.values() if all(s in m for s in PROVIDERS)]
    divergence.add_metric([], max(gaps, default=0.0))
    divergent.add_metric([], sum(1 for g in gaps if g * 10_000 > float(fx.divergence_bp)))
    yield from (calls, retries, fallbacks, last_call, last_ok, up, pairs, stale, jumps,
                held_now, rejected, divergence, divergent)
