"""Every type and rule of the feed definitions, with passing and failing values."""

from pathlib import Path

import pyarrow as pa
import pytest

from cistrade_core.feeds import get_feed
from cistrade_core.gmp.checks import check_quality, check_types
from cistrade_core.gmp.columnar import reference_values
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
    types, _ = check_types(p)
    if types:
        return types
    references = dict(REFERENCES)
    if feed_name == "counterparty":
        references["counterparty.counterparty_id"] = reference_values(
            p.table.column("counterparty_id"))
    return check_quality(p, references)[0]


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


#: A second valid row per feed, with other keys, so a file has a line 2 and a line 3.
OTHER = {
    "currency": dict(GOOD["currency"], currency_code="EUR", currency_name="Euro",
                     numeric_code="978"),
    "country": {"country_code": "US", "country_code3": "USA", "numeric_code": "840",
                "country_name": "United States", "currency_code": "USD", "region": None},
    "calendar": {"calendar_code": "GB", "holiday_date": "2026-12-28",
                 "holiday_name": "Boxing Day (substitute day)"},
    "counterparty": dict(GOOD["counterparty"], counterparty_id="CP0000002", lei=None,
                         short_name=None),
}

F, Q = CheckKind.FORMAT, CheckKind.DATA_QUALITY


def rule(rule_id: str, good: tuple, bad: tuple, kind: CheckKind, message: str):
    feed_name, column, _ = rule_id.split(".")
    return pytest.param(feed_name, column, good, bad, kind, message, id=rule_id)


#: Each column rule of the contract, word by word: values that pass, values that fail.
COLUMN_RULES = [
    rule("currency.currency_code.char3", ("USD",), ("USDX", "US"), F, "must be 3 characters"),
    rule("currency.currency_code.upper_case", ("USD",), ("usd", "U5D"), Q,
         "three upper-case letters"),
    rule("currency.currency_code.not_null", ("USD",), (None,), Q, "must not be empty"),
    rule("currency.currency_name.not_null", ("US Dollar",), (None,), Q, "must not be empty"),
    rule("currency.numeric_code.char3", ("840",), ("8400",), F, "must be 3 characters"),
    rule("currency.numeric_code.three_digits", ("840", "008"), ("84A", "8 4"), Q, "three digits"),
    rule("currency.numeric_code.not_null", ("840",), (None,), Q, "must not be empty"),
    rule("currency.minor_units.int", ("2",), ("two", "2.0"), F, "must be a whole number"),
    rule("currency.minor_units.range", ("0", "4", None), ("5", "-1"), Q, "between 0 and 4"),
    rule("currency.is_active.char1", ("Y",), ("YES",), F, "must be 1 characters"),
    rule("currency.is_active.allowed", ("Y", "N"), ("X", "y"), Q, "must be one of Y, N"),
    rule("currency.is_active.not_null", ("Y",), (None,), Q, "must not be empty"),
    rule("country.country_code.char2", ("GB",), ("GBR",), F, "must be 2 characters"),
    rule("country.country_code.upper_case", ("GB",), ("gb", "G1"), Q, "two upper-case letters"),
    rule("country.country_code.not_null", ("GB",), (None,), Q, "must not be empty"),
    rule("country.country_code3.char3", ("GBR",), ("GB",), F, "must be 3 characters"),
    rule("country.country_code3.alpha3", ("GBR",), ("gbr",), Q, "three upper-case letters"),
    rule("country.country_code3.not_null", ("GBR",), (None,), Q, "must not be empty"),
    rule("country.numeric_code.char3", ("826",), ("82",), F, "must be 3 characters"),
    rule("country.numeric_code.three_digits", ("826", "004"), ("82A",), Q, "three digits"),
    rule("country.numeric_code.not_null", ("826",), (None,), Q, "must not be empty"),
    rule("country.country_name.not_null", ("United Kingdom",), (None,), Q, "must not be empty"),
    rule("country.currency_code.char3", ("GBP",), ("GBPX",), F, "must be 3 characters"),
    rule("country.currency_code.reference", ("GBP", None), ("XYZ",), Q,
         "must exist in currency.currency_code of the same business day"),
    rule("country.region.may_be_empty", ("Europe", None), (), Q, "no value fails"),
    rule("calendar.calendar_code.code", ("GB", "USNY", "TARGET"), ("us-ny", "U"), Q,
         "upper-case letters or digits"),
    rule("calendar.calendar_code.not_null", ("GB",), (None,), Q, "must not be empty"),
    rule("calendar.holiday_date.real_date", ("2026-12-25", "2028-02-29"),
         ("2026-02-30", "2027-02-29", "25/12/2026", "2026-12-25T00:00:00"), F,
         "must be a real date YYYY-MM-DD"),
    rule("calendar.holiday_date.not_null", ("2026-12-25",), (None,), Q, "must not be empty"),
    rule("calendar.holiday_name.not_null", ("Christmas Day",), (None,), Q, "must not be empty"),
    rule("counterparty.counterparty_id.not_null", ("CP0000001",), (None,), Q,
         "must not be empty"),
    rule("counterparty.lei.char20", ("5493001KJTIIGC8Y1R12",), ("5493001KJTIIGC8Y1R",), F,
         "must be 20 characters"),
    rule("counterparty.lei.iso17442", ("5493001KJTIIGC8Y1R12", "7LTWFZYICNSX8D621K86", None),
         ("5493001kjtiigc8y1r12", "5493001KJTIIGC8Y1RAB"), Q,
         "18 letters/digits and 2 check digits"),
    rule("counterparty.lei.mod97", ("5493001KJTIIGC8Y1R12",), ("5493001KJTIIGC8Y1R13",), Q,
         "LEI check digits are wrong (ISO 7064 MOD 97-10)"),
    rule("counterparty.legal_name.not_null", ("Atlas Bank plc",), (None,), Q,
         "must not be empty"),
    rule("counterparty.short_name.may_be_empty", ("ATLAS", None), (), Q, "no value fails"),
    rule("counterparty.country_code.char2", ("GB",), ("GBR",), F, "must be 2 characters"),
    rule("counterparty.country_code.reference", ("GB", "US"), ("ZZ",), Q,
         "must exist in country.country_code of the same business day"),
    rule("counterparty.country_code.not_null", ("GB",), (None,), Q, "must not be empty"),
    rule("counterparty.counterparty_type.allowed",
         ("BANK", "BROKER", "CORPORATE", "FUND", "SOVEREIGN", "CENTRAL_BANK", "SUPRANATIONAL"),
         ("HEDGE_FUND", "bank"), Q, "must be one of BANK, BROKER, CORPORATE, FUND, SOVEREIGN, "
         "CENTRAL_BANK, SUPRANATIONAL"),
    rule("counterparty.counterparty_type.not_null", ("BANK",), (None,), Q, "must not be empty"),
    rule("counterparty.parent_id.reference", ("CP0000002", None), ("CP404",), Q,
         "must exist in counterparty.counterparty_id"),
    rule("counterparty.parent_id.another", ("CP0000002",), ("CP0000001",), Q,
         "must differ from counterparty_id of the same line"),
    rule("counterparty.status.allowed", ("ACTIVE", "INACTIVE", "SUSPENDED"), ("DELETED",), Q,
         "must be one of ACTIVE, INACTIVE, SUSPENDED"),
    rule("counterparty.status.not_null", ("ACTIVE",), (None,), Q, "must not be empty"),
    rule("counterparty.updated_at.iso8601_utc",
         ("2026-11-27T18:04:11Z", "2026-11-27T18:04:11.250Z", "2026-11-27T18:04:11+00:00"),
         ("2026-11-27 18:04:11Z", "2026-11-27T18:04:11", "2026-11-27T18:04:11+01:00",
          "2026-11-27T18:04Z", "2026-02-30T18:04:11Z"), F, "must be an ISO-8601 UTC timestamp"),
    rule("counterparty.updated_at.not_null", ("2026-11-27T18:04:11Z",), (None,), Q,
         "must not be empty"),
]


