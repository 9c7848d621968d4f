"""
### FX rates from Reuters, every 30 minutes (the backup feed)

Keeps the backup fresh: fetches 120+ currency pairs from Reuters (connection
`reuters_default`: base URL in host/schema, API key as password), validates and
stores them in `gmp_cis.cis_fx_rate` with Reuters as their source. Then compares
each pair's Reuters mid with its latest Bloomberg mid and mails the market data
team when they differ by more than `CISTRADE_FX_DIVERGENCE_BP` basis points
(default 25).

Retries, alerts and feed-health records as in `fx_rates_bloomberg`.
Logic: `cistrade_core.fx`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Asset, dag, task

from cistrade_airflow import default_args
from cistrade_airflow.fx import ASSET_URI

CIS_FX_RATE = Asset(name="cis_fx_rate", uri=ASSET_URI)


@dag(
    dag_id="fx_rates_reuters",
    schedule="*/30 * * * *",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=25),
    default_args=default_args(retries=2, retry_delay_minutes=2),
    tags=["cistrade", "market-data", "fx"],
    doc_md=__doc__,
)
def fx_rates_reuters():
    @task(outlets=[CIS_FX_RATE], execution_timeout=timedelta(minutes=5))
    def load_rates(run_id: str | None = None) -> dict:
        """Reuters on its own (no fallback); fails when no fresh rate was stored."""
        from cistrade_airflow.fx import load_rates as run

        return run("reuters", run_id or "manual")

    @task(execution_timeout=timedelta(minutes=2))
    def compare_with_bloomberg(loaded: dict, run_id: str | None = None) -> dict:
        """Mail the team about pairs where Bloomberg and Reuters mids diverge."""
        from cistrade_airflow.fx import compare_providers

        return compare_providers(run_id or "manual")

    compare_with_bloomberg(load_rates())


fx_rates_reuters()
