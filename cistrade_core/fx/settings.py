"""FX load settings and provider endpoints, from environment variables.

=================================  =========  ==================================================
variable                           default    meaning
=================================  =========  ==================================================
``CISTRADE_BLOOMBERG_URL``                    Bloomberg base URL (the CLI; DAGs use connections)
``CISTRADE_BLOOMBERG_API_KEY``                Bloomberg API key
``CISTRADE_REUTERS_URL``                      Reuters base URL
``CISTRADE_REUTERS_API_KEY``                  Reuters API key
``CISTRADE_FX_RETRIES``            3          retries after a failed call
``CISTRADE_FX_BACKOFF_INITIAL``    0.5        first backoff (s), doubling each retry
``CISTRADE_FX_BACKOFF_MAX``        8          longest backoff (s)
``CISTRADE_FX_BACKOFF_JITTER``     0.5        random extra wait, up to this (s)
``CISTRADE_FX_MAX_RETRY_AFTER``    60         a longer ``Retry-After`` (s) is not waited for
``CISTRADE_FX_CONNECT_TIMEOUT``    3.05       connect timeout (s)
``CISTRADE_FX_READ_TIMEOUT``       10         read timeout (s)
``CISTRADE_FX_DEADLINE``           30         most one attempt may take, to the last byte (s)
``CISTRADE_FX_MAX_AGE``            900        oldest provider timestamp accepted (s)
``CISTRADE_FX_FUTURE_TOLERANCE``   60         clock skew accepted for timestamps ahead (s)
``CISTRADE_FX_MID_TOLERANCE_BP``   1          mid vs (bid+ask)/2, basis points
``CISTRADE_FX_MAX_JUMP_PCT``       10         larger moves against the last mid are held
``CISTRADE_FX_STALE_AFTER``        1800       a current rate older than this (s) is stale
``CISTRADE_FX_DIVERGENCE_BP``      25         Bloomberg vs Reuters mid gap that is alerted
=================================  =========  ==================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

from cistrade_core.fx.providers import ProviderConfigError, ProviderEndpoint, RetryPolicy
from cistrade_core.fx.validation import ValidationRules


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    return float(raw) if raw not in (None, "") else default


def _seconds(env: Mapping[str, str], name: str, default: timedelta) -> timedelta:
    return timedelta(seconds=_float(env, name, default.total_seconds()))


def _decimal(env: Mapping[str, str], name: str, default: Decimal) -> Decimal:
    raw = env.get(name)
    return Decimal(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class FxSettings:
    """Validation rules, retry policy, staleness and divergence limits of the FX load."""

    rules: ValidationRules = field(default_factory=ValidationRules)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    stale_after: timedelta = timedelta(minutes=30)
    divergence_bp: Decimal = Decimal("25")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FxSettings:
        env = os.environ if env is None else env
        d_rules, d_retry, d = ValidationRules(), RetryPolicy(), cls()
        return cls(
            rules=ValidationRules(
                mid_tolerance_bp=_decimal(env, "CISTRADE_FX_MID_TOLERANCE_BP",
                                          d_rules.mid_tolerance_bp),
                max_age=_seconds(env, "CISTRADE_FX_MAX_AGE", d_rules.max_age),
                future_tolerance=_seconds(env, "CISTRADE_FX_FUTURE_TOLERANCE",
                                          d_rules.future_tolerance),
                max_jump_pct=_decimal(env, "CISTRADE_FX_MAX_JUMP_PCT", d_rules.max_jump_pct),
            ),
            retry=RetryPolicy(
                retries=int(_float(env, "CISTRADE_FX_RETRIES", d_retry.retries)),
                backoff_initial=_float(env, "CISTRADE_FX_BACKOFF_INITIAL",
                                       d_retry.backoff_initial),
                backoff_max=_float(env, "CISTRADE_FX_BACKOFF_MAX", d_retry.backoff_max),
                jitter=_float(env, "CISTRADE_FX_BACKOFF_JITTER", d_retry.jitter),
                max_retry_after=_float(env, "CISTRADE_FX_MAX_RETRY_AFTER",
                                       d_retry.max_retry_after),
                connect_timeout=_float(env, "CISTRADE_FX_CONNECT_TIMEOUT",
                                       d_retry.connect_timeout),
                read_timeout=_float(env, "CISTRADE_FX_READ_TIMEOUT", d_retry.read_timeout),
                deadline=_float(env, "CISTRADE_FX_DEADLINE", d_retry.deadline),
            ),
            stale_after=_seconds(env, "CISTRADE_FX_STALE_AFTER", d.stale_after),
            divergence_bp=_decimal(env, "CISTRADE_FX_DIVERGENCE_BP", d.divergence_bp),
        )


def endpoint_from_env(provider: str, env: Mapping[str, str] | None = None) -> ProviderEndpoint:
    """``CISTRADE_<PROVIDER>_URL`` and ``CISTRADE_<PROVIDER>_API_KEY``."""
    env = os.environ if env is None else env
    prefix = f"CISTRADE_{provider.upper()}"
    url, key = env.get(f"{prefix}_URL", ""), env.get(f"{prefix}_API_KEY", "")
    if not url:
        raise ProviderConfigError(provider, f"no base URL: set {prefix}_URL")
    if not key:
        raise ProviderConfigError(provider, f"no API key: set {prefix}_API_KEY")
    return ProviderEndpoint(provider, url, key)


def base_url(host: str, schema: str | None = None, port: int | None = None,
             conn_type: str | None = None) -> str:
    """A provider's base URL from the parts of an Airflow connection.

    ``host`` is a host name or a whole URL (``http://127.0.0.1:8611/bloomberg``);
    ``schema`` is the base path (``bloomberg``), as the URI form
    ``http://:KEY@127.0.0.1:8611/bloomberg`` gives it, or the scheme when it is
    ``http`` or ``https``. Without a scheme, ``conn_type`` ``http``/``https`` gives it;
    the default is ``https``.
    """
    host = (host or "").strip()
    if not host:
        raise ValueError("no host in the connection")
    schema = (schema or "").strip()
    scheme, path = (schema, "") if schema in ("http", "https") else (None, schema)
    if "://" not in host:
        scheme = scheme or (conn_type if conn_type in ("http", "https") else "https")
        host = f"{scheme}://{host}"
    parts = urlsplit(host)
    netloc = parts.netloc
    if port and parts.port is None:
        netloc = f"{netloc}:{port}"
    full_path = parts.path.rstrip("/")
    if path:
        full_path += "/" + path.strip("/")
    return urlunsplit((parts.scheme, netloc, full_path, "", ""))
