"""The token endpoint throttles failed logins per login and per client address, with the
same mechanism as the command line (cistrade_core.acl.throttle), recorded in the audit log."""

import httpx
import pytest


@pytest.fixture(scope="module")
def api_env():
    return {"CISTRADE_LOGIN_MAX_FAILURES": "3", "CISTRADE_LOGIN_LOCKOUT_SECONDS": "60"}


def token(live_api, user, password):
    return httpx.post(f"{live_api.url}/api/v1/token", data={
        "grant_type": "password", "username": user, "password": password}, timeout=30)


def test_failures_from_one_address_lock_that_address(live_api):
    for user in ("ghost1", "ghost2", "ghost3"):  # one failure per login, three per address
        assert token(live_api, user, "wrong-password!").json()["detail"] == (
            "invalid user or password")
    refused = token(live_api, "auditor", live_api.passwords["auditor"])
    assert refused.status_code == 400
    assert "too many failed logins for '127.0.0.1'" in refused.json()["detail"]
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

    rows = DuckDBWarehouse(live_api.home / "warehouse.duckdb").query(
        "SELECT entity_id FROM gmp_cis.cis_audit_log WHERE action = 'LOGIN_LOCKOUT'")
    assert [r["entity_id"] for r in rows] == ["client:127.0.0.1"]
