"""The FX rates DAGs, one per provider (``fx_rates_bloomberg``, ``fx_rates_reuters``), made by
one factory. Wiring only: the work is in ``cistrade_core.fx``.

Each runs on its own cron (Bloomberg every 15 minutes, Reuters every 30);
``CISTRADE_FX_BLOOMBERG_SCHEDULE`` / ``CISTRADE_FX_REUTERS_SCHEDULE`` replace it (a
test stack runs them every minute).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task

from cistrade_airflow import default_args
from cistrade_airflow.assets import warehouse_asset

BLOOMBERG_DOC = """
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

REUTERS_DOC = """
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


@dataclass(frozen=True)
class FxDag:
    """What differs between the providers' DAGs."""

    provider: str
    cron: str
    dagrun_timeout: timedelta
    retry_delay_minutes: int
    doc: str
    load_doc: str
    compare_with_bloomberg: bool = False


FX_DAGS = (
    FxDag("bloomberg", "*/15 * * * *", timedelta(minutes=14), 1, BLOOMBERG_DOC,
          "Bloomberg with Reuters fallback; fails when no fresh rate was stored."),
    FxDag("reuters", "*/30 * * * *", timedelta(minutes=25), 2, REUTERS_DOC,
          "Reuters on its own (no fallback); fails when no fresh rate was stored.",
          compare_with_bloomberg=True),
)


def schedule_of(spec: FxDag) -> str:
    """The provider's cron: ``CISTRADE_FX_<PROVIDER>_SCHEDULE`` when set, else the house one."""
    return os.environ.get(f"CISTRADE_FX_{spec.provider.upper()}_SCHEDULE") or spec.cron


def make_fx_dag(spec: FxDag):
    @dag(
        dag_id=f"fx_rates_{spec.provider}",
        schedule=schedule_of(spec),
        start_date=datetime(2025, 1, 1, tzinfo=UTC),
        catchup=False,
        max_active_runs=1,
        dagrun_timeout=spec.dagrun_timeout,
        default_args=default_args(retries=2, retry_delay_minutes=spec.retry_delay_minutes),
        tags=["cistrade", "market-data", "fx"],
        doc_md=spec.doc,
    )
    def fx_rates():
        @task(outlets=[warehouse_asset("cis_fx_rate")],
              execution_timeout=timedelta(minutes=5), doc_md=spec.load_doc)
        def load_rates(run_id: str | None = None) -> dict:
            from cistrade_airflow.fx import load_rates as run

            return run(spec.provider, run_id or "manual")

        loaded = load_rates()
        if spec.compare_with_bloomberg:
            @task(execution_timeout=timedelta(minutes=2))
            def compare_with_bloomberg(loaded: dict, run_id: str | None = None) -> dict:
                """Mail the team about pairs where Bloomberg and Reuters mids diverge."""
                from cistrade_airflow.fx import compare_providers

                return compare_providers(run_id or "manual")

            compare_with_bloomberg(loaded)

    return fx_rates()


for _spec in FX_DAGS:
    globals()[f"fx_rates_{_spec.provider}"] = make_fx_dag(_spec)
