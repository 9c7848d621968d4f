"""The queries reports run. Each takes the warehouse and the run's parameters."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from cistrade_core.clock import utcnow
from cistrade_core.reports.data import Kind, ReportColumn, ReportData
from cistrade_core.warehouse import SCHEMA

if TYPE_CHECKING:  # the warehouse (DuckDB, Arrow) is imported only where a query runs
    from cistrade_core.warehouse import Warehouse


@dataclass(frozen=True)
class ReportParams:
    """The as-of date of a run and the date range its period covers."""

    as_of: date
    start: date
    end: date
    period: str

    @classmethod
    def for_period(cls, as_of: date, period: str) -> ReportParams:
        if period == "day":
            return cls(as_of, as_of, as_of, period)
        if period == "week":
            return cls(as_of, as_of - timedelta(days=6), as_of, period)
        if period == "month":
            last = calendar.monthrange(as_of.year, as_of.month)[1]
            return cls(as_of, as_of.replace(day=1), as_of.replace(day=last), period)
        raise ValueError(f"unknown period {period!r}")

    def as_dict(self) -> dict[str, str]:
        if self.period == "day":
            return {"business date": self.as_of.isoformat()}
        return {"period": self.period, "from": self.start.isoformat(), "to": self.end.isoformat()}


Query = Callable[["Warehouse", ReportParams], ReportData]
QUERIES: dict[str, Query] = {}


def query(name: str) -> Callable[[Query], Query]:
    def register(fn: Query) -> Query:
        QUERIES[name] = fn
        return fn

    return register


C = ReportColumn


@query("gmp_load_summary")
def gmp_load_summary(warehouse: Warehouse, p: ReportParams) -> ReportData:
    """Per feed and business day: the latest load attempt, its rows, status, reason, alerts."""
    from cistrade_core.notify import mails
    from cistrade_core.schema import ensure_core_schema

    ensure_core_schema(warehouse)  # the GMP tables, and the mail outbox holding the alerts
    rows = warehouse.query(
        f"""
        SELECT business_date, feed, status, row_count, extract_timestamp, recorded_at,
               override, reason
        FROM (
            SELECT h.*, row_number() OVER (PARTITION BY feed, business_date
                                           ORDER BY recorded_at DESC) AS rn
            FROM {SCHEMA}.gmp_load_history AS h WHERE business_date BETWEEN ? AND ?
        ) AS latest
        WHERE rn = 1
        ORDER BY business_date, CASE feed WHEN 'currency' THEN 1 WHEN 'country' THEN 2
                                          WHEN 'calendar' THEN 3 ELSE 4 END
        """,
        [p.start, p.end],
    )
    # Alerts per feed and day, counted here: string aggregation is spelled differently
    # by every engine.
    alerts: dict[tuple[str, date], list[str]] = {}
    for a in mails(warehouse, topic="gmp", between=(p.start, p.end)):
        alerts.setdefault((a["feed"], a["business_date"]), []).append(
            a["topic"].removeprefix("gmp."))
    for r in rows:
        kinds = alerts.get((r["feed"], r["business_date"]), [])
        r["alerts"], r["kinds"] = len(kinds), ", ".join(sorted(set(kinds)))
    columns = [
        C("business_date", "Business date", Kind.DATE), C("feed", "Feed"),
        C("status", "Status"), C("row_count", "Rows", Kind.INT),
        C("extract_timestamp", "Extract (UTC)", Kind.DATETIME),
        C("recorded_at", "Checked (UTC)", Kind.DATETIME), C("alerts", "Alerts", Kind.INT),
        C("kinds", "Alert kinds"), C("override", "Override", Kind.BOOL), C("reason", "Reason"),
    ]
    data = [tuple(r[c.name] for c in columns) for r in rows]
    loaded = sum(1 for r in rows if r["status"] == "loaded")
    return ReportData(columns, data, p.as_dict(), {"feeds": len(rows), "loaded": loaded,
                                                    "not_loaded": len(rows) - loaded})


@query("fx_rates_snapshot")
def fx_rates_snapshot(warehouse: Warehouse, p: ReportParams) -> ReportData:
    """Each pair's current rate at the end of the as-of day, with source, age and staleness."""
    from cistrade_core.fx.settings import FxSettings
    from cistrade_core.fx.store import FxStore

    store = FxStore(warehouse)
    store.ensure_schema()
    at = datetime.combine(p.as_of + timedelta(days=1), time(0), UTC)
    now = utcnow()
    at = min(at, now)
    stale_after = FxSettings.from_env().stale_after
    rates = store.rates_as_of(at, stale_after=stale_after)
    columns = [
        C("pair", "Pair"), C("bid", "Bid", Kind.DECIMAL, 6), C("ask", "Ask", Kind.DECIMAL, 6),
        C("mid", "Mid", Kind.DECIMAL, 6), C("source", "Source"),
        C("provider_ts", "Quoted (UTC)", Kind.DATETIME),
        C("age_minutes", "Age (min)", Kind.INT), C("stale", "Stale", Kind.BOOL),
    ]
    rows = [
        (r.pair, r.bid, r.ask, r.mid, r.source, r.provider_ts.replace(tzinfo=None),
         int(r.age.total_seconds() // 60), r.stale)
        for r in sorted(rates.values(), key=lambda r: r.pair)
    ]
    params = {**p.as_dict(), "as of (UTC)": at.strftime("%Y-%m-%d %H:%M")}
    return ReportData(columns, rows, params,
                      {"pairs": len(rows), "stale": sum(1 for r in rows if r[-1])})


def _core_schema(warehouse: Warehouse) -> None:
    from cistrade_core.schema import ensure_core_schema

    ensure_core_schema(warehouse)


def _window(p: ReportParams) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in UTC."""
    return (datetime.combine(p.start, time(0), UTC),
            datetime.combine(p.end + timedelta(days=1), time(0), UTC))


def _hours_between(start: datetime, end: datetime) -> int:
    """Hour boundaries crossed from ``start`` to ``end`` (as SQL ``date_diff('hour', ...)``)."""
    def hour(ts: datetime) -> datetime:
        return ts.replace(minute=0, second=0, microsecond=0)

    return (hour(end) - hour(start)) // timedelta(hours=1)


@query("pending_approvals")
def pending_approvals(warehouse: Warehouse, p: ReportParams) -> ReportData:
    """Portfolios and changes waiting for a checker at the end of the as-of day."""
    _core_schema(warehouse)
    _, until = _window(p)
    rows = warehouse.query(
        f"""
        SELECT portfolio_code, portfolio_name, desk, owner, status, pending_action,
               submitted_by, submitted_at, version
        FROM {SCHEMA}.cis_portfolio
        WHERE (status = 'PENDING_APPROVAL' OR pending_status = 'PENDING_APPROVAL')
          AND submitted_at < ?
        ORDER BY submitted_at
        """,
        [until],
    )
    for r in rows:
        r["change"] = "CREATE" if r["status"] == "PENDING_APPROVAL" else r["pending_action"]
        r["waiting_hours"] = _hours_between(r["submitted_at"], until)
    columns = [
        C("portfolio_code", "Portfolio"), C("portfolio_name", "Name"), C("desk", "Desk"),
        C("owner", "Owner"), C("change", "Change"), C("submitted_by", "Submitted by"),
        C("submitted_at", "Submitted (UTC)", Kind.DATETIME),
        C("waiting_hours", "Waiting (h)", Kind.INT), C("version", "Version", Kind.INT),
    ]
    data = [tuple(r[c.name] for c in columns) for r in rows]
    oldest = max((r["waiting_hours"] for r in rows), default=0)
    return ReportData(columns, data, p.as_dict(), {"pending": len(rows), "oldest_hours": oldest})


@query("portfolio_activity")
def portfolio_activity(warehouse: Warehouse, p: ReportParams) -> ReportData:
    """Every portfolio change of the period, from the version history."""
    _core_schema(warehouse)
    start, until = _window(p)
    rows = warehouse.query(
        f"""
        SELECT action_at, portfolio_code, version, action, actor, status, base_currency, desk,
               reason
        FROM {SCHEMA}.cis_portfolio_history
        WHERE action_at >= ? AND action_at < ?
        ORDER BY action_at, portfolio_code, version
        """,
        [start, until],
    )
    columns = [
        C("action_at", "When (UTC)", Kind.DATETIME), C("portfolio_code", "Portfolio"),
        C("version", "Version", Kind.INT), C("action", "Action"), C("actor", "By"),
        C("status", "Status"), C("base_currency", "Ccy"), C("desk", "Desk"),
        C("reason", "Reason"),
    ]
    data = [tuple(r[c.name] for c in columns) for r in rows]
    portfolios = len({r["portfolio_code"] for r in rows})
    return ReportData(columns, data, p.as_dict(), {"changes": len(rows),
                                                    "portfolios": portfolios})


@query("audit_log_extract")
def audit_log_extract(warehouse: Warehouse, p: ReportParams) -> ReportData:
    """The audit log of the period: every operation, refused ones included."""
    _core_schema(warehouse)
    start, until = _window(p)
    rows = warehouse.query(
        f"""
        SELECT event_time, user_login, action, entity_type, entity_id, outcome, detail
        FROM {SCHEMA}.cis_audit_log
        WHERE event_time >= ? AND event_time < ?
        ORDER BY event_time, event_id
        """,
        [start, until],
    )
    columns = [
        C("event_time", "When (UTC)", Kind.DATETIME), C("user_login", "User"),
        C("action", "Action"), C("entity_type", "Entity"), C("entity_id", "Id"),
        C("outcome", "Outcome"), C("detail", "Detail"),
    ]
    data = [tuple(r[c.name] for c in columns) for r in rows]
    refused = sum(1 for r in rows if r["outcome"] != "SUCCESS")
    return ReportData(columns, data, p.as_dict(), {"events": len(rows), "refused": refused})
