"""The host name Airflow records for a task instance (``[core] hostname_callable``).

Containers each have their own host name; the local stack (``scripts/stack.sh``) runs
its Celery workers on one machine, so each worker exports ``CISTRADE_WORKER_HOSTNAME``
(its Celery hostname) and its tasks report that instead of the machine's name.
"""

from __future__ import annotations

import os


def worker_hostname() -> str:
    """``CISTRADE_WORKER_HOSTNAME`` when set, else the machine's fully qualified name."""
    from airflow.utils.net import getfqdn

    return os.environ.get("CISTRADE_WORKER_HOSTNAME") or getfqdn()
