"""One FX load run: fetch, fall back, validate, store, record feed health, alert.

The Airflow DAGs and ``cistrade fx load`` both call :func:`run_load`.

A Bloomberg run asks Bloomberg for its pairs. Pairs without a good Bloomberg
rate (Bloomberg down after its retries, pairs it left out, rates that failed a
check or were held after a jump) are asked of Reuters and stored with Reuters
as their source. When neither gives a good rate, nothing is stored, the last
good rates stay current (and show their age), and the market data team is
mailed. A Reuters run (the backup feed) asks Reuters only.

Whatever a provider sends, a run ends with its run and feed-health rows and,
where due, an alert: a record that cannot be read or a number storage cannot
hold rejects that pair only (recorded with its reason in ``cis_fx_rate_held``),
an answer that cannot be used at all fails that provider call only, and should
storing the run fail, the run is recorded as an outage and alerted.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from cistrade_core.clock import utcnow
from cistrade_core.config import Settings
from cistrade_core.fx.alerts import FxAlert, send_alert
from cistrade_core.fx.health import FeedHealth, LoadRun, Unreadable, outcome_of
from cistrade_core.fx.models import FxRate, StoredRate, format_age
from cistrade_core.fx.pairs import COVERAGE, PROVIDERS, normalise_pair
from cistrade_core.fx.providers import (
    ProviderAuthError,
    ProviderClient,
    ProviderEndpoint,
    ProviderError,
    ProviderResponseError,
    make_client,
)
from cistrade_core.fx.settings import FxSettings
from cistrade_core.fx.store import FxStore
from cistrade_core.fx.validation import Failure, ValidationResult, validate
from cistrade_core.logs import bind_args
from cistrade_core.notify import Notifier

log = logging.getLogger(__name__)

#: The provider a run falls back to when its own provider fails.
FALLBACK = {"bloomberg": "reuters"}

#: Endpoints by provider; an entry may be a :class:`ProviderError` (e.g. not configured).
Endpoints = Mapping[str, ProviderEndpoint | ProviderError]


def new_run_id(prefix: str = "fx") -> str:
    return f"{prefix}-{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


@dataclass
class ProviderCall:
    health: FeedHealth
    validation: ValidationResult = field(default_factory=ValidationResult)
    error: ProviderError | None = None
    unreadable: list[Unreadable] = field(default_factory=list)


@dataclass
class LoadReport:
    """What a run did; ``fresh`` tells whether fresh rates were stored."""

    run_id: str
    provider: str
    requested: tuple[str, ...]
    good: list[FxRate] = field(default_factory=list)
    rejected: list[Failure] = field(default_factory=list)
    held: list[Failure] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    health: list[FeedHealth] = field(default_factory=list)
    alerts: list[FxAlert] = field(default_factory=list)
    missing: tuple[str, ...] = ()
    stale: list[StoredRate] = field(default_factory=list)
    stored: int = 0
    run: LoadRun | None = None

    @property
    def fresh(self) -> bool:
        return bool(self.good)

    @property
    def status(self) -> str:
        return self.run.status if self.run else "outage"

    def by_source(self) -> dict[str, int]:
        return dict(Counter(r.source for r in self.good))

    def summary(self) -> str:
        sources = ", ".join(f"{n} from {s}" for s, n in sorted(self.by_source().items()))
        lines = [
            f"FX load {self.run_id} ({self.provider}): {self.status}",
            f"  pairs: {len(self.requested)} requested, {len(self.good)} fresh"
            + (f" ({sources})" if sources else "")
            + f", {self.stored} newly stored, {len(self.missing)} without a fresh rate",
        ]
        lines += [f"  {h.describe()}" for h in self.health]
        if self.rejected:
            checks = Counter(str(f.check) for f in self.rejected)
            lines.append("  rejected: " + ", ".join(f"{n} {c}" for c, n in checks.items()))
        if self.unreadable:
            lines.append("  unreadable: " + ", ".join(u.pair for u in self.unreadable))
        if self.held:
            lines.append(f"  held after a jump: {', '.join(f.rate.pair for f in self.held)}")
        if self.stale:
            oldest = max(r.age for r in self.stale)
            lines.append(f"  stale current rates: {len(self.stale)} (oldest {format_age(oldest)})")
        lines += [f"  alert: {a.kind}: {a.subject}" + ("" if a.sent else " (NOT SENT)")
                  for a in self.alerts]
        return "\n".join(lines)


class FxLoader:
    """Runs loads against a store with the given endpoints and settings."""

    def __init__(self, store: FxStore, settings: Settings, fx: FxSettings, endpoints: Endpoints,
                 *, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.settings = settings
        self.fx = fx
        self.endpoints = endpoints
        self.clock = clock
        self.notifier = Notifier(settings)
        self._clients: dict[str, ProviderClient] = {}

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def _client(self, provider: str) -> ProviderClient:
        if provider not in self._clients:
            endpoint = self.endpoints.get(provider)
            if isinstance(endpoint, ProviderError):
                raise endpoint
            if endpoint is None:
                raise ProviderError(provider, "no endpoint configured")
            self._clients[provider] = make_client(endpoint, self.fx.retry)
        return self._clients[provider]

    # -- a run -----------------------------------------------------------------------------------
    @bind_args(provider="provider", run_id="run_id")
    def run(self, provider: str = "bloomberg", *, run_id: str | None = None,
            pairs: Iterable[str] | None = None) -> LoadReport:
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}; known: {', '.join(PROVIDERS)}")
        run_id = run_id or new_run_id()
        started = self.clock()
        requested = tuple(normalise_pair(p) for p in pairs) if pairs else COVERAGE[provider]
        report = LoadReport(run_id, provider, requested)
        self.store.ensure_schema()
        known, last_mids = self.store.reference_for_run()
        if not known:
            log.error("the currency reference data (gmp_cis.gmp_cis_sta_dly_currency) is "
                      "empty: every rate will fail the currency check")
        fallback = FALLBACK.get(provider)
        role = "primary" if fallback else "backup"
        log.info("FX load %s: %d pairs from %s (%s)", run_id, len(requested), provider, role)

        calls = [self._call(provider, role, requested, known, last_mids, report)]
        good = {r.pair for r in calls[0].validation.good}
        missing = [p for p in requested if p not in good]
        if missing and fallback:
            fill = [p for p in missing if p in COVERAGE[fallback]]
            reason = (f"{provider} failed: {calls[0].error}" if calls[0].error
                      else f"{len(missing)} pairs without a good {provider} rate")
            if fill:
                log.warning("FX load %s: falling back to %s for %d pairs (%s)", run_id,
                            fallback, len(fill), reason)
                calls.append(self._call(fallback, "fallback", fill, known, last_mids, report))
            else:
                log.warning("FX load %s: %s; %s covers none of them", run_id, reason, fallback)

        for call in calls:
            report.good.extend(call.validation.good)
            report.rejected.extend(call.validation.rejected)
            report.held.extend(call.validation.held)
            report.unreadable.extend(call.unreadable)
            report.health.append(call.health)
        got = {r.pair for r in report.good}
        report.missing = tuple(p for p in requested if p not in got)
        from_fallback = sum(1 for r in report.good if r.source != provider)

        if not report.good:
            status = "outage"
        elif from_fallback or report.missing:
            status = "degraded"
        else:
            status = "ok"
        run = LoadRun(run_id, provider, started, self.clock(), status, len(requested),
                      len(report.good), 0, from_fallback, len(report.missing), "")
        run.message = self._message(report, status, from_fallback)
        report.run = run
        try:
            report.stored = self.store.save_run(run, report.good, report.rejected,
                                                report.health, report.held, report.unreadable)
        except Exception as exc:  # noqa: BLE001 - the run must still be recorded and alerted
            self._store_failed(report, exc)
        report.stale = [r for r in self.store.current_rates(
            now=self.clock(), stale_after=self.fx.stale_after) if r.stale]
        log.log(logging.INFO if status == "ok" else logging.WARNING, "FX load %s: %s", run_id,
                run.message)
        for alert in self._alerts(report, calls, from_fallback):
            report.alerts.append(send_alert(alert, notifier=self.notifier,
                                            warehouse=self.store.warehouse, run_id=run_id))
        return report

    @bind_args(provider="provider", run_id="report.run_id")
    def _call(self, provider: str, role: str, pairs: tuple[str, ...] | list[str],
              known: frozenset[str], last_mids: Mapping, report: LoadReport) -> ProviderCall:
        started = self.clock()
        health = FeedHealth(report.run_id, provider, role, started, started, len(pairs))
        call = ProviderCall(health)
        try:
            try:
                result = self._client(provider).fetch(pairs)
            except ProviderError:
                raise
            except Exception as exc:  # noqa: BLE001 - one provider's failure, not the run's
                log.exception("FX load %s: %s call failed unexpectedly", report.run_id, provider)
                raise ProviderResponseError(
                    provider, f"unexpected failure reading the answer: {type(exc).__name__}"
                ) from None
        except ProviderError as exc:
            call.error = exc
            health.attempts, health.retries = exc.attempts, exc.retries
            health.outcome, health.error = exc.status, exc.detail
            health.finished_at = self.clock()
            log.error("FX load %s: %s (%s) failed after %d attempts: %s", report.run_id,
                      provider, role, exc.attempts, exc)
            if isinstance(exc, ProviderAuthError):
                # A wrong key does not heal by waiting: tell the team now, not at the end.
                report.alerts.append(send_alert(
                    FxAlert("auth", f"{provider} rejected the API key", [
                        str(exc), "",
                        f"Check the {provider}_default connection (or "
                        f"CISTRADE_{provider.upper()}_API_KEY for the command line).",
                    ], provider),
                    notifier=self.notifier, warehouse=self.store.warehouse, run_id=report.run_id,
                ))
            return call
        call.validation = validate(result.rates, known_currencies=known, last_mids=last_mids,
                                   now=self.clock(), rules=self.fx.rules)
        v = call.validation
        requested = set(pairs)
        call.unreadable = [Unreadable(pair, provider, reason) for pair, reason in
                           dict(result.unreadable).items() if pair in requested]
        health.finished_at = self.clock()
        health.attempts, health.retries = result.attempts, result.retries
        health.pairs_received = len(result.rates)
        health.pairs_good = len(v.good)
        health.pairs_rejected = len(v.rejected) + len(call.unreadable)
        health.pairs_held = len(v.held)
        health.outcome = outcome_of(len(pairs), len(result.rates), len(v.good))
        notes = []
        if result.missing:
            notes.append(f"{len(result.missing)} of {len(pairs)} requested pairs not supplied")
        if result.unreadable:
            notes.append(f"{len(result.unreadable)} unreadable records")
        if notes:
            health.error = "; ".join(notes)
        log.log(logging.INFO if health.outcome == "ok" else logging.WARNING,
                "FX load %s: %s", report.run_id, health.describe())
        for failure in v.rejected:
            log.warning("FX load %s: %s %s rejected (%s): %s", report.run_id, provider,
                        failure.rate.pair, failure.check, failure.detail)
        for failure in v.held:
            log.warning("FX load %s: %s %s held: %s", report.run_id, provider,
                        failure.rate.pair, failure.detail)
        for record in call.unreadable:
            log.warning("FX load %s: %s %s rejected (unreadable): %s", report.run_id, provider,
                        record.pair, record.reason)
        return call

    def _store_failed(self, report: LoadReport, exc: Exception) -> None:
        """Storing the run failed: record it as an outage (no rate stored) and alert."""
        assert report.run is not None
        reason = f"storing the run failed: {type(exc).__name__}: {str(exc)[:300]}"
        log.error("FX load %s: %s", report.run_id, reason)
        run = report.run
        run.status, run.pairs_fresh, run.pairs_stored = "outage", 0, 0
        run.message = f"{reason}; no rate stored, the last good rates stay current"
        for h in report.health:
            h.pairs_stored = 0
        report.good, report.stored = [], 0
        try:
            self.store.save_run(run, [], [], report.health)
        except Exception:  # noqa: BLE001 - the alert below still goes out
            log.exception("FX load %s: the run record could not be stored either",
                          report.run_id)
        report.alerts.append(send_alert(
            FxAlert("store_failed", f"FX rates of run {report.run_id} could not be stored",
                    [reason, "", "No rate of this run was stored; the last good rates stay "
                     "current."], report.provider),
            notifier=self.notifier, warehouse=self.store.warehouse, run_id=report.run_id))

    def _message(self, report: LoadReport, status: str, from_fallback: int) -> str:
        if status == "outage":
            return (f"no fresh rate for any of {len(report.requested)} pairs; the last good "
                    "rates stay current")
        text = f"{len(report.good)} of {len(report.requested)} pairs fresh"
        if from_fallback:
            text += f", {from_fallback} from {FALLBACK.get(report.provider, 'the fallback')}"
        if report.missing:
            text += f", {len(report.missing)} without a fresh rate"
        return text

    # -- alerts ----------------------------------------------------------------------------------
    def _alerts(self, report: LoadReport, calls: list[ProviderCall],
                from_fallback: int) -> list[FxAlert]:
        alerts: list[FxAlert] = []
        primary = calls[0]
        fallback = FALLBACK.get(report.provider)
        stale_note = self._stale_lines(report)
        if not report.good:
            lines = ["No fresh FX rate was stored in this run. Nothing was written; the last",
                     "good rates stay current and are flagged stale as they age.", ""]
            lines += [f"- {c.health.describe()}" for c in calls]
            alerts.append(FxAlert(
                "outage",
                (f"no fresh FX rates: {report.provider} and {fallback} both failed"
                 if fallback else f"no fresh FX rates from {report.provider}"),
                lines + [""] + stale_note, report.provider,
            ))
        elif fallback and not primary.validation.good:
            lines = [f"{report.provider} gave no good rate; {from_fallback} pairs were taken "
                     f"from {fallback}.", ""]
            lines += [f"- {c.health.describe()}" for c in calls]
            if report.missing:
                lines += ["", f"{len(report.missing)} pairs have no fresh rate (not covered by "
                          f"{fallback}): {', '.join(report.missing)}"] + [""] + stale_note
            alerts.append(FxAlert(
                "fallback", f"{report.provider} unavailable: {from_fallback} pairs from "
                f"{fallback}", lines, report.provider,
            ))
        elif report.missing:
            lines = [f"{len(report.missing)} of {len(report.requested)} pairs have no fresh "
                     f"rate: {', '.join(report.missing)}", ""]
            lines += [f"- {c.health.describe()}" for c in calls] + [""] + stale_note
            alerts.append(FxAlert("coverage", f"{len(report.missing)} pairs without a fresh rate",
                                  lines, report.provider))
        if report.held:
            alerts.append(FxAlert(
                "held",
                f"{len(report.held)} rates held back after a jump over "
                f"{self.fx.rules.max_jump_pct}%",
                [f"{f.rate.pair} from {f.rate.source}: {f.detail}" for f in report.held]
                + ["", "A held rate is not used for valuation. If the move is real, release "
                   "it with `cistrade fx release PAIR`."],
                report.provider,
            ))
        if report.rejected or report.unreadable:
            checks = Counter(str(f.check) for f in report.rejected)
            checks.update({"unreadable": len(report.unreadable)} if report.unreadable else {})
            alerts.append(FxAlert(
                "rejected",
                f"{len(report.rejected) + len(report.unreadable)} rates rejected by validation ("
                + ", ".join(f"{n} {c}" for c, n in checks.items()) + ")",
                [f"{f.rate.pair} from {f.rate.source}: {f.check}: {f.detail}"
                 for f in report.rejected]
                + [f"{u.pair} from {u.source}: unreadable: {u.reason}"
                   for u in report.unreadable],
                report.provider,
            ))
        return alerts

    def _stale_lines(self, report: LoadReport) -> list[str]:
        if not report.stale:
            return ["No current rate is stale yet."]
        oldest = max(r.age for r in report.stale)
        return [f"{len(report.stale)} current rates are stale (older than "
                f"{format_age(self.fx.stale_after)}; the oldest is {format_age(oldest)})."]


def run_load(provider: str = "bloomberg", *, settings: Settings, fx: FxSettings,
             endpoints: Endpoints, store: FxStore, run_id: str | None = None,
             pairs: Iterable[str] | None = None) -> LoadReport:
    """One load run of ``provider`` (``bloomberg`` falls back to ``reuters``)."""
    loader = FxLoader(store, settings, fx, endpoints)
    try:
        return loader.run(provider, run_id=run_id, pairs=pairs)
    finally:
        loader.close()


def endpoints_from_env() -> dict[str, ProviderEndpoint | ProviderError]:
    """Each provider's endpoint from ``CISTRADE_<PROVIDER>_URL`` / ``_API_KEY``."""
    from cistrade_core.fx.settings import endpoint_from_env

    out: dict[str, ProviderEndpoint | ProviderError] = {}
    for provider in PROVIDERS:
        try:
            out[provider] = endpoint_from_env(provider)
        except ProviderError as exc:
            out[provider] = exc
    return out
