"""FX tables in the warehouse: rates with history, held rates, feed health, runs, alerts.

DDL: ``sql/<engine>/fx_tables.sql``. Every statement binds its values as
parameters. Timestamps are stored as naive UTC and read back as aware UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from cistrade_core.fx.health import FeedHealth, LoadRun
from cistrade_core.fx.models import FxRate, StoredRate, as_utc, utcnow
from cistrade_core.fx.pairs import normalise_pair
from cistrade_core.fx.validation import Failure
from cistrade_core.warehouse import Warehouse

SCHEMA = "gmp_cis"
RATE_COLUMNS = ("pair", "base_ccy", "quote_ccy", "bid", "ask", "mid", "provider_ts", "source",
                "source_id", "run_id", "loaded_at")
_INSERT_CHUNK = 500
#: How rates of one pair rank, as in the view ``cis_fx_rate_current``: newest first,
#: with a 5-minute head start for Bloomberg, the primary source.
_PREFERENCE = ("provider_ts + CASE source WHEN 'bloomberg' THEN INTERVAL 5 MINUTE "
               "ELSE INTERVAL 0 MINUTE END")


def naive_utc(ts: datetime) -> datetime:
    return as_utc(ts).replace(tzinfo=None)


def _placeholders(n: int) -> str:
    return "(" + ", ".join("?" * n) + ")"


class FxStore:
    """Reads and writes the FX tables of one warehouse."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self._schema_ready = False

    def ensure_schema(self) -> None:
        """Create the FX tables (and the GMP tables holding the currency reference data).

        Done once per store object: the DDL is idempotent but not free.
        """
        if self._schema_ready:
            return
        self.warehouse.ensure_gmp_schema()
        self.warehouse.run_sql_file("fx_tables.sql")
        self._schema_ready = True

    def reference_for_run(self) -> tuple[frozenset[str], dict[str, Decimal]]:
        """What validation needs, read in one go: the known currencies and the last mids."""
        with self.warehouse.transaction() as tx:
            currencies = tx.query(
                f"SELECT DISTINCT currency_code FROM {SCHEMA}.gmp_cis_sta_dly_currency_current "
                "WHERE is_active = ?", ["Y"],
            )
            mids = tx.query(f"SELECT pair, mid FROM {SCHEMA}.cis_fx_rate_current")
        return (frozenset(r["currency_code"] for r in currencies),
                {r["pair"]: r["mid"] for r in mids})

    # -- reference data ------------------------------------------------------------------------
    def known_currencies(self) -> frozenset[str]:
        """Active currencies of the current day of the GMP currency reference data."""
        rows = self.warehouse.query(
            f"SELECT DISTINCT currency_code FROM {SCHEMA}.gmp_cis_sta_dly_currency_current "
            "WHERE is_active = ?", ["Y"],
        )
        return frozenset(r["currency_code"] for r in rows)

    # -- writing ---------------------------------------------------------------------------------
    def save_run(self, run: LoadRun, good: Sequence[FxRate], failures: Iterable[Failure],
                 health: Sequence[FeedHealth], held: Iterable[Failure] = ()) -> int:
        """Store a run in one transaction: its good rates, rejected and held rates, the
        feed-health records and the run record. Sets each health record's ``pairs_stored``
        and the run's ``pairs_stored``; returns the number of rates newly written."""
        loaded_at = naive_utc(utcnow())
        with self.warehouse.transaction() as tx:
            written: list[dict[str, Any]] = []
            for start in range(0, len(good), _INSERT_CHUNK):
                chunk = good[start:start + _INSERT_CHUNK]
                params: list[Any] = []
                for r in chunk:
                    params.extend([r.pair, r.base, r.quote, r.bid, r.ask, r.mid,
                                   naive_utc(r.provider_ts), r.source, r.source_id, run.run_id,
                                   loaded_at])
                values = ", ".join(_placeholders(len(RATE_COLUMNS)) for _ in chunk)
                written += tx.query(
                    f"INSERT INTO {SCHEMA}.cis_fx_rate ({', '.join(RATE_COLUMNS)}) VALUES "
                    f"{values} ON CONFLICT DO NOTHING RETURNING source", params,
                )
            for h in health:
                h.pairs_stored = sum(1 for w in written if w["source"] == h.provider)
            run.pairs_stored = len(written)
            held_rows: list[list[Any]] = [
                [run.run_id, f.rate.pair, f.rate.source, f.rate.source_id, f.rate.bid,
                 f.rate.ask, f.rate.mid, naive_utc(f.rate.provider_ts), disposition,
                 str(f.check), f.detail, f.reference_mid, loaded_at]
                for disposition, items in (("rejected", failures), ("held", held))
                for f in items
            ]
            for start in range(0, len(held_rows), _INSERT_CHUNK):
                chunk = held_rows[start:start + _INSERT_CHUNK]
                tx.execute(
                    f"INSERT INTO {SCHEMA}.cis_fx_rate_held VALUES "
                    + ", ".join(_placeholders(13) for _ in chunk),
                    [value for row in chunk for value in row],
                )
            for h in health:
                row = asdict(h)
                row["started_at"] = naive_utc(h.started_at)
                row["finished_at"] = naive_utc(h.finished_at)
                tx.execute(
                    f"INSERT INTO {SCHEMA}.cis_fx_feed_health ({', '.join(row)}) VALUES "
                    f"{_placeholders(len(row))}", list(row.values()),
                )
            row = asdict(run)
            row["started_at"] = naive_utc(run.started_at)
            row["finished_at"] = naive_utc(run.finished_at)
            tx.execute(
                f"INSERT INTO {SCHEMA}.cis_fx_load_run ({', '.join(row)}) VALUES "
                f"{_placeholders(len(row))}", list(row.values()),
            )
        return len(written)

    def record_alert(self, run_id: str, kind: str, provider: str | None, subject: str,
                     recipients: Sequence[str], sent: bool, error: str | None) -> None:
        self.warehouse.execute(
            f"INSERT INTO {SCHEMA}.cis_fx_alert VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, kind, provider, subject, ", ".join(recipients), sent, error,
             naive_utc(utcnow())],
        )

    def release_held(self, pair: str, run_id: str) -> FxRate | None:
        """Store the latest held (jumped) rate of ``pair`` as good, once a person checked it.

        Later rates are then measured against it. Returns the released rate, or ``None``
        when ``pair`` has no held rate.
        """
        pair = normalise_pair(pair)
        with self.warehouse.transaction() as tx:
            rows = tx.query(
                f"SELECT * FROM {SCHEMA}.cis_fx_rate_held WHERE pair = ? AND disposition = ? "
                "ORDER BY recorded_at DESC, provider_ts DESC LIMIT 1", [pair, "held"],
            )
            if not rows:
                return None
            held = rows[0]
            rate = FxRate(pair, held["bid"], held["ask"], held["mid"],
                          as_utc(held["provider_ts"]), held["source"], held["source_id"] or "")
            tx.execute(
                f"INSERT INTO {SCHEMA}.cis_fx_rate ({', '.join(RATE_COLUMNS)}) VALUES "
                f"{_placeholders(len(RATE_COLUMNS))} ON CONFLICT DO NOTHING",
                [rate.pair, rate.base, rate.quote, rate.bid, rate.ask, rate.mid,
                 held["provider_ts"], rate.source, rate.source_id, run_id,
                 naive_utc(utcnow())],
            )
            tx.execute(
                f"UPDATE {SCHEMA}.cis_fx_rate_held SET disposition = ? WHERE pair = ? "
                "AND disposition = ?", ["released", pair, "held"],
            )
        return rate

    # -- reading ---------------------------------------------------------------------------------
    @staticmethod
    def _stored(row: dict[str, Any], now: datetime, stale_after: timedelta | None) -> StoredRate:
        ts = as_utc(row["provider_ts"])
        age = now - ts
        return StoredRate(
            pair=row["pair"], bid=row["bid"], ask=row["ask"], mid=row["mid"], provider_ts=ts,
            source=row["source"], source_id=row["source_id"],
            loaded_at=as_utc(row["loaded_at"]) if row.get("loaded_at") else None,
            run_id=row.get("run_id"), age=age,
            stale=stale_after is not None and age > stale_after,
        )

    def current_rates(self, pairs: Iterable[str] | None = None, *, now: datetime | None = None,
                      stale_after: timedelta | None = None) -> list[StoredRate]:
        """The current rate of each pair (all pairs, or ``pairs``), with age and staleness."""
        now = as_utc(now or utcnow())
        sql = f"SELECT * FROM {SCHEMA}.cis_fx_rate_current"
        params: list[Any] = []
        wanted = [normalise_pair(p) for p in pairs] if pairs is not None else None
        if wanted is not None:
            if not wanted:
                return []
            sql += f" WHERE pair IN {_placeholders(len(wanted))}"
            params = list(wanted)
        rows = self.warehouse.query(sql + " ORDER BY pair", params)
        return [self._stored(r, now, stale_after) for r in rows]

    def rates_as_of(self, at: datetime, *, stale_after: timedelta | None = None
                    ) -> dict[str, StoredRate]:
        """Each pair's current rate as it was at ``at`` (the view's ranking over the rates
        quoted at or before ``at``), aged relative to ``at``."""
        at = as_utc(at)
        rows = self.warehouse.query(
            f"SELECT * FROM {SCHEMA}.cis_fx_rate WHERE provider_ts <= ? "
            f"QUALIFY row_number() OVER (PARTITION BY pair ORDER BY {_PREFERENCE} DESC, "
            "provider_ts DESC) = 1",
            [naive_utc(at)],
        )
        return {r["pair"]: self._stored(r, at, stale_after) for r in rows}

    def last_mids(self) -> dict[str, Decimal]:
        """The current mid of every pair (what the jump check compares against)."""
        rows = self.warehouse.query(f"SELECT pair, mid FROM {SCHEMA}.cis_fx_rate_current")
        return {r["pair"]: r["mid"] for r in rows}

    def history(self, pair: str, limit: int = 100) -> list[StoredRate]:
        rows = self.warehouse.query(
            f"SELECT * FROM {SCHEMA}.cis_fx_rate WHERE pair = ? "
            "ORDER BY provider_ts DESC, source LIMIT ?", [normalise_pair(pair), limit],
        )
        now = utcnow()
        return [self._stored(r, now, None) for r in rows]

    def feed_health(self, run_id: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        if run_id:
            return self.warehouse.query(
                f"SELECT * FROM {SCHEMA}.cis_fx_feed_health WHERE run_id = ? "
                "ORDER BY started_at", [run_id])
        return self.warehouse.query(
            f"SELECT * FROM {SCHEMA}.cis_fx_feed_health ORDER BY started_at DESC LIMIT ?",
            [limit])

    def load_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        return self.warehouse.query(
            f"SELECT * FROM {SCHEMA}.cis_fx_load_run ORDER BY started_at DESC LIMIT ?", [limit])

    def held_rates(self, run_id: str | None = None) -> list[dict[str, Any]]:
        sql = f"SELECT * FROM {SCHEMA}.cis_fx_rate_held"
        params: list[Any] = []
        if run_id:
            sql += " WHERE run_id = ?"
            params.append(run_id)
        return self.warehouse.query(sql + " ORDER BY recorded_at, pair", params)

    def alerts(self, run_id: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        sql = f"SELECT * FROM {SCHEMA}.cis_fx_alert WHERE 1 = 1"
        params: list[Any] = []
        for column, value in (("run_id", run_id), ("kind", kind)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        return self.warehouse.query(sql + " ORDER BY raised_at", params)

    def count_rates(self) -> int:
        return self.warehouse.query(f"SELECT count(*) AS n FROM {SCHEMA}.cis_fx_rate")[0]["n"]
