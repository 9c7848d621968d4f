"""A real HiveServer2 for the Hive backend tests: the Spark Thrift Server on 127.0.0.1.

One server per test session (the `hiveserver2` fixture of tests/conftest.py), with an embedded
Derby metastore and its warehouse in a temporary directory; stopped by PID
(its process group) at the end. Each test gets an empty ``gmp_cis`` database
and its own data directory.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from cistrade_dev.local_hiveserver import LocalHiveServer


@dataclass
class HiveEnv:
    server: LocalHiveServer
    data_dir: Path

    @property
    def port(self) -> int:
        return self.server.port


def _drop_gmp_database(server: LocalHiveServer) -> None:
    from pyhive import hive

    conn = hive.connect(host=server.host, port=server.port, username="cistrade-tests")
    try:
        cursor = conn.cursor()
        cursor.execute("DROP DATABASE IF EXISTS gmp_cis CASCADE")
        cursor.close()
    finally:
        conn.close()


@pytest.fixture
def hive_env(hiveserver2: LocalHiveServer, cistrade_home: Path,
             monkeypatch: pytest.MonkeyPatch) -> HiveEnv:
    """CISTRADE_WAREHOUSE=hive against the local server, for the CLI and for Airflow."""
    _drop_gmp_database(hiveserver2)
    data_dir = cistrade_home / "hive-data"
    monkeypatch.setenv("CISTRADE_WAREHOUSE", "hive")
    monkeypatch.setenv("CISTRADE_HIVE_HOST", hiveserver2.host)
    monkeypatch.setenv("CISTRADE_HIVE_PORT", str(hiveserver2.port))
    monkeypatch.setenv("CISTRADE_HIVE_USER", "cistrade")
    monkeypatch.setenv("CISTRADE_HIVE_DATA_DIR", str(data_dir))
    monkeypatch.delenv("CISTRADE_HIVE_DATA_URI", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_HIVESERVER2_DEFAULT", json.dumps({
        "conn_type": "hiveserver2", "host": hiveserver2.host, "port": hiveserver2.port,
        "login": "airflow", "extra": {"auth_mechanism": "NONE"},
    }))
    return HiveEnv(hiveserver2, data_dir)


@pytest.fixture
def hive_connection(hive_env: HiveEnv, settings):
    """The Hive backend on an empty server, without the GMP schema."""
    from cistrade_core.warehouse import get_warehouse

    wh = get_warehouse(settings)
    yield wh
    wh.close()


@pytest.fixture
def hive_warehouse(hive_env: HiveEnv, settings):
    from cistrade_core.gmp.store import GmpStore
    from cistrade_core.warehouse import get_warehouse

    wh = get_warehouse(settings)
    began = time.monotonic()
    GmpStore(wh).ensure_schema()
    wh.schema_seconds = time.monotonic() - began
    yield wh
    wh.close()
