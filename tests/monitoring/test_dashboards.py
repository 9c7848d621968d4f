"""The Grafana dashboards: generated from their definitions, with what Grafana needs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from cistrade_core.monitoring.dashboards import DASHBOARDS, render_all

REPO = Path(__file__).resolve().parents[2]
GRAFANA = REPO / "deploy" / "grafana"
PANEL_TYPES = {"timeseries", "stat", "table", "bargauge", "gauge"}


def test_the_checked_in_dashboards_are_the_generated_ones():
    files = {p.name: p.read_text() for p in (GRAFANA / "dashboards").glob("*.json")}
    assert files == render_all(), "run `cistrade metrics dashboards`"


def test_one_dashboard_per_signal_family_and_an_overview():
    assert {d.uid for d in DASHBOARDS} == {"cistrade-overview", "cistrade-gmp", "cistrade-acl",
                                           "cistrade-market-data", "cistrade-pool",
                                           "cistrade-mail"}


def test_dashboards_have_the_fields_grafana_needs():
    datasources = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    (source,) = datasources["datasources"]
    assert source["type"] == "prometheus" and source["uid"]
    provider = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "cistrade.yml").read_text())["providers"][0]
    assert provider["type"] == "file" and provider["options"]["path"]
    uids = set()
    for path in sorted((GRAFANA / "dashboards").glob("*.json")):
        board = json.loads(path.read_text())
        assert board["uid"] not in uids and re.fullmatch(r"[a-z0-9-]{1,40}", board["uid"])
        uids.add(board["uid"])
        assert board["title"] and isinstance(board["schemaVersion"], int)
        assert board["time"] == {"from": "now-24h", "to": "now"}
        assert isinstance(board["templating"]["list"], list)
        ids, cells = set(), set()
        for panel in board["panels"]:
            assert panel["id"] not in ids, (path.name, panel["id"])
            ids.add(panel["id"])
            assert panel["type"] in PANEL_TYPES and panel["title"]
            assert panel["datasource"] == {"type": "prometheus", "uid": source["uid"]}
            grid = panel["gridPos"]
            assert set(grid) == {"h", "w", "x", "y"} and 0 <= grid["x"]
            assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0
            covered = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"])
                       for y in range(grid["y"], grid["y"] + grid["h"])}
            assert not covered & cells, (path.name, panel["title"], "overlaps")
            cells |= covered
            refs = [t["refId"] for t in panel["targets"]]
            assert refs and len(set(refs)) == len(refs)
            for target in panel["targets"]:
                assert target["datasource"] == panel["datasource"]
                assert "cistrade_" in target["expr"]
            assert "defaults" in panel["fieldConfig"] and "overrides" in panel["fieldConfig"]
