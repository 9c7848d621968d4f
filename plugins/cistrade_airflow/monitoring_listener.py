"""Pushes what a task measured (pool, GMP steps, logins) to the Pushgateway when it ends.

An Airflow task process is gone before Prometheus could scrape it, so this
listener (registered by :mod:`cistrade_airflow.cistrade_plugin`) pushes the
library's process metrics after every task, when ``CISTRADE_PUSHGATEWAY_URL`` is
set. The group is the DAG and task, so each task's last run stays visible.
"""

from __future__ import annotations

import os

from airflow.listeners import hookimpl

JOB = "cistrade_airflow_task"


def push_task_measurements(task_instance) -> bool:
    """Push this process's measurements under the task's DAG and task id."""
    if not os.environ.get("CISTRADE_PUSHGATEWAY_URL"):
        return False
    from cistrade_core.monitoring.push import push_measurements

    return push_measurements(JOB, {"dag_id": str(task_instance.dag_id),
                                   "task_id": str(task_instance.task_id)})


@hookimpl
def on_task_instance_success(previous_state, task_instance) -> None:
    push_task_measurements(task_instance)


@hookimpl
def on_task_instance_failed(previous_state, task_instance, error) -> None:
    push_task_measurements(task_instance)
