"""``cistrade report``: list and run."""

from click.testing import CliRunner

from cistrade_core.cli import main
from cistrade_dev.smtp_server import read_outbox
from tests.sessions import cli_login


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_list_shows_every_report_with_schedule(settings):
    cli_login({"cis-report": "READ"})
    out = cli("report", "list").output
    assert "gmp_daily_load_summary" in out and "cron '30 6 * * *'" in out
    assert "audit_log_monthly" in out and "month" in out


def test_run_builds_the_formats_asked_for_and_mails_them(settings, smtp_server, tmp_path):
    cli_login({"cis-report": "WRITE", "cis-gmp": "READ"})
    result = cli("report", "run", "gmp_daily_load_summary", "--date", "2026-11-27", "--format",
                 "csv", "--format", "xlsx", "--to", "me@example.com", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("gmp_daily_*")) == [
        "gmp_daily_load_summary_20261127.csv", "gmp_daily_load_summary_20261127.xlsx"]
    assert "mailed to me@example.com" in result.output
    [mail] = read_outbox(smtp_server.outbox)
    assert mail["To"] == "me@example.com"
    assert mail["Subject"] == "CisTrade GMP load 2026-11-27: 0 of 0 feeds loaded"


def test_unknown_report_is_refused_with_the_known_names(settings):
    cli_login({"cis-report": "WRITE", "cis-gmp": "READ", "cis-fx": "READ", "cis-audit": "READ",
               "cis-portfolio": "READ"})
    result = CliRunner().invoke(main, ["report", "run", "nope"])
    assert result.exit_code == 1
    assert "no report 'nope'" in result.output and "gmp_daily_load_summary" in result.output


def test_the_audit_log_report_needs_read_on_the_audit_log(settings):
    cli_login({"cis-report": "WRITE", "cis-gmp": "READ"})
    result = CliRunner().invoke(main, ["report", "run", "audit_log_monthly", "--to",
                                       "anyone@example.com"])
    assert result.exit_code == 3 and "needs READ on cis-audit" in result.output
