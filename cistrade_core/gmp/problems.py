"""What can be wrong with a feed, and how it is reported."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CheckKind(StrEnum):
    """The contract's checks, in the order they decide a feed's outcome."""

    ARRIVAL = "missing_file"
    EMPTY = "empty_file"
    FORMAT = "format_error"
    ROW_COUNT_CONTROL = "row_count_mismatch"
    TIMESTAMP = "timestamp"
    DATA_QUALITY = "data_quality"
    ROW_COUNT_CHANGE = "row_count_change"

    @property
    def title(self) -> str:
        return {
            CheckKind.ARRIVAL: "missing file",
            CheckKind.EMPTY: "empty file",
            CheckKind.FORMAT: "format error",
            CheckKind.ROW_COUNT_CONTROL: "row count mismatch",
            CheckKind.TIMESTAMP: "timestamp check failed",
            CheckKind.DATA_QUALITY: "data quality",
            CheckKind.ROW_COUNT_CHANGE: "significant row count change",
        }[self]


#: The most characters of a file's content any message quotes.
MAX_QUOTED = 80


def quoted(text: str, limit: int = MAX_QUOTED) -> str:
    """``text`` cut to ``limit`` characters (``...`` marks the cut)."""
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass(frozen=True)
class Problem:
    """One finding, located as precisely as the check allows.

    ``value`` (file content) is cut to :data:`MAX_QUOTED` characters.
    """

    kind: CheckKind
    file: str
    message: str
    line: int | None = None
    column: str | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        if self.value is not None and len(self.value) > MAX_QUOTED:
            object.__setattr__(self, "value", quoted(self.value))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.column:
            where += f", column {self.column}"
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.message}{shown}"


#: How many findings of one kind are listed before "... and N more".
EXAMPLES_PER_CHECK = 20


def summarise(problems: list[Problem], limit: int = EXAMPLES_PER_CHECK) -> list[str]:
    """Readable lines, at most ``limit`` per (kind, column, message), with a count of the rest."""
    groups: dict[tuple[CheckKind, str | None, str], list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.kind, p.column, p.message), []).append(p)
    lines: list[str] = []
    for group in groups.values():
        lines.extend(str(p) for p in group[:limit])
        if len(group) > limit:
            lines.append(f"... and {len(group) - limit} more like the above")
    return lines
