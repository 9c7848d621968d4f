"""The deadline of the daily GMP load: a ``DeadlineAlert`` mailing the support list when a
run of ``gmp_reference_etl`` has not finished in time.

``CISTRADE_GMP_LOAD_DEADLINE`` sets it: a local time ``HH:MM`` (default ``06:00``, in
``CISTRADE_TIMEZONE``, before the 06:30 summary report) counted from the run's 03:00
logical date; ``PT<n>S`` for *n* seconds after the run was queued (tests); ``off`` for
none. The mail goes through the ``smtp_default`` connection (the triggerer sends it).
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from typing import Any

from cistrade_airflow import DEFAULT_TIMEZONE, SMTP_CONN_ID

#: The time of the daily run (``gmp_reference_etl``'s schedule).
RUN_TIME = "03:00"


class DeadlineSettingError(ValueError):
    """``CISTRADE_GMP_LOAD_DEADLINE`` is not ``HH:MM``, ``PT<n>S`` or ``off``."""


def deadline_interval(setting: str) -> tuple[str, timedelta] | None:
    """``("logical_date" | "queued_at", interval)`` for a setting; None for ``off``."""
    setting = setting.strip()
    if setting.lower() in {"off", "none", ""}:
        return None
    if m := re.fullmatch(r"PT(\d+)S", setting, re.I):
        return "queued_at", timedelta(seconds=int(m.group(1)))
    try:
        at = datetime.strptime(setting, "%H:%M")
    except ValueError:
        raise DeadlineSettingError(
            f"CISTRADE_GMP_LOAD_DEADLINE={setting!r}: expected HH:MM (local time), "
            "PT<seconds>S or off") from None
    start = datetime.strptime(RUN_TIME, "%H:%M")
    if at <= start:
        raise DeadlineSettingError(
            f"CISTRADE_GMP_LOAD_DEADLINE={setting!r}: must be after the {RUN_TIME} run")
    return "logical_date", at - start


def load_deadline(dag_id: str, setting: str | None = None) -> Any:
    """The ``DeadlineAlert`` of the daily load, or None when switched off."""
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier
    from airflow.sdk.definitions.callback import AsyncCallback
    from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

    setting = setting if setting is not None else os.environ.get(
        "CISTRADE_GMP_LOAD_DEADLINE", "06:00")
    parsed = deadline_interval(setting)
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

