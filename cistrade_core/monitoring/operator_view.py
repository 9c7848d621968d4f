"""The operator's view: business days × feeds, FX health per provider, unsent mail.

Read in one read-only session (:class:`~.scrape.ReadOnlyWarehouse`) and rendered
as one HTML page (``templates/operator.html.j2``), which the Airflow plugin
serves inside the Airflow UI. Nothing here knows Airflow: the plugin passes the
links to its DAG runs in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from cistrade_core.clock import naive_utc
from cistrade_core.config import Settings
from cistrade_core.feeds import FEEDS
from cistrade_core.monitoring.mail_metrics import OUTBOX, UNSENT
from cistrade_core.monitoring.sql import Query, ScrapeContext
from cistrade_core.warehouse import SCHEMA

#: How many business dates the matrix shows, newest first.
DAYS = 14
#: Unsent mail rows listed at most.
MAIL_ROWS = 50


@dataclass
class Cell:
    """One feed on one business date, as its latest load-history record says."""

    feed: str
    business_date: date
    status: str  # loaded, rejected, held, missing
    rows: int | None = None
    change: float | None = None  # against the last loaded day before
    reason: str = ""
    recorded_at: datetime | None = None
    data_docs: str | None = None  # path inside the Data Docs site

    @property
    def change_text(self) -> str:
        return "" if self.change is None else f"{self.change:+.1%}"


@dataclass
class ProviderHealth:
    provider: str
    last_call: datetime | None
    outcome: str
    role: str
    retries: int
    pairs_requested: int
    pairs_good: int
    error: str | None
    last_success: datetime | None
    current_pairs: int = 0
    stale_pairs: int = 0


@dataclass
class UnsentMail:
    kind: str
    subject: str
    recipients: str
    since: datetime
    state: str
    error: str | None

    def age(self, now: datetime) -> str:
        minutes = int((now - self.since).total_seconds() // 60)
        return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


@dataclass
class OperatorView:
    now: datetime
    days: list[date]
    cells: dict[tuple[date, str], Cell]
    providers: list[ProviderHealth]
    unsent: list[UnsentMail]
    feeds: list[str] = field(default_factory=lambda: list(FEEDS))
    errors: list[str] = field(default_factory=list)

    def cell(self, day: date, feed: str) -> Cell:
        return self.cells[(day, feed)]

    def to_json(self) -> dict[str, Any]:
        return {
            "now": naive_utc(self.now).isoformat(),
            "days": [
                {"business_date": d.isoformat(), "feeds": {
                    f: {"status": c.status, "rows": c.rows, "change": c.change,
                        "reason": c.reason, "data_docs": c.data_docs}
                    for f in self.feeds for c in [self.cell(d, f)]}}
                for d in self.days],
            "providers": [{"provider": p.provider, "outcome": p.outcome, "role": p.role,
                           "last_call": naive_utc(p.last_call).isoformat() if p.last_call else None,
                           "last_success": naive_utc(p.last_success).isoformat() if p.last_success
                           else None, "retries": p.retries, "stale_pairs": p.stale_pairs,
                           "current_pairs": p.current_pairs, "error": p.error}
                          for p in self.providers],
            "unsent": [{"kind": m.kind, "subject": m.subject, "recipients": m.recipients,
                        "since": naive_utc(m.since).isoformat(), "state": m.state, "error": m.error}
                       for m in self.unsent],
            "errors": self.errors,
        }


# -- the matrix ----------------------------------------------------------------------------------
def data_docs_site(settings: Settings) -> Path:
    """The root of the Great Expectations Data Docs site."""
    return settings.data_docs_index.parent


def data_docs_page(settings: Settings, feed: str, day: date) -> str | None:
    """The newest validation page of ``feed`` on ``day`` (path inside the site), if any.

    ``run_suite`` names its runs ``<feed>-<YYYYMMDD>``; GX writes them to
    ``validations/<suite>/<run name>/<run time>/<batch>.html``.
    """
    site = data_docs_site(settings)
    run = site / "validations" / f"gmp_{feed}" / f"{feed}-{day:%Y%m%d}"
    pages = sorted(run.glob("*/*.html")) if run.is_dir() else []
    return pages[-1].relative_to(site).as_posix() if pages else None


def _matrix(query: Query, settings: Settings, days: int
            ) -> tuple[list[date], dict[tuple[date, str], Cell]]:
    rows = query(
        "SELECT h.feed, h.business_date, h.status, h.row_count, h.reason, h.recorded_at "
        f"FROM {SCHEMA}.gmp_load_history h JOIN (SELECT DISTINCT business_date FROM "
        f"{SCHEMA}.gmp_load_history ORDER BY business_date DESC LIMIT {int(days) + 1}) d "
        "ON h.business_date = d.business_date", [])
    latest: dict[tuple[date, str], dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: r["recorded_at"]):
        latest[(r["business_date"], r["feed"])] = r
    all_days = sorted({d for d, _ in latest}, reverse=True)
    shown = all_days[:days]
    cells: dict[tuple[date, str], Cell] = {}
    for day in shown:
        for feed in FEEDS:
            r = latest.get((day, feed))
            if r is None:
                cells[(day, feed)] = Cell(feed, day, "missing",
                                          reason="no load-history record: not arrived or "
                                          "not processed")
                continue
            before = [latest[(d, feed)] for d in all_days
                      if d < day and (d, feed) in latest
                      and latest[(d, feed)]["status"] == "loaded"]
            previous = before[0]["row_count"] if before else None
            change = ((r["row_count"] - previous) / previous
                      if r["row_count"] is not None and previous else None)
            cells[(day, feed)] = Cell(feed, day, r["status"], r["row_count"], change,
                                      r["reason"], r["recorded_at"],
                                      data_docs_page(settings, feed, day))
    return shown, cells


# -- FX health -----------------------------------------------------------------------------------
def _providers(query: Query, ctx: ScrapeContext) -> list[ProviderHealth]:
    from cistrade_core.monitoring import fx_metrics

    rows = query(
        f"SELECT h.* FROM {SCHEMA}.cis_fx_feed_health h JOIN (SELECT provider, max(finished_at) "
        f"AS last FROM {SCHEMA}.cis_fx_feed_health GROUP BY provider) l "
        "ON h.provider = l.provider AND h.finished_at = l.last", [])
    stats: dict[str, dict[str, float]] = {}
    for family in fx_metrics.collect(query, ctx):
        if family.name in ("cistrade_fx_last_success_timestamp_seconds", "cistrade_fx_pairs",
                           "cistrade_fx_stale_pairs"):
            for s in family.samples:
                stats.setdefault(s.labels["provider"], {})[family.name] = s.value
    out = []
    for r in sorted(rows, key=lambda r: r["provider"]):
        p = stats.get(r["provider"], {})
        ok = p.get("cistrade_fx_last_success_timestamp_seconds") or 0
        out.append(ProviderHealth(
            r["provider"], r["finished_at"], r["outcome"], r["role"], r["retries"],
            r["pairs_requested"], r["pairs_good"], r["error"],
            datetime.fromtimestamp(ok, UTC) if ok else None,
            int(p.get("cistrade_fx_pairs", 0)), int(p.get("cistrade_fx_stale_pairs", 0))))
    return out


# -- unsent mail ---------------------------------------------------------------------------------
def _unsent(query: Query, settings: Settings) -> list[UnsentMail]:
    states = ", ".join(f"'{s}'" for s in (*UNSENT, "NO_RECIPIENTS"))
    rows = query(
        f"SELECT topic, subject, recipients, created_at, status, error FROM {OUTBOX} "
        f"WHERE status IN ({states}) ORDER BY created_at LIMIT {MAIL_ROWS}", [])
    return [UnsentMail(r["topic"], r["subject"], r["recipients"], r["created_at"],
                       r["status"], r["error"]) for r in rows]


# -- the whole view ------------------------------------------------------------------------------
def build(query: Query, ctx: ScrapeContext, days: int = DAYS) -> OperatorView:
    """Every part of the view that can be read; a part that cannot says why."""
    errors: list[str] = []

    def part(name: str, read: Callable[[], Any], default: Any) -> Any:
        try:
            return read()
        except Exception as exc:  # a table not created yet, an engine error
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
            return default

    shown, cells = part("GMP load history", lambda: _matrix(query, ctx.settings, days), ([], {}))
    providers = part("FX feed health", lambda: _providers(query, ctx), [])
    unsent = part("unsent mail", lambda: _unsent(query, ctx.settings), [])
    return OperatorView(ctx.now, shown, cells, providers, unsent, errors=errors)


@cache
def _template():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("cistrade_core.monitoring", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("operator.html.j2")


def render(view: OperatorView, *, data_docs_url: Callable[[str], str],
           run_links: Mapping[date, tuple[str, str]] | None = None,
           stale_after: timedelta = timedelta(minutes=30)) -> str:
    """The page. ``run_links`` maps a business date to (run URL, run state)."""
    return _template().render(view=view, data_docs_url=data_docs_url,
                              run_links=run_links or {}, stale_after=stale_after)
