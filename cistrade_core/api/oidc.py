"""Single sign-on: access tokens of an OpenID Connect provider (e.g. Entra ID).

The provider is found by discovery (``<issuer>/.well-known/openid-configuration``);
its signing keys come from the JWKS it names, cached and fetched again when a
token names a key not seen yet (key rotation). A token is accepted only when its
signature checks with one of those keys under a pinned algorithm (``alg: none``
and HMAC tokens are refused), and issuer, audience, expiry and not-before hold.

The user is found, or provisioned, by a stable claim (``oid``, else ``sub``): the
CisTrade login is ``sso-<that id>``. The configured group claim (``groups`` or
``roles``) maps to ACL groups at each new token; the token then opens an
ordinary ACL session (revocable by logout, checked on every request) whose id
is the token's hash, so the permission checks and the audit trail are the ones
every other caller gets.

Configuration (environment): ``CISTRADE_OIDC_ISSUER``, ``CISTRADE_OIDC_AUDIENCE``,
``CISTRADE_OIDC_GROUPS_CLAIM`` (default ``groups``), ``CISTRADE_OIDC_GROUP_MAP``
(``claim-value=AclGroup,...``; without it, claim values naming ACL groups are
taken as they are), ``CISTRADE_OIDC_ALGORITHMS`` (default ``RS256``).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from cistrade_core.acl import store as acl_store
from cistrade_core.acl.admin import LOGIN_RE
from cistrade_core.acl.model import Session, SystemActor
from cistrade_core.errors import CoreError, SessionError
from cistrade_core.recipients import RecipientError, check_address
from cistrade_core.services import Core
from cistrade_core.warehouse import SCHEMA

ASYMMETRIC = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    audience: str
    algorithms: tuple[str, ...] = ("RS256",)
    groups_claim: str = "groups"
    group_map: dict[str, str] = field(default_factory=dict)
    leeway_seconds: int = 30
    jwks_lifespan: float = 300.0
    jwks_cooldown: float = 30.0

    @classmethod
    def from_env(cls) -> OidcSettings | None:
        """The provider's settings, or None when SSO is not configured."""
        issuer = os.environ.get("CISTRADE_OIDC_ISSUER", "").strip()
        if not issuer:
            return None
        audience = os.environ.get("CISTRADE_OIDC_AUDIENCE", "").strip()
        if not audience:
            raise ValueError("CISTRADE_OIDC_AUDIENCE must be set with CISTRADE_OIDC_ISSUER")
        algorithms = tuple(a.strip() for a in os.environ.get(
            "CISTRADE_OIDC_ALGORITHMS", "RS256").split(",") if a.strip())
        weak = set(algorithms) - ASYMMETRIC
        if weak or not algorithms:
            raise ValueError(f"CISTRADE_OIDC_ALGORITHMS: only asymmetric algorithms "
                             f"({', '.join(sorted(ASYMMETRIC))}), not {sorted(weak)}")
        mapping = {}
        for item in os.environ.get("CISTRADE_OIDC_GROUP_MAP", "").split(","):
            claim, sep, group = item.partition("=")
            if sep and claim.strip() and group.strip():
                mapping[claim.strip()] = group.strip()
        return cls(issuer=issuer.rstrip("/"), audience=audience, algorithms=algorithms,
                   groups_claim=os.environ.get("CISTRADE_OIDC_GROUPS_CLAIM", "groups"),
                   group_map=mapping,
                   jwks_cooldown=float(os.environ.get("CISTRADE_OIDC_JWKS_COOLDOWN", "30")))


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


