"""The Grafana dashboards, defined here and written as JSON to ``deploy/grafana/dashboards/``.

One dashboard per signal family plus an overview. ``cistrade metrics dashboards``
writes the files; a test fails when they drift from these definitions, and the
monitoring tests run every panel's query against a real Prometheus.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: The uid of the Prometheus data source that provisioning creates.
DATASOURCE = {"type": "prometheus", "uid": "cistrade-prometheus"}
SCHEMA_VERSION = 39
GRID_WIDTH = 24


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""
    instant: bool = False


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[Query, ...]
    type: str = "timeseries"  # timeseries, stat, table, bargauge
    unit: str = "short"
    width: int = 8
    height: int = 7
    description: str = ""
    thresholds: tuple[tuple[float, str], ...] = ()
    mappings: tuple[tuple[str, str, str], ...] = ()  # value, text, color


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    description: str
    panels: tuple[Panel, ...]
    tags: tuple[str, ...] = field(default=("cistrade",))


def q(expr: str, legend: str = "", instant: bool = False) -> Query:
    return Query(expr, legend, instant)


UP_DOWN = (("0", "down", "red"), ("1", "up", "green"))
FRESH = ((0, "green"), (1, "red"))

OVERVIEW = Dashboard("cistrade-overview", "CisTrade overview",
                     "The five signals at a glance: GMP ETL, ACL, market data, pools, email.", (
    Panel("GMP feeds loaded on the latest business date",
          (q('sum(max by (feed) (cistrade_gmp_feed_status{status="loaded"}))'),), "stat",
          thresholds=((0, "red"), (4, "green")), width=6, height=5),
    Panel("GMP feeds rejected or held",
          (q('sum(max by (feed) (cistrade_gmp_feed_status{status=~"rejected|held"}))'),), "stat",
          thresholds=FRESH, width=6, height=5),
    Panel("GMP days behind the due business date",
          (q("(max(cistrade_gmp_due_business_date_timestamp_seconds) - "
             "min(cistrade_gmp_last_loaded_business_date_timestamp_seconds)) / 86400 > 0 or "
             "vector(0)"),), "stat", thresholds=FRESH, width=6, height=5),
    Panel("Login p95 (last pushed logins)",
          (q("histogram_quantile(0.95, sum by (le) "
             "(cistrade_acl_login_duration_seconds_bucket))"),), "stat", unit="s",
          width=6, height=5),
    Panel("FX providers up", (q("max by (provider) (cistrade_fx_provider_up)", "{{provider}}"),),
          "stat", mappings=UP_DOWN, width=6, height=5),
    Panel("FX pairs stale", (q("sum(max by (provider) (cistrade_fx_stale_pairs))"),), "stat",
          thresholds=FRESH, width=6, height=5),
    Panel("Mail queued", (q("sum(max by (kind) (cistrade_mail_queued))"),), "stat",
          thresholds=((0, "green"), (1, "orange")), width=6, height=5),
    Panel("Pool connections in use / max",
          (q("sum by (pool) (cistrade_pool_in_use_connections)", "{{pool}} in use"),
           q("sum by (pool) (cistrade_pool_max_connections)", "{{pool}} max")), "stat",
          width=6, height=5),
    Panel("Warehouse families readable",
          (q("min by (family) (cistrade_scrape_collector_success)", "{{family}}"),), "stat",
          mappings=(("0", "unreadable", "red"), ("1", "ok", "green")), width=24, height=4),
))

GMP = Dashboard("cistrade-gmp", "CisTrade GMP ETL",
                "The daily GMP reference-data load, per feed, from the load history.", (
    Panel("Status of the latest business date",
          (q("max by (feed, status) (cistrade_gmp_feed_status) == 1", "{{feed}}: {{status}}",
             instant=True),), "table", width=12,
          description="loaded, rejected, held, or missing (no record that day)"),
    Panel("Days since the last loaded business date",
          (q("(time() - max by (feed) "
             "(cistrade_gmp_last_loaded_business_date_timestamp_seconds)) / 86400",
             "{{feed}}"),), "bargauge", unit="d", width=12,
          thresholds=((0, "green"), (2, "orange"), (3, "red"))),
    Panel("Rows of the last loaded day", (q("max by (feed) (cistrade_gmp_loaded_rows)",
                                            "{{feed}}"),), width=8),
    Panel("Row-count change against the last loaded day",
          (q("max by (feed) (cistrade_gmp_row_count_change_ratio)", "{{feed}}"),),
          unit="percentunit", width=8, description="held beyond ±10%"),
    Panel("Step duration (last run of each step)",
          (q("max by (feed, step) (cistrade_gmp_step_duration_seconds)", "{{feed}} {{step}}"),),
          unit="s", width=8),
    Panel("Rejections and holds by check",
          (q("sum by (feed, kind) (cistrade_gmp_rejections_total)", "{{feed}} {{kind}}"),),
          "bargauge", width=12),
    Panel("Loads by status (increase over 1 day)",
          (q("sum by (status) (increase(cistrade_gmp_loads_total[1d]))", "{{status}}"),),
          width=12),
    Panel("Due business date and load deadline",
          (q("max(cistrade_gmp_due_business_date_timestamp_seconds) * 1000", "due date"),
           q("max(cistrade_gmp_load_deadline_timestamp_seconds) * 1000", "deadline")),
          "stat", unit="dateTimeAsIso", width=24, height=5),
))

ACL = Dashboard("cistrade-acl", "CisTrade ACL",
                "Logins and permission maps: latency measured where they happen, failures "
                "from the audit log.", (
    Panel("Login latency quantiles",
          (q("histogram_quantile(0.5, sum by (le) (cistrade_acl_login_duration_seconds_bucket))",
             "p50"),
           q("histogram_quantile(0.95, sum by (le) "
             "(cistrade_acl_login_duration_seconds_bucket))", "p95")), unit="s", width=12),
    Panel("Permission-map latency quantiles",
          (q("histogram_quantile(0.5, sum by (le) "
             "(cistrade_acl_permission_map_duration_seconds_bucket))", "p50"),
           q("histogram_quantile(0.95, sum by (le) "
             "(cistrade_acl_permission_map_duration_seconds_bucket))", "p95")),
          unit="s", width=12),
    Panel("Mean login time by outcome",
          (q("sum by (outcome) (cistrade_acl_login_duration_seconds_sum) / sum by (outcome) "
             "(cistrade_acl_login_duration_seconds_count)", "{{outcome}}"),), unit="s"),
    Panel("Failed logins (audit log)",
          (q('max(cistrade_acl_logins_total{outcome="failure"})', "failed"),
           q('max(cistrade_acl_logins_total{outcome="success"})', "succeeded")), "stat"),
    Panel("Live sessions", (q("max(cistrade_acl_live_sessions)", "sessions"),)),
))

MARKET_DATA = Dashboard("cistrade-market-data", "CisTrade market data",
                        "Bloomberg (primary) and Reuters (backup) FX feeds.", (
    Panel("Provider up", (q("max by (provider) (cistrade_fx_provider_up)", "{{provider}}"),),
          "stat", mappings=UP_DOWN, width=8),
    Panel("Time since the last good fetch",
          (q("time() - max by (provider) (cistrade_fx_last_success_timestamp_seconds)",
             "{{provider}}"),), unit="s", width=8,
          thresholds=((0, "green"), (1800, "red"))),
    Panel("Pairs stale (current rate older than 30 min)",
          (q("max by (provider) (cistrade_fx_stale_pairs)", "{{provider}}"),), width=8),
    Panel("Current pairs by source", (q("max by (provider) (cistrade_fx_pairs)",
                                        "{{provider}}"),), width=8),
    Panel("Retries (increase over 1 h)",
          (q("sum by (provider) (increase(cistrade_fx_retries_total[1h]))", "{{provider}}"),),
          width=8),
    Panel("Fallback calls", (q("max by (provider) (cistrade_fx_fallbacks_total)",
                               "{{provider}}"),), width=8),
    Panel("Calls by outcome", (q("max by (provider, outcome) (cistrade_fx_calls_total)",
                                 "{{provider}} {{outcome}}"),), "bargauge", width=8),
    Panel("Held jumps and rejected rates",
          (q("max by (provider) (cistrade_fx_held_jumps_total)", "{{provider}} held jumps"),
           q("max by (provider) (cistrade_fx_rejected_rates_total)", "{{provider}} rejected")),
          width=8),
    Panel("Divergence between the providers",
          (q("max(cistrade_fx_provider_divergence_max_ratio) * 10000", "largest gap (bp)"),
           q("max(cistrade_fx_divergent_pairs)", "pairs over the limit")), width=8),
))

POOL = Dashboard("cistrade-pool", "CisTrade connection pools",
                 "Impala/Kudu and Hive connection pools of the processes that use them "
                 "(pushed by short-lived ones).", (
    Panel("In use and size",
          (q("sum by (pool) (cistrade_pool_in_use_connections)", "{{pool}} in use"),
           q("sum by (pool) (cistrade_pool_open_connections)", "{{pool}} open"),
           q("sum by (pool) (cistrade_pool_max_connections)", "{{pool}} max")), width=12),
    Panel("Waits and wait timeouts",
          (q("sum by (pool) (cistrade_pool_waits_total)", "{{pool}} waits"),
           q("sum by (pool) (cistrade_pool_wait_timeouts_total)", "{{pool}} timeouts")),
          width=12),
    Panel("Health checks and failures",
          (q("sum by (pool) (cistrade_pool_health_checks_total)", "{{pool}} checks"),
           q("sum by (pool) (cistrade_pool_health_check_failures_total)", "{{pool}} failed")),
          width=12),
    Panel("Connections opened", (q("sum by (pool) (cistrade_pool_connections_opened_total)",
                                   "{{pool}}"),), width=12),
))

MAIL = Dashboard("cistrade-mail", "CisTrade email",
                 "Alerts, notifications and reports: delivered, failed, retried, waiting.", (
    Panel("Delivery rate (sent / (sent + failed))",
          (q("sum(max by (kind) (cistrade_mail_sent_total)) / (sum(max by (kind) "
             "(cistrade_mail_sent_total)) + sum(max by (kind) (cistrade_mail_failed_total)))",
             "delivered"),), "stat", unit="percentunit", width=8,
          thresholds=((0, "red"), (0.95, "green"))),
    Panel("Oldest unsent mail", (q("max(cistrade_mail_oldest_unsent_age_seconds)", "age"),),
          "stat", unit="s", width=8, thresholds=((0, "green"), (3600, "red"))),
    Panel("Queued (not sent yet)", (q("max by (kind) (cistrade_mail_queued)", "{{kind}}"),),
          "bargauge", width=8),
    Panel("Sent by kind", (q("max by (kind) (cistrade_mail_sent_total)", "{{kind}}"),),
          width=8),
    Panel("Failed by kind", (q("max by (kind) (cistrade_mail_failed_total)", "{{kind}}"),),
          width=8),
    Panel("Retried by kind", (q("max by (kind) (cistrade_mail_retried_total)", "{{kind}}"),),
          width=8),
))

DASHBOARDS = (OVERVIEW, GMP, ACL, MARKET_DATA, POOL, MAIL)


def _layout(panels: tuple[Panel, ...]) -> list[dict[str, Any]]:
    """Panels left to right, wrapping at the grid's width."""
    out, x, y, row_height = [], 0, 0, 0
    for number, panel in enumerate(panels, start=1):
        if x + panel.width > GRID_WIDTH:
            x, y, row_height = 0, y + row_height, 0
        out.append(_panel(number, panel, {"h": panel.height, "w": panel.width, "x": x, "y": y}))
        x += panel.width
        row_height = max(row_height, panel.height)
    return out


