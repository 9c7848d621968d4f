from datetime import timedelta
from decimal import Decimal

import pytest

from cistrade_core.fx.providers import ProviderConfigError
from cistrade_core.fx.settings import FxSettings, base_url, endpoint_from_env


def test_defaults_follow_the_spec():
    fx = FxSettings.from_env({})
    assert fx.retry.retries == 3
    assert fx.rules.max_jump_pct == Decimal("10")
    assert fx.stale_after == timedelta(minutes=30)


def test_everything_is_configurable():
    fx = FxSettings.from_env({
        "CISTRADE_FX_RETRIES": "5", "CISTRADE_FX_BACKOFF_INITIAL": "0.1",
        "CISTRADE_FX_BACKOFF_MAX": "2", "CISTRADE_FX_READ_TIMEOUT": "1.5",
        "CISTRADE_FX_MAX_AGE": "120", "CISTRADE_FX_MAX_JUMP_PCT": "5",
        "CISTRADE_FX_MID_TOLERANCE_BP": "0.5", "CISTRADE_FX_STALE_AFTER": "600",
        "CISTRADE_FX_DIVERGENCE_BP": "10",
    })
    assert (fx.retry.retries, fx.retry.backoff_initial, fx.retry.backoff_max) == (5, 0.1, 2.0)
    assert fx.retry.read_timeout == 1.5
    assert fx.rules.max_age == timedelta(minutes=2)
    assert fx.rules.max_jump_pct == Decimal("5")
    assert fx.rules.mid_tolerance_bp == Decimal("0.5")
    assert fx.stale_after == timedelta(minutes=10)
    assert fx.divergence_bp == Decimal("10")


def test_endpoint_from_env_names_the_missing_variable():
    env = {"CISTRADE_BLOOMBERG_URL": "https://bbg.example.com/api"}
    with pytest.raises(ProviderConfigError, match="CISTRADE_BLOOMBERG_API_KEY"):
        endpoint_from_env("bloomberg", env)
    with pytest.raises(ProviderConfigError, match="CISTRADE_REUTERS_URL"):
        endpoint_from_env("reuters", env)
    env["CISTRADE_BLOOMBERG_API_KEY"] = "secret-value-1"
    endpoint = endpoint_from_env("bloomberg", env)
    assert endpoint.base_url == "https://bbg.example.com/api"
    assert "secret-value-1" not in repr(endpoint)


@pytest.mark.parametrize(
    ("parts", "url"),
    [
        (("127.0.0.1", "bloomberg", 8611, "http"), "http://127.0.0.1:8611/bloomberg"),
        (("http://127.0.0.1:8611/reuters", None, None, "http"), "http://127.0.0.1:8611/reuters"),
        (("api.example.com", "https", None, "http"), "https://api.example.com"),
        (("api.example.com", None, None, "generic"), "https://api.example.com"),
        (("https://api.example.com/v2/", "fx", 443, None), "https://api.example.com:443/v2/fx"),
    ],
)
def test_base_url_from_connection_parts(parts, url):
    assert base_url(*parts) == url


def test_base_url_needs_a_host():
    with pytest.raises(ValueError, match="no host"):
        base_url("", "bloomberg")
