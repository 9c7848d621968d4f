"""docker-compose.yaml, read with PyYAML (no Docker engine runs here, so it is checked, not run)."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yaml"
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                    "airflow-triggerer", "airflow-worker", "airflow-init")
LONG_RUNNING = ("postgres", "redis", "airflow-apiserver", "airflow-scheduler",
                "airflow-dag-processor", "airflow-triggerer", "airflow-worker",
                "hiveserver2", "mailpit")
#: Every connection a CisTrade DAG uses (GMP load, alerts, FX rates, Impala mode).
CONNECTIONS = {"smtp_default", "hiveserver2_default", "impala_default", "bloomberg_default",
               "reuters_default"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _env(service: dict) -> dict:
    """A service's environment: its env_file(s), then its ``environment``."""
    merged: dict = {}
    for name in service.get("env_file", []):
        lines = (REPO / name).read_text().splitlines()
        merged.update(ln.split("=", 1) for ln in lines if ln and not ln.startswith("#"))
    env = service.get("environment", {})
    merged.update(env if isinstance(env, dict) else dict(e.split("=", 1) for e in env))
    return merged


def test_the_services_of_the_airflow_layout(services):
    assert set(AIRFLOW_SERVICES) | {"postgres", "redis", "hiveserver2", "mailpit"} <= set(services)
    for name in LONG_RUNNING:
        assert "healthcheck" in services[name], name
        assert services[name].get("restart") == "always", name
    assert services["airflow-init"]["user"] == "0:0"


def test_airflow_runs_celery_on_redis_with_postgres(services):
    for name in AIRFLOW_SERVICES:
        env = _env(services[name])
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert env["CISTRADE_WAREHOUSE"].startswith("${CISTRADE_WAREHOUSE")
    commands = {n: services[n].get("command") for n in AIRFLOW_SERVICES}
    assert commands["airflow-apiserver"] == "api-server"
    assert commands["airflow-scheduler"] == "scheduler"
    assert commands["airflow-dag-processor"] == "dag-processor"
    assert commands["airflow-triggerer"] == "triggerer"
    assert commands["airflow-worker"] == "celery worker"
    for name in AIRFLOW_SERVICES[:-1]:
        depends = services[name]["depends_on"]
        assert depends["airflow-init"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"


def test_images_are_pinned_and_the_airflow_image_is_the_project_build(services):
    lock = (REPO / "uv.lock").read_text()
    airflow = re.search(r'name = "apache-airflow"\nversion = "([^"]+)"', lock).group(1)
    dockerfile = (REPO / "Dockerfile").read_text()
    assert f"ARG AIRFLOW_VERSION={airflow}" in dockerfile
    assert "uv export --frozen --no-dev" in dockerfile  # the locked dependencies
    python = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert "ARG PYTHON_VERSION=3.11" in dockerfile and "3.11" in python
    for name in AIRFLOW_SERVICES:
        assert services[name]["build"] == "."
        assert services[name]["image"].endswith(f":{airflow}}}")
    images = {n: s["image"] for n, s in services.items() if "build" not in s}
    assert images == {"postgres": "postgres:16", "redis": "redis:7.2-bookworm",
                      "hiveserver2": "apache/hive:4.0.1", "mailpit": "axllent/mailpit:v1.21",
                      "pushgateway": "prom/pushgateway:v1.9.0",
                      "prometheus": "prom/prometheus:v2.53.0",
                      "grafana": "grafana/grafana-oss:11.1.0"}


def test_local_only_services_are_behind_the_local_profile(services):
    assert services["hiveserver2"]["profiles"] == ["local"]
    assert services["mailpit"]["profiles"] == ["local"]
    assert services["airflow-cli"]["profiles"] == ["debug"]
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith(("127.0.0.1:", "${AIRFLOW_API_BIND:-127.0.0.1}:")), (
                name, port)


def test_project_code_and_state_are_mounted(compose, services):
    worker = services["airflow-worker"]["volumes"]
    targets = {v.split(":")[-2] if v.endswith((":ro", ":rw")) else v.split(":")[-1]
               for v in worker}
    assert {"/opt/airflow/dags", "/opt/airflow/plugins", "/opt/cistrade/cistrade_core",
            "/opt/cistrade/sql", "/opt/cistrade/expectations", "/opt/cistrade-data",
            "/opt/cistrade-data/gmp", "/opt/airflow/logs"} <= targets
    for source in ("./dags", "./plugins", "./cistrade_core", "./sql", "./expectations"):
        assert (REPO / source).is_dir()
    named = {v.split(":")[0] for s in services.values() for v in s.get("volumes", [])
             if not v.startswith((".", "$", "/"))}
    assert named <= set(compose["volumes"])
    # The HiveServer2 sees the GMP files at the path the workers write them to.
    env = _env(services["airflow-worker"])
    assert "gmp-data:/opt/cistrade-data/gmp" in services["hiveserver2"]["volumes"]
    assert env["CISTRADE_HIVE_DATA_DIR"] == "/opt/cistrade-data/gmp"
    assert env["CISTRADE_HIVE_DATA_URI"].endswith("file:///opt/cistrade-data/gmp}")


def _dag_connection_ids() -> set[str]:
    """Connection ids named in the DAGs and their glue (string literals ending in _default)."""
    found = set()
    for path in [*(REPO / "dags").rglob("*.py"), *(REPO / "plugins").rglob("*.py")]:
        found |= set(re.findall(r"""["']([a-z0-9_]+_default)["']""", path.read_text()))
    return found


def test_every_connection_the_dags_use_is_defined(services):
    objects = yaml.safe_load((REPO / "deploy" / "airflow-objects.yaml").read_text())
    defined = set(objects["connections"])
    used = _dag_connection_ids()
    assert {"smtp_default", "hiveserver2_default", "impala_default"} <= used
    assert CONNECTIONS | used <= defined
    assert "_AIRFLOW_DB_MIGRATE" in services["airflow-init"]["environment"]


def test_secrets_come_from_the_env_file(compose):
    text = COMPOSE.read_text()
    example = (REPO / ".env.example").read_text()
    example_vars = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", example, re.M))
    referenced = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)[:}?-]", text))  # not $${...}
    assert referenced <= example_vars, sorted(referenced - example_vars)
    required = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*):\?", text))
    assert {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET",
            "AIRFLOW_ADMIN_PASSWORD"} <= required
    # No secret is written into the file, and the example leaves them empty.
    for line in text.splitlines():
        if re.search(r"(PASSWORD|SECRET|FERNET|API_KEY)\w*:\s", line) \
                and not re.search(r"_FILE:\s", line):  # a file's path is no secret
            assert "${" in line, line
    for var in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "AIRFLOW_FERNET_KEY",
                "AIRFLOW_JWT_SECRET", "AIRFLOW_ADMIN_PASSWORD", "BLOOMBERG_API_KEY"):
        assert re.search(rf"^{var}=$", example, re.M), var
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=REPO)
    assert ignored.returncode == 0, ".env must be git-ignored"
