"""docker-compose.yaml and the local stack (scripts/stack.sh) read one set of settings:
deploy/airflow.env and deploy/airflow-objects.yaml. These tests keep them from drifting."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from deploy.init_airflow import ObjectsError, expand, load_objects
from tests.deploy.test_compose import AIRFLOW_SERVICES, _dag_connection_ids

REPO = Path(__file__).resolve().parents[2]
AIRFLOW_ENV = REPO / "deploy" / "airflow.env"
OBJECTS = REPO / "deploy" / "airflow-objects.yaml"
STACK_SH = REPO / "scripts" / "stack.sh"
#: Settings whose value depends on where the services run: both must set them.
PER_SITE = ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__RESULT_BACKEND",
            "AIRFLOW__CELERY__BROKER_URL", "AIRFLOW__CORE__FERNET_KEY",
            "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE", "CISTRADE_TIMEZONE", "CISTRADE_WAREHOUSE",
            "CISTRADE_ALERT_TO", "CISTRADE_MARKET_DATA_TO")


def env_file(path: Path) -> dict[str, str]:
    lines = [ln for ln in path.read_text().splitlines() if ln and not ln.startswith("#")]
    return dict(ln.split("=", 1) for ln in lines)


def import_string(path: str) -> object:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yaml").read_text())["services"]


@pytest.fixture(scope="module")
def stack_env(tmp_path_factory) -> dict[str, str]:
    """What ``scripts/stack.sh env`` prints: the stack's environment, secrets masked."""
    home = tmp_path_factory.mktemp("stack-env")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CISTRADE_"))}
    env.update(CISTRADE_HOME=str(home), AIRFLOW__API__PORT="18999")
    out = subprocess.run(["bash", str(STACK_SH), "env"], env=env, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return dict(line.split("=", 1) for line in out.splitlines())


def test_every_airflow_service_reads_the_shared_env_file(services):
    shared = env_file(AIRFLOW_ENV)
    assert shared["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    for name in AIRFLOW_SERVICES:
        assert services[name]["env_file"] == ["deploy/airflow.env"], name
        repeated = set(services[name]["environment"]) & set(shared)
        assert not repeated, f"{name} repeats {sorted(repeated)} of deploy/airflow.env"


def test_the_stack_runs_with_the_shared_settings(stack_env):
    for key, value in env_file(AIRFLOW_ENV).items():
        assert stack_env[key] == value, key


def test_the_stack_sets_what_compose_sets_per_site(services, stack_env):
    compose = services["airflow-scheduler"]["environment"]
    for key in PER_SITE:
        assert key in compose and key in stack_env, key
    for key in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__RESULT_BACKEND",
                "AIRFLOW__CELERY__BROKER_URL"):
        ours = urlsplit(stack_env[key])
        theirs = urlsplit(re.sub(r"\$\{[^}]*\}", "secret", compose[key]))
        assert ours.scheme == theirs.scheme, key  # same driver (SQLAlchemy 2.1: psycopg2)
        assert ours.path == theirs.path and ours.username == theirs.username, key
        assert ours.hostname == "127.0.0.1", key
    assert "***" in stack_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]  # never printed
    assert stack_env["AIRFLOW__CORE__FERNET_KEY"] == "***"


def test_the_execution_api_follows_the_api_port(stack_env):
    assert stack_env["AIRFLOW__API__PORT"] == "18999"
    assert stack_env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert stack_env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == \
        "http://127.0.0.1:18999/execution/"


def test_both_initialise_airflow_from_the_objects_file(services):
    init = "\n".join(services["airflow-init"]["command"])
    assert "python /opt/cistrade/deploy/init_airflow.py" in init
    assert "./deploy:/opt/cistrade/deploy:ro" in services["airflow-init"]["volumes"]
    assert '"$ROOT/deploy/init_airflow.py"' in STACK_SH.read_text()
    assert '"$ROOT/deploy/airflow.env"' in STACK_SH.read_text()


