"""Tables partitioned by a date, loaded one partition at a time from Arrow data.

A :class:`PartitionedTable` is all an engine needs to know about such a table:
its name, its columns with their portable types (``STRING``, ``INT``, ``DATE``,
``TIMESTAMP``) and the partition column. The data handed to
:meth:`~cistrade_core.warehouse.base.Warehouse.replace_partition` holds the
columns as text, exactly as validated by whoever loads it; each engine types
them on the way in. The warehouse knows nothing of what the rows mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cistrade_core.warehouse.ddl import SCHEMA

PORTABLE_TYPES = ("STRING", "INT", "DATE", "TIMESTAMP")


@dataclass(frozen=True)
class DataColumn:
    """One column of a partitioned table."""

    name: str
    type: str  # one of PORTABLE_TYPES
    nullable: bool = True
    comment: str = ""

    def __post_init__(self) -> None:
        if self.type not in PORTABLE_TYPES:
            raise ValueError(f"column {self.name}: type {self.type!r} is not one of "
                             f"{', '.join(PORTABLE_TYPES)}")


@dataclass(frozen=True)
class PartitionedTable:
    """A table of ``columns`` partitioned by ``partition_column`` (a DATE).

    ``label`` names the table in messages (e.g. the feed it holds); ``description``
    becomes the table comment where the engine keeps one.
    """

    name: str
    columns: tuple[DataColumn, ...]
    label: str = ""
    description: str = ""
    partition_column: str = "business_date"

    @property
    def qualified(self) -> str:
        return f"{SCHEMA}.{self.name}"

    @property
    def current_view(self) -> str:
        """The view showing the latest partition."""
        return f"{self.name}_current"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def title(self) -> str:
        return self.label or self.name

    def check_staged_columns(self, names: list[str]) -> None:
        """Refuse staged data whose columns are not this table's, in order."""
        if names != self.column_names:
            raise ValueError(f"{self.title}: staged columns {names} differ from "
                             f"{self.column_names}")


@dataclass(frozen=True)
class Append:
    """One row appended to ``table`` in the same unit of work as a partition load."""

    table: str  # schema-qualified
    row: Mapping[str, Any]

    def sql(self) -> tuple[str, list[Any]]:
        """``INSERT`` with ``?`` placeholders, and its parameters."""
        columns = list(self.row)
        return (f"INSERT INTO {self.table} ({', '.join(columns)}) VALUES "
                f"({', '.join('?' for _ in columns)})", [self.row[c] for c in columns])
