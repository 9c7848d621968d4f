"""The local production stack (``scripts/stack.sh``) driven from Python, for tests and
benchmarks: start it on free ports in a directory of its own, call Airflow's REST API
as an operator would, stop exactly what was started.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent
STACK_SH = REPO / "scripts" / "stack.sh"
PORT_NAMES = ("CISTRADE_STACK_PG_PORT", "CISTRADE_STACK_REDIS_PORT", "AIRFLOW__API__PORT",
              "CISTRADE_SMTP_PORT", "CISTRADE_STACK_WORKER_LOG_PORT",
              "CISTRADE_STACK_TRIGGER_LOG_PORT", "CISTRADE_STACK_HEALTH_PORT")
#: Scheduler and DAG processor settings that make a test stack react in seconds.
FAST_SETTINGS = {
    "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
    "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "2",
    "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
    # how often the scheduler ends the wait of an unanswered review past its timeout
    "AIRFLOW__SCHEDULER__TRIGGER_TIMEOUT_CHECK_INTERVAL": "2",
    "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "600",
    "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
    "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "600",
    "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
    "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "600",
    "AIRFLOW__CORE__PARALLELISM": "8",
    "AIRFLOW__API__WORKERS": "1",
    "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
}


def latest_schedule(now: datetime, tz: str = "Europe/London", hour: int = 3) -> datetime:
    """The latest ``hour``:00 local run before ``now`` (UTC): the run of a daily cron the
    scheduler creates when the DAG is unpaused (no catch-up)."""
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(tz))
    at = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if at > local:
        at -= timedelta(days=1)
    return at.astimezone(UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalStack:
    """``scripts/stack.sh`` with its state in ``base`` (CISTRADE_HOME ``base/home``)."""

    base: Path
    extra_env: Mapping[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.base = Path(self.base)
        for name in PORT_NAMES:
            self.ports.setdefault(name, free_port())
        self.home = self.base / "home"
        self.dir = self.base / "stack"
        self.env_file = self.base / "extra.env"

    # -- processes ----------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AIRFLOW", "CISTRADE_", "PYTEST"))}
        env.update({name: str(port) for name, port in self.ports.items()})
        env.update(CISTRADE_HOME=str(self.home), CISTRADE_STACK_DIR=str(self.dir),
                   CISTRADE_STACK_EXTRA_ENV=str(self.env_file),
                   CISTRADE_ALERT_TO="gmp-support@example.com")
        return env

    def run(self, *args: str, timeout: float = 600, check: bool = True,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
        """``bash scripts/stack.sh ARGS`` with this stack's settings."""
        return subprocess.run(["bash", str(STACK_SH), *args], env={**self.env(), **(env or {})},
                              capture_output=True, text=True, timeout=timeout, check=check)

    def start(self) -> float:
        """Start every service; the seconds it took."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in
                                         {**FAST_SETTINGS, **self.extra_env}.items()))
        began = time.monotonic()
        done = self.run("start", check=False)
        if done.returncode:
            self.stop()
            raise RuntimeError(f"stack did not start:\n{done.stdout}\n{done.stderr}")
        return time.monotonic() - began

    def stop(self) -> str:
        return self.run("stop", check=False, timeout=180).stdout

    def airflow(self, *args: str, timeout: float = 300) -> str:
        """The Airflow CLI with the stack's environment, as an operator types it."""
        done = self.run("airflow", *args, timeout=timeout, check=False)
        if done.returncode:
            raise RuntimeError(f"airflow {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def pid(self, name: str) -> int | None:
        path = self.dir / f"{name}.pid"
        return int(path.read_text()) if path.exists() else None

    # -- the REST API ---------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['AIRFLOW__API__PORT']}"

    def api(self) -> AirflowApi:
        password = json.loads((self.dir / "airflow" / "passwords.json").read_text())["admin"]
        return AirflowApi(self.api_url, "admin", password)


class AirflowApi:
    """Airflow 3's REST API (``/api/v2``) with a token of the simple auth manager."""

    def __init__(self, url: str, user: str, password: str) -> None:
        self.url = url
        self.session = requests.Session()
        token = self.session.post(f"{url}/auth/token", json={"username": user,
                                                              "password": password}, timeout=30)
        token.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.url}/api/v2{path}", timeout=60, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def unpause(self, dag_id: str) -> None:
        self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def pause(self, dag_id: str) -> None:
        self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": True})

    def runs(self, dag_id: str) -> list[dict]:
        return self.get(f"/dags/{dag_id}/dagRuns", limit=100)["dag_runs"]

    def run(self, dag_id: str, run_id: str) -> dict:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}")

    def trigger(self, dag_id: str, logical_date: str | None, conf: dict | None = None,
                run_id: str | None = None) -> dict:
        body: dict[str, Any] = {"logical_date": logical_date, "conf": conf or {}}
        if run_id:
            body["dag_run_id"] = run_id
        return self.request("POST", f"/dags/{dag_id}/dagRuns", json=body)

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict]:
        found = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=1000)
        return {ti["task_id"]: ti for ti in found["task_instances"]}

    def states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        return {t: ti["state"] for t, ti in self.task_instances(dag_id, run_id).items()}

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> None:
        """Until the DAG processor has parsed ``dag_id``."""
        wait(lambda: self.session.get(f"{self.url}/api/v2/dags/{dag_id}", timeout=30).ok,
             timeout, f"DAG {dag_id} not parsed")

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 300,
                     until: Callable[[dict], bool] | None = None) -> dict:
        """The run once it has finished (or ``until(run)`` holds)."""
        def done() -> dict | None:
            run = self.run(dag_id, run_id)
            finished = run["state"] in ("success", "failed")
            return run if (until(run) if until else finished) else None
        return wait(done, timeout, lambda: f"{dag_id} {run_id}: {self.states(dag_id, run_id)}")


def wait(check: Callable[[], Any], timeout: float, what: str | Callable[[], str],
         every: float = 1.0) -> Any:
    """``check()``'s first truthy result, polling until ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"after {timeout:.0f} s: {what() if callable(what) else what}")
        time.sleep(every)
