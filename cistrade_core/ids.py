"""Identifiers that sort in creation order (audit events, notifications)."""

from __future__ import annotations

import os
import threading
import time

_lock = threading.Lock()
_last = 0


def sortable_id() -> str:
    """``<ns since epoch, 19 digits>-<random hex>``: unique, and ordered within a process.

    Rows written under a fixed (test) clock keep their order when sorted by it.
    """
    global _last
    with _lock:
        now = max(time.time_ns(), _last + 1)
        _last = now
    return f"{now:019d}-{os.urandom(6).hex()}"
