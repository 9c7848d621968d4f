"""What an operator deals with on the stack: a feed that arrives late, a rejected feed,
a feed held for a row-count change released or rejected in the UI (through the REST
API, as the UI calls it) or left unanswered past its review timeout, and the deadline
of the daily load."""

from __future__ import annotations

import shutil
from datetime import date

import psycopg2

from cistrade_core.feeds import FEEDS, get_feed
from cistrade_core.gmp.problems import CheckKind
from cistrade_dev.gmp_samples import generate_drop
from cistrade_dev.smtp_server import read_outbox
from cistrade_dev.stack import wait
from tests.stack.conftest import DAG, SCALE

MISSING = str(CheckKind.ARRIVAL)
HITL = "/dags/{dag}/dagRuns/{run}/taskInstances/{task}/-1/hitlDetails"


def logical(day: date) -> str:
    """The 03:00 London run (GMT in the test's November) that loads business date ``day``."""
    return f"{date.fromordinal(day.toordinal() + 1)}T03:00:00+00:00"


def mails(stack, **headers):
    found = read_outbox(stack.settings.outbox_dir)
    return [m for m in found if all(str(m.get(k)) == v for k, v in headers.items())]


def deadline_mails(stack) -> list:
    return [m for m in read_outbox(stack.settings.outbox_dir)
            if str(m["Subject"]).startswith("[CisTrade GMP] deadline missed: gmp_reference_etl")]


def reschedules(stack, run_id: str, task_id: str) -> int:
    secrets = dict(line.split("=", 1)
                   for line in (stack.dir / "secrets.env").read_text().splitlines())
    with psycopg2.connect(host="127.0.0.1", port=stack.ports["CISTRADE_STACK_PG_PORT"],
                          user="airflow", dbname="airflow",
                          password=secrets["POSTGRES_PASSWORD"]) as con, con.cursor() as cur:
        cur.execute("SELECT count(*) FROM task_reschedule r JOIN task_instance t "
                    "ON t.id = r.ti_id WHERE t.run_id = %s AND t.task_id = %s",
                    (run_id, task_id))
        return cur.fetchone()[0]


def test_a_late_feed_waits_without_a_worker_and_a_rejected_feed_is_mailed(
        stack, api, backfilled, stack_store, timed):
    day = date(2026, 11, 9)
    landing = stack.settings.landing_dir
    generate_drop(day, landing, fault="bad-lei", scale=SCALE)  # counterparty is rejected
    ctl = landing / get_feed("calendar").control_file_name(day)
    aside = ctl.with_suffix(".later")
    shutil.move(ctl, aside)  # the calendar feed is late

    deadlines_before = len(deadline_mails(stack))
    run = api.trigger(DAG, logical(day))
    run_id = run["dag_run_id"]
    arrival = wait(lambda: mails(stack, **{"X-CisTrade-Alert": MISSING,
                                           "X-CisTrade-Feed": "calendar"}), 120,
                   lambda: api.states(DAG, run_id))
    assert len(arrival) == 1
    wait(lambda: reschedules(stack, run_id, "wait_calendar") >= 3, 60,
         lambda: api.states(DAG, run_id))
    # rescheduled, not holding a worker slot: between pokes the task is not running
    assert api.states(DAG, run_id)["wait_calendar"] in ("up_for_reschedule", "queued",
                                                         "scheduled", "running")
    assert len(mails(stack, **{"X-CisTrade-Alert": MISSING})) == 1  # mailed once
    # the run's deadline (20 s after it was queued in these tests) has passed: mailed
    wait(lambda: len(deadline_mails(stack)) > deadlines_before, 60, "no deadline mail")
    shutil.move(aside, ctl)

    done = api.wait_for_run(DAG, run_id, timeout=240)
    states = api.states(DAG, run_id)
    assert done["state"] == "failed", states
    assert states["validate_counterparty"] == "failed"
    for feed in ("currency", "country", "calendar"):
        assert states[f"refresh_{feed}"] == "success", states
    loaded = {h.feed for h in stack_store.load_history(day, day) if h.status == "loaded"}
    assert loaded == {"currency", "country", "calendar"}
    rejected = mails(stack, **{"X-CisTrade-Alert": "data_quality",
                               "X-CisTrade-Feed": "counterparty",
                               "X-CisTrade-Business-Date": f"{day}"})
    assert len(rejected) == 1
    assert "LEI check digits are wrong" in rejected[0].get_body(("plain",)).get_content()


