"""Core library benchmark: login with permission-map build, and approve throughput.

``python -m bench bench_core`` (or ``python -m bench.bench_core --portfolios 1000``).
Runs on a fresh DuckDB file in a temporary CISTRADE_HOME:

* login: Argon2id check of the password, then user, groups (with ancestors) and
  grants read to build the permission map, session row and audit row written;
  the permission-map build alone is timed too (the "ACL query latency");
* password hash alone: Argon2id at the production cost (RFC 9106: t=3, 64 MiB, p=4)
  against the scrypt (N=2^14, r=8, p=1) hashes stored before, measured in the same run;
* approve: N portfolios waiting for approval, each approved by a checker
  through the full workflow step (session check, version check, conditional
  update, history row, notification queued in the outbox, audit row).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _fmt(samples: list[float]) -> str:
    return (f"median {statistics.median(samples) * 1000:.2f} ms, "
            f"p99 {_pct(samples, 0.99) * 1000:.2f} ms (n={len(samples)})")


def _currencies(warehouse) -> None:
    import pyarrow as pa

    from cistrade_core.feeds import FEEDS
    from cistrade_core.gmp.store import GmpStore, LoadRecord, LoadStatus

    feed = FEEDS["currency"]
    rows = [("USD", "US Dollar", "840", "2", "Y"), ("EUR", "Euro", "978", "2", "Y"),
            ("GBP", "Pound Sterling", "826", "2", "Y")]
    table = pa.table({c: [r[i] for r in rows] for i, c in enumerate(feed.column_names)})
    day = date(2026, 1, 2)
    GmpStore(warehouse).load_day(feed, day, table,
                                 LoadRecord("currency", day, LoadStatus.LOADED, "benchmark"))


def _seed_acl(warehouse, password: str, extra_groups: int) -> None:
    from cistrade_core.acl import AclAdmin, SystemActor

    admin = AclAdmin(warehouse, SystemActor("bench"))
    admin.create_group("Staff")
    admin.grant("Staff", "cis-portfolio", "READ")
    admin.grant("Staff", "cis-udf", "READ")
    admin.grant("Staff", "cis-gmp", "READ")
    parent = "Staff"
    for i in range(extra_groups):  # a deeper hierarchy than real life needs
        name = f"Region {i:02d}"
        admin.create_group(name, parent=parent)
        admin.grant(name, f"cis-report-{i:02d}", "READ")
        parent = name
    admin.create_group("Makers", parent=parent)
    admin.grant("Makers", "cis-portfolio", "WRITE")
    admin.create_group("Checkers", parent=parent)
    admin.grant("Checkers", "cis-portfolio-approval", "WRITE")
    admin.create_user("bench_maker", "Bench Maker", "maker@localhost", password, ["Makers"])
    admin.create_user("bench_checker", "Bench Checker", "checker@localhost", password,
                      ["Checkers", "Staff"])


def _seed_pending(warehouse, count: int, chunk: int = 500) -> None:
    """``count`` portfolios already submitted by bench_maker (bulk rows, portable SQL)."""
    from cistrade_core import jsonutil
    from cistrade_core.clock import utcnow
    from cistrade_core.portfolio.store import COLUMNS

    now = utcnow()
    makers = jsonutil.dumps(["bench_maker"])
    for start in range(0, count, chunk):
        rows = []
        for i in range(start, min(count, start + chunk)):
            values = {c: None for c in COLUMNS}
            values.update(
                portfolio_code=f"BENCH-{i:05d}", portfolio_name=f"Benchmark book {i}",
                description="benchmark", base_currency="USD", owner="bench_maker",
                desk="Bench", status="PENDING_APPROVAL", version=2, change_makers=makers,
                submitted_by="bench_maker", submitted_at=now, created_by="bench_maker",
                created_at=now, updated_by="bench_maker", updated_at=now)
            rows.append(values)
        warehouse.insert("gmp_cis.cis_portfolio", rows)


def _hash_times(n: int) -> dict[str, list[float]]:
    import base64
    import hashlib

    from cistrade_core.acl.passwords import PRODUCTION_COST, hash_password

    argon, scrypt = [], []
    for _ in range(n):
        t = time.perf_counter()
        hash_password("a-benchmark-password", PRODUCTION_COST)
        argon.append(time.perf_counter() - t)
        t = time.perf_counter()
        digest = hashlib.scrypt(b"a-benchmark-password", salt=os.urandom(16), n=2**14, r=8,
                                p=1, dklen=32)
        base64.b64encode(digest)
        scrypt.append(time.perf_counter() - t)
    return {"argon2id": argon, "scrypt_old": scrypt}


def run(portfolios: int, logins: int, map_builds: int) -> dict[str, list[float]]:
    from cistrade_core.acl import store as acl_store
    from cistrade_core.config import get_settings
    from cistrade_core.services import open_core

    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="cistrade-bench-") as tmp:
        os.environ["CISTRADE_HOME"] = str(Path(tmp))
        settings = get_settings()
        core = open_core(settings, dispatch=False)
        wh = core.warehouse
        with wh.keep_open():
            _currencies(wh)
            password = secrets.token_urlsafe(16)
            _seed_acl(wh, password, extra_groups=10)
            _seed_pending(wh, portfolios)

            samples = []
            for _ in range(logins):
                t = time.perf_counter()
                core.sessions.login("bench_checker", password)
                samples.append(time.perf_counter() - t)
            results["login"] = samples

            user_id = acl_store.get_user(wh, "bench_checker")["user_id"]
            samples = []
            for _ in range(map_builds):
                t = time.perf_counter()
                acl_store.user_permission_map(wh, user_id)
                samples.append(time.perf_counter() - t)
            results["permission_map"] = samples
            results.update(_hash_times(max(5, logins // 4)))

            checker = core.sessions.login("bench_checker", password)
            samples = []
            started = time.perf_counter()
            for i in range(portfolios):
                t = time.perf_counter()
                core.portfolios.approve(checker, f"BENCH-{i:05d}", 2)
                samples.append(time.perf_counter() - t)
            results["approve_total"] = [time.perf_counter() - started]
            results["approve"] = samples
            active = wh.query("SELECT count(*) AS n FROM gmp_cis.cis_portfolio "
                              "WHERE status = 'ACTIVE'")[0]["n"]
            if active != portfolios:
                raise RuntimeError(f"only {active} of {portfolios} portfolios approved")
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_core", description=__doc__.splitlines()[0])
    parser.add_argument("--portfolios", type=int, default=10_000)
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--map-builds", type=int, default=1000)
    args = parser.parse_args(argv if argv is not None else [])
    r = run(args.portfolios, args.logins, args.map_builds)
    total = r["approve_total"][0]
    print(f"login incl. Argon2id + permission map + session: {_fmt(r['login'])}")
    print(f"permission-map build alone (ACL queries):    {_fmt(r['permission_map'])}")
    ratio = statistics.median(r["argon2id"]) / statistics.median(r["scrypt_old"])
    print(f"Argon2id hash, production cost:              {_fmt(r['argon2id'])}")
    print(f"scrypt N=2^14 hash (before, baseline):       {_fmt(r['scrypt_old'])}")
    print(f"Argon2id / scrypt median: {ratio:.1f}x")
    print(f"approve, one portfolio per step:             {_fmt(r['approve'])}")
    print(f"approve throughput: {args.portfolios} portfolios in {total:.1f} s = "
          f"{args.portfolios / total:.0f} approvals/s")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
