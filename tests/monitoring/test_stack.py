"""After a demo run: Prometheus scrapes every family, every dashboard panel has data, the
alert rules evaluate, the plugin's routes need a signed-in user, the CisTrade page
works in a real browser, `cistrade metrics serve` serves the same, the log is JSON."""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cistrade_core.monitoring.dashboards import panel_queries
from cistrade_dev.smtp_server import free_port
from tests.monitoring import servers
from tests.monitoring.conftest import AIRFLOW_PASSWORD, AIRFLOW_USER, Stack
from tests.monitoring.servers import BIN, http

#: Every family of the five signals, as Prometheus stores its series.
FAMILIES = {
    "gmp": ("cistrade_gmp_feed_status", "cistrade_gmp_latest_business_date_timestamp_seconds",
            "cistrade_gmp_last_loaded_business_date_timestamp_seconds",
            "cistrade_gmp_loaded_rows", "cistrade_gmp_row_count_change_ratio",
            "cistrade_gmp_loads_total", "cistrade_gmp_rejections_total",
            "cistrade_gmp_step_duration_seconds",
            "cistrade_gmp_due_business_date_timestamp_seconds",
            "cistrade_gmp_load_deadline_timestamp_seconds"),
    "acl": ("cistrade_acl_login_duration_seconds_bucket",
            "cistrade_acl_login_duration_seconds_count",
            "cistrade_acl_permission_map_duration_seconds_bucket",
            "cistrade_acl_logins_total", "cistrade_acl_live_sessions"),
    "market data": ("cistrade_fx_last_success_timestamp_seconds", "cistrade_fx_provider_up",
                    "cistrade_fx_calls_total", "cistrade_fx_retries_total",
                    "cistrade_fx_fallbacks_total", "cistrade_fx_stale_pairs", "cistrade_fx_pairs",
                    "cistrade_fx_held_jumps_total", "cistrade_fx_provider_divergence_max_ratio",
                    "cistrade_fx_divergent_pairs"),
    "pool": ("cistrade_pool_max_connections", "cistrade_pool_in_use_connections",
             "cistrade_pool_open_connections", "cistrade_pool_waits_total",
             "cistrade_pool_wait_timeouts_total", "cistrade_pool_health_check_failures_total"),
    "email": ("cistrade_mail_sent_total", "cistrade_mail_failed_total",
              "cistrade_mail_retried_total", "cistrade_mail_queued",
              "cistrade_mail_oldest_unsent_age_seconds"),
}
PLUGIN_ROUTES = ("/cistrade/metrics", "/cistrade/ui/", "/cistrade/api/overview",
                 "/cistrade/data-docs/index.html")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


def value(result: list[dict]) -> float:
    return float(result[0]["value"][1])


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_prometheus_scrapes_every_family(stack: Stack, family: str):
    for name in FAMILIES[family]:
        assert stack.prom_query(name), f"no series of {name}"


def test_the_scraped_values_tell_what_the_demo_did(stack: Stack):
    q = stack.prom_query
    assert value(q('cistrade_gmp_feed_status{job="cistrade",feed="counterparty",'
                   'status="rejected"}')) == 1
    assert value(q('cistrade_gmp_feed_status{job="cistrade",feed="currency",'
                   'status="loaded"}')) == 1
    kinds = {r["metric"]["kind"]: float(r["value"][1])
             for r in q('cistrade_gmp_rejections_total{feed="counterparty"}')}
    assert kinds == {"data_quality": 1, "row_count_change": 1}
    assert {r["metric"]["step"] for r in q("cistrade_gmp_step_duration_seconds")} >= {
        "validate", "load", "refresh"}
    assert value(q('cistrade_acl_logins_total{outcome="failure"}')) == 1
    assert value(q('sum(cistrade_acl_login_duration_seconds_count{outcome="success"})')) >= 1
    assert value(q('cistrade_fx_provider_up{provider="bloomberg"}')) == 0  # down at the end
    assert value(q('cistrade_fx_provider_up{provider="reuters"}')) == 1
    assert value(q('cistrade_fx_held_jumps_total{provider="bloomberg"}')) == 2
    assert value(q('cistrade_fx_retries_total{provider="bloomberg"}')) >= 2
    assert value(q('cistrade_fx_fallbacks_total{provider="reuters"}')) >= 2
    assert value(q('cistrade_mail_queued{kind="portfolio"}')) == 1
    assert value(q('cistrade_mail_failed_total{kind="portfolio"}')) >= 1
    assert value(q('cistrade_mail_sent_total{kind="gmp"}')) >= 3
    assert value(q("cistrade_mail_oldest_unsent_age_seconds")) > 0
    assert value(q('cistrade_pool_max_connections{pool="hive"}')) >= 1
    assert value(q('cistrade_pool_connections_opened_total{pool="hive"}')) >= 1
    assert all(float(r["value"][1]) == 1 for r in q("cistrade_scrape_collector_success"))


