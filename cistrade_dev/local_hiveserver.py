"""A HiveServer2 on 127.0.0.1 for development, tests and benchmarks.

It is the Spark Thrift Server shipped in the ``pyspark`` package (the
``hiveserver`` dependency group, installed by ``make hiveserver``), which speaks
the HiveServer2 protocol: PyHive, Airflow's ``HiveServer2Hook`` and impyla talk
to it as to Hive. The metastore is an
embedded Derby database and the warehouse a directory, both under ``workdir``.
It needs a Java runtime (17 or later).

Differences from a Hive cluster that matter here: ``skip.header.line.count`` is
ignored (the GMP tables use header-less files), and ``INVALIDATE METADATA`` and
``COMPUTE STATS`` are Impala statements that it rejects.

Usage::

    with LocalHiveServer(workdir) as server:
        print(server.host, server.port)
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from cistrade_core.config import REPO_ROOT
from cistrade_dev.smtp_server import free_port

THRIFT_SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"


class HiveServerError(RuntimeError):
    """The local HiveServer2 could not be started."""


def spark_home() -> Path:
    """The Spark distribution inside the ``pyspark`` package.

    ``CISTRADE_SPARK_HOME`` if set, else what ``make hiveserver`` installed
    (``$CISTRADE_HIVESERVER_DIR``, default ``.cistrade/hiveserver``), else a
    ``pyspark`` importable from this Python.
    """
    candidates = []
    if os.environ.get("CISTRADE_SPARK_HOME"):
        candidates.append(Path(os.environ["CISTRADE_SPARK_HOME"]))
    target = os.environ.get("CISTRADE_HIVESERVER_DIR") or REPO_ROOT / ".cistrade" / "hiveserver"
    candidates.append(Path(target) / "pyspark")
    spec = importlib.util.find_spec("pyspark")
    if spec is not None and spec.submodule_search_locations:
        candidates.append(Path(next(iter(spec.submodule_search_locations))))
    for home in candidates:
        if (home / "bin" / "spark-submit").exists():
            return home
    raise HiveServerError(
        "no Spark Thrift Server found: run `make hiveserver` (installs pyspark from uv.lock "
        f"into {target}) or set CISTRADE_SPARK_HOME; looked in: "
        + ", ".join(str(c) for c in candidates)
    )


class LocalHiveServer:
    """Starts and stops one Spark Thrift Server process (its own process group)."""

    host = "127.0.0.1"

    def __init__(self, workdir: Path | str, port: int | None = None,
                 driver_memory: str = "1g", start_timeout: float = 180.0) -> None:
        self.workdir = Path(workdir).resolve()
        self.port = port or free_port(self.host)
        self.driver_memory = driver_memory
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self.started_in: float | None = None

    @property
    def log_path(self) -> Path:
        return self.workdir / "hiveserver2.log"

    @property
    def warehouse_dir(self) -> Path:
        """Where managed tables go (``spark.sql.warehouse.dir``)."""
        return self.workdir / "warehouse"

    def command(self) -> list[str]:
        home, work = spark_home(), self.workdir
        tmp = work / "tmp"
        return [
            str(home / "bin" / "spark-submit"),
            "--class", THRIFT_SERVER_CLASS,
            "--name", "cistrade-local-hiveserver2",
            "--master", "local[2]",
            "--driver-memory", self.driver_memory,
            "--conf", "spark.driver.bindAddress=127.0.0.1",
            "--conf", "spark.driver.host=127.0.0.1",
            "--conf", "spark.ui.enabled=false",
            "--conf", "spark.sql.catalogImplementation=hive",
            "--conf", f"spark.sql.warehouse.dir={self.warehouse_dir}",
            "--conf", "spark.sql.shuffle.partitions=2",
            # Read Hive Parquet tables the way HiveServer2 does, through the SerDe. Spark's
            # own Parquet reader keeps each session's file list cached, so a session would
            # not see rows another session inserted since (HiveServer2 has no such cache).
            "--conf", "spark.sql.hive.convertMetastoreParquet=false",
            "--conf", "spark.hadoop.javax.jdo.option.ConnectionURL="
                      f"jdbc:derby:;databaseName={work / 'metastore_db'};create=true",
            # Serial GC and the C1 compiler only: on a small machine this halves the
            # start-up time and the time of the many short statements the tests send.
            "--conf", f"spark.driver.extraJavaOptions=-Dderby.system.home={work} "
                      f"-Djava.io.tmpdir={tmp} -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
            "--conf", f"spark.local.dir={tmp}",
            "--hiveconf", f"hive.server2.thrift.bind.host={self.host}",
            "--hiveconf", f"hive.server2.thrift.port={self.port}",
            "--hiveconf", "hive.server2.authentication=NONE",
            "--hiveconf", f"hive.exec.scratchdir={tmp / 'scratch'}",
            "spark-internal",
        ]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "SPARK_HOME": str(spark_home()),
            "SPARK_LOCAL_IP": self.host,
            "SPARK_LOCAL_HOSTNAME": "localhost",
            # Keep the launcher from picking up a user's Spark configuration.
            "SPARK_CONF_DIR": str(self.workdir / "conf"),
        })
        env.pop("PYSPARK_SUBMIT_ARGS", None)
        return env

    def start(self) -> LocalHiveServer:
        if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
            raise HiveServerError(
                "no Java runtime: install one (make system-deps installs openjdk-17-jre-headless)"
            )
        for sub in ("tmp/scratch", "conf", "warehouse"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                self.command(), env=self.environment(), cwd=self.workdir,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group, stopped as a whole
            )
        finally:
            log.close()
        try:
            self._wait_for_port()
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - began
        return self

    def _wait_for_port(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HiveServerError(
                    f"HiveServer2 exited with code {self.process.returncode} before opening "
                    f"port {self.port}; last lines of {self.log_path}:\n{self.log_tail()}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.5)
        raise HiveServerError(
            f"HiveServer2 did not open {self.host}:{self.port} within {self.start_timeout:.0f} s; "
            f"last lines of {self.log_path}:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log written)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM to the process group, SIGKILL if it is still there after ``timeout``."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(10)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> LocalHiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