def held_run(stack, api, day: date, fault: str | None) -> str:
    """A run of ``day`` whose counterparty feed is held: the run id, once it waits."""
    generate_drop(day, stack.settings.landing_dir, fault=fault, scale=SCALE)
    run_id = api.trigger(DAG, logical(day))["dag_run_id"]
    wait(lambda: api.states(DAG, run_id).get("review_counterparty") == "awaiting_input", 240,
         lambda: api.states(DAG, run_id))
    return run_id


def test_a_held_feed_is_released_or_rejected_by_an_operator(stack, api, backfilled,
                                                            stack_store, timed):
    released_day, rejected_day = date(2026, 11, 4), date(2026, 11, 5)
    run_id = held_run(stack, api, released_day, "row-count-change")
    path = HITL.format(dag=DAG, run=run_id, task="review_counterparty")
    detail = api.get(path)
    assert detail["options"] == ["Release", "Reject"]
    assert "| last loaded day | today | change |" in detail["body"]
    assert "-25." in detail["body"] or "-24." in detail["body"] or "-26." in detail["body"]
    for feed in ("currency", "country", "calendar"):  # not held: their review passes
        assert api.states(DAG, run_id)[f"review_{feed}"] == "success"
    answer = api.request("PATCH", path, json={"chosen_options": ["Release"]})
    assert answer["responded_by"]["name"] == "admin"
    done = api.wait_for_run(DAG, run_id, timeout=180)
    assert done["state"] == "success", api.states(DAG, run_id)
    history = [h for h in stack_store.load_history(released_day, released_day,
                                                       "counterparty")]
    assert [h.status for h in history] == ["held", "loaded"]
    assert history[-1].released_by == "admin" and history[-1].released_at is not None
    assert history[-1].override

    # the next day is held again (back to a normal count: +33%); the operator rejects it
    run_id = held_run(stack, api, rejected_day, None)
    path = HITL.format(dag=DAG, run=run_id, task="review_counterparty")
    api.request("PATCH", path, json={"chosen_options": ["Reject"]})
    done = api.wait_for_run(DAG, run_id, timeout=180)
    states = api.states(DAG, run_id)
    assert states["review_counterparty"] == "skipped" and states["load_counterparty"] == "skipped"
    statuses = [h.status for h in stack_store.load_history(rejected_day, rejected_day,
                                                                "counterparty")]
    assert statuses == ["held", "rejected"]
    table = get_feed("counterparty").table
    kept = stack_store.warehouse.query(f"SELECT count(*) AS n FROM gmp_cis.{table} "
                                 "WHERE business_date = ?", [rejected_day])
    assert kept == [{"n": 0}]  # nothing of the rejected day: the earlier days stay current
    for feed in FEEDS:
        if feed != "counterparty":
            assert states[f"refresh_{feed}"] == "success"


def test_a_held_feed_nobody_reviews_times_out_with_an_alert(stack, api, backfilled,
                                                             stack_store, timed):
    # after the release (4 November, -25%) a normal day is +33%: held again
    day = date(2026, 11, 6)
    run_id = held_run(stack, api, day, None)
    about = {"X-CisTrade-Alert": str(CheckKind.ROW_COUNT_CHANGE),
             "X-CisTrade-Feed": "counterparty", "X-CisTrade-Business-Date": f"{day}"}

    def timeout_mails():
        return [m for m in mails(stack, **about)
                if "not reviewed in time" in m.get_body(("plain",)).get_content()]

    assert not timeout_mails()
    # CISTRADE_GMP_REVIEW_TIMEOUT is 30 s on the test stack: nobody answers
    done = api.wait_for_run(DAG, run_id, timeout=180)
    states = api.states(DAG, run_id)
    assert done["state"] == "failed", states
    assert states["review_counterparty"] == "failed"
    assert states["load_counterparty"] == "upstream_failed"
    assert states["refresh_counterparty"] == "upstream_failed"
    detail = api.get(HITL.format(dag=DAG, run=run_id, task="review_counterparty"))
    assert detail["response_received"] is False and not detail["chosen_options"]
    [alert] = wait(timeout_mails, 30, "no review-timeout mail")
    body = alert.get_body(("plain",)).get_content()
    assert "no operator released or rejected it within 0:00:30" in body
    statuses = [h.status for h in stack_store.load_history(day, day, "counterparty")]
    assert statuses == ["held"]
    table = get_feed("counterparty").table
    newest = stack_store.warehouse.query(
        f"SELECT max(business_date) AS d FROM gmp_cis.{table} WHERE business_date <= ?", [day])
    assert str(newest[0]["d"]) == "2026-11-04"  # the released day stays current
    for feed in FEEDS:
        if feed != "counterparty":
            assert states[f"refresh_{feed}"] == "success"
