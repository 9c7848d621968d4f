"""The deadline of the daily GMP load: one reading of ``CISTRADE_GMP_LOAD_DEADLINE``.

The setting is a local time ``HH:MM`` (default ``06:00`` in ``CISTRADE_TIMEZONE``,
before the 06:30 summary report, after the 03:00 run), ``PT<n>S`` for *n* seconds
after a run was queued (tests), or ``off``. The Airflow ``DeadlineAlert``
(``plugins/cistrade_airflow/deadline.py``) and the metrics' due business date
(:mod:`cistrade_core.monitoring.gmp_metrics`) both read it here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from cistrade_core.errors import CoreError

DEADLINE_ENV = "CISTRADE_GMP_LOAD_DEADLINE"
DEFAULT_DEADLINE = time(6, 0)
#: The time of the daily run (``gmp_reference_etl``'s schedule).
RUN_TIME = time(3, 0)


class DeadlineSettingError(CoreError, ValueError):
    """``CISTRADE_GMP_LOAD_DEADLINE`` is not ``HH:MM``, ``PT<n>S`` or ``off``."""

    outcome = "INVALID"


@dataclass(frozen=True)
class Deadline:
    """A local wall-clock time (``at``), or seconds after the run was queued."""

    at: time | None = None
    after_queued: timedelta | None = None


def parse_deadline(setting: str | None = None) -> Deadline | None:
    """The deadline ``setting`` (default: the environment's) names; None for ``off``."""
    if setting is None:
        setting = os.environ.get(DEADLINE_ENV, DEFAULT_DEADLINE.strftime("%H:%M"))
    setting = setting.strip()
    if setting.lower() in {"off", "none", ""}:
        return None
    if m := re.fullmatch(r"PT(\d+)S", setting, re.I):
        return Deadline(after_queued=timedelta(seconds=int(m.group(1))))
    try:
        at = datetime.strptime(setting, "%H:%M").time()
    except ValueError:
        raise DeadlineSettingError(
            f"{DEADLINE_ENV} must be a local time HH:MM (or PT<seconds>S, or off), "
            f"not {setting!r}") from None
    if at <= RUN_TIME:
        raise DeadlineSettingError(
            f"{DEADLINE_ENV}={setting!r}: must be after the {RUN_TIME:%H:%M} run")
    return Deadline(at=at)


def local_deadline(setting: str | None = None) -> time:
    """The local time by which a day's load is due: the setting's ``HH:MM``, else 06:00
    (a deadline relative to a run, or none, still leaves the day due at the default)."""
    deadline = parse_deadline(setting)
    return deadline.at if deadline is not None and deadline.at is not None else DEFAULT_DEADLINE
