"""The building blocks of a declarative feed definition.

A :class:`Feed` says everything CisTrade knows about one GMP file: its columns,
their types and rules, keys and references. Parsing, the pandera schemas, the
Great Expectations suites, the warehouse DDL and the sample generator all read
it; none of them keeps its own column list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class ColumnType(StrEnum):
    """Logical column types of the contract. A value of the wrong type is a format error."""

    STRING = "string"
    CHAR = "char"  # fixed length, ``Column.length``
    INT = "int"
    DATE = "date"  # YYYY-MM-DD, a real date
    TIMESTAMP = "timestamp"  # ISO-8601 UTC, e.g. 2026-11-27T18:04:11Z (or +00:00)


#: Regular expressions each type's text must match (before any rule is looked at).
TYPE_PATTERNS: dict[ColumnType, str] = {
    ColumnType.INT: r"^-?[0-9]+$",
    ColumnType.DATE: r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    # ISO-8601 extended format to the second (a fraction down to microseconds), in UTC.
    ColumnType.TIMESTAMP: (
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|\+00:00)$"
    ),
}


@dataclass(frozen=True)
class Reference:
    """A foreign key into a feed of the same business day (possibly the same feed)."""

    feed: str
    column: str


@dataclass(frozen=True)
class Column:
    """One column: its type (format) and its data-quality rules."""

    name: str
    type: ColumnType
    description: str
    length: int | None = None
    nullable: bool = True
    unique: bool = False
    pattern: str | None = None
    pattern_description: str | None = None
    allowed: tuple[str, ...] | None = None
    min_value: int | None = None
    max_value: int | None = None
    lei_checksum: bool = False
    references: Reference | None = None
    #: Another column of the same line this one must not equal ("another counterparty_id").
    differs_from: str | None = None

    def __post_init__(self) -> None:
        if self.type is ColumnType.CHAR and not self.length:
            raise ValueError(f"column {self.name}: char needs a length")

    @property
    def sql_type(self) -> str:
        """The portable SQL type used by every engine's DDL."""
        return {
            ColumnType.STRING: "STRING",
            ColumnType.CHAR: "STRING",
            ColumnType.INT: "INT",
            ColumnType.DATE: "DATE",
            ColumnType.TIMESTAMP: "TIMESTAMP",
        }[self.type]

    @property
    def type_label(self) -> str:
        return f"char({self.length})" if self.type is ColumnType.CHAR else str(self.type)


@dataclass(frozen=True)
class Feed:
    """One GMP reference-data feed."""

    name: str
    description: str
    columns: tuple[Column, ...]
    expected_rows: int
    unique_together: tuple[tuple[str, ...], ...] = field(default_factory=tuple)

    @property
    def table(self) -> str:
        """The warehouse table (and the file-name stem), e.g. ``gmp_cis_sta_dly_currency``."""
        return f"gmp_cis_sta_dly_{self.name}"

    @property
    def current_view(self) -> str:
        return f"{self.table}_current"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def header(self) -> str:
        return "|".join(self.column_names)

    @property
    def references(self) -> dict[str, Reference]:
        return {c.name: c.references for c in self.columns if c.references}

    @property
    def upstream_feeds(self) -> list[str]:
        """Other feeds whose same-day data this feed's references need."""
        return sorted({r.feed for r in self.references.values() if r.feed != self.name})

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"feed {self.name} has no column {name!r}")

    def data_file_name(self, business_date: date) -> str:
        return f"{self.table}_{business_date:%Y%m%d}.csv"

    def control_file_name(self, business_date: date) -> str:
        return f"{self.table}_{business_date:%Y%m%d}.ctl"
