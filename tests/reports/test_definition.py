"""Report definitions are validated on load, with errors naming the file and field."""

from pathlib import Path

import pytest

from cistrade_core.reports.definition import (
    REPORTS_DIR,
    DefinitionError,
    load_all,
    load_definition,
)

GOOD = """\
name: {name}
title: Test report
query: gmp_load_summary
formats: [csv]
schedule: {{cron: "0 6 * * *"}}
recipients: [ops@example.com]
subject: "Report {{{{ as_of }}}}"
body: "Rows: {{{{ rows }}}}"
"""


def write(tmp_path: Path, text: str, name: str = "test_report") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def test_every_shipped_definition_loads():
    found = load_all()
    assert set(found) == {p.stem for p in REPORTS_DIR.glob("*.yaml")}
    assert {"gmp_daily_load_summary", "fx_rates_snapshot"} <= set(found)


def test_a_good_definition(tmp_path):
    d = load_definition(write(tmp_path, GOOD.format(name="test_report")))
    assert d.period == "day" and d.schedule.timezone == "Europe/London"
    assert d.recipients_variable == "cistrade_report_test_report_recipients"


@pytest.mark.parametrize(("change", "message"), [
    (("formats: [csv]", "formats: [csv, docx]"), "field 'formats.1': Input should be 'csv'"),
    (("formats: [csv]", "formats: []"), "field 'formats': List should have at least 1 item"),
    (('{cron: "0 6 * * *"}', '{cron: "every day"}'),
     "field 'schedule.cron': 'every day' is not a five-field cron expression"),
    (('{cron: "0 6 * * *"}', '{cron: "0 6 * * *", timezone: Mars/Olympus}'),
     "field 'schedule.timezone': 'Mars/Olympus' is not an IANA timezone"),
    (("query: gmp_load_summary", "query: nope"), "field 'query': unknown query 'nope'"),
    (("[ops@example.com]", "[ops.example.com]"),
     "field 'recipients': 'ops.example.com' is not an email address"),
    (('"Report {{ as_of }}"', '"Report {{ as_of "'), "field 'subject': template error on line 1"),
    (("title: Test report\n", ""), "field 'title': Field required"),
    (("title: Test report\n", "title: Test report\ncolour: blue\n"),
     "field 'colour': Extra inputs are not permitted"),
])
def test_errors_name_the_file_and_the_field(tmp_path, change, message):
    text = GOOD.format(name="test_report").replace(*change)
    path = write(tmp_path, text)
    with pytest.raises(DefinitionError) as err:
        load_definition(path)
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)


def test_name_must_match_the_file(tmp_path):
    with pytest.raises(DefinitionError, match="field 'name': must equal the file name"):
        load_definition(write(tmp_path, GOOD.format(name="other_name")))


def test_yaml_syntax_errors_give_line_and_column(tmp_path):
    path = write(tmp_path, "name: [unclosed\ntitle: x\n")
    with pytest.raises(DefinitionError, match=r"test_report.yaml: line \d+, column \d+"):
        load_definition(path)


def test_scheduled_runs_report_on_the_previous_day_unless_told_otherwise():
    from datetime import date

    reports = load_all()
    assert reports["gmp_daily_load_summary"].default_as_of(date(2026, 11, 28)) == \
        date(2026, 11, 27)
    assert reports["fx_rates_snapshot"].default_as_of(date(2026, 11, 28)) == date(2026, 11, 28)