def _panel(number: int, panel: Panel, grid: dict[str, int]) -> dict[str, Any]:
    defaults: dict[str, Any] = {"unit": panel.unit}
    if panel.thresholds:
        defaults["thresholds"] = {"mode": "absolute", "steps": [
            {"color": color, "value": None if i == 0 else value}
            for i, (value, color) in enumerate(panel.thresholds)]}
    if panel.mappings:
        defaults["mappings"] = [{"type": "value", "options": {
            value: {"text": text, "color": color, "index": i}
            for i, (value, text, color) in enumerate(panel.mappings)}}]
    targets = [{
        "refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": query.expr,
        "legendFormat": query.legend or "__auto", "range": not query.instant,
        "instant": query.instant,
        **({"format": "table"} if panel.type == "table" else {}),
    } for i, query in enumerate(panel.queries)]
    options: dict[str, Any] = {}
    if panel.type in ("stat", "bargauge"):
        options["reduceOptions"] = {"calcs": ["lastNotNull"], "fields": "", "values": False}
    return {
        "id": number, "type": panel.type, "title": panel.title,
        "description": panel.description, "datasource": DATASOURCE, "gridPos": grid,
        "targets": targets, "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": options,
    }


def render(dashboard: Dashboard) -> dict[str, Any]:
    """The dashboard as Grafana's JSON model."""
    return {
        "uid": dashboard.uid, "title": dashboard.title, "description": dashboard.description,
        "tags": list(dashboard.tags), "schemaVersion": SCHEMA_VERSION, "version": 1,
        "editable": False, "timezone": "browser", "refresh": "1m",
        "time": {"from": "now-24h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "links": [{"title": "CisTrade", "type": "dashboards", "tags": ["cistrade"],
                   "asDropdown": True}],
        "panels": _layout(dashboard.panels),
    }


def file_name(dashboard: Dashboard) -> str:
    return f"{dashboard.uid}.json"


def render_all() -> dict[str, str]:
    """File name to JSON text, for every dashboard."""
    return {file_name(d): json.dumps(render(d), indent=2) + "\n" for d in DASHBOARDS}


def panel_queries() -> list[tuple[str, str, str]]:
    """(dashboard uid, panel title, PromQL) of every panel query."""
    return [(d.uid, p.title, query.expr) for d in DASHBOARDS for p in d.panels
            for query in p.queries]
