"""Feed-health records: what each provider call of a load run gave, and each run's result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class FeedHealth:
    """One provider call of a load run (a row of ``gmp_cis.cis_fx_feed_health``).

    ``outcome`` is ``ok`` (every requested pair good), ``partial`` (some pairs
    missing, rejected or held), ``rejected`` (an answer, but no good rate), or
    the failure: ``unavailable``, ``auth_failed``, ``malformed``, ``not_configured``.
    """

    run_id: str
    provider: str
    role: str
    started_at: datetime
    finished_at: datetime
    pairs_requested: int
    pairs_received: int = 0
    pairs_good: int = 0
    pairs_stored: int = 0
    pairs_rejected: int = 0
    pairs_held: int = 0
    attempts: int = 0
    retries: int = 0
    outcome: str = "ok"
    error: str | None = None

    def describe(self) -> str:
        text = (f"{self.provider} ({self.role}): {self.outcome}, {self.pairs_received}/"
                f"{self.pairs_requested} pairs received, {self.pairs_good} good, "
                f"{self.pairs_rejected} rejected, {self.pairs_held} held, "
                f"{self.retries} retries")
        return f"{text}; {self.error}" if self.error else text


@dataclass
class LoadRun:
    """A load run's result (a row of ``gmp_cis.cis_fx_load_run``).

    ``status``: ``ok`` (every pair fresh from the primary), ``degraded`` (fresh
    rates stored, but a fallback was used or pairs are missing), ``outage``
    (no fresh rate at all).
    """

    run_id: str
    primary_provider: str
    started_at: datetime
    finished_at: datetime
    status: str
    pairs_requested: int
    pairs_fresh: int
    pairs_stored: int
    pairs_from_fallback: int
    pairs_missing: int
    message: str


@dataclass(frozen=True)
class Unreadable:
    """A record of an answer for a requested pair that could not be read, and why."""

    pair: str
    source: str
    reason: str


def outcome_of(requested: int, received: int, good: int) -> str:
    """The outcome of a provider call that answered."""
    if good == 0:
        return "rejected"
    return "ok" if good == requested and received == requested else "partial"
