"""One DAG per report definition in ``reports/`` (``report_<name>``). Wiring only."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, task

from cistrade_airflow import default_args
from cistrade_airflow.assets import warehouse_asset
from cistrade_core.reports.definition import ReportDefinition, load_all

DOC = """
### Report: {title}

{description}

Runs `{query}` for its {period} (cron `{cron}`, {timezone}{assets}), writes
{formats} under `$CISTRADE_HOME/reports/{name}/<date>/` and mails them to
{recipients} (override with the Variable `{variable}` or the run conf `to`).
An email over the size limit carries the files zipped. The mail goes through the
mail outbox (`gmp_cis.cis_mail_outbox`), once per run: a failed send fails the
`deliver` task, whose retries send that same mail (never twice); it is never dropped.
"""


def _as_of(context: dict, definition: ReportDefinition) -> str:
    """The report date: the run's ``date`` param, else the definition's day for the run."""
    if context["params"].get("date"):
        return str(context["params"]["date"])
    run = context["dag_run"]
    when = run.logical_date or run.run_after  # asset-triggered runs have no logical date
    local_day = pendulum.instance(when).in_timezone(definition.schedule.timezone).date()
    return definition.default_as_of(local_day).isoformat()


def make_report_dag(definition: ReportDefinition):
    schedule = CronTriggerTimetable(definition.schedule.cron,
                                    timezone=definition.schedule.timezone)
    if definition.schedule.assets:
        schedule = AssetOrTimeSchedule(
            timetable=schedule,
            assets=[warehouse_asset(a) for a in definition.schedule.assets],
        )
    doc = DOC.format(
        title=definition.title, description=definition.description, query=definition.query,
        period=definition.period, cron=definition.schedule.cron,
        timezone=definition.schedule.timezone,
        assets=", and when its Assets update" if definition.schedule.assets else "",
        formats=", ".join(definition.formats), name=definition.name,
        recipients=", ".join(definition.recipients), variable=definition.recipients_variable,
    )

    @dag(
        dag_id=definition.dag_id,
        schedule=schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz=definition.schedule.timezone),
        catchup=False,
        max_active_runs=1,
        default_args=default_args(retries=2, retry_delay_minutes=10),
        doc_md=doc,
        tags=["report", definition.period, *definition.tags],
        params={
            "date": Param(None, type=["null", "string"], format="date",
                          description="As-of date (default: the day before the run)"),
            "formats": Param(None, type=["null", "array"], description="Subset of formats"),
            "to": Param(None, type=["null", "array"], description="Recipients for this run"),
        },
    )
    def report_dag():
        @task
        def build(**context) -> str:
            import os
            from datetime import date

            from cistrade_airflow import settings_from_airflow
            from cistrade_airflow.warehouse import warehouse_from_airflow
            from cistrade_core.reports.runner import build_report

            # Task processes run the task runner's threads: no forked PDF render workers here.
            os.environ.setdefault("CISTRADE_PDF_WORKERS", "1")
            day = date.fromisoformat(_as_of(context, definition))
            settings = settings_from_airflow()
            run = build_report(definition, day, formats=context["params"].get("formats"),
                               settings=settings, warehouse=warehouse_from_airflow(settings),
                               recipients=context["params"].get("to") or None)
            print(f"{definition.title} {day}: {run.row_count} rows -> {run.folder}")
            return str(run.folder)

        @task(retries=3, retry_delay=timedelta(minutes=5))
        def deliver(folder: str, **context) -> dict:
            from datetime import date
            from pathlib import Path

            from airflow.sdk import Variable

            from cistrade_airflow import settings_from_airflow
            from cistrade_airflow.warehouse import warehouse_from_airflow
            from cistrade_core.recipients import parse_recipients
            from cistrade_core.reports.runner import deliver as send
            from cistrade_core.reports.runner import load_run

            day = date.fromisoformat(_as_of(context, definition))
            override = Variable.get(definition.recipients_variable, default=None)
            recipients = (context["params"].get("to")
                          or parse_recipients(override, source=definition.recipients_variable)
                          or definition.recipients)
            settings = settings_from_airflow()
            result = send(load_run(definition, day, Path(folder)), recipients,
                          settings=settings, warehouse=warehouse_from_airflow(settings),
                          dedupe_key=f"report:{definition.dag_id}:{context['run_id']}")
            if not result.sent:
                raise RuntimeError(f"report mail not sent (kept in the outbox for retry): "
                                   f"{result.error}")
            return {"to": recipients, "message_id": result.message_id}

        deliver(build())

    return report_dag()


for _definition in load_all().values():
    globals()[_definition.dag_id] = make_report_dag(_definition)