@pytest.mark.parametrize(("feed_name", "column", "good", "bad", "kind", "message"),
                         COLUMN_RULES)
def test_column_rule(feed_name, column, good, bad, kind, message):
    """The value under test is on line 3, after a valid line 2."""
    file = f"{get_feed(feed_name).table}_20261127.csv"
    for value in good:
        assert run(feed_name, [OTHER[feed_name], dict(GOOD[feed_name], **{column: value})]) \
            == [], f"{column}={value!r} should pass"
    for value in bad:
        problems = run(feed_name, [OTHER[feed_name], dict(GOOD[feed_name], **{column: value})])
        [problem] = [p for p in problems if p.column == column and message in p.message]
        assert (problem.kind, problem.file, problem.line) == (kind, file, 3), value
        assert str(problem).startswith(f"{file} line 3, column {column}: ")


@pytest.mark.parametrize(("feed_name", "column"), [
    ("currency", "currency_code"), ("country", "country_code"),
    ("counterparty", "counterparty_id")])
def test_unique_column(feed_name, column):
    assert run(feed_name, [OTHER[feed_name], GOOD[feed_name]]) == []
    twice = dict(OTHER[feed_name], **{column: GOOD[feed_name][column]})
    problems = run(feed_name, [twice, GOOD[feed_name]])
    assert {(p.line, p.column, p.value) for p in problems} == {
        (2, column, GOOD[feed_name][column]), (3, column, GOOD[feed_name][column])}
    assert {p.message for p in problems} == {"must be unique (duplicate value)"}


def test_every_column_has_a_rule_case():
    from cistrade_core.feeds import FEEDS

    covered = {(p.values[0], p.values[1]) for p in COLUMN_RULES}
    assert {(f.name, c.name) for f in FEEDS.values() for c in f.columns} == covered
    permissions = {p.id for p in COLUMN_RULES if not p.values[3]}  # nothing to refuse
    assert permissions == {"country.region.may_be_empty", "counterparty.short_name.may_be_empty"}


def test_copies_of_a_schema_share_its_allowed_values():
    """pandera deep-copies a schema's checks as it builds it: a reference's allowed values
    (a whole column of a file, for the counterparties' parents) are shared, not copied."""
    import copy

    from cistrade_core.gmp.schemas import quality_schema

    ids = pa.array([f"CP{i:07d}" for i in range(1000)])
    schema = quality_schema(get_feed("counterparty"), {
        "country.country_code": {"GB"}, "counterparty.counterparty_id": ids})
    [check] = [c for c in schema.columns["parent_id"].checks if c.name == "reference"]
    allowed = check.statistics["allowed_values"]
    assert allowed.values is ids
    assert copy.deepcopy(schema).columns["parent_id"].checks[0].statistics[
        "allowed_values"].values is ids
    assert run("counterparty", [GOOD["counterparty"],
                                dict(GOOD["counterparty"], counterparty_id="CP0000002",
                                     parent_id="CP0000404")])[0].value == "CP0000404"
