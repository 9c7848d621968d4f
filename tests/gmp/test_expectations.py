"""The Great Expectations suites: derived from the definitions, and run on real files."""

from __future__ import annotations

import json

import pytest

from cistrade_core.config import EXPECTATIONS_DIR
from cistrade_core.feeds import FEEDS
from cistrade_core.gmp.expectations import expectation_specs, run_suite, suite_name
from tests.gmp.conftest import DAY


def _normalise(kwargs: dict) -> str:
    """JSON of an expectation's arguments; GX stores whole numbers as floats."""
    return json.dumps({k: float(v) if isinstance(v, int) and not isinstance(v, bool) else v
                       for k, v in kwargs.items()}, sort_keys=True)


def _camel_to_snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


@pytest.mark.parametrize("feed", list(FEEDS.values()), ids=list(FEEDS))
def test_checked_in_suites_match_the_feed_definitions(feed):
    stored = json.loads((EXPECTATIONS_DIR / "expectations" / f"{suite_name(feed)}.json")
                        .read_text())
    got = sorted((e["type"], _normalise(e["kwargs"]))
                 for e in stored["expectations"])
    want = sorted((_camel_to_snake(cls), _normalise(kwargs))
                  for cls, kwargs in expectation_specs(feed))
    assert got == want, "run `cistrade gx render` after changing cistrade_core/feeds"


def test_suite_passes_a_good_file_and_fails_a_bad_one_with_data_docs(settings, drop):
    drop(DAY)
    good = run_suite("currency", DAY, settings)
    assert good.ran and good.success, good.summary()
    drop(DAY, fault="duplicate-key")
    bad = run_suite("currency", DAY, settings)
    assert bad.ran and not bad.success
    assert any("expect_column_values_to_be_unique on currency_code" in f for f in bad.failed)
    assert settings.data_docs_index.exists()
    assert "gmp_currency" in settings.data_docs_index.read_text()


def test_an_unreadable_file_is_reported_not_run(settings, drop):
    drop(DAY, fault="bad-header")
    result = run_suite("country", DAY, settings)
    assert not result.ran
    assert "header must be exactly" in result.note


def test_a_data_file_without_its_control_file_is_not_read(settings, drop):
    drop(DAY, fault="missing")  # the counterparty data file is there, its control file is not
    result = run_suite("counterparty", DAY, settings)
    assert not result.ran and not result.success
    assert result.note == "gmp_cis_sta_dly_counterparty_20261127.ctl is not in the landing " \
                          "directory yet"
    assert run_suite("currency", DAY, settings).ran


def test_a_day_runs_every_suite_in_one_go(settings, drop):
    from cistrade_core.gmp.expectations import run_suites

    drop(DAY, fault="duplicate-key")
    results = run_suites(DAY, settings)
    assert [r.feed for r in results] == list(FEEDS)
    assert all(r.ran and not r.error for r in results), [r.summary() for r in results]
    assert [r.success for r in results] == [False, True, True, True]
    index = settings.data_docs_index.read_text()
    assert all(f"gmp_{feed}" in index for feed in FEEDS)


def test_a_failure_of_great_expectations_itself_is_reported_not_raised(settings, drop):
    from cistrade_core.gmp.expectations import run_suites

    drop(DAY)
    # The Data Docs site cannot be written: a file stands where its folder goes.
    docs = settings.gx_dir / "uncommitted" / "data_docs"
    docs.parent.mkdir(parents=True)
    docs.write_text("not a folder")
    results = run_suites(DAY, settings)
    assert [r.error for r in results] == [True] * len(FEEDS), [r.summary() for r in results]
    assert all(not r.ran and not r.success for r in results)
    assert all(r.note.startswith("Great Expectations failed: ") for r in results)
    assert "not run: Great Expectations failed" in results[0].summary()
