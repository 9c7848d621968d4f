"""Airflow glue shared by the CisTrade DAGs.

Turns Airflow connections and Variables into :mod:`cistrade_core` settings and
builds the failure notifier. The library itself never imports Airflow; the DAG
files import this package (the plugins folder is on Airflow's ``sys.path``).

The rest of the glue, one module per concern: :mod:`~cistrade_airflow.assets` (the
Asset of a warehouse table), :mod:`~cistrade_airflow.warehouse` (the warehouse
connection every DAG uses), :mod:`~cistrade_airflow.gmp` (the GMP load) and
:mod:`~cistrade_airflow.fx` (the FX rates). The CisTrade plugin (the UI page, the
metrics app, the task listener) is registered by :mod:`~cistrade_airflow.cistrade_plugin`
alone, which nothing here imports.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from typing import Any

from cistrade_core.config import local_timezone
from cistrade_core.recipients import parse_recipients

SMTP_CONN_ID = "smtp_default"
ALERT_RECIPIENTS_VARIABLE = "cistrade_alert_recipients"
DEFAULT_TIMEZONE = local_timezone()


def _flag(value: Any) -> bool:
    return str(value).lower() in {"1", "true", "yes", "on"}


def settings_from_airflow(smtp_conn_id: str = SMTP_CONN_ID):
    """:class:`cistrade_core.config.Settings` with SMTP from the Airflow connection.

    Alert recipients come from the ``cistrade_alert_recipients`` Variable when it
    is set (comma-separated), else from ``CISTRADE_ALERT_TO``. Call inside tasks only.
    """
    from airflow.sdk import Connection, Variable

    from cistrade_core.config import SmtpSettings, get_settings

    settings = get_settings()
    try:
        conn = Connection.get(smtp_conn_id)
    except Exception:  # no such connection: keep the environment's SMTP settings
        conn = None
    if conn is not None:
        extra = conn.extra_dejson or {}
        settings = replace(
            settings,
            smtp=SmtpSettings(
                host=conn.host or "127.0.0.1",
                port=int(conn.port or 25),
                user=conn.login or None,
                password=conn.password or None,
                mail_from=extra.get("from_email", settings.smtp.mail_from),
                starttls=not _flag(extra.get("disable_tls", False)),
                ssl=not _flag(extra.get("disable_ssl", False)),
                timeout=float(extra.get("timeout", 30)),
            ),
        )
    recipients = Variable.get(ALERT_RECIPIENTS_VARIABLE, default=None)
    if recipients:
        settings = replace(
            settings,
            alert_recipients=parse_recipients(
                recipients, source=f"Variable {ALERT_RECIPIENTS_VARIABLE}"),
        )
    return settings


def failure_notifier():
    """An ``on_failure_callback`` mailing the task failure through ``smtp_default``."""
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    default_to = os.environ.get("CISTRADE_ALERT_TO", "gmp-support@localhost")
    return SmtpNotifier(
        smtp_conn_id=SMTP_CONN_ID,
        from_email=os.environ.get("CISTRADE_SMTP_FROM", "cistrade@localhost"),
        to=f"{{{{ var.value.get('{ALERT_RECIPIENTS_VARIABLE}', '{default_to}') }}}}",
        subject="[CisTrade] Airflow task failed: {{ ti.dag_id }}.{{ ti.task_id }} ({{ run_id }})",
        html_content=(
            "<p>Task <b>{{ ti.dag_id }}.{{ ti.task_id }}</b> failed in run {{ run_id }} "
            "(try {{ ti.try_number }}).</p><p>Log: {{ ti.log_url }}</p>"
        ),
    )


def default_args(retries: int = 2, retry_delay_minutes: int = 5) -> dict[str, Any]:
    """Retries and the failure notifier, as every CisTrade DAG uses them."""
    return {
        "owner": "cistrade-data",
        "retries": retries,
        "retry_delay": timedelta(minutes=retry_delay_minutes),
        "on_failure_callback": [failure_notifier()],
    }
