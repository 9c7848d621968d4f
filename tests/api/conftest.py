"""A live API server (``cistrade api serve``) per test module, on a seeded warehouse."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CISTRADE = str(Path(sys.executable).parent / "cistrade")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveApi:
    url: str
    home: Path
    passwords: dict[str, str]
    process: subprocess.Popen

    def client(self, user: str | None = None) -> httpx.Client:
        """A client of the API, logged in as ``user`` with the password grant."""
        client = httpx.Client(base_url=self.url, timeout=30)
        if user is not None:
            client.headers["Authorization"] = f"Bearer {self.token(user)}"
        return client

    def token(self, user: str) -> str:
        r = httpx.post(f"{self.url}/api/v1/token", timeout=30, data={
            "grant_type": "password", "username": user, "password": self.passwords[user]})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]


def start_api(home: Path, env: dict[str, str], workers: int = 1) -> tuple[str, subprocess.Popen]:
    port = free_port()
    log = (home / "api.log").open("ab")
    process = subprocess.Popen(
        [CISTRADE, "api", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"API server exited: {(home / 'api.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/v1/openapi.json", timeout=2).status_code == 200:
                return url, process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"API server not up: {(home / 'api.log').read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def api_data():
    """Called with the warehouse before the server starts; modules override it to add data."""
    return lambda warehouse: None


@pytest.fixture(scope="module")
def api_env() -> dict[str, str]:
    """Extra environment of the server; modules override it (e.g. single sign-on)."""
    return {}


@pytest.fixture(scope="module")
def api_workers() -> int:
    return 1


@pytest.fixture(scope="module")
def live_api(tmp_path_factory, core_seed, api_data, api_env, api_workers) -> Iterator[LiveApi]:
    """``cistrade api serve`` on 127.0.0.1 over a copy of the seeded warehouse, with a real
    SMTP server for the workflow mail."""
    from cistrade_dev.smtp_server import start_server

    home = tmp_path_factory.mktemp("api-home")
    shutil.copy(core_seed.template, home / "warehouse.duckdb")
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

    api_data(DuckDBWarehouse(home / "warehouse.duckdb"))
    smtp = start_server(home / "outbox")
    env = {**os.environ, "CISTRADE_HOME": str(home), "CISTRADE_SMTP_HOST": "127.0.0.1",
           "CISTRADE_SMTP_PORT": str(smtp.port), **api_env}
    url, process = start_api(home, env, api_workers)
    try:
        yield LiveApi(url, home, core_seed.passwords, process)
    finally:
        stop(process)
        smtp.stop()
