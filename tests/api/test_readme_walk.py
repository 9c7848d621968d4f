"""The README's maker-checker walk with curl, run as it stands against a live server."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from datetime import date
from pathlib import Path

from tests.api.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
CISTRADE = str(Path(sys.executable).parent / "cistrade")
DAY = date(2026, 11, 27)
#: Every curl call reports its answer on stderr; the bodies stay on stdout as a user sees them.
CURL_TRACE = ("curl() { command curl "
              "-w '%{stderr}HTTP %{http_code} %{method} %{url_effective}\\n' \"$@\"; }\n")


def readme_walk() -> str:
    text = (REPO / "README.md").read_text()
    section = text[text.index("### The maker-checker walk with curl"):]
    return section.split("```\n", 2)[1]


def _load_reference_data(home: Path) -> None:
    import pyarrow as pa

    from cistrade_core.feeds import FEEDS
    from cistrade_core.gmp.store import GmpStore, LoadRecord, LoadStatus
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

    store = GmpStore(DuckDBWarehouse(home / "warehouse.duckdb"))
    for name, rows in (
            ("currency", [("GBP", "Pound Sterling", "826", "2", "Y"),
                          ("EUR", "Euro", "978", "2", "Y")]),
            ("calendar", [("GB", date(2026, 12, 25), "Christmas Day"),
                          ("GB", date(2026, 12, 28), "Boxing Day (substitute)"),
                          ("USNY", date(2026, 12, 25), "Christmas Day")])):
        feed = FEEDS[name]
        table = pa.table({n: [r[i] for r in rows] for i, n in enumerate(feed.column_names)})
        store.load_day(feed, DAY, table, LoadRecord(name, DAY, LoadStatus.LOADED, "test",
                                                    row_count=len(rows)))


def _as_the_demo_leaves_it(home: Path, env: dict[str, str]) -> None:
    """The demo's users, passwords file and UDFs (scripts/demo_core.sh)."""
    def cistrade(*args: str, **extra: str) -> None:
        subprocess.run([CISTRADE, *args], env={**env, **extra}, check=True,
                       capture_output=True, timeout=120)

    cistrade("db", "upgrade")
    _load_reference_data(home)
    cistrade("acl", "seed-demo")
    (home / "demo-passwords.env").write_text("".join(
        f"{name}='{env[name]}'\n" for name in env if name.startswith("CISTRADE_DEMO_")))
    maker = {"CISTRADE_PASSWORD": env["CISTRADE_DEMO_MAKER_PASSWORD"]}
    cistrade("acl", "login", "--user", "demo_maker", **maker)
    cistrade("udf", "define", "strategy", "--label", "Investment strategy", "--type", "enum",
             "--allowed", "HEDGE", "--allowed", "TRADING", "--allowed", "BANKING", "--mandatory",
             "--default", "TRADING")
    cistrade("udf", "define", "risk_limit", "--label", "Risk limit", "--type", "decimal",
             "--mandatory")


def test_the_readme_walk_runs_as_written(tmp_path):
    from cistrade_dev.smtp_server import start_server

    home = tmp_path / "home"
    home.mkdir()
    smtp = start_server(home / "outbox")
    env = {**os.environ, "CISTRADE_HOME": str(home), "CISTRADE_SMTP_HOST": "127.0.0.1",
           "CISTRADE_SMTP_PORT": str(smtp.port),
           "CISTRADE_SESSION_FILE": str(home / "session.json"),
           **{f"CISTRADE_DEMO_{who}_PASSWORD": secrets.token_urlsafe(12)
              for who in ("MAKER", "CHECKER", "AUDITOR")}}
    try:
        _as_the_demo_leaves_it(home, env)
        port = str(free_port())
        walk = re.sub(r"(?<![\w/])\.cistrade\b", str(home), readme_walk()).replace("8400", port)
        after = ('echo "after logout: $(command curl -s -o /dev/null -w %{http_code} '
                 '$API/portfolios -H "Authorization: Bearer $MAKER")"\n')
        for name in [n for n in env if n.startswith("CISTRADE_DEMO_")]:
            env.pop(name)    # the walk reads them from the passwords file, as a user's shell does
        done = subprocess.run(["bash", "-c", "set -eu\n" + CURL_TRACE + walk + after],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    finally:
        smtp.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    calls = [line.split(" ", 3)[1:] for line in done.stderr.splitlines()
             if line.startswith("HTTP ")]
    answers = [(code, method, url.split("/api/v1", 1)[1]) for code, method, url in calls
               if code != "000" and "openapi.json" not in url]
    assert answers == [
        ("200", "POST", "/token"),
        ("200", "POST", "/token"),
        ("201", "POST", "/portfolios"),
        ("200", "POST", "/portfolios/EQ-API-01/submit"),
        ("403", "POST", "/portfolios/EQ-API-01/approve"),
        ("200", "GET", "/approvals/pending"),
        ("200", "POST", "/portfolios/EQ-API-01/reject"),
        ("200", "PATCH", "/portfolios/EQ-API-01"),
        ("200", "POST", "/portfolios/EQ-API-01/submit"),
        ("200", "POST", "/portfolios/EQ-API-01/approve"),
        ("200", "GET", "/portfolios/EQ-API-01/history"),
        ("200", "GET", "/reference/currencies?as_of=2026-11-27&code=GBP"),
        ("200", "GET", "/business-days/add?date=2026-12-24&days=2&calendars=GB,USNY"),
        ("422", "GET", "/fx/convert?amount=1000.00&from=GBP&to=EUR"),
        ("204", "POST", "/logout"),
    ], done.stdout[-3000:]
    bodies = json_values(done.stdout)
    approved = [b for b in bodies if isinstance(b, dict) and b.get("status") == "ACTIVE"]
    assert approved[-1]["desk"] == "Equities London"
    assert approved[-1]["approved_by"] == "demo_checker"
    assert any(isinstance(b, dict) and b.get("rejection_reason") == "desk is wrong"
               for b in bodies)
    assert {"result": "2026-12-30"}.items() <= next(   # the 24th + 2 over Christmas and Boxing Day
        b for b in bodies if isinstance(b, dict) and "result" in b).items()
    [currencies] = [b for b in bodies if isinstance(b, dict) and "business_date" in b]
    assert [c["currency_code"] for c in currencies["items"]] == ["GBP"]
    assert "GBPEUR" in bodies[-1]["errors"][0]["message"]
    assert done.stdout.rstrip().endswith("after logout: 401")


def json_values(text: str) -> list:
    """The JSON bodies in ``text``, in order (headers and other lines skipped)."""
    import json

    decoder, found, at = json.JSONDecoder(), [], 0
    while (at := min((i for i in (text.find("{", at), text.find("[", at)) if i >= 0),
                     default=-1)) >= 0:
        try:
            value, at = decoder.raw_decode(text, at)
            found.append(value)
        except ValueError:
            at += 1
    return found
