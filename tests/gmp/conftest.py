"""Fixtures for the GMP load tests: small generated drops and a GmpLoad with a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cistrade_core.gmp.pipeline import GmpLoad
from cistrade_dev.gmp_samples import generate_drop

#: Business dates used throughout: a good day, then the day under test.
PREVIOUS_DAY = date(2026, 11, 26)
DAY = date(2026, 11, 27)
#: Small drops keep the suite fast; the benchmarks use full-size days.
SCALE = 0.02


@pytest.fixture
def drop(settings):
    """Write a drop for a day (optionally with a fault) into the landing directory."""

    def write(day: date = DAY, fault: str | None = None, scale: float = SCALE):
        return generate_drop(day, settings.landing_dir, fault=fault, scale=scale)

    return write


@pytest.fixture
def clock():
    """A settable 'now' for lateness checks (default: 04:00 UTC the day after DAY)."""

    class Clock:
        now = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)

        def __call__(self) -> datetime:
            return self.now

    return Clock()


@pytest.fixture
def gmp(settings, warehouse, clock, smtp_server):
    return GmpLoad(settings, warehouse, now=clock)
