"""Two API workers, a GMP load and CLI commands on one embedded DuckDB file at once.

Every process opens the file per unit of work and waits while another holds it
(see the README): requests may wait, none may fail, and nothing is lost.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from datetime import date

import pytest

from tests.api.conftest import CISTRADE

DAY = date(2026, 3, 2)
PER_THREAD, THREADS = 3, 3


@pytest.fixture(scope="module")
def api_workers() -> int:
    return 2


def _cli(env, *args, **kw):
    return subprocess.run([CISTRADE, *args], env=env, capture_output=True, text=True,
                          timeout=300, **kw)


def test_api_writes_gmp_load_and_cli_at_once_lose_nothing(live_api):
    env = {**os.environ, "CISTRADE_HOME": str(live_api.home),
           "CISTRADE_SESSION_FILE": str(live_api.home / "cli-session.json"),
           "CISTRADE_PASSWORD": live_api.passwords["checker2"]}
    gen = _cli(env, "gmp", "generate", "--date", DAY.isoformat(), "--scale", "0.02")
    assert gen.returncode == 0, gen.stderr
    assert _cli(env, "acl", "login", "--user", "checker2").returncode == 0

    failures: list[str] = []
    tokens = [live_api.token("maker1"), live_api.token("maker2"), live_api.token("hybrid")]

    def api_writer(n: int) -> None:
        with live_api.client() as c:
            c.headers["Authorization"] = f"Bearer {tokens[n]}"
            for i in range(PER_THREAD):
                code = f"CONC-{n}-{i}"
                r = c.post("/api/v1/portfolios", json={
                    "portfolio_code": code, "portfolio_name": code, "base_currency": "USD",
                    "owner": "o", "desk": "d"})
                if r.status_code != 201:
                    failures.append(f"create {code}: {r.status_code} {r.text}")
                    continue
                r = c.post(f"/api/v1/portfolios/{code}/submit", headers={"If-Match": '"1"'})
                if r.status_code != 200:
                    failures.append(f"submit {code}: {r.status_code} {r.text}")

    cli_results: list[subprocess.CompletedProcess] = []

    def cli_reader() -> None:
        for _ in range(4):
            cli_results.append(_cli(env, "portfolio", "list"))

    started = time.monotonic()
    load = subprocess.Popen([CISTRADE, "gmp", "load", "--date", DAY.isoformat(),
                             "--accept-row-count-change"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    threads = [threading.Thread(target=api_writer, args=(n,)) for n in range(THREADS)]
    threads.append(threading.Thread(target=cli_reader))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    load_out, _ = load.communicate(timeout=300)
    elapsed = time.monotonic() - started

    assert failures == []
    assert load.returncode == 0, load_out
    assert all(r.returncode == 0 for r in cli_results), [r.stderr for r in cli_results]
    with live_api.client("checker1") as checker:
        pending = checker.get("/api/v1/approvals/pending", params={"limit": 100}).json()
        codes = sorted(p["portfolio_code"] for p in pending["items"])
        assert codes == sorted(f"CONC-{n}-{i}" for n in range(THREADS) for i in range(PER_THREAD))
        assert {p["version"] for p in pending["items"]} == {2}
        status = checker.get("/api/v1/reference/currencies/dates").json()
        assert DAY.isoformat() in status["business_dates"]
    listed = _cli(env, "portfolio", "list").stdout
    assert all(f"CONC-{n}-{i}" in listed for n in range(THREADS) for i in range(PER_THREAD))
    print(f"\n{THREADS * PER_THREAD * 2} API writes, a GMP load and {len(cli_results)} CLI "
          f"commands in {elapsed:.1f} s")
