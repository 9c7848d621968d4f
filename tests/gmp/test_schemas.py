"""Every type and rule of the feed definitions, with passing and failing values."""

from pathlib import Path

import pyarrow as pa
import pytest

from cistrade_core.feeds import get_feed
from cistrade_core.gmp.checks import check_quality, check_types
from cistrade_core.gmp.parse import ParsedFile
from cistrade_core.gmp.problems import CheckKind

GOOD = {
    "currency": {"currency_code": "USD", "currency_name": "US Dollar", "numeric_code": "840",
                 "minor_units": "2", "is_active": "Y"},
    "country": {"country_code": "GB", "country_code3": "GBR", "numeric_code": "826",
                "country_name": "United Kingdom", "currency_code": "GBP", "region": "Europe"},
    "calendar": {"calendar_code": "USNY", "holiday_date": "2026-12-25",
                 "holiday_name": "Christmas Day"},
    "counterparty": {"counterparty_id": "CP0000001", "lei": "5493001KJTIIGC8Y1R12",
                     "legal_name": "Atlas Bank plc", "short_name": "ATLAS", "country_code": "GB",
                     "counterparty_type": "BANK", "parent_id": None, "status": "ACTIVE",
                     "updated_at": "2026-11-27T18:04:11Z"},
}
REFERENCES = {"currency.currency_code": {"GBP", "USD"}, "country.country_code": {"GB", "US"}}


def parsed(feed_name: str, rows: list[dict]) -> ParsedFile:
    import numpy as np

    feed = get_feed(feed_name)
    table = pa.table({c: pa.array([r[c] for r in rows], pa.string()) for c in feed.column_names})
    return ParsedFile(feed, Path(f"{feed.table}_20261127.csv"), table, len(rows),
                      np.arange(2, len(rows) + 2))


def run(feed_name: str, rows: list[dict]):
    p = parsed(feed_name, rows)
    df = p.table.to_pandas()
    types, _ = check_types(p, df)
    if types:
        return types
    references = dict(REFERENCES)
    if feed_name == "counterparty":
        references["counterparty.counterparty_id"] = set(df["counterparty_id"].dropna())
    return check_quality(p, df, references)[0]


@pytest.mark.parametrize("feed_name", list(GOOD))
def test_good_rows_pass(feed_name):
    assert run(feed_name, [GOOD[feed_name]]) == []


CASES = [
    # feed, column, bad value, kind, message fragment
    ("currency", "currency_code", "US", CheckKind.FORMAT, "must be 3 characters"),
    ("currency", "currency_code", "usd", CheckKind.DATA_QUALITY, "three upper-case letters"),
    ("currency", "currency_code", None, CheckKind.DATA_QUALITY, "must not be empty"),
    ("currency", "currency_name", None, CheckKind.DATA_QUALITY, "must not be empty"),
    ("currency", "numeric_code", "84A", CheckKind.DATA_QUALITY, "three digits"),
    ("currency", "minor_units", "two", CheckKind.FORMAT, "must be a whole number"),
    ("currency", "minor_units", "5", CheckKind.DATA_QUALITY, "between 0 and 4"),
    ("currency", "is_active", "X", CheckKind.DATA_QUALITY, "must be one of Y, N"),
    ("country", "country_code3", "GBRX", CheckKind.FORMAT, "must be 3 characters"),
    ("country", "country_code", "gb", CheckKind.DATA_QUALITY, "two upper-case letters"),
    ("country", "currency_code", "XYZ", CheckKind.DATA_QUALITY,
     "must exist in currency.currency_code"),
    ("calendar", "holiday_date", "2026-02-30", CheckKind.FORMAT, "real date"),
    ("calendar", "holiday_date", "25/12/2026", CheckKind.FORMAT, "real date"),
    ("calendar", "calendar_code", "us-ny", CheckKind.DATA_QUALITY, "upper-case letters or digits"),
    ("calendar", "holiday_name", None, CheckKind.DATA_QUALITY, "must not be empty"),
    ("counterparty", "lei", "5493001KJTIIGC8Y1R13", CheckKind.DATA_QUALITY, "check digits"),
    ("counterparty", "lei", "5493001KJTIIGC8Y1R", CheckKind.FORMAT, "must be 20 characters"),
    ("counterparty", "country_code", "ZZ", CheckKind.DATA_QUALITY,
     "must exist in country.country_code"),
    ("counterparty", "counterparty_type", "HEDGE_FUND", CheckKind.DATA_QUALITY,
     "must be one of BANK"),
    ("counterparty", "status", "DELETED", CheckKind.DATA_QUALITY, "ACTIVE, INACTIVE, SUSPENDED"),
    ("counterparty", "parent_id", "CP404", CheckKind.DATA_QUALITY,
     "must exist in counterparty.counterparty_id"),
    ("counterparty", "updated_at", "2026-11-27 18:04", CheckKind.FORMAT, "ISO-8601 UTC"),
    ("counterparty", "legal_name", None, CheckKind.DATA_QUALITY, "must not be empty"),
]


@pytest.mark.parametrize(("feed_name", "column", "value", "kind", "message"), CASES)
def test_each_rule_rejects_a_bad_value_naming_line_and_column(feed_name, column, value, kind,
                                                             message):
    bad = dict(GOOD[feed_name], **{column: value})
    problems = run(feed_name, [GOOD[feed_name] if feed_name != "currency" else
                               dict(GOOD["currency"], currency_code="EUR"), bad])
    assert problems, f"{column}={value!r} should fail"
    [problem] = [p for p in problems if p.column == column]
    assert problem.kind is kind
    assert message in problem.message
    assert problem.line == 3  # the second data line
    assert problem.file == f"{get_feed(feed_name).table}_20261127.csv"


def test_uniqueness_rules_report_every_duplicate():
    rows = [GOOD["currency"], dict(GOOD["currency"], currency_name="again")]
    problems = run("currency", rows)
    assert {(p.line, p.column, p.value) for p in problems} == {
        (2, "currency_code", "USD"), (3, "currency_code", "USD")}
    assert all("unique" in p.message for p in problems)


def test_calendar_code_and_date_together_are_unique():
    rows = [GOOD["calendar"], dict(GOOD["calendar"], holiday_name="dup"),
            dict(GOOD["calendar"], calendar_code="GB")]
    problems = run("calendar", rows)
    assert {p.line for p in problems} == {2, 3}
    assert all("duplicate key calendar_code + holiday_date" in p.message for p in problems)
