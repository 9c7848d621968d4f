"""The deadline of the daily GMP load: a ``DeadlineAlert`` mailing the support list when a
run of ``gmp_reference_etl`` has not finished in time.

``CISTRADE_GMP_LOAD_DEADLINE`` sets it: a local time ``HH:MM`` (default ``06:00``, in
``CISTRADE_TIMEZONE``, before the 06:30 summary report) counted from the run's 03:00
logical date; ``PT<n>S`` for *n* seconds after the run was queued (tests); ``off`` for
none. The mail goes through the ``smtp_default`` connection (the triggerer sends it).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from cistrade_airflow import DEFAULT_TIMEZONE, SMTP_CONN_ID
from cistrade_core.gmp.deadline import (  # noqa: F401 (the error is part of this API)
    DEADLINE_ENV,
    RUN_TIME,
    DeadlineSettingError,
    parse_deadline,
)


def deadline_interval(setting: str) -> tuple[str, timedelta] | None:
    """``("logical_date" | "queued_at", interval)`` for a setting; None for ``off``."""
    deadline = parse_deadline(setting)
    if deadline is None:
        return None
    if deadline.after_queued is not None:
        return "queued_at", deadline.after_queued
    day = datetime(2000, 1, 1)
    return "logical_date", (datetime.combine(day, deadline.at)
                            - datetime.combine(day, RUN_TIME))


def load_deadline(dag_id: str, setting: str | None = None) -> Any:
    """The ``DeadlineAlert`` of the daily load, or None when switched off."""
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier
    from airflow.sdk.definitions.callback import AsyncCallback
    from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

    parsed = deadline_interval(setting if setting is not None
                               else os.environ.get(DEADLINE_ENV, "06:00"))
    if parsed is None:
        return None
    kind, interval = parsed
    reference = (DeadlineReference.DAGRUN_LOGICAL_DATE if kind == "logical_date"
                 else DeadlineReference.DAGRUN_QUEUED_AT)
    when = (f"{setting} {DEFAULT_TIMEZONE}" if kind == "logical_date"
            else f"{int(interval.total_seconds())} s after it was queued")
    default_to = os.environ.get("CISTRADE_ALERT_TO", "gmp-support@localhost")
    return DeadlineAlert(
        reference=reference, interval=interval, name="gmp_load_deadline",
        callback=AsyncCallback(SmtpNotifier, kwargs={
            "smtp_conn_id": SMTP_CONN_ID,
            "from_email": os.environ.get("CISTRADE_SMTP_FROM", "cistrade@localhost"),
            "to": os.environ.get("CISTRADE_DEADLINE_TO") or default_to,
            "subject": f"[CisTrade GMP] deadline missed: {dag_id} not finished by {when}",
            "html_content": (
                f"<p>The daily GMP load <b>{dag_id}</b> has not finished by {when}. The "
                "06:30 summary report will show the feeds still open. Check the run in the "
                "Airflow UI (a feed waiting for its file or held for review).</p>"),
        }),
    )

