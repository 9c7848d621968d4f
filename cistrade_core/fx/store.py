"""FX tables in the warehouse: rates with history, held rates, feed health, runs.

The tables are created by ``cistrade db upgrade`` (:mod:`cistrade_core.schema`). Writes are the
warehouse's row operations (engine-neutral: DuckDB, Impala/Kudu, Hive); reads are
SQL that DuckDB, Spark SQL and Impala all accept, with every value bound as a
parameter. Timestamps are stored as naive UTC and read back as aware UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from cistrade_core.clock import as_utc, utcnow
from cistrade_core.fx.health import FeedHealth, LoadRun, Unreadable
from cistrade_core.fx.models import FxRate, StoredRate
from cistrade_core.fx.pairs import normalise_pair
from cistrade_core.fx.validation import Check, Failure, storage_range
from cistrade_core.warehouse import SCHEMA, Warehouse
from cistrade_core.warehouse.tables import table_spec

RATES = "cis_fx_rate"
HELD = "cis_fx_rate_held"
#: How rates of one pair rank, as in the view ``cis_fx_rate_current``: newest first,
#: with a 5-minute head start for Bloomberg, the primary source.
PREFERENCE = ("CASE source WHEN 'bloomberg' THEN provider_ts + INTERVAL 5 MINUTES "
              "ELSE provider_ts END")

_ACTIVE_CURRENCIES = (f"SELECT DISTINCT currency_code FROM {SCHEMA}."
                      "gmp_cis_sta_dly_currency_current WHERE is_active = ?")
_CURRENT_MIDS = f"SELECT pair, mid FROM {SCHEMA}.cis_fx_rate_current"


def _placeholders(n: int) -> str:
    return "(" + ", ".join("?" * n) + ")"


def first_rate_per(partition: str, order: str, where: str) -> str:
    """SELECT the first rate of each ``partition`` in ``order`` among the rates matching
    ``where``, as a ``row_number()`` subquery every engine accepts."""
    columns = ", ".join(table_spec(RATES).columns)
    return (f"SELECT {columns} FROM (SELECT r.*, row_number() OVER (PARTITION BY {partition} "
            f"ORDER BY {order}) AS rn FROM {SCHEMA}.{RATES} AS r WHERE {where}) AS ranked "
            "WHERE rn = 1")


def _rate_row(rate: FxRate, run_id: str, loaded_at: datetime) -> dict[str, Any]:
    """``rate`` as a row of ``cis_fx_rate``."""
    return {"pair": rate.pair, "provider_ts": rate.provider_ts, "source": rate.source,
            "base_ccy": rate.base, "quote_ccy": rate.quote, "bid": rate.bid, "ask": rate.ask,
            "mid": rate.mid, "source_id": rate.source_id, "run_id": run_id,
            "loaded_at": loaded_at}


#: The most characters of a provider's text kept in a held row.
MAX_DETAIL = 500


def _stored_number(value: Decimal | None) -> Decimal | None:
    """``value`` if the table's DECIMAL holds it, else NULL (the detail says what it was)."""
    return value if storage_range().fits(value) else None


def _held_row(failure: Failure, disposition: str, run_id: str, recorded_at: datetime
              ) -> dict[str, Any]:
    """A rejected or held rate as a row of ``cis_fx_rate_held``."""
    r = failure.rate
    return {"run_id": run_id, "pair": r.pair, "source": r.source,
            "source_id": r.source_id[:100], "bid": _stored_number(r.bid),
            "ask": _stored_number(r.ask), "mid": _stored_number(r.mid),
            "provider_ts": r.provider_ts, "disposition": disposition,
            "check_name": str(failure.check), "detail": failure.detail[:MAX_DETAIL],
            "reference_mid": failure.reference_mid, "recorded_at": recorded_at}


def _unreadable_row(record: Unreadable, run_id: str, recorded_at: datetime) -> dict[str, Any]:
    """A record of an answer that could not be read, as a rejected row without numbers."""
    return {"run_id": run_id, "pair": record.pair, "source": record.source,
            "source_id": None, "bid": None, "ask": None, "mid": None, "provider_ts": None,
            "disposition": "rejected", "check_name": str(Check.UNREADABLE),
            "detail": record.reason[:MAX_DETAIL], "reference_mid": None,
            "recorded_at": recorded_at}


def _timed_row(record: FeedHealth | LoadRun) -> dict[str, Any]:
    """A feed-health or run record as a row."""
    return asdict(record)


