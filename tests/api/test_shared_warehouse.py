"""``cistrade api serve --workers 2``: the supervisor's warehouse server holds the DuckDB
file and the workers' statements run in it, over a Unix socket under CISTRADE_HOME."""

from __future__ import annotations

import os
import stat
import subprocess

import httpx
import pytest

from tests.api.conftest import CISTRADE, start_api, stop
from tests.api.test_portfolios import test_maker_checker_walk_with_etags  # noqa: F401
from tests.api.test_refdata import (  # noqa: F401
    api_data,
    test_a_grant_edited_by_hand_bites_once_a_change_row_is_added,
    test_reference_data_and_fx_need_their_acl_permissions_checked_at_each_request,
)


@pytest.fixture(scope="module")
def api_workers() -> int:
    return 2


def test_the_workers_share_the_server_socket_and_it_stops_with_the_api(tmp_path, core_seed):
    import shutil

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(core_seed.template, home / "warehouse.duckdb")
    env = {**os.environ, "CISTRADE_HOME": str(home)}
    url, process = start_api(home, env, workers=2)
    try:
        sockets = list(home.glob("api-*.sock"))
        assert [s.name for s in sockets] == [f"api-{process.pid}.sock"]
        assert stat.S_IMODE(sockets[0].stat().st_mode) == 0o600
        r = httpx.post(f"{url}/api/v1/token", timeout=30, data={
            "grant_type": "password", "username": "viewer",
            "password": core_seed.passwords["viewer"]})
        assert r.status_code == 200, r.text
        # a CLI command still gets its turn on the file while the server holds it
        listed = subprocess.run([CISTRADE, "acl", "users"], env=env, capture_output=True,
                                text=True, timeout=120)
        assert listed.returncode == 0 and "viewer" in listed.stdout, listed.stderr
    finally:
        stop(process)
    assert not list(home.glob("api-*.sock"))
