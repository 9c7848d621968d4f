"""One business day of the GMP load: arrival, checks, staging, load and refresh.

The DAG and ``cistrade gmp load`` both call these functions, so a feed is
judged the same way wherever it runs. Checked data is staged as Parquet under
``$CISTRADE_HOME/staging/<YYYYMMDD>/<run>/`` between the check and the load step:
every run (a DAG run, one ``cistrade gmp load``) has a folder of its own, so one
run's rejection never removes what another run staged, and a run only ever reads
references checked in the same run. The command line removes its folder when it
ends; folders older than :data:`STALE_STAGE_AGE` are removed by the next run of
their day.

Runs of the same day are serialised by :class:`~cistrade_core.gmp.day_lock.DayLock`
(each check, load and refresh step, and a whole ``run_day``, hold the day).

Only regular files directly inside the landing directory are read
(:mod:`cistrade_core.gmp.landing`); anything else is a recorded, alerted rejection.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import re
import shutil
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cistrade_core.clock import Clock, utcnow
from cistrade_core.config import Settings, get_settings
from cistrade_core.errors import CoreError
from cistrade_core.feeds import FEEDS, Feed, get_feed
from cistrade_core.gmp import checks
from cistrade_core.gmp.alerts import FeedAlert
from cistrade_core.gmp.columnar import reference_values
from cistrade_core.gmp.control import ControlFile, ControlFileError, read_control_file
from cistrade_core.gmp.day_lock import DayLock
from cistrade_core.gmp.landing import landing_problem, present
from cistrade_core.gmp.outcome import FeedOutcome, FeedStatus
from cistrade_core.gmp.parse import DataFileScan, ParsedFile, canonical_timestamps
from cistrade_core.gmp.problems import CheckKind, Problem, summarise
from cistrade_core.gmp.schedule import missing_deadline
from cistrade_core.gmp.store import GmpStore, LoadRecord, LoadStatus
from cistrade_core.gmp.text import TEXT
from cistrade_core.monitoring.gmp_metrics import feed_step
from cistrade_core.notify import Notifier
from cistrade_core.warehouse import Warehouse, get_warehouse

log = logging.getLogger(__name__)

#: Statuses of a staged feed whose values other feeds may reference.
REFERENCEABLE = (FeedStatus.VALIDATED, FeedStatus.HELD, FeedStatus.LOADED)
#: Feeds of one :meth:`GmpLoad.run_day` in progress at once (those that do not reference
#: each other): one is checked while another loads (files are read in turn: ``_reading``).
DAY_WORKERS = 2


#: Rows per row group of a staged Parquet file (DuckDB loads row groups in parallel).
STAGED_ROW_GROUP = 1 << 18

#: A run's staging folder older than this is left over from a crash: removed.
STALE_STAGE_AGE = timedelta(days=2)


class FeedNotReady(CoreError, RuntimeError):
    """The load step found no checked data for the feed and day."""


class _Staging:
    """A staged Parquet file being written (in ``pool``'s one thread), and what the checks
    decided about it."""

    kept = False

    def __init__(self, feed: Feed, path: Path, pool: ThreadPoolExecutor) -> None:
        self.feed, self.path, self.pool = feed, path, pool
        self._writer: pq.ParquetWriter | None = None
        self._written: deque[futures.Future] = deque()
        self._pending: list[pa.Table] = []
        self._rows = 0
        self._held_once: list[str] = []  # the columns written with Parquet dictionaries
        self._closed = False

    def write(self, table: pa.Table) -> None:
        """Append ``table``'s rows: written a row group of :data:`STAGED_ROW_GROUP` rows
        at a time (one waits while another is written)."""
        self._pending.append(table)
        self._rows += table.num_rows
        if self._rows >= STAGED_ROW_GROUP:
            self._flush()

    def _flush(self, *, last: bool = False) -> None:
        if not self._pending:
            return
        rows = self._rows if last else self._rows - self._rows % STAGED_ROW_GROUP
        group, rest, taken = [], [], 0  # the tables of the rows written now, and after
        for table in self._pending:
            cut = min(max(rows - taken, 0), table.num_rows)
            if cut:
                group.append(table.slice(0, cut) if cut < table.num_rows else table)
            if cut < table.num_rows:
                rest.append(table.slice(cut) if cut else table)
            taken += cut
        self._pending, self._rows = rest, self._rows - rows
        self._written.append(self.pool.submit(self._append, group))
        while len(self._written) > 1:
            self._written.popleft().result()

    def _append(self, tables: list[pa.Table]) -> None:
        # One dictionary per column in a row group (Parquet writes a column chunk whose
        # dictionary changes part way as plain values).
        table = canonical_timestamps(self.feed, pa.concat_tables(tables).unify_dictionaries())
        if self._writer is None:
            # Readers of the file see plain text: the Arrow schema (with its dictionary
            # encoding) is not stored. Parquet dictionaries for the columns held so only
            # (the others would be hashed for nothing), no compression (the file is read
            # once, soon, from the page cache).
            held_once = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
            self._held_once = held_once
            self._writer = pq.ParquetWriter(self.path, table.schema, compression="none",
                                            use_dictionary=held_once, store_schema=False,
                                            write_statistics=False)
        self._writer.write_table(table, row_group_size=STAGED_ROW_GROUP)

    def keep(self) -> None:
        self.kept = True

    def read(self, columns: list[str]) -> pa.Table:
        """``columns`` of every row written, read back (the file is finished first; the
        columns held dictionary-encoded come back so)."""
        self.close()
        return pq.read_table(self.path, columns=columns,
                             read_dictionary=[c for c in columns if c in self._held_once])

    def close(self) -> None:
        """Wait for every table to be written and finish the file (once)."""
        if self._closed:
            return
        self._closed = True
        self._flush(last=True)
        while self._written:
            self._written.popleft().result()
        if self._writer is None:  # no rows: a file of no rows
            self._append([pa.table({c.name: pa.array([], TEXT) for c in self.feed.columns})])
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def abandon(self) -> None:
        """Stop writing a file that will not be kept (it is removed next)."""
        for written in self._written:
            written.cancel()
        futures.wait(self._written)
        self._written.clear()
        if self._writer is not None:
            with contextlib.suppress(OSError, pa.ArrowException):
                self._writer.close()
            self._writer = None


def new_run_id() -> str:
    return f"gmp-{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def _folder_name(run_id: str) -> str:
    """``run_id`` as one safe folder name (an Airflow run id has ``:`` and ``+``)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", run_id)[:80].lstrip(".")
    return f"{safe}-{hashlib.sha256(run_id.encode()).hexdigest()[:8]}"


class GmpLoad:
    """Checks and loads GMP feeds. ``now`` is injectable for tests of lateness.

    ``run_id`` names the run's staging folder (a DAG passes its run's id, so its
    check and load tasks share it); ``lock_wait`` is how long a step waits for
    another run of the same day before :class:`LoadAlreadyRunning` (default: not at all).
    """

    def __init__(self, settings: Settings | None = None, warehouse: Warehouse | None = None,
                 now: Clock = utcnow, *, run_id: str | None = None,
                 lock_wait: float = 0.0) -> None:
        self.settings = settings or get_settings()
        self.warehouse = warehouse or get_warehouse(self.settings)
        self.now = now
        self.run_id = run_id or new_run_id()
        self.lock_wait = lock_wait
        self._locks: dict[date, DayLock] = {}
        # One file read at a time in this process: its parse already uses every core, and
        # two at once cost more CPU and memory than in turn. What is checked once a file
        # is read (uniqueness, references within it) overlaps the next file's reading.
        self._reading = threading.Lock()
        self.notifier = Notifier(self.settings)
        self.store = GmpStore(self.warehouse)  # its tables come from `cistrade db upgrade`

    # -- one run of a day at a time ---------------------------------------------------------
    def day_lock(self, day: date) -> DayLock:
        if day not in self._locks:
            self._locks[day] = DayLock(self.settings.staging_dir / "locks", day, self.run_id,
                                       self.lock_wait)
        return self._locks[day]

    def cleanup_stage(self, day: date) -> None:
        """Remove this run's staging folder of ``day`` (its checked data and outcomes)."""
        shutil.rmtree(self.stage_dir(day), ignore_errors=True)

    def _prune_stale_stages(self, day: date) -> None:
        """Remove other runs' folders of ``day`` older than :data:`STALE_STAGE_AGE`."""
        parent = self.settings.staging_dir / f"{day:%Y%m%d}"
        if not parent.is_dir():
            return
        cutoff = time.time() - STALE_STAGE_AGE.total_seconds()
        for folder in parent.iterdir():
            try:
                stale = (folder != self.stage_dir(day) and folder.is_dir()
                         and not folder.is_symlink() and folder.stat().st_mtime < cutoff)
            except OSError:
                continue
            if stale:
                shutil.rmtree(folder, ignore_errors=True)

    # -- paths ------------------------------------------------------------------------------
    def data_path(self, feed: Feed, day: date) -> Path:
        return self.settings.landing_dir / feed.data_file_name(day)

    def control_path(self, feed: Feed, day: date) -> Path:
        return self.settings.landing_dir / feed.control_file_name(day)

    def stage_dir(self, day: date) -> Path:
        """This run's staging folder of ``day``."""
        return self.settings.staging_dir / f"{day:%Y%m%d}" / _folder_name(self.run_id)

    def staged_outcome(self, feed: str, day: date) -> FeedOutcome | None:
        return FeedOutcome.read(self.stage_dir(day) / f"{feed}.json")

    # -- arrival ----------------------------------------------------------------------------
    def arrived(self, feed_name: str, day: date) -> bool:
        """A feed has arrived when its control file exists (whatever it is: a link or a
        directory of that name arrives too, and is then rejected by the check)."""
        return present(self.control_path(get_feed(feed_name), day))

    def check_arrival(self, feed_name: str, day: date) -> FeedOutcome | None:
        """None if the feed has arrived; else WAITING, or MISSING (alerted once) when late."""
        if self.arrived(feed_name, day):
            return None
        deadline = missing_deadline(day, self.settings.timezone)
        if self.now() <= deadline:
            return FeedOutcome(feed_name, day, FeedStatus.WAITING,
                               f"no control file yet; due by {deadline:%Y-%m-%d %H:%M}Z")
        late = self.now() - deadline + timedelta(hours=1)
        reason = (f"no control file {get_feed(feed_name).control_file_name(day)}, "
                  f"{_hours(late)} after the 02:00 extract")
        outcome = FeedOutcome(feed_name, day, FeedStatus.MISSING, reason, CheckKind.ARRIVAL)
        self._alert(FeedAlert(CheckKind.ARRIVAL, feed_name, day, "waiting", reason,
                              {"expected by": f"{deadline:%Y-%m-%d %H:%M}Z"}),
                    dedupe_key=f"gmp.{CheckKind.ARRIVAL}:{feed_name}:{day}")  # mailed once
        return outcome

    def _alert(self, alert: FeedAlert, dedupe_key: str | None = None) -> None:
        """Record and mail ``alert``; an SMTP outage never fails or hides the load result."""
        self.notifier.send(self.warehouse, alert.mail(self.settings, dedupe_key))

    # -- checks -----------------------------------------------------------------------------
    @feed_step("validate")
    def validate(self, feed_name: str, day: date, *,
                 accept_row_count_change: bool = False) -> FeedOutcome:
        """Run every check of the contract on one feed; stage it if it passes."""
        feed = get_feed(feed_name)
        waiting = self.check_arrival(feed_name, day)
        if waiting is not None:
            return waiting
        with self.day_lock(day).held():
            self._prune_stale_stages(day)
            try:
                return self._validate(feed, day, accept_row_count_change)
            finally:   # the feed's Arrow data is gone: hand its memory back before the load
                pa.default_memory_pool().release_unused()

    def _validate(self, feed: Feed, day: date, accept_row_count_change: bool) -> FeedOutcome:
        ctl_path, data_path = self.control_path(feed, day), self.data_path(feed, day)
        landing = self.settings.landing_dir
        refused = landing_problem(ctl_path, landing)
        if refused:
            return self._reject(feed, day, [refused], None, None)
        try:
            control = read_control_file(ctl_path, feed.name, day)
        except ControlFileError as exc:
            return self._reject(feed, day, [exc.problem], None, None)
        if not present(data_path):
            problem = Problem(CheckKind.FORMAT, data_path.name,
                              f"data file missing although {ctl_path.name} exists")
            return self._reject(feed, day, [problem], control, None)
        refused = landing_problem(data_path, landing)
        if refused:
            return self._reject(feed, day, [refused], control, None)

        last = self.store.last_loaded(feed.name, day)
        late = checks.check_timestamp(control, day, ctl_path.name,
                                      last.extract_timestamp if last else None)
        references, missing = self._references(feed, day)
        # The file is read a range at a time: each range is checked on this thread while
        # the next ones are parsed and the checked ones staged; only the columns of the
        # checks over the whole file (uniqueness, references within it) are kept, less
        # those of a key whose rows come in key order (read back from the staged file
        # only if the order breaks).
        with self._staging(feed, day) as staged:
            try:
                scan = DataFileScan(feed, data_path)
                may_pass = not (missing or late)
                check = checks.FileChecks(feed, references if may_pass else None,
                                          read_back=staged.read)
                pool = pa.default_memory_pool()
                with self._reading:  # the ranges are read and checked
                    for table in scan:
                        passing = not (scan.problems or check.failed)
                        check.add(table, rules=passing)
                        if may_pass and passing and not check.failed:
                            staged.write(table)
                        # The ranges before are gone: their memory is handed back, or the
                        # pool would hold the pages that columns kept from them share.
                        pool.release_unused()
            except OSError as exc:  # e.g. removed or made unreadable after the check
                problem = Problem(CheckKind.FORMAT, data_path.name,
                                  f"cannot be read ({exc.strerror or type(exc).__name__})")
                return self._reject(feed, day, [problem], control, None)
            parsed = scan.parsed()
            if not parsed.problems and parsed.data_lines == 0:
                header_only = " (header only)" if parsed.readable else ""
                problem = Problem(CheckKind.EMPTY, data_path.name, "no data lines" + header_only)
                return self._reject(feed, day, [problem], control, parsed)
            problems = list(parsed.problems)
            problems += checks.check_control_count(parsed, control)
            total_extra = 0
            if parsed.readable:
                found, total = check.type_problems(parsed)
                problems += found
                total_extra += total - len(found)
            problems += late
            if problems:
                return self._reject(feed, day, problems, control, parsed, total_extra)
            if missing:
                return self._reject(feed, day, missing, control, parsed)
            found, total = check.quality_problems(parsed)
            if found:
                return self._reject(feed, day, found, control, parsed, total - len(found))
            staged.keep()

        rows = parsed.rows
        previous = self.store.last_loaded(feed.name, day - timedelta(days=1))
        previous_rows = previous.row_count if previous else None
        change = checks.check_row_count_change(parsed, rows, previous_rows)
        if change and not accept_row_count_change:
            return self._hold(feed, day, change, control, rows, previous_rows)
        reason = "all checks passed"
        if change:
            reason += f"; row count change accepted by override: {change[0].message}"
        outcome = FeedOutcome(feed.name, day, FeedStatus.VALIDATED, reason, None, rows,
                              control.row_count, previous_rows, control.extract_timestamp,
                              override=bool(change))
        outcome.save(self.stage_dir(day) / f"{feed.name}.json")
        return outcome

    def _references(self, feed: Feed, day: date) -> tuple[dict, list[Problem]]:
        """Values each column referencing another feed may take, from the same day's
        checked feeds (a reference within the feed is checked once it is read)."""
        values: dict[str, object] = {}
        missing: list[Problem] = []
        for column, ref in feed.references.items():
            if ref.feed == feed.name:
                continue
            staged = self.staged_outcome(ref.feed, day)
            if staged is None or staged.status not in REFERENCEABLE:
                state = "not checked" if staged is None else str(staged.status)
                if staged is not None and staged.kind:
                    state += f", {staged.kind.title}"
                missing.append(Problem(
                    CheckKind.DATA_QUALITY, self.data_path(feed, day).name,
                    f"cannot check {column}: the {ref.feed} feed of {day} did not pass its "
                    f"checks ({state})", None, column))
                continue
            table = pq.read_table(self.stage_dir(day) / f"{ref.feed}.parquet",
                                  columns=[ref.column])
            values[f"{ref.feed}.{ref.column}"] = reference_values(table.column(0))
        return values, missing

    @contextmanager
    def _staging(self, feed: Feed, day: date) -> Iterator[_Staging]:
        """A staged Parquet file of the feed written in a thread as tables are given to
        :meth:`_Staging.write`; it takes the staged file's place at the end of the block
        only if :meth:`_Staging.keep` was called in it."""
        target = self.stage_dir(day) / f"{feed.name}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".parquet.{uuid.uuid4().hex[:8]}.tmp")
        with ThreadPoolExecutor(1, thread_name_prefix=f"stage-{feed.name}") as pool:
            staging = _Staging(feed, tmp, pool)
            try:
                yield staging
                if staging.kept:
                    staging.close()
                    tmp.replace(target)
            finally:
                staging.abandon()
                tmp.unlink(missing_ok=True)

    def _unstage(self, feed: Feed, day: date) -> None:
        (self.stage_dir(day) / f"{feed.name}.parquet").unlink(missing_ok=True)

    def _reject(self, feed: Feed, day: date, problems: list[Problem],
                control: ControlFile | None, parsed: ParsedFile | None,
                unlisted: int = 0) -> FeedOutcome:
        kind = min((p.kind for p in problems), key=list(CheckKind).index)
        count = len(problems) + unlisted
        first = next(p for p in problems if p.kind is kind)
        reason = f"{kind.title}: {first}"
        if count > 1:
            reason += f" (+{count - 1} more)"
        rows = parsed.rows if parsed is not None else None
        outcome = FeedOutcome(
            feed.name, day, FeedStatus.REJECTED, reason, kind, rows,
            control.row_count if control else None, None,
            control.extract_timestamp if control else None,
            problems=summarise(problems), problem_count=count,
        )
        self._unstage(feed, day)
        outcome.save(self.stage_dir(day) / f"{feed.name}.json")
        self.store.record_load(LoadRecord(
            feed.name, day, LoadStatus.REJECTED, reason,
            control.extract_timestamp if control else None,
            parsed.data_lines if parsed is not None else None,
        ))
        counts = {"data lines": parsed.data_lines if parsed else "-",
                  "control row_count": control.row_count if control else "-"}
        self._alert(FeedAlert(kind, feed.name, day, "rejected; the previous day stays current",
                              reason, counts, outcome.problems, count,
                              str(self.settings.data_docs_index)))
        log.warning("%s %s rejected: %s", feed.name, day, reason)
        return outcome

    def _hold(self, feed: Feed, day: date, change: list[Problem], control: ControlFile,
              rows: int, previous_rows: int | None) -> FeedOutcome:
        reason = f"{CheckKind.ROW_COUNT_CHANGE.title}: {change[0].message}; held for an operator"
        outcome = FeedOutcome(feed.name, day, FeedStatus.HELD, reason, CheckKind.ROW_COUNT_CHANGE,
                              rows, control.row_count, previous_rows, control.extract_timestamp,
                              problems=[str(p) for p in change], problem_count=1)
        outcome.save(self.stage_dir(day) / f"{feed.name}.json")
        self.store.record_load(LoadRecord(feed.name, day, LoadStatus.HELD, reason,
                                              control.extract_timestamp, rows))
        self._alert(FeedAlert(CheckKind.ROW_COUNT_CHANGE, feed.name, day,
                              "held, not loaded; the previous day stays current", reason,
                              {"rows": rows, "last loaded day": previous_rows}))
        log.warning("%s %s held: %s", feed.name, day, reason)
        return outcome

    # -- an operator's review of a held feed -----------------------------------------------
    def held(self, feed_name: str, day: date) -> FeedOutcome | None:
        """The staged outcome of a feed held for a row-count change, else None."""
        staged = self.staged_outcome(feed_name, day)
        return staged if staged is not None and staged.status is FeedStatus.HELD else None

    def release(self, feed_name: str, day: date, by: str,
                at: datetime | None = None) -> FeedOutcome:
        """An operator releases a held feed: the load step loads it, recording who and when."""
        staged = self._require_held(feed_name, day)
        at = at or self.now()
        staged.status, staged.override = FeedStatus.VALIDATED, True
        staged.reason = f"row count change released by {by}"
        staged.released_by, staged.released_at = by, at.astimezone(UTC).isoformat()
        staged.save(self.stage_dir(day) / f"{feed_name}.json")
        log.info("%s %s released by %s", feed_name, day, by)
        return staged

    def reject_held(self, feed_name: str, day: date, by: str) -> FeedOutcome:
        """An operator rejects a held feed: nothing is loaded, the previous day stays current."""
        staged = self._require_held(feed_name, day)
        reason = f"{CheckKind.ROW_COUNT_CHANGE.title}: held feed rejected by {by}"
        outcome = FeedOutcome(feed_name, day, FeedStatus.REJECTED, reason,
                              CheckKind.ROW_COUNT_CHANGE, staged.rows, staged.control_rows,
                              staged.previous_rows, staged.extract_timestamp)
        self._unstage(get_feed(feed_name), day)
        outcome.save(self.stage_dir(day) / f"{feed_name}.json")
        self.store.record_load(LoadRecord(feed_name, day, LoadStatus.REJECTED, reason,
                                          staged.extract_timestamp, staged.rows))
        log.warning("%s %s: %s", feed_name, day, reason)
        return outcome

    def review_timed_out(self, feed_name: str, day: date, waited: str) -> None:
        """Nobody released or rejected a held feed in time: alert (once); it stays held."""
        staged = self._require_held(feed_name, day)
        self._alert(FeedAlert(CheckKind.ROW_COUNT_CHANGE, feed_name, day,
                              "held, not reviewed in time; the previous day stays current",
                              f"no operator released or rejected it within {waited}",
                              {"rows": staged.rows, "last loaded day": staged.previous_rows}),
                    dedupe_key=f"gmp.review_timeout:{feed_name}:{day}")

    def _require_held(self, feed_name: str, day: date) -> FeedOutcome:
        staged = self.held(feed_name, day)
        if staged is None:
            raise FeedNotReady(f"{feed_name} {day} is not held for review")
        return staged

    # -- load and refresh -------------------------------------------------------------------
    @feed_step("load")
    def load(self, feed_name: str, day: date) -> FeedOutcome:
        """Load the checked, staged feed into the warehouse, atomically."""
        with self.day_lock(day).held():
            return self._load(get_feed(feed_name), day)

    def _load(self, feed: Feed, day: date) -> FeedOutcome:
        staged = self.staged_outcome(feed.name, day)
        if staged is None or staged.status is not FeedStatus.VALIDATED:
            state = "nothing staged" if staged is None else f"{staged.status}: {staged.reason}"
            raise FeedNotReady(f"{feed.name} {day} has not passed its checks ({state})")
        staged_file = self.stage_dir(day) / f"{feed.name}.parquet"
        rows = pq.read_metadata(staged_file).num_rows
        reason = "loaded" + (" (row count change accepted by override)" if staged.override else "")
        if staged.released_by:
            reason = f"loaded (row count change released by {staged.released_by})"
        released_at = datetime.fromisoformat(staged.released_at) if staged.released_at else None
        written = self.store.load_day(feed, day, staged_file, LoadRecord(
            feed.name, day, LoadStatus.LOADED, reason, staged.extract_timestamp,
            rows, staged.override, released_by=staged.released_by,
            released_at=released_at,
        ))
        outcome = FeedOutcome(feed.name, day, FeedStatus.LOADED, reason, None, written,
                              staged.control_rows, staged.previous_rows,
                              staged.extract_timestamp, staged.override)
        outcome.save(self.stage_dir(day) / f"{feed.name}.json")
        log.info("%s %s loaded: %d rows", feed.name, day, written)
        return outcome

    @feed_step("refresh")
    def refresh(self, feed_name: str, day: date) -> str:
        with self.day_lock(day).held():
            return self.store.publish_day(get_feed(feed_name), day)

    def run_feed(self, feed_name: str, day: date, *,
                 accept_row_count_change: bool = False) -> FeedOutcome:
        """Check, load and refresh one feed; what the DAG's branch for the feed does."""
        outcome = self.validate(feed_name, day, accept_row_count_change=accept_row_count_change)
        if outcome.status is not FeedStatus.VALIDATED:
            return outcome
        loaded = self.load(feed_name, day)
        self.refresh(feed_name, day)
        return loaded

    def run_day(self, day: date, *, feeds: Iterable[str] | None = None,
                accept_row_count_change: bool = False) -> list[FeedOutcome]:
        """Every feed of the day (or ``feeds``), referenced feeds first, holding the day.

        Feeds that do not reference each other overlap (:data:`DAY_WORKERS`): one feed is
        checked while another loads. The warehouse file stays open for the whole day (one
        checkpoint when it closes).

        References are checked against this run's checks only: a feed asked for alone
        has the feeds it references checked (not loaded) in the same run first.
        Raises :class:`LoadAlreadyRunning` when another run holds the day.
        """
        wanted = set(FEEDS) if feeds is None else {get_feed(f).name for f in feeds}
        needed = set(wanted)
        for name in sorted(wanted):
            needed.update(_upstream(name))
        order = [f for f in FEEDS if f in needed]
        with self.day_lock(day).held(), self.warehouse.batch(), \
                ThreadPoolExecutor(DAY_WORKERS, thread_name_prefix=f"gmp-{day:%Y%m%d}") as pool:
            steps: dict[str, futures.Future] = {}
            for name in order:
                after = [steps[u] for u in sorted(_upstream(name) - {name}) if u in steps]
                steps[name] = pool.submit(contextvars.copy_context().run, self._day_step,
                                          name, day, name in wanted, after,
                                          accept_row_count_change)
            return [steps[name].result() for name in order if name in wanted]

    def _day_step(self, name: str, day: date, wanted: bool, after: list[futures.Future],
                  accept_row_count_change: bool) -> FeedOutcome | None:
        """One feed of :meth:`run_day`, once the feeds it references are through."""
        for step in after:
            step.result()      # a step that failed stops the feeds that reference it
        if wanted:
            return self.run_feed(name, day, accept_row_count_change=accept_row_count_change)
        if self.staged_outcome(name, day) is None:
            self.validate(name, day, accept_row_count_change=accept_row_count_change)
        return None


def _upstream(name: str) -> set[str]:
    """The feeds ``name`` references, directly or through another feed."""
    found: set[str] = set()
    todo = list(get_feed(name).upstream_feeds)
    while todo:
        feed = todo.pop()
        if feed not in found:
            found.add(feed)
            todo.extend(get_feed(feed).upstream_feeds)
    return found


def _hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"
