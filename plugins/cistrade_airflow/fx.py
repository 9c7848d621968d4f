"""Airflow glue of the FX rates DAGs: provider connections in, a load run out.

Connections ``bloomberg_default`` and ``reuters_default``: host and schema make
the base URL (``http://:KEY@127.0.0.1:8611/bloomberg`` in URI form: host
``127.0.0.1``, port ``8611``, schema ``bloomberg``; or a whole URL as host), the
password is the API key. Call these functions inside tasks only.
"""

from __future__ import annotations

import logging
from typing import Any

from cistrade_airflow import settings_from_airflow
from cistrade_core.recipients import parse_recipients

log = logging.getLogger(__name__)

CONN_IDS = {"bloomberg": "bloomberg_default", "reuters": "reuters_default"}
MARKET_DATA_RECIPIENTS_VARIABLE = "cistrade_market_data_recipients"


def provider_endpoints() -> dict[str, Any]:
    """Each provider's endpoint from its Airflow connection (or the error why there is none)."""
    from airflow.sdk import Connection

    from cistrade_core.fx.providers import ProviderConfigError, ProviderEndpoint
    from cistrade_core.fx.settings import base_url

    out: dict[str, Any] = {}
    for provider, conn_id in CONN_IDS.items():
        try:
            conn = Connection.get(conn_id)
        except Exception as exc:  # not defined: that provider is unavailable to this run
            out[provider] = ProviderConfigError(
                provider, f"Airflow connection {conn_id!r} not found ({type(exc).__name__})")
            continue
        try:
            url = base_url(conn.host or "", conn.schema, conn.port, conn.conn_type)
        except ValueError as exc:
            out[provider] = ProviderConfigError(provider, f"connection {conn_id!r}: {exc}")
            continue
        out[provider] = ProviderEndpoint(provider, url, conn.password or "")
    return out


def fx_settings():
    """(Settings, FxSettings): SMTP from ``smtp_default``; market-data recipients from the
    ``cistrade_market_data_recipients`` Variable when set, else ``CISTRADE_MARKET_DATA_TO``."""
    from dataclasses import replace

    from airflow.sdk import Variable

    from cistrade_core.fx.settings import FxSettings

    settings = settings_from_airflow()
    recipients = Variable.get(MARKET_DATA_RECIPIENTS_VARIABLE, default=None)
    if recipients:
        settings = replace(settings, market_data_recipients=parse_recipients(
            recipients, source=f"Variable {MARKET_DATA_RECIPIENTS_VARIABLE}"))
    return settings, FxSettings.from_env()


def _store(settings):
    from cistrade_airflow.warehouse import warehouse_from_airflow
    from cistrade_core.fx.store import FxStore

    return FxStore(warehouse_from_airflow(settings))


def load_rates(provider: str, run_id: str) -> dict[str, Any]:
    """One load run; fails the task when no fresh rate was stored (the last good rates
    stay current and the team has been mailed)."""
    from cistrade_core.fx.load import run_load

    settings, fx = fx_settings()
    report = run_load(provider, settings=settings, fx=fx, endpoints=provider_endpoints(),
                      store=_store(settings), run_id=f"{provider}:{run_id}")
    log.info("%s", report.summary())
    if not report.fresh:
        raise RuntimeError(f"no fresh FX rate stored by {report.run_id}: {report.run.message}")
    return {"run_id": report.run_id, "status": report.status, "fresh": len(report.good),
            "stored": report.stored, "by_source": report.by_source(),
            "missing": len(report.missing)}


def compare_providers(run_id: str) -> dict[str, Any]:
    """Alert on pairs whose Bloomberg and Reuters mids differ by more than the limit."""
    from cistrade_core.fx.divergence import check_divergence

    settings, fx = fx_settings()
    found = check_divergence(_store(settings), settings, threshold_bp=fx.divergence_bp,
                             max_age=fx.stale_after, run_id=f"divergence:{run_id}")
    return {"threshold_bp": str(fx.divergence_bp),
            "diverging": {d.pair: str(d.gap_bp.quantize(1)) for d in found}}
