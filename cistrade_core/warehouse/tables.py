"""The transactional tables (core, FX, reports): names, columns, keys and how they change.

One definition serves every engine: ``sql/impala/kudu_tables.sql`` is read back
(:func:`cistrade_core.warehouse.kudu.kudu_tables`) for the columns and primary
keys; :data:`APPEND_ONLY` says which tables only ever receive new rows. The
DuckDB DDL in ``sql/duckdb`` declares the same columns and keys (checked by tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from cistrade_core.warehouse.ddl import SCHEMA

#: Tables that are only appended to: never updated, deleted or upserted.
APPEND_ONLY = frozenset({
    "cis_audit_log", "cis_portfolio_history", "cis_fx_rate", "cis_fx_feed_health",
    "cis_fx_load_run", "cis_report_run", "cis_row_claim",
})


@dataclass(frozen=True)
class TableSpec:
    name: str                     # unqualified, e.g. cis_portfolio
    columns: tuple[str, ...]
    key: tuple[str, ...]
    types: tuple[str, ...]        # Impala/Hive types, in column order

    @property
    def qualified(self) -> str:
        return f"{SCHEMA}.{self.name}"

    @property
    def append_only(self) -> bool:
        return self.name in APPEND_ONLY

    def key_of(self, row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row[c] for c in self.key)

    def check_columns(self, columns: Any) -> None:
        unknown = [c for c in columns if c not in self.columns]
        if unknown:
            raise ValueError(f"{self.qualified} has no column(s) {', '.join(unknown)}")


@cache
def table_specs() -> dict[str, TableSpec]:
    """Every transactional table, by unqualified name."""
    from cistrade_core.warehouse.kudu import kudu_tables

    return {
        name: TableSpec(name, tuple(t.column_names), tuple(t.primary_key),
                        tuple(c.type for c in t.columns))
        for name, t in kudu_tables().items()
    }


def table_spec(name: str) -> TableSpec:
    """The table ``name`` (``cis_x`` or ``gmp_cis.cis_x``)."""
    short = name.removeprefix(f"{SCHEMA}.")
    try:
        return table_specs()[short]
    except KeyError:
        raise KeyError(f"{name} is not a transactional table; known: "
                       f"{', '.join(sorted(table_specs()))}") from None


@dataclass(frozen=True)
class Lt:
    """``column < value`` in a ``where`` mapping (plain values mean ``=``, None ``IS NULL``)."""

    value: Any


def where_sql(where: dict[str, Any]) -> tuple[str, list[Any]]:
    """``where`` as SQL with ``?`` placeholders, and its parameters."""
    parts, params = [], []
    for column, value in where.items():
        if value is None:
            parts.append(f"{column} IS NULL")
        elif isinstance(value, Lt):
            parts.append(f"{column} < ?")
            params.append(value.value)
        else:
            parts.append(f"{column} = ?")
            params.append(value)
    return (" AND ".join(parts) or "1 = 1"), params


def matches(row: dict[str, Any], where: dict[str, Any]) -> bool:
    """Whether ``row`` satisfies ``where`` (as :func:`where_sql` would select it)."""
    for column, value in where.items():
        have = row[column]
        if value is None:
            if have is not None:
                return False
        elif isinstance(value, Lt):
            if have is None or not have < value.value:
                return False
        elif have != value:
            return False
    return True
