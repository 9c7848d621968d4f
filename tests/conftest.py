"""Shared fixtures: an isolated CISTRADE_HOME, a real SMTP server, a migrated Airflow DB.

Airflow reads its configuration when first imported, so the Airflow environment
is set here, before any test module imports it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ("tests.core_fixtures", "tests.fx_fixtures")

REPO = Path(__file__).resolve().parent.parent
TEST_AIRFLOW_HOME = REPO / ".cistrade" / "test-airflow"

os.environ["AIRFLOW_HOME"] = str(TEST_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(REPO / "plugins")
os.environ["AIRFLOW__CORE__EXECUTOR"] = "LocalExecutor"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
# A cheap Argon2id cost for the suite (one test checks the production cost).
os.environ["CISTRADE_ARGON2_TIME_COST"] = "1"
os.environ["CISTRADE_ARGON2_MEMORY_KIB"] = "64"
os.environ["CISTRADE_ARGON2_PARALLELISM"] = "1"
# dag.test() of Airflow 3.3.2 fails on a DAG with a DeadlineAlert (it looks the alert up
# by its serialised form); the deadline is tested on the local stack (tests/stack).
os.environ["CISTRADE_GMP_LOAD_DEADLINE"] = "off"
for _plugins_like in (str(REPO / "plugins"), str(REPO / "dags")):
    if _plugins_like not in sys.path:
        sys.path.insert(0, _plugins_like)


def _migrate_airflow_db() -> None:
    """A new metadata DB for every test session: runs, assets and DAGs of earlier sessions
    (or of DAG files since renamed) must not leak into this one."""
    stamp = TEST_AIRFLOW_HOME / f".migrated-{os.getpid()}"
    if stamp.exists():
        return
    shutil.rmtree(TEST_AIRFLOW_HOME, ignore_errors=True)
    TEST_AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), "db", "migrate"],
        check=True, capture_output=True, env=os.environ.copy(),
    )
    stamp.touch()


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated Airflow metadata DB (SQLite) for DAG runs."""
    _migrate_airflow_db()
    return TEST_AIRFLOW_HOME


@pytest.fixture(scope="session")
def hiveserver2(tmp_path_factory: pytest.TempPathFactory):
    """One real HiveServer2 (the Spark Thrift Server) on 127.0.0.1 for the whole session."""
    from cistrade_dev.local_hiveserver import LocalHiveServer

    server = LocalHiveServer(tmp_path_factory.mktemp("hiveserver2"))
    server.start()  # raises with the tail of the server log if it does not come up
    print(f"\nlocal HiveServer2 on {server.host}:{server.port}, up in {server.started_in:.1f} s")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def cistrade_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty CISTRADE_HOME for one test."""
    home = tmp_path / "cistrade"
    home.mkdir()
    monkeypatch.setenv("CISTRADE_HOME", str(home))
    monkeypatch.delenv("CISTRADE_LANDING_DIR", raising=False)
    monkeypatch.setenv("CISTRADE_ALERT_TO", "gmp-support@example.com")
    return home


@pytest.fixture
def smtp_server(cistrade_home: Path, monkeypatch: pytest.MonkeyPatch):
    """A real SMTP server on 127.0.0.1 storing mail in $CISTRADE_HOME/outbox.

    The CLI settings and Airflow's ``smtp_default`` connection both point at it.
    """
    from cistrade_dev.smtp_server import start_server

    outbox = cistrade_home / "outbox"
    controller = start_server(outbox)
    monkeypatch.setenv("CISTRADE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CISTRADE_SMTP_PORT", str(controller.port))
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT",
        json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": controller.port,
            "extra": {"disable_ssl": True, "disable_tls": True,
                      "from_email": "cistrade@localhost", "timeout": 5, "retry_limit": 1},
        }),
    )
    controller.outbox = outbox
    yield controller
    controller.stop()


@pytest.fixture
def settings(cistrade_home: Path, smtp_server):
    """Settings of the test's CISTRADE_HOME, mailing to the test's own SMTP server."""
    from cistrade_core.config import get_settings

    return get_settings()


@pytest.fixture
def warehouse(settings):
    """The configured warehouse, set up as `cistrade db upgrade` does."""
    from cistrade_core.schema import upgrade
    from cistrade_core.warehouse import get_warehouse

    wh = get_warehouse(settings)
    upgrade(wh)
    return wh
