"""UDF types, definitions, validation on save, and UDF changes going through approval."""

import pytest

from cistrade_core.errors import InvalidState, ValidationError
from cistrade_core.portfolio import Status
from cistrade_core.udf import DataType, UdfField, canonical, validate_values


@pytest.mark.parametrize("dtype, raw, expected", [
    (DataType.STRING, "  desk note ", "desk note"),
    (DataType.INTEGER, "+0042", "42"),
    (DataType.INTEGER, "-7", "-7"),
    (DataType.DECIMAL, "1500000.00", "1500000"),
    (DataType.DECIMAL, "0.0250", "0.025"),
    (DataType.DECIMAL, "1E+3", "1000"),
    (DataType.DATE, "2026-03-31", "2026-03-31"),
    (DataType.BOOLEAN, "Yes", "true"),
    (DataType.BOOLEAN, False, "false"),
    (DataType.ENUM, "HEDGE", "HEDGE"),
])
def test_canonical_values(dtype, raw, expected):
    assert canonical(dtype, raw, ("HEDGE", "TRADING")) == expected


@pytest.mark.parametrize("dtype, raw, message", [
    (DataType.INTEGER, "4.5", "not a whole number"),
    (DataType.INTEGER, "ten", "not a whole number"),
    (DataType.DECIMAL, "1,5", "not a decimal"),
    (DataType.DECIMAL, "NaN", "not a decimal"),
    (DataType.DECIMAL, "1e1000000", "too large: expected a decimal number"),
    (DataType.DECIMAL, "1e-1000000", "too many decimal places"),
    (DataType.DECIMAL, "1" * 39, "too large"),
    (DataType.DECIMAL, "1_000", "not a decimal"),
    (DataType.INTEGER, "9" * 25, "not a whole number: expected digits"),
    (DataType.INTEGER, "9223372036854775808", "from -9223372036854775808"),
    (DataType.INTEGER, "\u0663", "not a whole number"),
    (DataType.STRING, "bell\x07", "control character U\\+0007"),
    (DataType.STRING, "a\u202eb", "U\\+202E"),
    (DataType.STRING, "nul\x00", "U\\+0000"),
    (DataType.DATE, "31/03/2026", "not a date"),
    (DataType.DATE, "2026-02-30", "not a date"),
    (DataType.BOOLEAN, "maybe", "not true or false"),
    (DataType.ENUM, "hedge", "not allowed: expected one of HEDGE, TRADING"),
    (DataType.STRING, "x" * 4001, "4,001 characters long: at most 4,000"),
])
def test_bad_values_are_refused(dtype, raw, message):
    with pytest.raises(ValueError, match=message):
        canonical(dtype, raw, ("HEDGE", "TRADING"))


def test_validate_values_reports_every_problem_and_applies_defaults():
    fields = [
        UdfField("strategy", "Strategy", DataType.ENUM, ("HEDGE", "TRADING"), True, "TRADING"),
        UdfField("risk_limit", "Risk limit", DataType.DECIMAL, mandatory=True),
        UdfField("start", "Start", DataType.DATE),
        UdfField("legacy", "Old", DataType.STRING, active=False),
    ]
    ok = validate_values(fields, {"risk_limit": "10.50"})
    assert ok.problems == [] and ok.values == {"risk_limit": "10.5", "strategy": "TRADING"}
    bad = validate_values(fields, {"start": "tomorrow", "legacy": "x", "colour": "red"})
    assert bad.problems == [
        "UDF 'colour' is not defined",
        "UDF 'legacy' is not defined",
        "UDF 'risk_limit' (Risk limit) is mandatory",
        "UDF 'start' (date): 'tomorrow' is not a date: expected YYYY-MM-DD",
    ]


def test_definitions_are_checked(core, login):
    admin = login("maker1")  # in UdfAdmins
    with pytest.raises(ValidationError, match="needs its allowed values"):
        core.udfs.define(admin, "strategy", "Strategy", "enum")
    with pytest.raises(ValidationError, match="only for enumerations"):
        core.udfs.define(admin, "n", "N", "integer", ["1"])
    with pytest.raises(ValidationError, match="default"):
        core.udfs.define(admin, "n", "N", "integer", default="one")
    with pytest.raises(ValidationError, match="unknown UDF type"):
        core.udfs.define(admin, "n", "N", "colour")
    core.udfs.define(admin, "strategy", "Strategy", "enumeration", ["HEDGE", "TRADING"],
                     mandatory=True, default="TRADING")
    with pytest.raises(InvalidState, match="already defined"):
        core.udfs.define(admin, "strategy", "Strategy", "string")
    assert [f.name for f in core.udfs.list(login("viewer"))] == ["strategy"]
    core.udfs.retire(admin, "strategy")
    assert core.udfs.list(login("viewer")) == []
    assert [f.active for f in core.udfs.list(admin, include_retired=True)] == [False]


