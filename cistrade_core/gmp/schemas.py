"""pandera schemas derived from the feed definitions.

Two schemas per feed, run lazily so every failing value is reported:

* the *format* schema checks that each value has its column's type
  (char length, integer, real date, ISO-8601 UTC timestamp);
* the *quality* schema checks the contract's rules: not null, unique, patterns,
  allowed values, ranges, LEI check digits, references to the same day's feeds
  and columns that must differ from another column of the same line.

Both work on text columns, as parsed; typed casting happens at load.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_
import pyarrow.compute as pc

from cistrade_core.feeds import Column, ColumnType, Feed
from cistrade_core.feeds.spec import TYPE_PATTERNS
from cistrade_core.gmp import columnar
from cistrade_core.gmp.lei import lei_valid


def _arrow(s: pd.Series) -> pa_.Array:
    return pa_.array(s.array) if hasattr(s.array, "__arrow_array__") else pa_.array(s)


def _on_arrow(evaluate: Callable[[pa_.Array], pa_.Array]) -> Callable[[pd.Series], pd.Series]:
    """A pandera check function running the columnar evaluation ``evaluate``."""

    def check(s: pd.Series) -> pd.Series:
        passed = pc.fill_null(evaluate(_arrow(s)), False)
        return pd.Series(passed.to_numpy(zero_copy_only=False), index=s.index, dtype=bool)

    check.__name__ = evaluate.__name__
    return check


def _in_range(lo: int | None, hi: int | None) -> Callable[[pd.Series], pd.Series]:
    return _on_arrow(lambda text: columnar.in_range(text, lo, hi))


def _is_in(allowed: Collection[str] | pa_.Array | columnar.SharedValues
           ) -> Callable[[pd.Series], pd.Series]:
    """Membership of a large value set, kept as Arrow (``Check.isin`` copies it to a set)."""
    return _on_arrow(lambda text: pc.is_in(text, value_set=columnar.value_set(allowed)))


def type_checks(col: Column) -> list[pa.Check]:
    """Checks that a value has the column's type (format errors)."""
    if col.type is ColumnType.CHAR:
        return [pa.Check.str_length(col.length, col.length,
                                    error=f"must be {col.length} characters ({col.type_label})")]
    if col.type is ColumnType.INT:
        return [pa.Check.str_matches(TYPE_PATTERNS[ColumnType.INT], error="must be a whole number")]
    if col.type is ColumnType.DATE:
        return [pa.Check(_on_arrow(columnar.is_real_date), name="real_date",
                         error="must be a real date YYYY-MM-DD")]
    if col.type is ColumnType.TIMESTAMP:
        return [pa.Check(_on_arrow(columnar.is_utc_timestamp), name="utc_timestamp",
                         error="must be an ISO-8601 UTC timestamp, e.g. 2026-11-27T18:04:11Z")]
    return []


def rule_checks(col: Column, references: Mapping[str, Collection[str]],
                feed: str | None = None) -> list[pa.Check]:
    """Checks for the column's data-quality rules (of a column of ``feed``)."""
    checks: list[pa.Check] = []
    if col.pattern:
        checks.append(pa.Check.str_matches(
            col.pattern, error=f"must be {col.pattern_description or col.pattern}"))
    if col.allowed:
        checks.append(pa.Check.isin(col.allowed, error=f"must be one of {', '.join(col.allowed)}"))
    if col.min_value is not None or col.max_value is not None:
        checks.append(pa.Check(_in_range(col.min_value, col.max_value), name="in_range",
                               statistics={"min_value": col.min_value,
                                           "max_value": col.max_value},
                               error=f"must be between {col.min_value} and {col.max_value}"))
    if col.lei_checksum:
        checks.append(pa.Check(
            lambda s: pd.Series(lei_valid(_arrow(s)), index=s.index),
            name="lei_check_digits", error="LEI check digits are wrong (ISO 7064 MOD 97-10)"))
    if col.references is not None:
        ref = col.references
        allowed = references.get(f"{ref.feed}.{ref.column}")
        if allowed is None:
            raise KeyError(f"values of {ref.feed}.{ref.column} are needed to check {col.name}")
        allowed = columnar.SharedValues(columnar.value_set(allowed))
        checks.append(pa.Check(
            _is_in(allowed), name="reference",
            statistics={"allowed_values": allowed, columnar.WITHIN_FEED: ref.feed == feed},
            error=f"must exist in {ref.feed}.{ref.column} of the same business day"))
    return checks


def row_checks(feed: Feed) -> dict[str, pa.Check]:
    """Checks comparing two columns of one line, by the column they are about."""
    return {
        c.name: pa.Check(
            lambda df, col=c.name, other=c.differs_from: df[col].isna() | (df[col] != df[other]),
            name="differs_from", statistics={"column": c.name, "other": c.differs_from},
            error=f"must differ from {c.differs_from} of the same line")
        for c in feed.columns if c.differs_from
    }


#: Key of a quality schema's metadata: the column each row check is about, by its error.
ROW_CHECK_COLUMNS = "row_check_columns"


def format_schema(feed: Feed) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {c.name: pa.Column(checks=type_checks(c), nullable=True) for c in feed.columns},
        name=f"{feed.name} format", strict=True, ordered=True,
    )


def quality_schema(feed: Feed, references: Mapping[str, Collection[str]]) -> pa.DataFrameSchema:
    """The rules of ``feed``; ``references`` maps ``feed.column`` to the values it may take."""
    rows = row_checks(feed)
    return pa.DataFrameSchema(
        {
            c.name: pa.Column(checks=rule_checks(c, references, feed.name), nullable=c.nullable,
                              unique=c.unique)
            for c in feed.columns
        },
        name=f"{feed.name} quality",
        unique=[list(cols) for cols in feed.unique_together][0] if feed.unique_together else None,
        report_duplicates="all",
        checks=list(rows.values()),
        metadata={ROW_CHECK_COLUMNS: {check.error: column for column, check in rows.items()}},
    )
