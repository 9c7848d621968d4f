"""
### FX rates from Bloomberg, every 15 minutes

Fetches the mid, bid and ask of 160+ currency pairs from Bloomberg
(connection `bloomberg_default`: base URL in host/schema, API key as password),
validates them and stores them in `gmp_cis.cis_fx_rate`.

- Bloomberg is retried 3 times (exponential backoff with jitter, `Retry-After`
  honoured) on connection errors, timeouts, 5xx and 429; a 401/403 is alerted
  at once and not retried.
- Pairs Bloomberg does not deliver good are taken from Reuters
  (`reuters_default`) and stored with Reuters as their source.
- When both fail, nothing is stored, the last good rates stay current (shown
  stale by age), the market data team is mailed and this task fails.

Every run writes feed-health records (`gmp_cis.cis_fx_feed_health`); see
`cistrade fx health`. Logic: `cistrade_core.fx`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Asset, dag, task

from cistrade_airflow import default_args
from cistrade_airflow.fx import ASSET_URI

CIS_FX_RATE = Asset(name="cis_fx_rate", uri=ASSET_URI)


@dag(
    dag_id="fx_rates_bloomberg",
    schedule="*/15 * * * *",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=14),
    default_args=default_args(retries=2, retry_delay_minutes=1),
    tags=["cistrade", "market-data", "fx"],
    doc_md=__doc__,
)
def fx_rates_bloomberg():
    @task(outlets=[CIS_FX_RATE], execution_timeout=timedelta(minutes=5))
    def load_rates(run_id: str | None = None) -> dict:
        """Bloomberg with Reuters fallback; fails when no fresh rate was stored."""
        from cistrade_airflow.fx import load_rates as run

        return run("bloomberg", run_id or "manual")

    load_rates()


fx_rates_bloomberg()
