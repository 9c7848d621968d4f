"""One demo run, one Pushgateway, one Airflow (standalone) and one Prometheus for the
monitoring tests, all real and on 127.0.0.1, started once for the package and
stopped by their process groups."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml

from cistrade_dev.smtp_server import free_port, start_server
from tests.monitoring import servers
from tests.monitoring.demo_day import DemoDay, demo_env
from tests.monitoring.servers import BIN, REPO, Server, http

PROMETHEUS_DIR = REPO / "deploy" / "prometheus"
AIRFLOW_USER, AIRFLOW_PASSWORD = "admin", "monitoring-admin-pw"


@dataclass
class Stack:
    demo: DemoDay
    pushgateway: Server
    airflow: Server | None = None
    prometheus: Server | None = None
    token: str = ""

    @property
    def airflow_url(self) -> str:
        return self.airflow.url

    def prom_query(self, expr: str, wait: float = 20) -> list[dict]:
        """The query's result; an empty one is asked again for up to ``wait`` seconds
        (on a busy machine a scrape can time out, and its series go stale until the next)."""
        deadline = time.monotonic() + wait
        while True:
            status, body = http(
                f"{self.prometheus.url}/api/v1/query?{urlencode({'query': expr})}")
            answer = json.loads(body)
            assert status == 200 and answer["status"] == "success", (expr, answer)
            if answer["data"]["result"] or time.monotonic() > deadline:
                return answer["data"]["result"]
            time.sleep(1)


@pytest.fixture(scope="package")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("monitoring")


@pytest.fixture(scope="package")
def pushgateway(workdir: Path) -> Iterator[Server]:
    port = free_port()
    server = servers.start("pushgateway", [
        shutil.which("prometheus-pushgateway") or "/usr/bin/prometheus-pushgateway",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--persistence.file={workdir / 'pushgateway.data'}"],
        log=workdir / "pushgateway.log", url=f"http://127.0.0.1:{port}")
    try:
        servers.wait_until_up(server, "/-/ready", timeout=30)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def stack(workdir: Path, pushgateway: Server, hiveserver2) -> Iterator[Stack]:
    """The demo run, then Airflow standalone serving the plugin, then Prometheus."""
    home, airflow_home = workdir / "home", workdir / "airflow"
    home.mkdir()
    airflow_home.mkdir()
    (airflow_home / "passwords.json").write_text(json.dumps({AIRFLOW_USER: AIRFLOW_PASSWORD,
                                                             "viewer": "viewer-pw"}))
    smtp = start_server(home / "outbox")
    api_port, sim_port, dead_port = free_port(), free_port(), free_port()
    sim_url = f"http://127.0.0.1:{sim_port}"
    env = demo_env(home, airflow_home, smtp_port=smtp.port, pushgateway=pushgateway.url,
                   api_port=api_port, simulator_url=sim_url)
    demo = DemoDay(home, env, home / "cistrade.log.jsonl")
    simulator = servers.start("fx simulator", [str(BIN / "cistrade"), "fx", "simulate",
                                               "--port", str(sim_port), "--seed", "7"],
                              log=workdir / "simulator.log", url=sim_url, env=env)
    airflow = None
    result = Stack(demo, pushgateway)
    migrating = demo.migrate_airflow_db()
    try:
        demo.timed("gmp by cli", demo.gmp_days_by_cli)
        demo.timed("gmp through airflow", lambda: demo.gmp_day_through_airflow(migrating))
        airflow = servers.start("airflow standalone", [str(BIN / "airflow"), "standalone"],
                                log=workdir / "airflow.log", url=f"http://127.0.0.1:{api_port}",
                                env=env)
        result.airflow = airflow
        servers.wait_for_port(simulator, sim_port)
        demo.timed("fx", lambda: demo.fx_loads(sim_url))
        demo.timed("acl and mail", lambda: demo.logins_and_mail(dead_port))
        demo.timed("hive pool", lambda: demo.hive_pool(hiveserver2.host, hiveserver2.port))
        demo.timings["airflow up after"] = round(
            servers.wait_until_up(airflow, "/api/v2/monitor/health", timeout=300), 1)
        result.token = airflow_token(airflow.url)
        result.prometheus = start_prometheus(workdir, airflow.url, result.token, pushgateway.url)
        demo.timings["prometheus up after"] = round(
            servers.wait_until_up(result.prometheus, "/-/ready", timeout=60), 1)
        wait_for_scrapes(result)
        print(f"\nmonitoring stack timings (s): {demo.timings}")
        yield result
    finally:
        for server in (result.prometheus, airflow, simulator):
            if server is not None:
                server.stop()
        if migrating.poll() is None:
            migrating.kill()
        smtp.stop()


def airflow_token(url: str, user: str = AIRFLOW_USER, password: str = AIRFLOW_PASSWORD) -> str:
    status, body = http(f"{url}/auth/token", data={"username": user, "password": password})
    assert status in (200, 201), body
    return json.loads(body)["access_token"]


def prometheus_config(workdir: Path, airflow_url: str, token_file: Path,
                      pushgateway_url: str, port: int) -> Path:
    """deploy/prometheus/prometheus.yml with the test's targets and a 5 s interval.

    The ``cistrade`` job scrapes the Airflow plugin's /cistrade/metrics with a token.
    """
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="5s", evaluation_interval="1s", scrape_timeout="5s")
    config["rule_files"] = [str(PROMETHEUS_DIR / pattern) for pattern in config["rule_files"]]
    targets = {"cistrade": airflow_url, "pushgateway": pushgateway_url,
               "prometheus": f"http://127.0.0.1:{port}"}
    for job in config["scrape_configs"]:
        job["static_configs"] = [{"targets": [targets[job["job_name"]].split("//")[1]]}]
        if job["job_name"] == "cistrade":
            job["metrics_path"] = "/cistrade/metrics"
            job["authorization"] = {"type": "Bearer", "credentials_file": str(token_file)}
    path = workdir / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def start_prometheus(workdir: Path, airflow_url: str, token: str, pushgateway_url: str) -> Server:
    port = free_port()
    token_file = workdir / "airflow-token"
    token_file.write_text(token)
    config = prometheus_config(workdir, airflow_url, token_file, pushgateway_url, port)
    return servers.start("prometheus", [
        shutil.which("prometheus") or "/usr/bin/prometheus", f"--config.file={config}",
        f"--storage.tsdb.path={workdir / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}",
        "--storage.tsdb.retention.time=1d"],
        log=workdir / "prometheus.log", url=f"http://127.0.0.1:{port}")


def wait_for_scrapes(stack: Stack, timeout: float = 90) -> None:
    """Until every job's target is up and a few samples of each are in."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        up = {r["metric"]["job"]: r["value"][1] for r in stack.prom_query("up", wait=0)}
        scraped = stack.prom_query("sum_over_time(up[1m]) >= 3", wait=0)
        if up == {"cistrade": "1", "pushgateway": "1", "prometheus": "1"} and len(scraped) == 3:
            return
        time.sleep(1)
    status, body = http(f"{stack.prometheus.url}/api/v1/targets")
    raise AssertionError(f"targets not up: {body[:3000]!r}\n{stack.prometheus.tail()}")
