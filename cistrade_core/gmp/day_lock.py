"""One GMP load of a business day at a time: a lock file per day.

``$CISTRADE_HOME/staging/locks/<YYYYMMDD>.lock`` is locked (``filelock``, an
``fcntl`` lock the kernel drops when its process ends, so a crashed run never
leaves the day locked) for as long as a run checks or loads the day. A second
run of the same day waits at most ``wait`` seconds (the command line: none; a
DAG task: ``CISTRADE_GMP_LOCK_WAIT``, 600 s by default) and then stops with
:class:`LoadAlreadyRunning`, which names the run holding the day. Runs of
different days do not wait for each other.

The lock is as wide as the file system of the staging directory, which the
check and load steps of every worker share already.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from cistrade_core.clock import utcnow
from cistrade_core.errors import CoreError

#: Seconds a DAG task waits for a run of the same day by default.
DEFAULT_TASK_WAIT = 600.0


class LoadAlreadyRunning(CoreError, RuntimeError):
    """Another run holds the day; the message says which and since when."""
    outcome = "CONFLICT"



class DayLock:
    """The lock of one business day, re-entrant within one run (from any of its threads)."""

    def __init__(self, folder: Path, day: date, run_id: str, wait: float = 0.0) -> None:
        from filelock import FileLock

        folder.mkdir(parents=True, exist_ok=True)
        self.day = day
        self.run_id = run_id
        self.wait = wait
        self.path = folder / f"{day:%Y%m%d}.lock"
        self.holder_path = folder / f"{day:%Y%m%d}.holder"
        self._lock = FileLock(self.path, timeout=wait, thread_local=False)
        self._guard = threading.Lock()   # the steps of a day run in several threads
        self._holds = 0

    def _holder(self) -> str:
        try:
            with self.holder_path.open("rb") as fh:
                info = json.loads(fh.read(1024))
            return (f"run {str(info['run_id'])[:80]} (pid {int(info['pid'])} on "
                    f"{str(info['host'])[:64]}, since {str(info['since'])[:25]})")
        except (OSError, ValueError, KeyError, TypeError):
            return "another run"

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the day for the block; raise :class:`LoadAlreadyRunning` if another run does."""
        from filelock import Timeout

        with self._guard:
            if not self._holds:
                try:
                    self._lock.acquire()
                except Timeout:
                    waited = f" after waiting {self.wait:g} s" if self.wait else ""
                    raise LoadAlreadyRunning(
                        f"a GMP load of {self.day} is already running: {self._holder()}; "
                        f"not started{waited}. Run it again when that run has finished."
                    ) from None
                try:
                    self.holder_path.write_text(json.dumps({
                        "run_id": self.run_id, "pid": os.getpid(),
                        "host": socket.gethostname(),
                        "since": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")}))
                except BaseException:
                    self._lock.release()
                    raise
            self._holds += 1
        try:
            yield
        finally:
            with self._guard:
                self._holds -= 1
                if not self._holds:
                    self._lock.release()


def task_wait() -> float:
    """How long a DAG task waits for the day (``CISTRADE_GMP_LOCK_WAIT`` seconds)."""
    raw = os.environ.get("CISTRADE_GMP_LOCK_WAIT", "")
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_TASK_WAIT
    except ValueError:
        return DEFAULT_TASK_WAIT
