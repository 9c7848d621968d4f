"""A DB-API connection wrapper that records every statement sent through it.

Used to run the Impala mode against the real HiveServer2: statements both
engines understand go to the server and must succeed there; the Impala-only
ones (``INVALIDATE METADATA``, ``REFRESH t PARTITION``, ``UPSERT``, ``COMPUTE
STATS``) are recorded but *not* run, since no Impala exists here. Tests check
those by their text only, and say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

IMPALA_ONLY = re.compile(
    r"^\s*(INVALIDATE\s+METADATA\b|REFRESH\s+[\w.`]+\s+PARTITION\b|UPSERT\s+INTO\b"
    r"|COMPUTE\s+(INCREMENTAL\s+)?STATS\b)", re.I)


@dataclass
class StatementLog:
    sent: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # Impala-only: recorded, not run

    def clear(self) -> None:
        self.sent.clear()
        self.held.clear()


class RecordingCursor:
    def __init__(self, cursor: Any, log: StatementLog) -> None:
        self._cursor, self._log, self._held = cursor, log, False

    def execute(self, operation: str, parameters: Any = None) -> None:
        if IMPALA_ONLY.match(operation):
            self._log.held.append(operation)
            self._held = True
            return
        self._held = False
        self._log.sent.append(operation)
        self._cursor.execute(operation, parameters)

    @property
    def description(self):
        return None if self._held else self._cursor.description

    def fetchall(self):
        return [] if self._held else self._cursor.fetchall()

    def close(self) -> None:
        self._cursor.close()


class RecordingConnection:
    def __init__(self, conn: Any, log: StatementLog) -> None:
        self._conn, self._log = conn, log

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self._conn.cursor(), self._log)

    def close(self) -> None:
        self._conn.close()
