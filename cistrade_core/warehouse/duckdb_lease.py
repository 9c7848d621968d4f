"""Sharing one DuckDB file between processes: an OS file lock and a lease on the open file.

DuckDB lets one process at a time open a database file for writing. Every
project process (API workers, Airflow tasks, CLI commands) takes an exclusive
``flock`` on ``<file>.lock`` before it opens the file, so the file changes hands
through the kernel instead of through retries with back-off.

A process that holds the lock keeps the file open across units of work (the
lease) while it has work, with every thread on its own cursor of the one open
database. It closes the file and releases the lock as soon as it is idle
(:attr:`Lease.idle_close`; not during a batch, :meth:`Lease.batch`), or, when
another process is waiting, at the end of its current units once it has held the
file for :attr:`Lease.slice`. A waiting
process announces itself with a shared ``flock`` on ``<file>.want``; the holder
sees it by failing to take that file exclusively. The kernel drops both locks of
a process that dies, so a killed holder never blocks the others.

DuckDB's own lock error is still retried when opening the file, for processes
outside the project that open it without these locks.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from cistrade_core.errors import CoreError

if TYPE_CHECKING:
    import duckdb


class WarehouseBusy(CoreError, TimeoutError):
    """Another process held the warehouse file for longer than the lock timeout."""


def _is_lock_conflict(exc: BaseException) -> bool:
    import duckdb

    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


class Lease:
    """This process's turn on one DuckDB file (one per file and process: :func:`lease_for`)."""

    #: Seconds without a unit of work after which the file is closed and released.
    idle_close = 0.25
    #: Seconds the file is kept, while another process waits, before it is handed over.
    #: Opening a DuckDB database costs about 0.1 s (more on a busy machine), so shorter
    #: turns would spend most of the time opening and closing the file.
    slice = 0.25
    #: Seconds between checks of the lock by a waiting process, and of waiters by the holder.
    poll = 0.001

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cond = threading.Condition()
        self._local = threading.local()
        self._db: duckdb.DuckDBPyConnection | None = None
        self._acquiring = False
        self._yielding = False
        self._users = 0
        self._since = 0.0          # when the file was opened
        self._last = 0.0           # when the last unit of work ended
        self._handed = False       # the file was last released for a waiting process
        self._batches = 0          # runs of units during which an idle file stays open
        self._lock_fd = -1
        self._want_fd = -1
        #: DuckDB settings the file is opened with (e.g. ``threads``), for this process.
        self.config: dict[str, str] = {}

    # -- units of work ----------------------------------------------------------------------
    @contextmanager
    def cursor(self, timeout: float) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the open file for one unit of work, waiting for the file if needed."""
        depth = getattr(self._local, "depth", 0)
        with self._cond:
            if depth == 0:
                self._enter(timeout)
            self._users += 1
            db = self._db
        self._local.depth = depth + 1
        try:
            cur = db.cursor()
        except BaseException:
            self._leave(depth)
            raise
        try:
            yield cur
        finally:
            try:
                cur.close()
            finally:
                self._leave(depth)

    def _enter(self, timeout: float) -> None:
        """Wait (holding ``_cond``) until this process holds the file and may start a unit."""
        deadline = time.monotonic() + timeout
        while self._db is None or self._yielding or self._acquiring:
            if self._db is None and not self._acquiring:
                self._acquiring = True
                self._cond.release()
                try:
                    db = self._acquire(deadline, timeout)
                finally:
                    self._cond.acquire()
                    self._acquiring = False
                    self._cond.notify_all()
                self._db = db
                self._since = self._last = time.monotonic()
                threading.Thread(target=self._watch, name=f"duckdb-lease {self.path.name}",
                                 daemon=True).start()
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._busy(timeout)
            self._cond.wait(left)

    def _leave(self, depth: int) -> None:
        self._local.depth = depth
        with self._cond:
            self._users -= 1
            if self._users == 0:
                self._last = time.monotonic()
                if self._yielding or self._waiter_seen():
                    self._release(handed=True)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """A run of units close together: the file is not closed for idleness between them.

        Closing a DuckDB file checkpoints it, which after a large load takes as long as
        the load; a batch (a GMP day) pays that once, after its last unit, instead of in
        every pause between its steps. Another process that waits still gets its turn.
        """
        with self._cond:
            self._batches += 1
        try:
            yield
        finally:
            with self._cond:
                self._batches -= 1
                self._last = time.monotonic()

    # -- handing the file over --------------------------------------------------------------
    def _waiter_seen(self) -> bool:
        """Whether another process waits and this one has had its slice (holding ``_cond``)."""
        if time.monotonic() - self._since < self.slice:
            return False
        return self._someone_waits()

    def _someone_waits(self) -> bool:
        try:
            fcntl.flock(self._want_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(self._want_fd, fcntl.LOCK_UN)
        return False

    def _watch(self) -> None:
        """While the file is open: hand it over when idle or when another process waits."""
        with self._cond:
            db = self._db
            while self._db is db:
                now = time.monotonic()
                if self._users == 0:
                    if self._waiter_seen():
                        self._release(handed=True)
                        return
                    if not self._batches and now - self._last >= self.idle_close:
                        self._release()
                        return
                if self._users and not self._yielding and self._waiter_seen():
                    self._yielding = True      # new units wait; the last one out releases
                self._cond.wait(self.poll * 5)

    def _release(self, handed: bool = False) -> None:
        """Close the file and let the next process have it (holding ``_cond``, no users)."""
        db, self._db, self._yielding, self._handed = self._db, None, False, handed
        try:
            if db is not None:
                db.close()
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            self._cond.notify_all()

    def close(self) -> None:
        """Release the file now if no unit of work is running (at exit, after a test)."""
        with self._cond:
            if self._db is not None and self._users == 0:
                self._release()

    # -- taking the file --------------------------------------------------------------------
    def _fds(self) -> None:
        if self._lock_fd < 0:
            self._lock_fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                                    0o600)
            self._want_fd = os.open(f"{self.path}.want", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                                    0o600)

    def _acquire(self, deadline: float, timeout: float) -> duckdb.DuckDBPyConnection:
        """Take the lock file (announcing the wait) and open the database."""
        import duckdb

        self._fds()
        try:
            if self._handed:               # let the process it was handed to take it first
                raise BlockingIOError
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fcntl.flock(self._want_fd, fcntl.LOCK_SH)
            if self._handed:
                time.sleep(self.poll * 3)
            try:
                while True:
                    if time.monotonic() >= deadline:
                        raise self._busy(timeout) from None
                    time.sleep(self.poll)
                    try:
                        fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        continue
            finally:
                fcntl.flock(self._want_fd, fcntl.LOCK_UN)
        try:
            return self._open(duckdb, deadline)
        except BaseException:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            raise

    def _open(self, duckdb, deadline: float) -> duckdb.DuckDBPyConnection:
        """Open the file, retrying DuckDB's lock error (a process outside the project)."""
        from tenacity import retry, retry_if_exception, stop_after_delay, wait_random_exponential

        return retry(retry=retry_if_exception(_is_lock_conflict),
                     stop=stop_after_delay(max(0.0, deadline - time.monotonic())),
                     wait=wait_random_exponential(multiplier=0.05, max=1.0),
                     reraise=True)(duckdb.connect)(str(self.path), config=dict(self.config))

    def _busy(self, timeout: float) -> WarehouseBusy:
        return WarehouseBusy(f"the warehouse {self.path} stayed in use by another process for "
                             f"{timeout:g} s (the lock timeout)")

    def _forget(self) -> None:
        """In a forked child: the parent's open file and locks are not this process's."""
        if self._db is not None:
            _ORPHANS.append(self._db)   # closing it here would write the parent's database
        for fd in (self._lock_fd, self._want_fd):
            if fd >= 0:
                os.close(fd)            # closes the child's copy; the parent keeps its lock
        config = self.config
        self.__init__(self.path)
        self.config = config


_LEASES: dict[str, Lease] = {}
_ORPHANS: list[object] = []
_REGISTRY = threading.Lock()


def lease_for(path: Path) -> Lease:
    """The lease on ``path`` shared by every warehouse object of this process."""
    key = os.path.realpath(path)
    with _REGISTRY:
        lease = _LEASES.get(key)
        if lease is None:
            lease = _LEASES[key] = Lease(Path(key))
        return lease


def release_all() -> None:
    """Close every idle open file of this process (at exit)."""
    for lease in list(_LEASES.values()):
        lease.close()


def _after_fork() -> None:
    global _REGISTRY
    _REGISTRY = threading.Lock()
    for lease in _LEASES.values():
        lease._forget()


atexit.register(release_all)
os.register_at_fork(after_in_child=_after_fork)
