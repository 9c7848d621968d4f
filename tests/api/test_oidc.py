"""Single sign-on: a real OIDC discovery and JWKS server on 127.0.0.1 with generated keys."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

AUDIENCE = "api://cistrade"
MAKERS, CHECKERS = "0b6f-makers", "7c1e-checkers"


class Provider:
    """An identity provider: discovery document, JWKS, and tokens signed with its keys."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.published: list[str] = []
        self.jwks_fetches = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the http.server hook)
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": provider.issuer, "jwks_uri": f"{provider.issuer}/keys",
                            "id_token_signing_alg_values_supported": ["RS256"]}
                elif self.path == "/keys":
                    provider.jwks_fetches += 1
                    body = {"keys": [provider.jwk(kid) for kid in provider.published]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def new_key(self, kid: str, publish: bool = True) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if publish:
            self.published.append(kid)

    def jwk(self, kid: str) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
        return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}

    def public_pem(self, kid: str) -> bytes:
        return self.keys[kid].public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def claims(self, oid: str, groups: list[str], **over) -> dict:
        now = int(time.time())
        return {"iss": self.issuer, "aud": AUDIENCE, "iat": now, "nbf": now,
                "exp": now + 3600, "oid": oid, "sub": f"sub-{oid}", "groups": groups,
                "name": f"SSO {oid}", "preferred_username": f"{oid}@corp.example", **over}

    def token(self, kid: str = "k1", oid: str = "aaaa-1111", groups=(MAKERS,), **over) -> str:
        return jwt.encode(self.claims(oid, list(groups), **over), self.keys[kid],
                          algorithm="RS256", headers={"kid": kid})


@pytest.fixture(scope="module")
def provider():
    p = Provider()
    p.new_key("k1")
    p.thread.start()
    yield p
    p.server.shutdown()
    p.server.server_close()


@pytest.fixture(scope="module")
def api_env(provider):
    return {"CISTRADE_OIDC_ISSUER": provider.issuer, "CISTRADE_OIDC_AUDIENCE": AUDIENCE,
            "CISTRADE_OIDC_GROUP_MAP": f"{MAKERS}=Makers,{CHECKERS}=Checkers",
            "CISTRADE_OIDC_JWKS_COOLDOWN": "0.5"}


def _get(live_api, token: str, path: str = "/api/v1/whoami"):
    with live_api.client() as c:
        return c.get(path, headers={"Authorization": f"Bearer {token}"})


def test_provider_token_provisions_the_user_with_mapped_groups(live_api, provider):
    r = _get(live_api, provider.token(oid="aaaa-1111", groups=[MAKERS, "unmapped"]))
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["user_login"] == "sso-aaaa-1111"
    assert me["primary_group"] == "Makers"
    assert me["permissions"]["cis-portfolio"] == "READ_WRITE"
    assert "cis-portfolio-approval" not in me["permissions"]
    # the same person with a new token: same user; groups follow the provider
    again = _get(live_api, provider.token(oid="aaaa-1111", groups=[CHECKERS]))
    assert again.json()["user_login"] == "sso-aaaa-1111"
    assert again.json()["permissions"]["cis-portfolio-approval"] == "WRITE"
    assert again.json()["permissions"]["cis-portfolio"] == "READ"


def test_four_eyes_holds_for_sso_users_and_logout_revokes_the_token(live_api, provider):
    maker = provider.token(oid="bbbb-2222", groups=[MAKERS])
    checker = provider.token(oid="cccc-3333", groups=[CHECKERS])
    auth = {"Authorization": f"Bearer {maker}"}
    with live_api.client() as c:
        r = c.post("/api/v1/portfolios", headers=auth, json={
            "portfolio_code": "SSO-1", "portfolio_name": "SSO", "base_currency": "EUR",
            "owner": "o", "desk": "d"})
        assert r.status_code == 201, r.text
        assert r.json()["created_by"] == "sso-bbbb-2222"
        c.post("/api/v1/portfolios/SSO-1/submit", headers={**auth, "If-Match": '"1"'})
        r = c.post("/api/v1/portfolios/SSO-1/approve",
                   headers={"Authorization": f"Bearer {checker}", "If-Match": '"2"'})
        assert r.json()["status"] == "ACTIVE" and r.json()["approved_by"] == "sso-cccc-3333"
        assert c.post("/api/v1/logout", headers=auth).status_code == 204
        assert c.get("/api/v1/whoami", headers=auth).status_code == 401


@pytest.mark.parametrize("case", [
    "expired", "not_yet_valid", "wrong_issuer", "wrong_audience", "unknown_key", "alg_none",
    "hs256_with_public_key", "no_signature"])
def test_refused_tokens(live_api, provider, case):
    now = int(time.time())
    if case == "expired":
        token = provider.token(exp=now - 3600, iat=now - 7200, nbf=now - 7200)
    elif case == "not_yet_valid":
        token = provider.token(nbf=now + 3600)
    elif case == "wrong_issuer":
        token = provider.token(iss="http://127.0.0.1:1/other")
    elif case == "wrong_audience":
        token = provider.token(aud="api://someone-else")
    elif case == "unknown_key":
        provider.new_key("rogue", publish=False)
        token = provider.token(kid="rogue")
    elif case == "alg_none":
        token = jwt.encode(provider.claims("dddd-4444", [MAKERS]), None, algorithm="none",
                           headers={"kid": "k1"})
    elif case == "hs256_with_public_key":
        import base64
        import hashlib
        import hmac

        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
        body = b64(json.dumps(provider.claims("dddd-4444", [MAKERS])).encode())
        sig = hmac.new(provider.public_pem("k1"), f"{head}.{body}".encode(),
                       hashlib.sha256).digest()
        token = f"{head}.{body}.{b64(sig)}"
    else:
        token = provider.token().rsplit(".", 1)[0] + "."
    r = _get(live_api, token)
    assert r.status_code == 401, (case, r.text)
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"].startswith("Bearer")
    expected = {"expired": "token expired", "not_yet_valid": "token not valid yet",
                "wrong_issuer": "another issuer", "wrong_audience": "another audience",
                "unknown_key": "signing key is not one of",
                "alg_none": "algorithm 'none' is not accepted",
                "hs256_with_public_key": "algorithm 'HS256' is not accepted",
                "no_signature": "token refused"}[case]
    assert expected in r.json()["detail"]


def test_rotated_keys_are_fetched_again(live_api, provider):
    assert _get(live_api, provider.token(oid="eeee-5555")).status_code == 200
    before = provider.jwks_fetches
    time.sleep(0.6)                        # the JWKS client's cool-down between forced fetches
    provider.new_key("k2")
    r = _get(live_api, provider.token(kid="k2", oid="eeee-5555"))
    assert r.status_code == 200, r.text
    assert provider.jwks_fetches == before + 1
    assert _get(live_api, provider.token(kid="k2", oid="eeee-5555")).status_code == 200
    assert provider.jwks_fetches == before + 1          # cached
