"""Command-line start-up: what an operator waits for on every ``cistrade`` command.

``python -m bench cli [--runs N]``. In a temporary CISTRADE_HOME it loads a GMP
day (scale 0.05), seeds the demo users, logs in and creates a portfolio, all with
the ``cistrade`` command itself, then times whole processes, each run a fresh
process as the operator starts it:

* ``cistrade --help``                  target <= 0.3 s
* ``cistrade gmp status``              target <= 0.8 s
* ``cistrade portfolio show CODE``     target <= 0.8 s

The baseline, measured in the same run, is a bare ``python -c pass`` of the same
interpreter; each figure is also given as a ratio to it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

BIN = Path(sys.executable).parent
TARGETS = {"--help": 0.3, "gmp status": 0.8, "portfolio show": 0.8}


def _run(args: list[str], env: dict[str, str], check: bool = True) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if check and done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def _setup(home: Path, env: dict[str, str]) -> str:
    cli = str(BIN / "cistrade")
    day = (date.today() - timedelta(days=1)).isoformat()
    _run([cli, "gmp", "generate", "--date", day, "--scale", "0.05"], env)
    _run([cli, "gmp", "load", "--date", day], env)
    _run([cli, "acl", "seed-demo"], env)
    _run([cli, "acl", "login", "--user", "demo_maker"],
         {**env, "CISTRADE_PASSWORD": env["CISTRADE_DEMO_MAKER_PASSWORD"]})
    code = "BENCH-CLI-01"
    _run([cli, "portfolio", "create", code, "--name", "Bench", "--currency", "USD",
          "--owner", "demo_maker", "--desk", "Bench"], env)
    return code


def _median(samples: list[float]) -> str:
    return f"{statistics.median(samples):.3f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="processes per command")
    args = parser.parse_args(argv if argv is not None else [])
    with tempfile.TemporaryDirectory(prefix="cistrade-bench-cli-") as tmp:
        home = Path(tmp)
        env = {**os.environ, "CISTRADE_HOME": str(home),
               "CISTRADE_SESSION_FILE": str(home / "session.json"),
               "CISTRADE_SMTP_PORT": "9",  # nothing listens: mail is kept for retry
               "CISTRADE_DEMO_MAKER_PASSWORD": secrets.token_urlsafe(12),
               "CISTRADE_DEMO_CHECKER_PASSWORD": secrets.token_urlsafe(12),
               "CISTRADE_DEMO_AUDITOR_PASSWORD": secrets.token_urlsafe(12)}
        code = _setup(home, env)
        cli = str(BIN / "cistrade")
        commands = {
            "python -c pass (baseline)": [sys.executable, "-c", "pass"],
            "--help": [cli, "--help"],
            "gmp status": [cli, "gmp", "status"],
            "portfolio show": [cli, "portfolio", "show", code],
        }
        results: dict[str, list[float]] = {}
        for _ in range(args.runs):  # interleaved, so background load hits all alike
            for name, command in commands.items():
                results.setdefault(name, []).append(_run(command, env))
    base = statistics.median(results["python -c pass (baseline)"])
    print(f"load average at the end: {os.getloadavg()[0]:.2f}; {args.runs} runs each")
    print(f"{'command':<28}{'median s':>9}{'min s':>8}{'x baseline':>12}{'target s':>10}")
    for name, samples in results.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else (
            f"{target:>10.1f}" + ("  ok" if statistics.median(samples) <= target else "  MISSED"))
        print(f"{name:<28}{_median(samples):>9}{min(samples):>8.3f}"
              f"{statistics.median(samples) / base:>12.1f}{verdict}")


if __name__ == "__main__":
    main(sys.argv[1:])