@pytest.fixture
def with_udfs(core, login):
    admin = login("maker1")
    core.udfs.define(admin, "strategy", "Strategy", "enum", ["HEDGE", "TRADING"],
                     mandatory=True, default="TRADING")
    core.udfs.define(admin, "risk_limit", "Risk limit", "decimal", mandatory=True)
    core.udfs.define(admin, "inception", "Inception date", "date")
    core.udfs.define(admin, "regulated", "Regulated book", "boolean")
    return core


def _create(core, session, udfs):
    return core.portfolios.create(session, "U-01", name="UDF book", base_currency="USD",
                                  owner="o", desk="d", udf_values=udfs)


def test_portfolio_udf_values_are_validated_on_save(with_udfs, login):
    core, maker = with_udfs, login("maker1")
    with pytest.raises(ValidationError) as err:
        _create(core, maker, {"strategy": "SPECULATION", "inception": "2026-13-01",
                              "regulated": "perhaps", "colour": "blue"})
    assert err.value.problems == [
        "UDF 'colour' is not defined",
        "UDF 'inception' (date): '2026-13-01' is not a date: expected YYYY-MM-DD",
        "UDF 'regulated' (boolean): 'perhaps' is not true or false: expected one of 0, 1, f, "
        "false, n, no, t, true, y, yes",
        "UDF 'risk_limit' (Risk limit) is mandatory",
        "UDF 'strategy' (enum): 'SPECULATION' is not allowed: expected one of HEDGE, TRADING",
    ]
    p = _create(core, maker, {"risk_limit": "2500000.00", "regulated": "Y"})
    assert p.udf_values == {"regulated": "true", "risk_limit": "2500000", "strategy": "TRADING"}
    stored = core.warehouse.query("SELECT udf_name, udf_value FROM gmp_cis.cis_udf_value "
                                  "WHERE portfolio_code = 'U-01' ORDER BY udf_name")
    assert [(r["udf_name"], r["udf_value"]) for r in stored] == [
        ("regulated", "true"), ("risk_limit", "2500000"), ("strategy", "TRADING")]
    with pytest.raises(ValidationError, match="mandatory"):
        core.portfolios.edit(maker, "U-01", p.version, udf_values={"risk_limit": ""})
    p = core.portfolios.edit(maker, "U-01", p.version, udf_values={"regulated": ""})
    assert "regulated" not in p.udf_values


def test_udf_changes_of_an_active_portfolio_go_through_approval(with_udfs, login):
    core, maker, checker = with_udfs, login("maker1"), login("checker1")
    p = _create(core, maker, {"risk_limit": "100"})
    p = core.portfolios.approve(checker, "U-01", core.portfolios.submit(maker, "U-01",
                                                                        p.version).version)
    p = core.portfolios.edit(maker, "U-01", p.version,
                             udf_values={"risk_limit": "250", "strategy": "HEDGE"})
    p = core.portfolios.submit(maker, "U-01", p.version)
    current = core.portfolios.show(checker, "U-01")
    assert current.udf_values == {"risk_limit": "100", "strategy": "TRADING"}
    assert current.pending_data["udf_values"] == {"risk_limit": "250", "strategy": "HEDGE"}
    stored = core.warehouse.query("SELECT udf_value FROM gmp_cis.cis_udf_value "
                                  "WHERE portfolio_code = 'U-01' AND udf_name = 'risk_limit'")
    assert stored == [{"udf_value": "100"}]
    p = core.portfolios.approve(checker, "U-01", p.version)
    assert (p.status, p.udf_values) == (Status.ACTIVE, {"risk_limit": "250",
                                                        "strategy": "HEDGE"})
    assert core.portfolios.show(checker, "U-01").udf_values == p.udf_values
    history = core.portfolios.history(checker, "U-01")
    assert [h["udf_values"]["risk_limit"] for h in history] == ["100", "100", "100", "100",
                                                                "100", "250"]
