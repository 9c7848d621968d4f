"""The transactional tables (core, FX, reports): what a table is, and how to find one.

A :class:`TableSpec` holds a table's columns (Impala/Kudu types), primary key, Kudu
partitioning and the constraints DuckDB enforces; every table is declared once in
:mod:`cistrade_core.warehouse.definitions`, and the DDL of each engine is rendered
from there (:mod:`cistrade_core.warehouse.table_ddl`). ``append_only`` tables only
ever receive new rows: never updated, deleted or upserted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from cistrade_core.errors import CoreError
from cistrade_core.warehouse.ddl import SCHEMA

#: The column types a table may use (Impala's names; Kudu stores each natively).
TYPE = re.compile(r"^(STRING|BIGINT|INT|BOOLEAN|TIMESTAMP|DATE|DOUBLE|DECIMAL\(\d+,\d+\))$")


class TableSpecError(CoreError, ValueError):
    """A table declaration Kudu (or the library) would not accept."""


@dataclass(frozen=True)
class Col:
    """One column. ``allowed`` becomes a DuckDB ``CHECK (... IN ...)`` and ``unique`` a
    DuckDB ``UNIQUE``; on Kudu, which has neither, the library enforces them."""

    name: str
    type: str
    nullable: bool = True
    comment: str = ""
    allowed: tuple[str, ...] = ()
    unique: bool = False


@dataclass(frozen=True)
class TableSpec:
    """One transactional table.

    ``cols`` are in reading order (DuckDB's); :attr:`columns` puts the key first,
    as Kudu requires. Kudu hash-partitions on the first key column into
    ``hash_partitions`` buckets; ``by_year`` adds range partitions by year on that
    (timestamp) key column. ``duckdb_key`` is the key DuckDB enforces where it
    differs from Kudu's (``()``: none); ``duckdb=False`` leaves the table out of
    DuckDB, whose transactions need it not (the row claims).
    """

    name: str                     # unqualified, e.g. cis_portfolio
    ddl_file: str | None          # the sql/duckdb file holding it
    cols: tuple[Col, ...]
    key: tuple[str, ...]
    comment: str = ""
    hash_partitions: int = 2
    by_year: str | None = None
    append_only: bool = False
    duckdb_key: tuple[str, ...] | None = None
    duckdb: bool = True

    def __post_init__(self) -> None:
        names = [c.name for c in self.cols]
        if not self.key:
            raise TableSpecError(f"{self.name}: no PRIMARY KEY")
        if len(set(names)) != len(names):
            raise TableSpecError(f"{self.name}: a column is declared twice")
        for c in self.cols:
            if not TYPE.match(c.type):
                raise TableSpecError(f"{self.name}: cannot store column {c.name} of type "
                                     f"{c.type!r} in Kudu")
        by_name = {c.name: c for c in self.cols}
        for k in self.key:
            if k not in by_name or by_name[k].nullable:
                raise TableSpecError(f"{self.name}: key column {k} must be a NOT NULL column")
        if self.by_year and (self.by_year not in self.key
                             or by_name[self.by_year].type != "TIMESTAMP"):
            raise TableSpecError(f"{self.name}: range partition column {self.by_year} must be "
                                 "a TIMESTAMP key column")
        if self.hash_partitions < 2:
            raise TableSpecError(f"{self.name}: at least two hash partitions")

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names, key first (Kudu's order, and the row logs')."""
        return (*self.key, *(c.name for c in self.cols if c.name not in self.key))

    @property
    def types(self) -> tuple[str, ...]:
        """Impala/Hive types, in :attr:`columns` order."""
        return tuple(self.column(c).type for c in self.columns)

    def column(self, name: str) -> Col:
        for col in self.cols:
            if col.name == name:
                return col
        raise KeyError(f"{self.qualified} has no column {name!r}")

    @property
    def required(self) -> list[str]:
        return [c for c in self.columns if not self.column(c).nullable]

    @property
    def qualified(self) -> str:
        return f"{SCHEMA}.{self.name}"

    def key_of(self, row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row[c] for c in self.key)

    def check_columns(self, columns: Any) -> None:
        unknown = [c for c in columns if c not in self.columns]
        if unknown:
            raise ValueError(f"{self.qualified} has no column(s) {', '.join(unknown)}")


@dataclass(frozen=True)
class View:
    """A view over the transactional tables; ``select`` is portable (DuckDB, Impala, Hive)."""

    name: str
    ddl_file: str
    comment: str
    select: str

    @property
    def qualified(self) -> str:
        return f"{SCHEMA}.{self.name}"


@cache
def table_specs() -> dict[str, TableSpec]:
    """Every transactional table, by unqualified name."""
    from cistrade_core.warehouse.definitions import TABLES

    return {t.name: t for t in TABLES}


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