def test_every_dashboard_panel_query_returns_series(stack: Stack):
    empty = [(uid, title, expr) for uid, title, expr in panel_queries()
             if not stack.prom_query(expr)]
    assert not empty, empty


def test_the_alert_rules_are_loaded_and_evaluated(stack: Stack):
    status, body = http(f"{stack.prometheus.url}/api/v1/rules")
    groups = {g["name"]: [r["name"] for r in g["rules"]]
              for g in json.loads(body)["data"]["groups"]}
    assert set(groups) == {"cistrade-gmp", "cistrade-fx", "cistrade-mail", "cistrade-pool",
                           "cistrade-metrics"}
    assert all(r["health"] == "ok" for g in json.loads(body)["data"]["groups"]
               for r in g["rules"]), body
    alerts = stack.prom_query('ALERTS{alertname="GmpFeedRejected"}')
    assert {a["metric"]["feed"] for a in alerts} == {"counterparty"}


def test_pushed_groups_are_the_cli_commands_and_the_airflow_tasks(stack: Stack):
    groups = {(r["metric"]["job"], r["metric"].get("command") or r["metric"].get("task_id"))
              for r in stack.prom_query("push_time_seconds")}
    assert {("cistrade_cli", "acl"), ("cistrade_cli", "gmp")} <= groups
    tasks = {task for job, task in groups if job == "cistrade_airflow_task"}
    assert {"validate_currency", "load_currency", "refresh_currency"} <= tasks
    hive = stack.prom_query('cistrade_pool_max_connections{job="cistrade_cli",engine="hive"}')
    assert hive and hive[0]["metric"]["command"] == "metrics"


def test_plugin_routes_refuse_anonymous_and_invalid_tokens(stack: Stack):
    for route in PLUGIN_ROUTES:
        assert http(stack.airflow_url + route)[0] == 401, route
        assert http(stack.airflow_url + route, token="not-a-jwt")[0] == 403, route
        assert http(stack.airflow_url + route, token=stack.token)[0] == 200, route
    assert http(stack.airflow_url + "/cistrade/data-docs/../../../etc/passwd",
                token=stack.token)[0] == 404
    overview = json.loads(http(stack.airflow_url + "/cistrade/api/overview",
                               token=stack.token)[1])
    day = stack.demo.days["rejected"].isoformat()
    row = next(d for d in overview["days"] if d["business_date"] == day)
    assert row["feeds"]["counterparty"]["status"] == "rejected"
    assert row["feeds"]["counterparty"]["data_docs"].startswith("validations/gmp_counterparty/")
    assert overview["errors"] == []


