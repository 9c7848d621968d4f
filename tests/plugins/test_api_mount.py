"""The CisTrade REST API mounted in Airflow's API server, authenticating with CisTrade's ACL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.api.conftest import free_port

AIRFLOW = str(Path(sys.executable).parent / "airflow")


def test_api_is_served_by_airflow_api_server_with_cistrade_tokens(airflow_db, core_seed,
                                                                  tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(core_seed.template, home / "warehouse.duckdb")
    port = free_port()
    env = {**os.environ, "CISTRADE_HOME": str(home)}
    log = (tmp_path / "api-server.log").open("wb")
    server = subprocess.Popen([AIRFLOW, "api-server", "--host", "127.0.0.1", "--port",
                               str(port), "--apps", "core", "--workers", "1"], env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/cistrade-api/api/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "api-server.log").read_text()[-3000:]
            try:
                if httpx.get(f"{base}/openapi.json", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "api-server.log").read_text()[-3000:]
            time.sleep(0.5)
        anonymous = httpx.get(f"{base}/whoami")
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"] == "application/problem+json"
        token = httpx.post(f"{base}/token", data={
            "grant_type": "password", "username": "checker1",
            "password": core_seed.passwords["checker1"]}).json()["access_token"]
        me = httpx.get(f"{base}/whoami", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["user_login"] == "checker1"
        page = httpx.get(f"{base}/approvals/pending", headers={"Authorization": f"Bearer {token}"})
        assert page.status_code == 200 and page.json()["items"] == []
        assert httpx.get(f"{base}/docs").status_code == 200
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()
