"""A small demo run, as `make demo` does it, for the monitoring tests.

Four GMP business days (a good one, a held feed, a missing feed, and yesterday's
run through Airflow with a rejected feed), FX loads on the market-data simulator
with a jump, retries and a Bloomberg outage, logins (one failed), a portfolio
whose notification is sent and one whose notification cannot be (the SMTP port is
closed), and a command on the real HiveServer2 whose connection pool is pushed.
Every ``cistrade`` command logs JSON lines (``-v``) into one log file.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests.monitoring.servers import BIN, REPO

SCALE = "0.05"
DEMO_PASSWORDS = {
    "CISTRADE_DEMO_MAKER_PASSWORD": "maker-Pass-1", "CISTRADE_DEMO_CHECKER_PASSWORD":
    "checker-Pass-1", "CISTRADE_DEMO_AUDITOR_PASSWORD": "auditor-Pass-1"}


@dataclass
class DemoDay:
    home: Path
    env: dict[str, str]
    log_file: Path
    run_date: date = field(default_factory=lambda: datetime.now(UTC).date())
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def days(self) -> dict[str, date]:
        """good, held, missing (one feed each) and rejected (the Airflow run's day)."""
        d = self.run_date
        return {"good": d - timedelta(days=4), "held": d - timedelta(days=3),
                "missing": d - timedelta(days=2), "rejected": d - timedelta(days=1)}

    def run(self, *args: str, check: bool = True, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
        result = subprocess.run([str(BIN / "cistrade"), "-v", *args], cwd=REPO,
                                env={**self.env, **(env or {})}, capture_output=True,
                                text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"cistrade {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def timed(self, name: str, fn: Callable[[], object]) -> None:
        start = time.monotonic()
        fn()
        self.timings[name] = round(time.monotonic() - start, 1)

    # -- GMP -----------------------------------------------------------------------------------
    def gmp_days_by_cli(self) -> None:
        """The good, held and missing days through ``cistrade gmp load``."""
        for kind, fault in (("good", None), ("held", "row-count-change"),
                            ("missing", "missing")):
            day = self.days[kind].isoformat()
            self.run("gmp", "generate", "--date", day, "--scale", SCALE,
                     *(["--fault", fault] if fault else []))
            self.run("gmp", "load", "--date", day, check=fault is None)

    def migrate_airflow_db(self) -> subprocess.Popen:
        """``airflow db migrate``, in the background (it takes a while)."""
        log = (self.home / "airflow-migrate.log").open("w")
        return subprocess.Popen([str(BIN / "airflow"), "db", "migrate"], env=self.env, cwd=REPO,
                                stdout=log, stderr=subprocess.STDOUT)

    def gmp_day_through_airflow(self, migrating: subprocess.Popen) -> None:
        """Yesterday through Airflow (``airflow dags test``), counterparty with bad LEIs."""
        day = self.days["rejected"].isoformat()
        self.run("gmp", "generate", "--date", day, "--scale", SCALE, "--fault", "bad-lei")
        assert migrating.wait(timeout=600) == 0, (self.home / "airflow-migrate.log").read_text()
        log = self.home / "gmp_reference_etl.log"
        with log.open("w") as out:
            done = subprocess.run([str(BIN / "airflow"), "dags", "test", "gmp_reference_etl",
                                   self.run_date.isoformat()], env=self.env, cwd=REPO,
                                  stdout=out, stderr=subprocess.STDOUT, timeout=900)
        # the run fails (counterparty is rejected); the other feeds must have loaded
        text = log.read_text()
        assert done.returncode != 0 and "REJECTED" in text, text[-3000:]

    # -- FX ------------------------------------------------------------------------------------
    def fx_loads(self, simulator_url: str) -> None:
        fx_env = {"CISTRADE_FX_BACKOFF_INITIAL": "0.1"}
        self.run("fx", "load", env=fx_env)
        self.run("fx", "load", "--provider", "reuters", env=fx_env)
        self.run("fx", "fault", "--url", simulator_url, "bloomberg=jump@EURUSD,GBPUSD")
        self.run("fx", "load", env=fx_env)
        self.run("fx", "fault", "--url", simulator_url, "bloomberg=500:2")
        self.run("fx", "load", env=fx_env)
        self.run("fx", "fault", "--url", simulator_url, "bloomberg=down")
        self.run("fx", "load", env=fx_env)  # Reuters covers what it can

    # -- ACL, notifications ----------------------------------------------------------------------
    def logins_and_mail(self, dead_smtp_port: int) -> None:
        self.run("acl", "seed-demo")
        self.run("acl", "login", "--user", "demo_maker",
                 env={"CISTRADE_PASSWORD": DEMO_PASSWORDS["CISTRADE_DEMO_MAKER_PASSWORD"]})
        refused = self.run("acl", "login", "--user", "demo_maker", check=False,
                           env={"CISTRADE_PASSWORD": "not-the-password"})
        assert refused.returncode != 0
        self.run("acl", "login", "--user", "demo_maker",
                 env={"CISTRADE_PASSWORD": DEMO_PASSWORDS["CISTRADE_DEMO_MAKER_PASSWORD"]})
        for code, smtp in (("MON-SENT", None), ("MON-UNSENT", str(dead_smtp_port))):
            self.run("portfolio", "create", code, "--name", f"Monitoring {code}",
                     "--currency", "GBP", "--owner", "demo_maker", "--desk", "EQ Flow")
            self.run("portfolio", "submit", code, "--version", "1",
                     env={"CISTRADE_SMTP_PORT": smtp} if smtp else None)

    def hive_pool(self, host: str, port: int) -> None:
        """One scrape on the HiveServer2 (no CisTrade tables there: the families fail)
        through a connection pool, which is pushed when the command ends."""
        self.run("metrics", "show", env={
            "CISTRADE_WAREHOUSE": "hive", "CISTRADE_HIVE_HOST": host,
            "CISTRADE_HIVE_PORT": str(port), "CISTRADE_HIVE_USER": "cistrade",
            "CISTRADE_HIVE_DATA_DIR": str(self.home / "hive-data")})

    def log_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.log_file.read_text().splitlines()]


def demo_env(home: Path, airflow_home: Path, *, smtp_port: int, pushgateway: str,
             api_port: int, simulator_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CISTRADE_", "AIRFLOW_", "AIRFLOW__", "PYTEST"))}
    conn = {"conn_type": "smtp", "host": "127.0.0.1", "port": smtp_port,
            "extra": {"disable_ssl": True, "disable_tls": True,
                      "from_email": "cistrade@localhost", "timeout": 5, "retry_limit": 1}}
    env.update({
        "CISTRADE_HOME": str(home), "CISTRADE_SMTP_HOST": "127.0.0.1",
        "CISTRADE_SMTP_PORT": str(smtp_port), "CISTRADE_ALERT_TO": "gmp-support@example.com",
        "CISTRADE_LOG_FORMAT": "json", "CISTRADE_LOG_FILE": str(home / "cistrade.log.jsonl"),
        "CISTRADE_PUSHGATEWAY_URL": pushgateway,
        "CISTRADE_SESSION_FILE": str(home / "session.json"),
        "CISTRADE_BLOOMBERG_URL": f"{simulator_url}/bloomberg",
        "CISTRADE_BLOOMBERG_API_KEY": "demo-bloomberg-key",
        "CISTRADE_REUTERS_URL": f"{simulator_url}/reuters",
        "CISTRADE_REUTERS_API_KEY": "demo-reuters-key",
        **DEMO_PASSWORDS,
        "AIRFLOW_HOME": str(airflow_home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor", "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__API__HOST": "127.0.0.1", "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,viewer:viewer",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(airflow_home / "passwords.json"),
        "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps(conn),
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
    })
    return env
