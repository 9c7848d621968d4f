"""A small pool of DB-API connections with a health check, for the HiveServer2-protocol engines.

Opening a HiveServer2 or Impala session costs a network round trip, SASL (or
Kerberos) negotiation and a server-side session, so connections are reused.
A connection that has been idle for ``check_after`` seconds, or whose last use
raised, is checked with ``health_check`` (``SELECT 1``) before it is handed out
again; one that fails is closed and replaced. The pool never holds more than
``max_size`` connections; callers beyond that wait up to ``wait_timeout``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from cistrade_core.errors import CoreError
from cistrade_core.monitoring import pool_metrics

log = logging.getLogger(__name__)

Connect = Callable[[], Any]


class PoolTimeout(CoreError, RuntimeError):
    """No connection became free in time."""


@dataclass
class PoolStats:
    opened: int = 0
    reused: int = 0
    checked: int = 0
    replaced: int = 0
    closed: int = 0
    waits: int = 0
    timeouts: int = 0
    in_use: int = 0


@dataclass
class _Entry:
    conn: Any
    idle_since: float = field(default_factory=time.monotonic)
    suspect: bool = False


class ConnectionPool:
    """Reuses DB-API connections made by ``connect``; thread-safe."""

    def __init__(self, connect: Connect, *, max_size: int = 4, health_check: str = "SELECT 1",
                 check_after: float = 30.0, wait_timeout: float = 120.0,
                 name: str = "warehouse") -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self._connect = connect
        self.max_size = max_size
        self.health_check = health_check
        self.check_after = check_after
        self.wait_timeout = wait_timeout
        self.name = name
        self.stats = PoolStats()
        self._idle: list[_Entry] = []
        self._slots = threading.BoundedSemaphore(max_size)
        self._lock = threading.Lock()
        self._closed = False
        pool_metrics.track(self)

    def __repr__(self) -> str:
        return f"ConnectionPool({self.name!r}, max_size={self.max_size}, idle={len(self._idle)})"

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A healthy connection for the duration of the ``with`` block."""
        if self._closed:
            raise RuntimeError(f"connection pool {self.name!r} is closed")
        if not self._slots.acquire(blocking=False):
            self.stats.waits += 1
            if not self._slots.acquire(timeout=self.wait_timeout):
                self.stats.timeouts += 1
                raise PoolTimeout(
                    f"no {self.name} connection free within {self.wait_timeout:.0f} s")
        entry = None
        self.stats.in_use += 1
        try:
            entry = self._checkout()
            try:
                yield entry.conn
            except BaseException:
                entry.suspect = True  # the session may be broken: check before reuse
                raise
            finally:
                entry.idle_since = time.monotonic()
                with self._lock:
                    if self._closed:
                        self._close(entry)
                    else:
                        self._idle.append(entry)
        finally:
            self.stats.in_use -= 1
            self._slots.release()

    def _checkout(self) -> _Entry:
        while True:
            with self._lock:
                entry = self._idle.pop() if self._idle else None
            if entry is None:
                self.stats.opened += 1
                return _Entry(self._connect())
            stale = time.monotonic() - entry.idle_since >= self.check_after
            if not (entry.suspect or stale):
                self.stats.reused += 1
                return entry
            self.stats.checked += 1
            if self.healthy(entry.conn):
                entry.suspect = False
                self.stats.reused += 1
                return entry
            log.warning("%s connection failed its health check; replacing it", self.name)
            self.stats.replaced += 1
            self._close(entry)

    def healthy(self, conn: Any) -> bool:
        """Run the health check on ``conn``; False on any error."""
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(self.health_check)
                cursor.fetchall()
            finally:
                with suppress(Exception):
                    cursor.close()
        except Exception as exc:  # any driver or transport error means: not usable
            log.debug("%s health check failed: %s", self.name, exc)
            return False
        return True

    def _close(self, entry: _Entry) -> None:
        self.stats.closed += 1
        with suppress(Exception):
            entry.conn.close()

    def close(self) -> None:
        """Close the idle connections; connections in use close when returned."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for entry in idle:
            self._close(entry)
