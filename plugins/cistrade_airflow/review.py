"""The review step of a GMP feed held for a row-count change: a human-in-the-loop task.

``HeldFeedReview`` follows each feed's ``validate_<feed>`` task. When the feed was not
held it finishes at once; when it was, the run waits at the step (Airflow's *Required
actions*, or ``PATCH .../taskInstances/review_<feed>/-1/hitlDetails`` in the REST API),
showing the last loaded count, today's count and the change. *Release* lets
``load_<feed>`` load it and records who released it and when in ``gmp_load_history``;
*Reject* skips the load, so the previous day stays current. Nobody answering within
``CISTRADE_GMP_REVIEW_TIMEOUT`` seconds (default 4 hours) mails an alert and fails the
step. The logic is in :class:`cistrade_core.gmp.pipeline.GmpLoad`.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from airflow.providers.standard.operators.hitl import HITLOperator

#: How long a held feed waits for an operator.
REVIEW_TIMEOUT = timedelta(seconds=int(os.environ.get("CISTRADE_GMP_REVIEW_TIMEOUT", "14400")))


class HeldFeedReview(HITLOperator):
    """Release or reject a held feed; passes straight through a feed that is not held."""

    RELEASE = "Release"
    REJECT = "Reject"

    def __init__(self, *, feed: str, **kwargs: Any) -> None:
        kwargs.setdefault("response_timeout", REVIEW_TIMEOUT)
        super().__init__(subject=f"GMP {feed}: release the held feed?",
                         options=[self.RELEASE, self.REJECT], multiple=False, **kwargs)
        self.feed = feed

    def _day(self, context: Any):
        from cistrade_airflow.gmp import business_date

        return business_date(context["params"], context["logical_date"])

    def execute(self, context: Any) -> Any:
        from cistrade_airflow.gmp import gmp_load_from_airflow

        day = self._day(context)
        held = gmp_load_from_airflow(context["run_id"]).held(self.feed, day)
        if held is None:
            self.log.info("%s %s is not held: nothing to review", self.feed, day)
            return None
        self.subject = f"GMP {self.feed} {day}: held for a row-count change"
        self.body = held.review()
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        from airflow.sdk.exceptions import AirflowSkipException

        from cistrade_airflow.gmp import gmp_load_from_airflow

        day = self._day(context)
        gmp = gmp_load_from_airflow(context["run_id"])
        if event.get("error_type") == "timeout":
            gmp.review_timed_out(self.feed, day, str(self.response_timeout))
        result = super().execute_complete(context, event)  # raises on a timeout or an error
        by = _user_name(result["responded_by_user"])
        if list(result["chosen_options"]) == [self.RELEASE]:
            gmp.release(self.feed, day, by, result["responded_at"])
            return f"released by {by}"
        gmp.reject_held(self.feed, day, by)
        raise AirflowSkipException(f"{self.feed} {day} rejected by {by}; not loaded")


def _user_name(user: Any) -> str:
    """The responding user's name (a mapping or an object with ``name`` / ``id``)."""
    if isinstance(user, dict):
        return str(user.get("name") or user.get("id") or "unknown")
    return str(getattr(user, "name", None) or getattr(user, "id", None) or "unknown")
