"""Great Expectations suites derived from the feed definitions, and running them.

The repository's ``expectations/`` folder is a GX file context (suites,
validation definitions, checkpoints), written by ``cistrade gx render``. At run
time it is copied to ``$CISTRADE_HOME/gx`` so validation results and the Data
Docs site stay out of the source tree. Great Expectations takes seconds to
import, so it is imported inside these functions only.

The suites cover the single-feed rules GX expresses natively; LEI check digits,
references to the same day's feeds and a column that must differ from another
of its line are checked by the pandera gate (:mod:`cistrade_core.gmp.schemas`) only.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from cistrade_core.config import EXPECTATIONS_DIR, Settings
from cistrade_core.feeds import FEEDS, ColumnType, Feed, get_feed
from cistrade_core.feeds.spec import TYPE_PATTERNS

DATASOURCE = "gmp_landing"


def suite_name(feed: Feed) -> str:
    return f"gmp_{feed.name}"


def expectation_specs(feed: Feed) -> list[tuple[str, dict[str, Any]]]:
    """(GX expectation class name, keyword arguments) for every rule GX can check."""
    specs: list[tuple[str, dict[str, Any]]] = [
        ("ExpectTableColumnsToMatchOrderedList", {"column_list": feed.column_names}),
    ]
    for c in feed.columns:
        if not c.nullable:
            specs.append(("ExpectColumnValuesToNotBeNull", {"column": c.name}))
        if c.unique:
            specs.append(("ExpectColumnValuesToBeUnique", {"column": c.name}))
        if c.type is ColumnType.CHAR:
            specs.append(("ExpectColumnValueLengthsToEqual", {"column": c.name, "value": c.length}))
        if c.type is ColumnType.DATE:
            specs.append(("ExpectColumnValuesToMatchStrftimeFormat",
                          {"column": c.name, "strftime_format": "%Y-%m-%d"}))
        if c.type is ColumnType.TIMESTAMP:
            specs.append(("ExpectColumnValuesToMatchRegex",
                          {"column": c.name, "regex": TYPE_PATTERNS[ColumnType.TIMESTAMP]}))
        if c.pattern:
            specs.append(("ExpectColumnValuesToMatchRegex", {"column": c.name, "regex": c.pattern}))
        if c.allowed:
            specs.append(("ExpectColumnValuesToBeInSet",
                          {"column": c.name, "value_set": list(c.allowed)}))
        if c.min_value is not None or c.max_value is not None:
            specs.append(("ExpectColumnValuesToBeBetween",
                          {"column": c.name, "min_value": c.min_value,
                           "max_value": c.max_value}))
    for cols in feed.unique_together:
        specs.append(("ExpectCompoundColumnsToBeUnique", {"column_list": list(cols)}))
    return specs


def build_suite(feed: Feed):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name=suite_name(feed),
                                meta={"generated_from": "cistrade_core.feeds.definitions"})
    for cls_name, kwargs in expectation_specs(feed):
        suite.add_expectation(getattr(gxe, cls_name)(**kwargs))
    return suite


def _quiet() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")


def render_context(root: Path = EXPECTATIONS_DIR) -> Path:
    """(Re)write the GX file context at ``root`` from the feed definitions."""
    _quiet()
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    context = gx.get_context(mode="file", context_root_dir=str(root))
    context.variables.progress_bars = {"globally": False}
    context.variables.save()
    source = context.data_sources.add_or_update_pandas(DATASOURCE)
    for feed in FEEDS.values():
        suite = context.suites.add_or_update(build_suite(feed))
        try:
            asset = source.get_asset(feed.name)
        except LookupError:
            asset = source.add_dataframe_asset(feed.name)
        try:
            batch = asset.get_batch_definition("whole_file")
        except (KeyError, LookupError):
            batch = asset.add_batch_definition_whole_dataframe("whole_file")
        validation = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=suite_name(feed), data=batch, suite=suite))
        context.checkpoints.add_or_update(gx.Checkpoint(
            name=suite_name(feed), validation_definitions=[validation],
            actions=[UpdateDataDocsAction(name="update_data_docs")],
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20},
        ))
    return root


def runtime_context_dir(settings: Settings) -> Path:
    """Copy the checked-in context to ``$CISTRADE_HOME/gx`` (results and docs stay there)."""
    target = settings.gx_dir
    target.mkdir(parents=True, exist_ok=True)
    for item in EXPECTATIONS_DIR.iterdir():
        if item.name in {"uncommitted", "README.md"}:
            continue
        dest = target / item.name
        if item.is_dir():
            shutil.copytree(item, dest, dirs_exist_ok=True)
        else:
            shutil.copy2(item, dest)
    return target


@dataclass
class SuiteResult:
    feed: str
    business_date: str
    ran: bool
    success: bool
    failed: list[str] = field(default_factory=list)
    data_docs: str = ""
    note: str = ""
    #: Great Expectations itself failed (not the data): see ``note``.
    error: bool = False

    def summary(self) -> str:
        if not self.ran:
            return f"GX {self.feed} {self.business_date}: not run: {self.note}"
        state = "passed" if self.success else f"FAILED {len(self.failed)} expectation(s)"
        lines = [f"GX {self.feed} {self.business_date}: {state}; Data Docs: {self.data_docs}"]
        lines += [f"  - {f}" for f in self.failed]
        return "\n".join(lines)

    def to_json(self) -> dict:
        return asdict(self)


def _frame_for_gx(feed: Feed, table):
    import pandas as pd

    from cistrade_core.gmp.text import plain_table

    df = plain_table(table).to_pandas()
    for c in feed.columns:
        if c.type is ColumnType.INT:
            df[c.name] = pd.to_numeric(df[c.name], errors="coerce").astype("Int64")
    return df


@contextmanager
def _context_lock(settings: Settings) -> Iterator[None]:
    """An exclusive lock on the runtime context, across processes (``flock``)."""
    import fcntl

    settings.home.mkdir(parents=True, exist_ok=True)
    with open(settings.home / ".gx.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _landed_table(feed: Feed, day: date, settings: Settings):
    """The day's parsed data file of ``feed``, or the :class:`SuiteResult` saying why not."""
    from cistrade_core.gmp.landing import landing_problem, present
    from cistrade_core.gmp.parse import read_data_file

    docs = str(settings.data_docs_index)
    path = settings.landing_dir / feed.data_file_name(day)
    control = settings.landing_dir / feed.control_file_name(day)

    def not_run(note: str) -> SuiteResult:
        return SuiteResult(feed.name, str(day), False, False, data_docs=docs, note=note)

    if not present(control):  # the data file may still be being transferred: not read
        return not_run(f"{control.name} is not in the landing directory yet")
    if not present(path):
        return not_run(f"{path.name} is not in the landing directory")
    refused = landing_problem(path, settings.landing_dir)
    if refused:  # a link, a directory, unreadable: never read
        return not_run(f"file not read ({refused})")
    try:
        parsed = read_data_file(feed, path)
    except OSError as exc:
        return not_run(f"file not read ({exc.strerror or type(exc).__name__})")
    if parsed.table is None:
        reason = str(parsed.problems[0]) if parsed.problems else "no data lines"
        return not_run(f"file cannot be read as a table ({reason})")
    return parsed.table


