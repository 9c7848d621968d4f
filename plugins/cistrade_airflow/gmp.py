"""Airflow glue of the GMP load: the business date of a run and a ``GmpLoad`` wired to
Airflow's connections. Call inside tasks only."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from cistrade_airflow import DEFAULT_TIMEZONE

#: Seconds between two looks for a feed's control file (``CISTRADE_GMP_POKE_INTERVAL``).
SENSOR_POKE_INTERVAL = int(os.environ.get("CISTRADE_GMP_POKE_INTERVAL", "300"))


def business_date(params: Mapping[str, Any] | None, logical_date: datetime) -> date:
    """The business date a run loads: its ``business_date`` param when given, else the day
    before the run's local date (``CISTRADE_TIMEZONE``)."""
    from cistrade_core.gmp.schedule import business_date_for_run

    if params and params.get("business_date"):
        return date.fromisoformat(str(params["business_date"]))
    return business_date_for_run(logical_date, DEFAULT_TIMEZONE)


def gmp_load_from_airflow(run_id: str | None = None):
    """A :class:`cistrade_core.gmp.pipeline.GmpLoad` with settings and warehouse from Airflow.

    ``run_id`` (the DAG run's) gives the run's tasks one staging folder; a step waits
    up to ``CISTRADE_GMP_LOCK_WAIT`` seconds for another run of the same day.
    """
    from cistrade_airflow import settings_from_airflow
    from cistrade_airflow.warehouse import warehouse_from_airflow
    from cistrade_core.gmp.day_lock import task_wait
    from cistrade_core.gmp.pipeline import GmpLoad

    settings = settings_from_airflow()
    return GmpLoad(settings, warehouse_from_airflow(settings), run_id=run_id,
                   lock_wait=task_wait())