class OidcVerifier:
    """Checks a provider's access tokens; discovery and JWKS are fetched on first use."""

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        self._jwks = None

    def _client(self):
        if self._jwks is None:
            import httpx
            import jwt

            url = f"{self.settings.issuer}/.well-known/openid-configuration"
            try:
                doc = httpx.get(url, timeout=10).raise_for_status().json()
            except (httpx.HTTPError, ValueError):
                raise SessionError("the identity provider's discovery document could not be "
                                   "read; try again later") from None
            if doc.get("issuer", "").rstrip("/") != self.settings.issuer or not doc.get(
                    "jwks_uri"):
                raise SessionError("the identity provider's discovery document names another "
                                   "issuer or no JWKS")
            self._jwks = jwt.PyJWKClient(doc["jwks_uri"], cache_jwk_set=True,
                                         lifespan=self.settings.jwks_lifespan,
                                         cooldown_duration=self.settings.jwks_cooldown,
                                         timeout=10)
        return self._jwks

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims; :class:`SessionError` saying why it is refused otherwise."""
        import jwt

        s = self.settings
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise SessionError("the bearer token is not a well-formed JWT") from None
        if header.get("alg") not in s.algorithms:
            raise SessionError(f"token algorithm {header.get('alg')!r} is not accepted "
                               f"(only {', '.join(s.algorithms)})")
        try:
            key = self._client().get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientError:
            raise SessionError("the token's signing key is not one of the identity "
                               "provider's keys") from None
        try:
            return jwt.decode(token, key, algorithms=list(s.algorithms), audience=s.audience,
                              issuer=s.issuer, leeway=s.leeway_seconds,
                              options={"require": ["exp", "iss", "aud"]})
        except jwt.ExpiredSignatureError:
            raise SessionError("token expired; get a new one") from None
        except jwt.ImmatureSignatureError:
            raise SessionError("token not valid yet (nbf/iat in the future)") from None
        except jwt.InvalidIssuerError:
            raise SessionError("token issued by another issuer") from None
        except jwt.InvalidAudienceError:
            raise SessionError("token meant for another audience") from None
        except jwt.PyJWTError as exc:
            raise SessionError(f"token refused: {exc}") from None


def login_for(claims: dict[str, Any], issuer: str) -> str:
    """The CisTrade login of the token's subject: ``sso-<oid or sub>``."""
    stable = str(claims.get("oid") or claims.get("sub") or "")
    if not stable:
        raise SessionError("token has neither oid nor sub")
    candidate = "sso-" + re.sub(r"[^a-z0-9._-]", "-", stable.lower())
    if LOGIN_RE.match(candidate) and candidate[4:] == stable.lower():
        return candidate
    return "sso-" + hashlib.sha256(f"{issuer}|{stable}".encode()).hexdigest()[:40]


def mapped_groups(claims: dict[str, Any], settings: OidcSettings, known: set[str]) -> list[str]:
    values = claims.get(settings.groups_claim) or []
    if isinstance(values, str):
        values = [values]
    if settings.group_map:
        groups = [settings.group_map[v] for v in values if v in settings.group_map]
    else:
        groups = [str(v) for v in values]
    return [g for g in dict.fromkeys(groups) if g in known]


def provision(core: Core, claims: dict[str, Any], settings: OidcSettings) -> str:
    """Create the token's user, or bring their groups in line with the token; the login."""
    login = login_for(claims, settings.issuer)
    wh = core.warehouse
    known = {r["group_name"] for r in wh.query(f"SELECT group_name FROM {SCHEMA}.cis_acl_group")}
    groups = mapped_groups(claims, settings, known)
    admin = core.admin(SystemActor(f"sso:{urlsplit(settings.issuer).netloc}"))
    user = acl_store.get_user(wh, login)
    if user is None:
        name = str(claims.get("name") or claims.get("preferred_username") or login)[:200]
        email = str(claims.get("email") or claims.get("preferred_username") or "")
        try:
            email = check_address(email)
        except RecipientError:
            email = f"{login}@localhost"
        # a random password nobody knows: the user signs in through the provider only
        admin.create_user(login, name, email, secrets.token_urlsafe(32), groups)
        return login
    current = {g["group_name"] for g in acl_store.user_groups(wh, user["user_id"])}
    for group in groups:
        if group not in current:
            admin.add_to_group(login, group, primary=not current)
    for group in sorted(current - set(groups)):
        admin.remove_from_group(login, group)
    return login


def session_for(core: Core, verifier: OidcVerifier, token: str) -> Session:
    """The ACL session of a verified provider token, opened at its first use."""
    claims = verifier.verify(token)
    try:
        return core.sessions.resume(token)
    except SessionError:
        pass
    expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
    try:
        login = provision(core, claims, verifier.settings)
        return core.sessions.open_external(login, token, expires)
    except CoreError:
        # the same token's first two requests raced: the other one opened the session
        return core.sessions.resume(token)
