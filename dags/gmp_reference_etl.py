"""Daily GMP reference-data load. Wiring only: the work is in ``cistrade_core.gmp``."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, PokeReturnValue, TriggerRule, dag, task

from cistrade_airflow import DEFAULT_TIMEZONE, default_args
from cistrade_airflow.assets import warehouse_asset
from cistrade_airflow.deadline import load_deadline
from cistrade_airflow.gmp import SENSOR_POKE_INTERVAL
from cistrade_airflow.review import HeldFeedReview
from cistrade_core.feeds import FEEDS

DOC = """
### GMP reference-data load

GMP extracts four pipe-delimited feeds at 02:00 (currency, country, calendar,
counterparty) into the landing directory. For the previous business date this
DAG, per feed, **waits** for the control file (a rescheduling sensor, mailing a
*missing file* alert once it is more than an hour late), **validates** it
(empty file, header/field count/encoding/types, rows vs control file, extract
timestamp, data quality incl. references to the same day's feeds, ±10% against
the last loaded day), lets an operator **review** it if it is held, **loads** it
atomically and **refreshes** the table. Once every feed is done, one
`expectations` task runs the four **Great Expectations** suites (Data Docs under
`$CISTRADE_HOME/gx`); it never holds up a load, and a failure of GX itself fails
that task only.

A rejected feed fails its `validate_*` task, mails an alert and leaves the
previous day current; the other feeds go on. A feed *held* for a row-count change
waits at its `review_*` step (*Required actions* in the UI) showing the last
loaded count, today's count and the change: **Release** loads it (who and when go
to `gmp_load_history`), **Reject** keeps the previous day current; unanswered
after `CISTRADE_GMP_REVIEW_TIMEOUT` seconds it is alerted and fails. Without the
UI: trigger the day with conf `{"accept_row_count_change": true}` or
`cistrade gmp load --accept-row-count-change`. A run not finished by
`CISTRADE_GMP_LOAD_DEADLINE` (06:00 local) mails the support list.
Re-running a day (clear, or `airflow backfill create`) replaces that day.
Each run stages under its own folder (its run id); a step waits up to
`CISTRADE_GMP_LOCK_WAIT` seconds (600) for another load of the same day.
"""


@task.sensor(poke_interval=SENSOR_POKE_INTERVAL, timeout=int(timedelta(hours=8).total_seconds()),
             mode="reschedule", retries=0)
def wait_for_file(feed: str, params=None, logical_date=None) -> PokeReturnValue:
    """Done when the feed's control file is in the landing directory."""
    from cistrade_airflow.gmp import business_date, gmp_load_from_airflow

    day = business_date(params, logical_date)
    waiting = gmp_load_from_airflow().check_arrival(feed, day)
    if waiting is not None:
        print(f"{feed} {day}: {waiting.status}: {waiting.reason}")
    return PokeReturnValue(is_done=waiting is None)


@task(trigger_rule=TriggerRule.ALL_DONE)
def validate(feed: str, params=None, logical_date=None, run_id=None) -> dict:
    """Every check of the GMP contract; stages the feed when it passes (or holds it for
    its review step)."""
    from airflow.sdk.exceptions import AirflowFailException

    from cistrade_airflow.gmp import business_date, gmp_load_from_airflow
    from cistrade_core.gmp.outcome import FeedStatus

    day = business_date(params, logical_date)
    outcome = gmp_load_from_airflow(run_id).validate(
        feed, day, accept_row_count_change=bool(params.get("accept_row_count_change")))
    print(outcome.line())
    for line in outcome.problems:
        print("  ", line)
    if not outcome.ok and outcome.status is not FeedStatus.HELD:
        raise AirflowFailException(f"{feed} {day} {outcome.status}: {outcome.reason}")
    return outcome.to_json()


@task(trigger_rule=TriggerRule.ALL_DONE, retries=0)
def expectations(params=None, logical_date=None) -> list[dict]:
    """Run every feed's Great Expectations suite and rebuild the Data Docs, once a day after
    the loads. A failure of GX itself fails this task only, after every feed is tried."""
    from airflow.sdk.exceptions import AirflowFailException

    from cistrade_airflow import settings_from_airflow
    from cistrade_airflow.gmp import business_date
    from cistrade_core.gmp.expectations import run_suites

    day = business_date(params, logical_date)
    results = run_suites(day, settings_from_airflow())
    for result in results:
        print(result.summary())
    broken = [r.feed for r in results if r.error]
    if broken:
        raise AirflowFailException(f"Great Expectations failed for {', '.join(broken)} on "
                                   f"{day}; the loads are not affected")
    return [r.to_json() for r in results]


@task
def all_loaded() -> None:
    """Succeeds when every feed of the day is loaded: the run's outcome (a rejected feed
    fails the run, whatever the Great Expectations task does)."""


@task
def load(feed: str, params=None, logical_date=None, run_id=None) -> dict:
    """Replace the day's rows of the feed's table, atomically."""
    from cistrade_airflow.gmp import business_date, gmp_load_from_airflow

    day = business_date(params, logical_date)
    outcome = gmp_load_from_airflow(run_id).load(feed, day)
    print(outcome.line())
    return outcome.to_json()


@task
def refresh(feed: str, params=None, logical_date=None, run_id=None) -> str:
    """Make the loaded day visible to readers of the warehouse."""
    from cistrade_airflow.gmp import business_date, gmp_load_from_airflow

    day = business_date(params, logical_date)
    done = gmp_load_from_airflow(run_id).refresh(feed, day)
    print(done)
    return done


@dag(
    dag_id="gmp_reference_etl",
    schedule=CronTriggerTimetable("0 3 * * *", timezone=DEFAULT_TIMEZONE),
    start_date=pendulum.datetime(2026, 1, 1, tz=DEFAULT_TIMEZONE),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=12),
    deadline=load_deadline("gmp_reference_etl"),
    default_args=default_args(),
    doc_md=DOC,
    tags=["gmp", "reference-data", "daily"],
    params={
        "accept_row_count_change": Param(False, type="boolean",
                                         description="Operator override for held feeds"),
        "business_date": Param(None, type=["null", "string"], format="date",
                               description="Business date to load (default: the day before)"),
    },
)
def gmp_reference_etl():
    validated, refreshes = {}, []
    for name, feed in FEEDS.items():
        waited = wait_for_file.override(task_id=f"wait_{name}")(name)
        checked = validate.override(task_id=f"validate_{name}")(name)
        waited >> checked
        validated[name] = checked
        reviewed = HeldFeedReview(task_id=f"review_{name}", feed=name, retries=0)
        loaded = load.override(task_id=f"load_{name}")(name)
        refreshed = refresh.override(task_id=f"refresh_{name}",
                                     outlets=[warehouse_asset(feed.table)])(name)
        checked >> reviewed >> loaded >> refreshed
        refreshes.append(refreshed)
    # Great Expectations documents the day once every feed is loaded or refused: it is
    # upstream of no load, and imported once a day rather than once a feed.
    refreshes >> expectations()
    refreshes >> all_loaded()
    # Cross-feed references: a feed is validated after the feeds it references.
    for name, feed in FEEDS.items():
        for upstream in feed.upstream_feeds:
            validated[upstream] >> validated[name]


gmp_reference_etl()
