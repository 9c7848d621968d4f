"""Benchmarks (``make bench``); figures are recorded in docs/benchmarks.md."""

from __future__ import annotations


def peak_rss_mb() -> float:
    """This process's own peak resident set, in MiB.

    Read from ``VmHWM``, which starts afresh at ``exec``: ``ru_maxrss`` does not (a child
    started from a large process reports at least its parent's resident set then).
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
