"""REST API benchmark: ``cistrade api serve --workers 2`` under wrk on loopback.

``python -m bench api`` (options after ``--``: ``--duration 10 --connections 8``).
Runs on a fresh DuckDB file in a temporary CISTRADE_HOME with the API server and a
local SMTP server (the approvals' mail) on 127.0.0.1 and measures, each as
requests/s and p99 latency from wrk:

* baseline: ``GET /api/v1/openapi.json`` (HTTP stack and FastAPI, no warehouse);
* ``GET /api/v1/portfolios/{code}`` (session check, permission map, read, audit row);
* ``GET /api/v1/reference/currencies?as_of=D`` (session check, as-of read);
* ``POST .../approve`` with ``If-Match``, one pending portfolio per request (the full
  workflow step: session, permissions, version check, update, history, outbox, audit);
* token issue (password grant), sequential, with the Argon2id cost stated.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.bench_core import _currencies, _pct, _seed_acl, _seed_pending

CISTRADE = str(Path(sys.executable).parent / "cistrade")
APPROVE_LUA = """
counter = 0
request = function()
  local code = string.format("BENCH-%05d", counter)
  counter = counter + 1
  return wrk.format("POST", "/api/v1/portfolios/" .. code .. "/approve",
                    {["If-Match"] = '"2"', ["Authorization"] = "Bearer TOKEN"})
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wrk(url: str, seconds: int, connections: int, threads: int, token: str | None = None,
         script: Path | None = None) -> dict[str, float]:
    cmd = [shutil.which("wrk") or "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
           "--latency", "--timeout", "10s"]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60,
                         check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale, "requests": total,
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1) if errors else ""}


def run(seconds: int, connections: int, pending: int, logins: int, workers: int) -> dict:
    import httpx

    from cistrade_core.acl.passwords import HashCost
    from cistrade_core.config import get_settings
    from cistrade_core.services import open_core

    results: dict = {"cost": HashCost.from_env()}
    with tempfile.TemporaryDirectory(prefix="cistrade-bench-api-") as tmp:
        os.environ["CISTRADE_HOME"] = tmp
        core = open_core(get_settings(), dispatch=False)
        wh = core.warehouse
        password = secrets.token_urlsafe(16)
        with wh.keep_open():
            _currencies(wh)
            _seed_acl(wh, password, extra_groups=3)
            _seed_pending(wh, pending)
        from cistrade_dev.smtp_server import start_server

        smtp = start_server(Path(tmp) / "outbox")   # approvals mail the makers, as in production
        port = _free_port()
        env = {**os.environ, "CISTRADE_SMTP_HOST": "127.0.0.1",
               "CISTRADE_SMTP_PORT": str(smtp.port)}
        log = Path(tmp) / "api.log"
        server = subprocess.Popen([CISTRADE, "api", "serve", "--host", "127.0.0.1", "--port",
                                   str(port), "--workers", str(workers)], env=env,
                                  stdout=log.open("wb"), stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/api/v1/openapi.json", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                raise RuntimeError(log.read_text()[-2000:])

            def token(user: str) -> str:
                return httpx.post(f"{base}/api/v1/token", timeout=30, data={
                    "grant_type": "password", "username": user,
                    "password": password}).json()["access_token"]

            samples = []
            for _ in range(logins):
                t = time.perf_counter()
                token("bench_checker")
                samples.append(time.perf_counter() - t)
            results["token"] = samples
            checker = token("bench_checker")
            day = date(2026, 1, 2).isoformat()
            results["baseline"] = _wrk(f"{base}/api/v1/openapi.json", seconds, connections, 2)
            results["get_portfolio"] = _wrk(f"{base}/api/v1/portfolios/BENCH-{pending - 1:05d}",
                                            seconds, connections, 2, checker)
            results["get_reference"] = _wrk(
                f"{base}/api/v1/reference/currencies?as_of={day}", seconds, connections, 2,
                checker)
            script = Path(tmp) / "approve.lua"
            script.write_text(APPROVE_LUA.replace("TOKEN", checker))
            results["approve"] = _wrk(f"{base}", seconds, connections, 1, script=script)
            approved = httpx.get(f"{base}/api/v1/portfolios", timeout=60, params={
                "status": "ACTIVE", "limit": 500},
                headers={"Authorization": f"Bearer {checker}"}).json()["items"]
            results["approved_rows"] = len(approved)
        finally:
            server.terminate()
            server.wait(timeout=30)
            smtp.stop()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_api", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--pending", type=int, default=5000,
                        help="portfolios waiting for approval (more than the run approves)")
    parser.add_argument("--logins", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="API worker processes")
    args = parser.parse_args(argv if argv is not None else [])
    load_before = os.getloadavg()[0]
    r = run(args.duration, args.connections, args.pending, args.logins, args.workers)
    base = r["baseline"]["rps"]
    print(f"wrk {args.duration} s, {args.connections} connections, server --workers "
          f"{args.workers}; load average (1 min) {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after")
    for key, label in (("baseline", "GET openapi.json (baseline)"),
                       ("get_portfolio", "GET /portfolios/{code}"),
                       ("get_reference", "GET /reference/currencies?as_of="),
                       ("approve", "POST /portfolios/{code}/approve")):
        m = r[key]
        print(f"{label:<36} {m['rps']:8.0f} req/s  p99 {m['p99_ms']:7.1f} ms  "
              f"({m['rps'] / base:.3f} of baseline; {m['requests']} requests, "
              f"non-2xx {m['non2xx']}{', ' + m['socket_errors'] if m['socket_errors'] else ''})")
    t = r["token"]
    c = r["cost"]
    print(f"token (password grant, Argon2id t={c.time_cost} m={c.memory_kib} KiB "
          f"p={c.parallelism}): median {statistics.median(t) * 1000:.1f} ms, "
          f"p99 {_pct(t, 0.99) * 1000:.1f} ms (n={len(t)})")
    print(f"approved rows listed afterwards (first page of ACTIVE): {r['approved_rows']}")


if __name__ == "__main__":
    main(sys.argv[1:])
