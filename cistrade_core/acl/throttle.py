"""Throttling failed logins: exponential back-off after a number of failures, per key.

A key is what is being guessed against: ``login:<login>`` for the CLI, and an API
adds ``client:<address>`` for the same attempt (:meth:`SessionManager.login` takes
the keys of an attempt). Each key has one row in ``cis_acl_login_throttle``:

- a failed login adds one to the failures of every key of the attempt; from the
  ``max_failures``-th on, the key is locked for ``base_delay * 2**(failures - max)``
  (at most ``max_delay``), and the lockout is written to the audit log;
- while any key of an attempt is locked, the attempt is refused without checking the
  password (audited as a denied login), so guessing during a lockout learns nothing;
- a successful login clears the keys of that attempt.

Failures older than ``forget_after`` no longer count. Settings from the environment:
``CISTRADE_LOGIN_MAX_FAILURES`` (5), ``CISTRADE_LOGIN_LOCKOUT_SECONDS`` (30),
``CISTRADE_LOGIN_LOCKOUT_MAX_SECONDS`` (900), ``CISTRADE_LOGIN_FORGET_SECONDS`` (86400).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cistrade_core.errors import AuthenticationError
from cistrade_core.warehouse import SCHEMA, Transaction, Warehouse, WriteConflict

TABLE = f"{SCHEMA}.cis_acl_login_throttle"
MAX_KEY = 200


class LoginThrottled(AuthenticationError):
    """Too many failed logins for a key: refused until the lockout ends."""

    def __init__(self, key: str, until: datetime) -> None:
        self.key, self.until = key, until
        what = key.partition(":")[2] or key
        super().__init__(f"too many failed logins for {what!r}: try again after "
                         f"{until:%Y-%m-%d %H:%M:%S} UTC")


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(days=1)

    @classmethod
    def from_env(cls) -> ThrottlePolicy:
        def seconds(name: str, default: timedelta) -> timedelta:
            return timedelta(seconds=_whole(name, int(default.total_seconds()), 0))

        d = cls()
        return cls(max_failures=_whole("CISTRADE_LOGIN_MAX_FAILURES", d.max_failures, 1),
                   base_delay=seconds("CISTRADE_LOGIN_LOCKOUT_SECONDS", d.base_delay),
                   max_delay=seconds("CISTRADE_LOGIN_LOCKOUT_MAX_SECONDS", d.max_delay),
                   forget_after=seconds("CISTRADE_LOGIN_FORGET_SECONDS", d.forget_after))

    def lockout(self, failures: int) -> timedelta | None:
        """How long a key with ``failures`` failures is locked (None: not locked)."""
        if failures < self.max_failures:
            return None
        exponent = min(failures - self.max_failures, 30)
        return min(self.base_delay * (2 ** exponent), self.max_delay)


def _whole(name: str, default: int, low: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < low:
        raise ValueError(f"{name} must be a whole number >= {low}, not {raw!r}")
    return int(raw)


def login_key(login: str) -> str:
    return f"login:{login}"[:MAX_KEY]


def client_key(address: str) -> str:
    return f"client:{address}"[:MAX_KEY]


@dataclass(frozen=True)
class Failure:
    key: str
    failures: int
    locked_until: datetime | None


class LoginThrottle:
    def __init__(self, warehouse: Warehouse, policy: ThrottlePolicy | None = None) -> None:
        self.warehouse = warehouse
        self.policy = policy or ThrottlePolicy.from_env()

    def check(self, tx: Transaction, keys: Sequence[str], now: datetime) -> None:
        """Raise :class:`LoginThrottled` if any of ``keys`` is locked at ``now``."""
        for row in self._rows(tx, keys):
            if row["locked_until"] is not None and now < row["locked_until"]:
                raise LoginThrottled(row["throttle_key"], row["locked_until"])

    def succeeded(self, tx: Transaction, keys: Sequence[str]) -> None:
        for row in self._rows(tx, keys):
            tx.delete(TABLE, {"throttle_key": row["throttle_key"]})

    def failed(self, keys: Sequence[str], now: datetime) -> list[Failure]:
        """Count one failure on each key (own unit of work); the new state of each."""
        for attempt in range(3):
            try:
                with self.warehouse.transaction() as tx:
                    return self._count(tx, keys, now)
            except WriteConflict:  # another failure of the same key at the same time
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _count(self, tx: Transaction, keys: Sequence[str], now: datetime) -> list[Failure]:
        existing = {r["throttle_key"]: r for r in self._rows(tx, keys)}
        out = []
        for key in dict.fromkeys(keys):
            row = existing.get(key)
            recent = row is not None and now - row["last_failure_at"] < self.policy.forget_after
            failures = (row["failures"] if recent else 0) + 1
            delay = self.policy.lockout(failures)
            until = now + delay if delay else None
            tx.upsert(TABLE, [{"throttle_key": key, "failures": failures,
                               "last_failure_at": now, "locked_until": until}])
            out.append(Failure(key, failures, until))
        return out

    @staticmethod
    def _rows(tx: Transaction, keys: Sequence[str]) -> list[dict]:
        keys = list(dict.fromkeys(keys))
        if not keys:
            return []
        marks = ", ".join("?" for _ in keys)
        return tx.query(f"SELECT * FROM {TABLE} WHERE throttle_key IN ({marks})", keys)