def test_the_objects_file_defines_what_the_dags_use(monkeypatch):
    from cistrade_airflow import ALERT_RECIPIENTS_VARIABLE
    from cistrade_airflow.fx import MARKET_DATA_RECIPIENTS_VARIABLE

    for name in list(os.environ):
        if re.match(r"(SMTP|HIVE|IMPALA|BLOOMBERG|REUTERS)_", name):
            monkeypatch.delenv(name)
    objects = load_objects(OBJECTS)
    assert _dag_connection_ids() <= set(objects["connections"])
    assert {ALERT_RECIPIENTS_VARIABLE, MARKET_DATA_RECIPIENTS_VARIABLE} <= \
        set(objects["variables"])
    smtp = objects["connections"]["smtp_default"]
    assert (smtp["host"], smtp["port"], smtp["extra"]["disable_tls"]) == ("mailpit", "1025", True)
    for spec in objects["connections"].values():
        assert not spec.get("password"), "no secret in the objects file"
    text = OBJECTS.read_text()
    assert not re.search(r"password:\s*[^$\s]", text)


def test_expanding_names_a_missing_variable(monkeypatch):
    monkeypatch.setenv("X_SET", "v")
    monkeypatch.delenv("X_UNSET", raising=False)
    assert expand({"a": "${X_SET}", "b": ["${X_UNSET:-d}"], "c": 3}) == \
        {"a": "v", "b": ["d"], "c": 3}
    with pytest.raises(ObjectsError, match=r"\$\{X_UNSET\} is not set"):
        expand("${X_UNSET}")


def test_make_stack_and_stack_stop_call_the_script():
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^stack: .*\n\t@bash scripts/stack.sh start$", makefile, re.M)
    assert re.search(r"^stack-stop: .*\n\t@bash scripts/stack.sh stop$", makefile, re.M)


def test_compose_and_the_stack_use_the_installed_auth_manager(services, stack_env):
    from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager

    name = env_file(AIRFLOW_ENV)["AIRFLOW__CORE__AUTH_MANAGER"]
    assert import_string(name) is SimpleAuthManager
    assert stack_env["AIRFLOW__CORE__AUTH_MANAGER"] == name
    for service, spec in services.items():
        assert "AIRFLOW__CORE__AUTH_MANAGER" not in (spec.get("environment") or {}), service
    compose = services["airflow-apiserver"]["environment"]
    for key in ("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"):
        assert key in compose and key in stack_env, key
    init = "\n".join(services["airflow-init"]["command"])
    assert "SIMPLE_AUTH_MANAGER_PASSWORDS_FILE" in init  # the admin's password, from .env
    assert not [k for k in services["airflow-init"]["environment"] if "_WWW_USER" in k]


def test_every_airflow_class_the_deployment_names_is_installed(services):
    """A dotted ``airflow.*`` class path in compose or the shared settings must import:
    naming a provider that is not in the lock (say the FAB auth manager) fails here."""
    text = (REPO / "docker-compose.yaml").read_text() + AIRFLOW_ENV.read_text()
    paths = set(re.findall(r"\bairflow(?:\.[a-z_][a-z0-9_]*)+\.[A-Z][A-Za-z0-9_]*", text))
    assert paths, "no class path found"
    for path in sorted(paths):
        import_string(path)


def test_the_stack_ignores_connections_of_the_callers_environment(tmp_path):
    """``make stack`` inherits the Makefile's AIRFLOW_CONN_SMTP_DEFAULT (for ``make
    airflow``): the stack's connections are the objects file's, not that."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CISTRADE_"))}
    env.update(CISTRADE_HOME=str(tmp_path), AIRFLOW_CONN_SMTP_DEFAULT='{"conn_type": "smtp"}')
    out = subprocess.run(["bash", str(STACK_SH), "env"], env=env, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    assert "AIRFLOW_CONN_" not in out