def test_the_cistrade_page_in_the_airflow_ui(stack: Stack, tmp_path: Path):
    """Sign in, open CisTrade, read the rejected feed's reason, follow its Data Docs link."""
    from playwright.sync_api import expect, sync_playwright

    day = stack.demo.days["rejected"].isoformat()
    held = stack.demo.days["held"].isoformat()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.set_default_timeout(60_000)
            # no internet here: the Data Docs pages' CDN stylesheets fail at once, not late
            page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda r: r.abort())
            page.goto(stack.airflow_url + "/")
            page.locator("input[name='username']").fill(AIRFLOW_USER)
            page.locator("input[name='password']").fill(AIRFLOW_PASSWORD)
            page.locator("button[type='submit']").click()
            page.get_by_role("link", name="CisTrade").first.click()
            expect(page).to_have_url(re.compile(r"/plugin/cistrade$"))
            frame = page.frame_locator("iframe")
            cell = frame.locator(f"tr[data-day='{day}'] td[data-feed='counterparty']")
            expect(cell.locator(".badge")).to_have_text("rejected")
            reason = cell.locator(".reason").inner_text()
            assert reason.startswith("data quality: ") and "LEI check digits are wrong" in reason
            expect(frame.locator(f"tr[data-day='{held}'] td[data-feed='counterparty'] .badge")
                   ).to_have_text("held")
            expect(frame.locator("tr[data-provider='bloomberg'] .badge")).to_have_text(
                "unavailable")
            expect(frame.locator("[data-testid='unsent-mail']")).to_contain_text(
                "MON-UNSENT")
            run = frame.locator(f"tr[data-day='{day}'] a.airflow-run")
            run_url = urllib.parse.urlparse(run.get_attribute("href")).path
            assert run_url.startswith("/dags/gmp_reference_etl/runs/")
            page.screenshot(path=str(tmp_path / "cistrade-page.png"), full_page=True)
            shot = os.environ.get("CISTRADE_SCREENSHOT")  # for the README
            if shot:
                page.screenshot(path=shot)
            cell.locator("a.data-docs").click()
            docs = page.frame_locator("iframe").locator("body")
            expect(docs).to_contain_text(f"counterparty-{day.replace('-', '')}", timeout=30_000)
            expect(docs).to_contain_text("gmp_counterparty")
            expect(docs).to_contain_text("Failed")
        finally:
            browser.close()
    run_id = run_url.rsplit("/", 1)[1]
    assert http(f"{stack.airflow_url}/api/v2/dags/gmp_reference_etl/dagRuns/{run_id}",
                token=stack.token)[0] == 200


def test_metrics_serve_exposes_the_same_families_as_the_plugin(stack: Stack):
    port = free_port()
    serve = servers.start("metrics serve", [str(BIN / "cistrade"), "metrics", "serve",
                                            "--port", str(port)],
                          log=stack.demo.home / "metrics-serve.log",
                          url=f"http://127.0.0.1:{port}", env=stack.demo.env)
    try:
        servers.wait_until_up(serve, "/metrics", timeout=60)
        served = http(serve.url + "/metrics")[1].decode()
    finally:
        serve.stop()
    plugin = http(stack.airflow_url + "/cistrade/metrics", token=stack.token)[1].decode()

    def warehouse_families(text: str) -> set[str]:
        return {f.name for f in text_string_to_metric_families(text)
                if f.name.startswith(("cistrade_gmp_", "cistrade_fx_", "cistrade_mail_",
                                      "cistrade_acl_logins", "cistrade_acl_live"))
                and f.samples and f.name != "cistrade_gmp_step_duration_seconds"}

    assert warehouse_families(served) == warehouse_families(plugin)
    assert len(warehouse_families(served)) >= 25


def test_every_log_line_of_the_demo_is_json_with_the_stable_fields(stack: Stack):
    lines = stack.demo.log_file.read_text().splitlines()
    assert len(lines) > 50
    records = [json.loads(line) for line in lines]  # every line parses
    for record in records:
        assert {"timestamp", "level", "message", "logger"} <= set(record), record
        assert not {k for k in record if re.search("pass|secret|token|api_?key", k, re.I)}
    text = "\n".join(lines)
    for secret in ("maker-Pass-1", "not-the-password", "demo-bloomberg-key"):
        assert secret not in text
    fields = {k for r in records for k in r}
    assert {"feed", "business_date", "provider", "run_id", "user_login"} <= fields
    loads = [r for r in records if r["logger"] == "cistrade_core.gmp.pipeline"
             and r["message"].startswith("counterparty") and "held" in r["message"]]
    assert loads and loads[0]["feed"] == "counterparty"
    assert loads[0]["business_date"] == stack.demo.days["held"].isoformat()
    assert any(r.get("user_login") == "demo_maker" for r in records)


def test_the_demo_log_has_no_traceback_of_the_metrics_push(stack: Stack):
    assert not [r for r in stack.demo.log_lines()
                if r["logger"] == "cistrade_core.monitoring.push" and r["level"] == "WARNING"]
