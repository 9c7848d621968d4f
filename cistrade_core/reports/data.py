"""The table a report query returns, with typed columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"


@dataclass(frozen=True)
class ReportColumn:
    name: str
    label: str
    kind: Kind = Kind.TEXT
    #: Decimal places shown for DECIMAL columns.
    places: int = 2


@dataclass
class ReportData:
    """Rows of one report run, plus the parameters they were produced with."""

    columns: list[ReportColumn]
    rows: list[tuple[Any, ...]]
    parameters: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        width = len(self.columns)
        for i, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(f"row {i} has {len(row)} values for {width} columns")