def _validate(context, feed: Feed, day: date, table, docs: str) -> SuiteResult:
    import great_expectations as gx

    checkpoint = context.checkpoints.get(suite_name(feed))
    result = checkpoint.run(
        batch_parameters={"dataframe": _frame_for_gx(feed, table)},
        run_id=gx.RunIdentifier(run_name=f"{feed.name}-{day:%Y%m%d}"),
    )
    failed = []
    for run in result.run_results.values():
        for r in run.results:
            if not r.success:
                cfg = r.expectation_config
                column = cfg.kwargs.get("column") or cfg.kwargs.get("column_list")
                examples = (r.result or {}).get("partial_unexpected_list", [])[:5]
                count = (r.result or {}).get("unexpected_count")
                failed.append(f"{cfg.type} on {column}: {count} unexpected, e.g. {examples}")
    return SuiteResult(feed.name, str(day), True, bool(result.success), failed, docs)


def run_suites(day: date, settings: Settings,
               feeds: Iterable[str] | None = None) -> list[SuiteResult]:
    """Validate the day's data files (every feed, or ``feeds``) with their suites and update
    the Data Docs, importing Great Expectations and opening its context once.

    A failure of Great Expectations itself (a broken suite or context, an unwritable Data
    Docs folder) is reported in the feed's result (``error``), never raised: the suites
    only document the data, the load does not wait for them.
    """
    docs = str(settings.data_docs_index)
    names = [get_feed(name).name for name in (feeds or FEEDS)]
    results: dict[str, SuiteResult] = {}
    tables = {}
    for name in names:
        table = _landed_table(get_feed(name), day, settings)
        if isinstance(table, SuiteResult):
            results[name] = table
        else:
            tables[name] = table
    if tables:
        _quiet()
        # One suite run at a time per CISTRADE_HOME: the file context is refreshed from
        # expectations/ and its Data Docs rebuilt by every run, and tasks of several Celery
        # workers run at once (a concurrent refresh fails GX's freshness check).
        with _context_lock(settings):
            try:
                import great_expectations as gx

                context = gx.get_context(mode="file",
                                         context_root_dir=str(runtime_context_dir(settings)))
            except Exception as exc:  # noqa: BLE001 - GX's own failure, reported per feed
                context, broken = None, _gx_error(exc)
            for name, table in tables.items():
                if context is None:
                    results[name] = SuiteResult(name, str(day), False, False, data_docs=docs,
                                                note=broken, error=True)
                    continue
                try:
                    results[name] = _validate(context, get_feed(name), day, table, docs)
                except Exception as exc:  # noqa: BLE001 - as above
                    results[name] = SuiteResult(name, str(day), False, False, data_docs=docs,
                                                note=_gx_error(exc), error=True)
    return [results[name] for name in names]


def _gx_error(exc: BaseException) -> str:
    """What went wrong in Great Expectations, in one line without file contents."""
    text = " ".join(str(exc).split())[:300]
    return f"Great Expectations failed: {type(exc).__name__}: {text}"


def run_suite(feed_name: str, day: date, settings: Settings) -> SuiteResult:
    """Validate the day's data file of one feed with its suite (see :func:`run_suites`)."""
    return run_suites(day, settings, [feed_name])[0]
