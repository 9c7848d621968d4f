"""Prometheus configuration, alert rules and their unit tests (promtool), and the
monitoring services of docker-compose.yaml."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS = REPO / "deploy" / "prometheus"


@pytest.mark.parametrize("args", [
    ["check", "config", "prometheus.yml"],
    ["check", "rules", "rules/cistrade.rules.yml"],
    ["test", "rules", "tests/cistrade.rules.test.yml"],
], ids=["check config", "check rules", "test rules"])
def test_promtool(args: list[str]):
    done = subprocess.run(["promtool", *args], cwd=PROMETHEUS, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout + done.stderr


def test_the_rules_cover_the_required_alerts():
    groups = yaml.safe_load((PROMETHEUS / "rules" / "cistrade.rules.yml").read_text())["groups"]
    alerts = {r["alert"] for g in groups for r in g["rules"]}
    assert {"GmpLoadLate", "GmpFeedRejected", "GmpFeedHeld", "FxRatesStale", "FxProvidersDown",
            "MailFailing", "MailQueuedTooLong", "PoolExhausted"} <= alerts
    tested = yaml.safe_load((PROMETHEUS / "tests" / "cistrade.rules.test.yml").read_text())
    covered = {t["alertname"] for case in tested["tests"] for t in case["alert_rule_test"]
               if t["exp_alerts"]}
    assert covered == alerts  # every alert has a test in which it fires


def test_compose_runs_prometheus_pushgateway_grafana_and_the_metrics_endpoint():
    services = yaml.safe_load((REPO / "docker-compose.yaml").read_text())["services"]
    prometheus, grafana = services["prometheus"], services["grafana"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in prometheus["volumes"]}
    config_target = next(a.split("=", 1)[1] for a in prometheus["command"]
                         if a.startswith("--config.file="))
    assert mounts[config_target] == "./deploy/prometheus/prometheus.yml"
    assert mounts["/etc/prometheus/rules"] == "./deploy/prometheus/rules"
    grafana_mounts = {v.split(":")[1]: v.split(":")[0] for v in grafana["volumes"]}
    assert grafana_mounts["/etc/grafana/provisioning"] == "./deploy/grafana/provisioning"
    provider = yaml.safe_load((REPO / "deploy/grafana/provisioning/dashboards/cistrade.yml")
                              .read_text())["providers"][0]
    assert grafana_mounts[provider["options"]["path"]] == "./deploy/grafana/dashboards"
    for source in (*mounts.values(), *grafana_mounts.values()):
        assert source.startswith("./") is False or (REPO / source).exists(), source
    targets = {t for job in yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
               ["scrape_configs"] for c in job["static_configs"] for t in c["targets"]}
    assert {"cistrade-metrics:9464", "pushgateway:9091"} <= targets
    metrics = services["cistrade-metrics"]
    assert metrics["command"][:2] == ["metrics", "serve"] and "9464" in metrics["command"]
    for name in ("cistrade-metrics", "pushgateway", "prometheus", "grafana"):
        assert "healthcheck" in services[name] and services[name]["restart"] == "always"
    env = services["airflow-worker"]["environment"]
    assert env["CISTRADE_PUSHGATEWAY_URL"] == "http://pushgateway:9091"
