"""Compare the two providers: alert when their mids for a pair drift apart.

Run after each Reuters load: each pair's newest Reuters rate is compared with
its newest Bloomberg rate when both are younger than the staleness limit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from cistrade_core.clock import as_utc, utcnow
from cistrade_core.config import Settings
from cistrade_core.fx.alerts import FxAlert, send_alert
from cistrade_core.fx.models import StoredRate, format_age
from cistrade_core.fx.store import FxStore, first_rate_per
from cistrade_core.notify import Notifier

log = logging.getLogger(__name__)

BP = Decimal(10_000)


@dataclass(frozen=True)
class Divergence:
    pair: str
    primary: StoredRate
    backup: StoredRate
    gap_bp: Decimal

    def describe(self) -> str:
        return (f"{self.pair}: {self.primary.source} {self.primary.mid.normalize()} vs "
                f"{self.backup.source} {self.backup.mid.normalize()} = {self.gap_bp:.1f} bp")


def latest_by_source(store: FxStore, sources: tuple[str, ...], now: datetime
                     ) -> dict[tuple[str, str], StoredRate]:
    """The newest rate of each pair from each of ``sources``, aged relative to ``now``."""
    placeholders = ", ".join("?" * len(sources))
    rows = store.warehouse.query(
        first_rate_per("pair, source", "provider_ts DESC", f"source IN ({placeholders})"),
        list(sources),
    )
    return {(r["pair"], r["source"]): FxStore._stored(r, now, None) for r in rows}


def find_divergences(store: FxStore, *, threshold_bp: Decimal, max_age: timedelta,
                     now: datetime | None = None, primary: str = "bloomberg",
                     backup: str = "reuters") -> tuple[list[Divergence], int]:
    """Pairs whose mids differ by more than ``threshold_bp``, and how many pairs were compared."""
    now = as_utc(now or utcnow())
    latest = latest_by_source(store, (primary, backup), now)
    found: list[Divergence] = []
    compared = 0
    for (pair, source), b in sorted(latest.items()):
        if source != backup:
            continue
        a = latest.get((pair, primary))
        if a is None or a.age > max_age or b.age > max_age:
            continue
        compared += 1
        gap = abs(a.mid - b.mid) / ((a.mid + b.mid) / 2) * BP
        if gap > threshold_bp:
            found.append(Divergence(pair, a, b, gap))
    return found, compared


def check_divergence(store: FxStore, settings: Settings, *, threshold_bp: Decimal,
                     max_age: timedelta, run_id: str, now: datetime | None = None
                     ) -> list[Divergence]:
    """Find divergences and mail the market data team when there are any."""
    found, compared = find_divergences(store, threshold_bp=threshold_bp, max_age=max_age,
                                       now=now)
    log.info("FX divergence check %s: %d pairs compared, %d over %s bp", run_id, compared,
             len(found), threshold_bp)
    if found:
        for d in found:
            log.warning("FX divergence: %s", d.describe())
        send_alert(FxAlert(
            "divergence",
            f"{len(found)} pairs where Bloomberg and Reuters differ by more than "
            f"{threshold_bp} bp",
            [d.describe() for d in found]
            + ["", f"{compared} pairs compared (both rates younger than {format_age(max_age)})."],
            "reuters",
        ), notifier=Notifier(settings), warehouse=store.warehouse, run_id=run_id)
    return found
