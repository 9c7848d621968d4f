"""The token route, bearer tokens, per-route permissions, problem details, the contract."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from cistrade_core.api.permissions import ROUTE_PERMISSIONS

REPO = Path(__file__).resolve().parents[2]


def test_checked_in_openapi_document_matches_the_app(live_api):
    served = httpx.get(f"{live_api.url}/api/v1/openapi.json").json()
    checked_in = json.loads((REPO / "docs" / "openapi.json").read_text())
    assert served == checked_in, "docs/openapi.json drifted: run `cistrade api openapi -o " \
                                 "docs/openapi.json`"
    assert served["openapi"].startswith("3.1")
    assert httpx.get(f"{live_api.url}/api/v1/docs").status_code == 200


def test_every_route_declares_its_permission_once(live_api):
    doc = httpx.get(f"{live_api.url}/api/v1/openapi.json").json()
    ops = {op["operationId"] for path in doc["paths"].values() for op in path.values()}
    assert ops - {"token"} == set(ROUTE_PERMISSIONS) & ops
    assert ops - {"token"} <= set(ROUTE_PERMISSIONS)


def test_password_grant_issues_the_session_token_and_logout_revokes_it(live_api):
    token = live_api.token("maker1")
    auth = {"Authorization": f"Bearer {token}"}
    me = httpx.get(f"{live_api.url}/api/v1/whoami", headers=auth)
    assert me.status_code == 200
    assert me.json()["user_login"] == "maker1"
    assert me.json()["permissions"]["cis-portfolio"] == "READ_WRITE"
    assert httpx.post(f"{live_api.url}/api/v1/logout", headers=auth).status_code == 204
    after = httpx.get(f"{live_api.url}/api/v1/whoami", headers=auth)
    assert after.status_code == 401
    assert after.headers["content-type"] == "application/problem+json"
    assert "log in again" in after.json()["detail"]


def test_token_response_and_refusals_follow_oauth(live_api):
    ok = httpx.post(f"{live_api.url}/api/v1/token", data={
        "grant_type": "password", "username": "checker1",
        "password": live_api.passwords["checker1"]})
    assert ok.json()["token_type"] == "Bearer" and ok.json()["expires_in"] == 8 * 3600
    assert ok.headers["cache-control"] == "no-store"
    bad = httpx.post(f"{live_api.url}/api/v1/token", data={
        "grant_type": "password", "username": "checker1", "password": "wrong-password!"})
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid_grant"
    assert bad.json()["detail"] == "invalid user or password"
    unknown = httpx.post(f"{live_api.url}/api/v1/token", data={
        "grant_type": "password", "username": "no-such-user", "password": "wrong-password!"})
    assert unknown.json()["detail"] == bad.json()["detail"]
    grant = httpx.post(f"{live_api.url}/api/v1/token", data={"grant_type": "implicit"})
    assert grant.json()["error"] == "unsupported_grant_type"


def test_missing_or_unknown_bearer_token_is_401(live_api):
    r = httpx.get(f"{live_api.url}/api/v1/portfolios")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = httpx.get(f"{live_api.url}/api/v1/portfolios",
                  headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    assert r.json()["title"] == "Unauthorized"


def test_route_permission_is_checked_from_the_permission_map_and_audited(live_api):
    with live_api.client("viewer") as viewer:
        r = viewer.post("/api/v1/portfolios", json={
            "portfolio_code": "DENIED1", "portfolio_name": "x", "base_currency": "USD",
            "owner": "o", "desk": "d"})
        assert r.status_code == 403
        assert r.json()["detail"] == ("permission denied: viewer needs WRITE on cis-portfolio "
                                      "(has READ)")
    with live_api.client("nobody") as nobody:
        assert nobody.get("/api/v1/portfolios").status_code == 403
    with live_api.client("auditor") as auditor:
        rows = auditor.get("/api/v1/audit", params={"user": "viewer", "action": "API_ACCESS"})
        assert rows.status_code == 200
        assert [e["entity_id"] for e in rows.json()["items"]] == ["portfolio_create"]
        assert rows.json()["items"][0]["outcome"] == "DENIED"


def test_validation_errors_are_problem_details_naming_the_field(live_api):
    with live_api.client("maker1") as maker:
        r = maker.post("/api/v1/portfolios", json={"portfolio_code": "X!", "owner": ""})
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"
        fields = {e["field"] for e in r.json()["errors"]}
        assert {"body.portfolio_code", "body.portfolio_name", "body.base_currency",
                "body.owner", "body.desk"} <= fields
        lib = maker.post("/api/v1/portfolios", json={
            "portfolio_code": "BADCCY", "portfolio_name": "x", "base_currency": "XYZ",
            "owner": "o", "desk": "d"})
        assert lib.status_code == 422
        assert lib.json()["errors"][0]["message"] == (
            "base currency XYZ is not in the currency reference data")
        body = json.dumps(lib.json()).lower()
        assert "select" not in body and "traceback" not in body


def test_client_credentials_grant_for_a_registered_client(live_api):
    import base64
    import os
    import subprocess

    from tests.api.conftest import CISTRADE

    env = {**os.environ, "CISTRADE_HOME": str(live_api.home)}
    out = subprocess.run([CISTRADE, "api", "client-create", "client-reports",
                          "--group", "Auditors"], env=env, capture_output=True, text=True,
                         check=True).stdout
    secret = out.split("client_secret:")[1].split()[0]
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

    stored = DuckDBWarehouse(live_api.home / "warehouse.duckdb").query(
        "SELECT password_hash FROM gmp_cis.cis_acl_user WHERE user_login = 'client-reports'")
    assert stored[0]["password_hash"].startswith("$argon2id$")
    assert secret not in stored[0]["password_hash"]
    form = httpx.post(f"{live_api.url}/api/v1/token", data={
        "grant_type": "client_credentials", "client_id": "client-reports",
        "client_secret": secret})
    assert form.status_code == 200, form.text
    basic = base64.b64encode(f"client-reports:{secret}".encode()).decode()
    r = httpx.post(f"{live_api.url}/api/v1/token", data={"grant_type": "client_credentials"},
                   headers={"Authorization": f"Basic {basic}"})
    auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
    me = httpx.get(f"{live_api.url}/api/v1/whoami", headers=auth).json()
    assert me["primary_group"] == "Auditors" and me["permissions"]["cis-audit"] == "READ"
    assert httpx.get(f"{live_api.url}/api/v1/audit", headers=auth).status_code == 200
    assert httpx.post(f"{live_api.url}/api/v1/portfolios/X/approve",
                      headers={**auth, "If-Match": '"1"'}).status_code == 403
    wrong = httpx.post(f"{live_api.url}/api/v1/token", data={
        "grant_type": "client_credentials", "client_id": "client-reports",
        "client_secret": "not-the-secret"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    person = httpx.post(f"{live_api.url}/api/v1/token", data={
        "grant_type": "client_credentials", "client_id": "maker1",
        "client_secret": live_api.passwords["maker1"]})
    assert person.status_code == 401          # people use the password grant
    as_password = httpx.post(f"{live_api.url}/api/v1/token", data={
        "grant_type": "password", "username": "client-reports", "password": secret})
    assert as_password.status_code == 400     # clients use the client grant
