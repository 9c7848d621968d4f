"""
### Portfolio approval reminders

Every morning, reminds checkers of portfolio changes that have been waiting for
approval longer than `max_age_hours` (a run parameter; default from
`CISTRADE_APPROVAL_REMINDER_HOURS`, else 24).

1. **retry_notifications** sends the mail waiting in the outbox
   `gmp_cis.cis_mail_outbox`: queued and not sent yet, or failed before.
2. **business_day** lets the reminders go only on business days: not on a
   weekend, nor on a holiday of the calendars in `CISTRADE_BUSINESS_CALENDARS`
   (e.g. `GB`, from the loaded GMP calendar feed). On other days the rest of the
   run is skipped, with the reason in the task's log.
3. **remind_checkers** mails, for each overdue portfolio, the enabled users who
   may approve it (never its makers). Each portfolio version is reminded at most
   once per run date, so re-running a day sends nothing twice. The run leaves one
   `REMIND` row in the audit log.

Mail goes through the `smtp_default` connection. The work is in
`cistrade_core.portfolio.reminders`; this file only schedules it.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import Param, dag, task

from cistrade_airflow import DEFAULT_TIMEZONE, default_args
from cistrade_airflow.assets import warehouse_asset

DEFAULT_MAX_AGE_HOURS = float(os.environ.get("CISTRADE_APPROVAL_REMINDER_HOURS", "24"))


@dag(
    dag_id="portfolio_approval_reminders",
    description="Remind checkers of portfolio approvals pending too long",
    schedule="0 7 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz=DEFAULT_TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(retries=2, retry_delay_minutes=5),
    params={"max_age_hours": Param(DEFAULT_MAX_AGE_HOURS, type="number", minimum=1,
                                   description="Remind about changes waiting this long")},
    tags=["cistrade", "portfolio", "notifications"],
    doc_md=__doc__,
)
def portfolio_approval_reminders():
    @task
    def retry_notifications() -> dict:
        from cistrade_airflow import settings_from_airflow
        from cistrade_airflow.warehouse import warehouse_from_airflow
        from cistrade_core.notify import Notifier
        from cistrade_core.schema import ensure_core_schema

        settings = settings_from_airflow()
        warehouse = warehouse_from_airflow(settings)
        ensure_core_schema(warehouse)
        delivered, waiting = Notifier(settings).retry(warehouse)
        return {"delivered": delivered, "waiting": waiting}

    @task.short_circuit
    def business_day(logical_date=None) -> bool:
        import logging

        from cistrade_airflow import settings_from_airflow
        from cistrade_airflow.warehouse import warehouse_from_airflow
        from cistrade_core.calendar import business_calendars, closed_because, load_calendar
        from cistrade_core.config import local_timezone

        day = pendulum.instance(logical_date).in_timezone(local_timezone()).date()
        calendars = business_calendars()
        warehouse = warehouse_from_airflow(settings_from_airflow())
        reason = closed_because(load_calendar(warehouse, calendars), day)
        if reason:
            logging.getLogger(__name__).info("%s is not a business day (%s): no reminders",
                                             day, reason)
        return reason is None

    @task(outlets=[warehouse_asset("cis_mail_outbox")])
    def remind_checkers(params: dict | None = None, ds: str | None = None) -> dict:
        from datetime import timedelta

        from cistrade_airflow import settings_from_airflow
        from cistrade_airflow.warehouse import warehouse_from_airflow
        from cistrade_core.clock import utcnow
        from cistrade_core.notify import Notifier
        from cistrade_core.portfolio.reminders import send_reminders

        settings = settings_from_airflow()
        max_age = timedelta(hours=float((params or {}).get("max_age_hours",
                                                          DEFAULT_MAX_AGE_HOURS)))
        report = send_reminders(warehouse_from_airflow(settings), Notifier(settings), utcnow(),
                                max_age, run_key=ds or f"{utcnow():%Y-%m-%d}")
        return {"overdue": report.overdue, "reminded": len(report.queued),
                "already_reminded": len(report.already_sent)}

    retry_notifications() >> business_day() >> remind_checkers()


portfolio_approval_reminders()