def _unique(table: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` without repeats of a key of ``table`` (the first one stays)."""
    spec = table_spec(table)
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        out.setdefault(spec.key_of(row), row)
    return list(out.values())


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
        from cistrade_core.schema import ensure_core_schema

        ensure_core_schema(self.warehouse)
        self._schema_ready = True

    def reference_for_run(self) -> tuple[frozenset[str], dict[str, Decimal]]:
        """What validation needs, read in one go: the known currencies and the last mids."""
        with self.warehouse.transaction() as tx:
            currencies = tx.query(_ACTIVE_CURRENCIES, ["Y"])
            mids = tx.query(_CURRENT_MIDS)
        return (frozenset(r["currency_code"] for r in currencies),
                {r["pair"]: r["mid"] for r in mids})

    # -- reference data ------------------------------------------------------------------------
    def known_currencies(self) -> frozenset[str]:
        """Active currencies of the current day of the GMP currency reference data."""
        rows = self.warehouse.query(_ACTIVE_CURRENCIES, ["Y"])
        return frozenset(r["currency_code"] for r in rows)

    # -- writing ---------------------------------------------------------------------------------
    def save_run(self, run: LoadRun, good: Sequence[FxRate], failures: Iterable[Failure],
                 health: Sequence[FeedHealth], held: Iterable[Failure] = (),
                 unreadable: Iterable[Unreadable] = ()) -> int:
        """Store a run in one unit of work: its good rates, rejected and held rates, the
        feed-health records and the run record. Sets each health record's ``pairs_stored``
        and the run's ``pairs_stored``; returns the number of rates newly written.

        A rate already stored (same pair, provider time and source) is not written again;
        a key repeated within the run is stored once (the first).
        """
        loaded_at = utcnow()
        rates = _unique(RATES, (_rate_row(r, run.run_id, loaded_at) for r in good))
        set_aside = _unique(HELD, [
            *(_held_row(f, disposition, run.run_id, loaded_at)
              for disposition, items in (("rejected", failures), ("held", held)) for f in items),
            *(_unreadable_row(u, run.run_id, loaded_at) for u in unreadable),
        ])
        with self.warehouse.transaction() as tx:
            written = tx.insert_new(RATES, rates)
            for h in health:
                h.pairs_stored = sum(1 for w in written if w["source"] == h.provider)
            run.pairs_stored = len(written)
            tx.insert(HELD, set_aside)
            tx.insert("cis_fx_feed_health", [_timed_row(h) for h in health])
            tx.insert("cis_fx_load_run", [_timed_row(run)])
        return len(written)

    def release_held(self, pair: str, run_id: str) -> FxRate | None:
        """Store the latest held (jumped) rate of ``pair`` as good, once a person checked it.

        Later rates are then measured against it. Returns the released rate, or ``None``
        when ``pair`` has no held rate.
        """
        pair = normalise_pair(pair)
        with self.warehouse.transaction() as tx:
            rows = tx.query(
                f"SELECT * FROM {SCHEMA}.{HELD} WHERE pair = ? AND disposition = ? "
                "ORDER BY recorded_at DESC, provider_ts DESC LIMIT 1", [pair, "held"],
            )
            if not rows:
                return None
            held = rows[0]
            rate = FxRate(pair, held["bid"], held["ask"], held["mid"],
                          as_utc(held["provider_ts"]), held["source"], held["source_id"] or "")
            tx.insert_new(RATES, [_rate_row(rate, run_id, utcnow())])
            tx.update(HELD, {"disposition": "released"}, {"pair": pair, "disposition": "held"})
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
            first_rate_per("pair", f"{PREFERENCE} DESC, provider_ts DESC", "provider_ts <= ?"),
            [at],
        )
        return {r["pair"]: self._stored(r, at, stale_after) for r in rows}

    def last_mids(self) -> dict[str, Decimal]:
        """The current mid of every pair (what the jump check compares against)."""
        rows = self.warehouse.query(_CURRENT_MIDS)
        return {r["pair"]: r["mid"] for r in rows}

    def history(self, pair: str, limit: int = 100) -> list[StoredRate]:
        rows = self.warehouse.query(
            f"SELECT * FROM {SCHEMA}.{RATES} WHERE pair = ? "
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
        sql = f"SELECT * FROM {SCHEMA}.{HELD}"
        params: list[Any] = []
        if run_id:
            sql += " WHERE run_id = ?"
            params.append(run_id)
        return self.warehouse.query(sql + " ORDER BY recorded_at, pair", params)

    def count_rates(self) -> int:
        return self.warehouse.query(f"SELECT count(*) AS n FROM {SCHEMA}.{RATES}")[0]["n"]
