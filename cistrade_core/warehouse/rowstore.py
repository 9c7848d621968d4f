"""Units of work on engines without multi-statement transactions (Impala/Kudu, Hive).

A :class:`RowUnitOfWork` reads at once and keeps its writes until the unit ends.
Then it

1. claims every row it creates or changes: one ``cis_row_claim`` row per
   (table, key, state it saw), written with ``INSERT``. Kudu keeps only the first
   row of a key, so of two units that saw the same state one finds its own claim
   and goes on; the other raises :class:`~cistrade_core.warehouse.base.WriteConflict`
   having written nothing (and releases the claims it did win);
2. writes, table by table in the order of the calls, in batches;
3. releases its claims (their time set to :data:`RELEASED`), so that a row may
   come back to a state and be changed from it again. A unit that dies between
   1 and 3 blocks its rows for :data:`CLAIM_TTL`, after which its claims lapse.

A failure between two batches can leave the unit partly written; every write is
an upsert or an insert of a new key, so running the operation again completes it.
A unit that raises before it ends writes nothing.

How rows are written is the engine's :class:`RowWriter`: Kudu statements
through Impala (:class:`KuduRowWriter`), or, on a plain Hive metastore where
tables cannot change rows, row logs (:class:`LogRowWriter`): each changeable
table is a Parquet table of row versions, ``<table>__log``, under a view named
like the table that shows the newest version of each key. Hive gives no atomic
claim either (two INSERTs of one key both land; the earlier claim wins), so it
serves one writer at a time; the Kudu engine is the one for concurrent writers.
"""

from __future__ import annotations

import hashlib
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from cistrade_core.clock import as_utc, naive_utc, utcnow
from cistrade_core.ids import sortable_id
from cistrade_core.warehouse.base import Rows, Transaction, WriteConflict
from cistrade_core.warehouse.sqltext import (
    HIVE,
    IMPALA,
    Dialect,
    batched_values,
    bind,
    column_name,
    split_statements,
)
from cistrade_core.warehouse.table_ddl import (
    LOG_DELETED,
    LOG_SEQ,
    render_kudu,
    row_log_statements,
    row_log_table,
)
from cistrade_core.warehouse.tables import (
    Lt,
    TableSpec,
    matches,
    table_spec,
    table_specs,
    where_sql,
)
from cistrade_core.warehouse.timestamps import from_storage, rows_to_storage, to_storage

log = logging.getLogger(__name__)

CLAIMS = "cis_row_claim"
CLAIM_TTL = timedelta(minutes=1)
#: The time of a released claim: long lapsed (as stored, and as read back).
RELEASED = datetime(1970, 1, 1)
RELEASED_AT = as_utc(RELEASED)
#: The state a claim on a unique value stands for.
UNIQUE = "unique"
VERBS = ("UPSERT", "INSERT")
KEYS_PER_STATEMENT = 200


def _plain(value: Any) -> Any:
    """A JSON-able, engine-independent form of a value (for keys and state hashes)."""
    if isinstance(value, datetime):
        return naive_utc(value).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    return value


def _row_key(spec: TableSpec, row: Mapping[str, Any]) -> str:
    return json.dumps([_plain(row[c]) for c in spec.key], separators=(",", ":"))


def _state(spec: TableSpec, row: Mapping[str, Any]) -> str:
    return json.dumps({c: _plain(row.get(c)) for c in spec.columns}, sort_keys=True,
                      separators=(",", ":"), default=str)


def claim_id(spec: TableSpec, row_key: str, state: str) -> str:
    return hashlib.sha256(f"{spec.name}\0{row_key}\0{state}".encode()).hexdigest()


def key_condition(spec: TableSpec, rows: Sequence[Mapping[str, Any]],
                  literal: Callable[[Any], str]) -> str:
    """``rows``' keys as a WHERE condition with literals (``k IN (...)`` or ORs of ANDs)."""
    if len(spec.key) == 1:
        column = spec.key[0]
        return f"{column_name(column)} IN ({', '.join(literal(r[column]) for r in rows)})"
    return " OR ".join(
        "(" + " AND ".join(f"{column_name(c)} = {literal(r[c])}" for c in spec.key) + ")"
        for r in rows)


# -- how an engine writes rows ---------------------------------------------------------------

class RowWriter(ABC):
    """The statements an engine needs to create the tables and write rows."""

    dialect: Dialect

    @abstractmethod
    def schema_statements(self) -> list[str]:
        """Idempotent DDL for every transactional table and view."""

    @abstractmethod
    def write(self, verb: str, spec: TableSpec, rows: Sequence[Mapping[str, Any]]
              ) -> list[str]:
        """Statements that ``insert`` (new keys), ``upsert`` or ``delete`` (by key) ``rows``."""

    def take_over(self, claims: Sequence[Mapping[str, Any]]) -> list[str]:
        """Statements that replace lapsed claims by these (engines keeping one row per key)."""
        return []

    def release(self, claims: Sequence[Mapping[str, Any]]) -> list[str]:
        """Statements that mark these claims released (here: a release row per claim)."""
        released = [{**c, "claimed_at": RELEASED} for c in claims]
        return self.write("insert", table_spec(CLAIMS), released)


class KuduRowWriter(RowWriter):
    """Kudu tables through Impala: ``INSERT``, ``UPSERT`` and ``DELETE`` by key.

    Rows are checked against the table before anything is sent (known columns,
    the key for an upsert, every NOT NULL column for an insert) and written many
    per statement: at most ``batch_size`` rows and about ``max_statement_chars``
    characters each. A failed batch may have written some of its rows (Kudu
    applies each on its own); ``UPSERT`` makes a retried batch harmless.
    """

    def __init__(self, dialect: Dialect = IMPALA, batch_size: int = 500,
                 max_statement_chars: int = 1_000_000) -> None:
        self.dialect = dialect
        self.batch_size = batch_size
        self.max_statement_chars = max_statement_chars

    def schema_statements(self) -> list[str]:
        return split_statements(render_kudu())

    def statements(self, verb: str, table: str, rows: Sequence[Mapping[str, Any]]
                   ) -> list[str]:
        """The bound ``UPSERT`` or ``INSERT`` statements that write ``rows``, one per batch."""
        verb = verb.upper()
        if verb not in VERBS:
            raise ValueError(f"unknown write verb {verb!r}; use one of {', '.join(VERBS)}")
        try:
            spec = table_spec(table)
        except KeyError:
            raise KeyError(f"no Kudu table {table!r}; known: "
                           f"{', '.join(sorted(table_specs()))}") from None
        if not rows:
            return []
        columns = list(rows[0])
        unknown = set(columns) - set(spec.columns)
        if unknown:
            raise ValueError(f"{table}: no such columns {sorted(unknown)}")
        needed = spec.key if verb == "UPSERT" else spec.required
        missing = [c for c in needed if c not in columns]
        if missing:
            raise ValueError(f"{verb} into {table} needs columns {missing}")
        head = (f"{verb} INTO {spec.qualified} "
                f"({', '.join(column_name(c) for c in columns)}) VALUES ")
        return list(batched_values(head, self._tuples(spec, rows, columns), self.batch_size,
                                   self.max_statement_chars))

    def _tuples(self, spec: TableSpec, rows: Sequence[Mapping[str, Any]],
                columns: list[str]) -> Iterator[str]:
        """Each row as a literal tuple, after checking it against the table."""
        required = spec.required
        for n, row in enumerate(rows):
            if list(row) != columns:
                raise ValueError(f"{spec.qualified} row {n}: columns differ from the first row's")
            for c in required:
                if c in row and row[c] is None:
                    raise ValueError(f"{spec.qualified} row {n}: {c} is NOT NULL")
            yield "(" + ", ".join(self.dialect.literal(row[c]) for c in columns) + ")"

    def write(self, verb: str, spec: TableSpec, rows: Sequence[Mapping[str, Any]]
              ) -> list[str]:
        if verb == "delete":
            return [f"DELETE FROM {spec.qualified} WHERE "
                    + key_condition(spec, rows[i:i + KEYS_PER_STATEMENT], self.dialect.literal)
                    for i in range(0, len(rows), KEYS_PER_STATEMENT)]
        return self.statements(verb, spec.name, rows)

    def take_over(self, claims: Sequence[Mapping[str, Any]]) -> list[str]:
        return self.statements("UPSERT", CLAIMS, claims)

    def release(self, claims: Sequence[Mapping[str, Any]]) -> list[str]:
        return self.take_over([{**c, "claimed_at": RELEASED} for c in claims])


class LogRowWriter(RowWriter):
    """Plain Hive tables: append-only tables as they are, the others as row logs."""

    def __init__(self, dialect: Dialect = HIVE, batch_size: int = 500,
                 max_statement_chars: int = 1_000_000) -> None:
        self.dialect = dialect
        self.batch_size = batch_size
        self.max_statement_chars = max_statement_chars

    def schema_statements(self) -> list[str]:
        return row_log_statements()

    def write(self, verb: str, spec: TableSpec, rows: Sequence[Mapping[str, Any]]
              ) -> list[str]:
        if spec.append_only:
            columns = list(rows[0])
            values = [[r[c] for c in columns] for r in rows]
        else:
            columns = list(spec.key) if verb == "delete" else list(rows[0])
            columns += [LOG_SEQ, LOG_DELETED]
            values = [[*(r[c] for c in columns[:-2]), sortable_id(), verb == "delete"]
                      for r in rows]
        head = (f"INSERT INTO {row_log_table(spec)} "
                f"({', '.join(map(column_name, columns))}) VALUES ")
        tuples = ("(" + ", ".join(self.dialect.literal(v) for v in row) + ")" for row in values)
        return list(batched_values(head, tuples, self.batch_size, self.max_statement_chars))


# -- the unit of work ------------------------------------------------------------------------

Run = Callable[[str, Sequence[Any]], list[dict[str, Any]]]


class RowUnitOfWork(Transaction):
    """Reads now, writes (after claiming) when :meth:`commit` runs."""

    def __init__(self, run: Run, execute: Callable[[str], None], writer: RowWriter) -> None:
        # the unit's reads and writes cross the warehouse's time boundary here
        self._run = lambda sql, params: from_storage(run(sql, to_storage(params)))
        self._execute, self.writer = execute, writer
        self.unit_id = sortable_id()
        self._writes: list[tuple[str, TableSpec, list[dict[str, Any]]]] = []
        self._claims: dict[str, dict[str, Any]] = {}
        self._seen: dict[str, tuple[TableSpec, dict[str, Any], str]] = {}

    # -- reads and raw statements ------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self._run(sql, params)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement now (not part of the unit's deferred writes)."""
        self._execute(bind(sql, to_storage(params), dialect=self.writer.dialect))

    # -- row operations ----------------------------------------------------------------------
    def _spec(self, table: str, rows: Rows) -> tuple[TableSpec, list[dict[str, Any]]]:
        spec = table_spec(table)
        out = [dict(r) for r in rows]
        if out:
            spec.check_columns(out[0])
            missing = [c for c in spec.key if c not in out[0]]
            if missing:
                raise ValueError(f"rows for {spec.qualified} need the key column(s) "
                                 f"{', '.join(missing)}")
        return spec, out

    def _mutable(self, spec: TableSpec, operation: str) -> None:
        if spec.append_only:
            raise ValueError(f"{spec.qualified} is append-only: no {operation}")

    def existing(self, spec: TableSpec, rows: Sequence[Mapping[str, Any]]
                 ) -> list[dict[str, Any]]:
        """The rows of ``spec`` with the keys of ``rows``."""
        found: list[dict[str, Any]] = []
        for i in range(0, len(rows), KEYS_PER_STATEMENT):
            condition = key_condition(spec, rows[i:i + KEYS_PER_STATEMENT],
                                      lambda _v: "?")
            params = [r[c] for r in rows[i:i + KEYS_PER_STATEMENT] for c in spec.key]
            found += self._run(f"SELECT * FROM {spec.qualified} WHERE {condition}", params)
        return found

    def claim_unique(self, table: str, column: str, value: Any) -> None:
        spec = table_spec(table)
        spec.check_columns([column])
        self._claim(spec, {column: value}, UNIQUE, key=(column,))

    def _claim(self, spec: TableSpec, row: Mapping[str, Any], state: str,
               key: tuple[str, ...] | None = None) -> None:
        columns = key or spec.key
        values = {c: _plain(row[c]) for c in columns}  # a unique value is named by its column
        text = json.dumps(values if key else list(values.values()), separators=(",", ":"))
        cid = claim_id(spec, text, state)
        self._claims[cid] = {"claim_id": cid, "table_name": spec.name, "row_key": text,
                             "claimed_by": self.unit_id}
        self._seen[cid] = (spec, {c: row[c] for c in columns}, state)

    def insert(self, table: str, rows: Rows) -> None:
        spec, rows = self._spec(table, rows)
        if not rows:
            return
        if not spec.append_only:
            taken = self.existing(spec, rows)
            if taken:
                raise WriteConflict(f"{spec.qualified}: key {_row_key(spec, taken[0])} "
                                    "exists already")
            for row in rows:
                self._claim(spec, row, "new")
        self._writes.append(("insert", spec, rows))

    def insert_new(self, table: str, rows: Rows) -> list[Mapping[str, Any]]:
        spec, rows = self._spec(table, rows)
        if not rows:
            return []
        have = {_row_key(spec, r) for r in self.existing(spec, rows)}
        new, seen = [], set()
        for row in rows:
            key = _row_key(spec, row)
            if key not in have and key not in seen:
                seen.add(key)
                new.append(row)
        if new:
            if not spec.append_only:
                for row in new:
                    self._claim(spec, row, "new")
            self._writes.append(("insert", spec, new))
        return new

    def upsert(self, table: str, rows: Rows) -> None:
        spec, rows = self._spec(table, rows)
        self._mutable(spec, "upsert")
        if rows:
            self._writes.append(("upsert", spec, rows))

    def _matching(self, spec: TableSpec, where: Mapping[str, Any]) -> list[dict[str, Any]]:
        spec.check_columns(where)
        condition, params = where_sql(dict(where))
        rows = self._run(f"SELECT * FROM {spec.qualified} WHERE {condition}", params)
        # engines may compare loosely (text against timestamps): keep exact matches only
        wanted = {c: Lt(as_utc(v.value)) if isinstance(v, Lt) and isinstance(v.value, datetime)
                  else v for c, v in from_storage([dict(where)])[0].items()}
        return [r for r in rows if matches(r, wanted)]

    def update(self, table: str, changes: Mapping[str, Any], where: Mapping[str, Any]) -> int:
        spec = table_spec(table)
        self._mutable(spec, "update")
        spec.check_columns(changes)
        if set(changes) & set(spec.key):
            raise ValueError(f"{spec.qualified}: the key columns cannot be updated")
        rows = self._matching(spec, where)
        for row in rows:
            self._claim(spec, row, _state(spec, row))
        if rows:
            self._writes.append(("upsert", spec, [{**row, **changes} for row in rows]))
        return len(rows)

    def delete(self, table: str, where: Mapping[str, Any]) -> int:
        spec = table_spec(table)
        self._mutable(spec, "delete")
        rows = self._matching(spec, where)
        for row in rows:
            self._claim(spec, row, _state(spec, row))
        if rows:
            self._writes.append(("delete", spec, [{c: r[c] for c in spec.key} for r in rows]))
        return len(rows)

    # -- the end of the unit -----------------------------------------------------------------
    @property
    def pending(self) -> int:
        """Rows waiting to be written."""
        return sum(len(rows) for _, _, rows in self._writes)

    def commit(self) -> None:
        """Claim, write, release. Raises :class:`WriteConflict` (having written nothing)
        when another unit holds a claim on a row this one changes."""
        if not self._writes:
            return
        claims = self._take_claims() if self._claims else []
        for verb, spec, rows in self._writes:
            for statement in self.writer.write(verb, spec, rows_to_storage(rows)):
                self._execute(statement)
        self._release(claims)
        log.debug("unit %s: %d rows written", self.unit_id, self.pending)

    def _release(self, claims: Sequence[Mapping[str, Any]]) -> None:
        if claims:
            for statement in self.writer.release(rows_to_storage(claims)):
                self._execute(statement)

    def _take_claims(self) -> list[dict[str, Any]]:
        """Claim every row; return the claims, or release the won ones and raise."""
        now = utcnow()
        claims = [{**c, "claimed_at": now} for c in self._claims.values()]
        for statement in self.writer.write("insert", table_spec(CLAIMS), rows_to_storage(claims)):
            self._execute(statement)
        lost, reused, missing = self._holders(claims, now)
        # A claim released (or lapsed) by an earlier unit: that unit may have changed
        # the row since this one read it. Go on only if the row is as this unit saw it.
        lost += self._changed_since_read(reused)
        takeover = [c for c in missing if c not in lost]
        if takeover and (statements := self.writer.take_over(rows_to_storage(takeover))):
            for statement in statements:
                self._execute(statement)
            again = self._holders(takeover, now)
            lost += again[0] + again[2]
        if lost:
            taken = {c["claim_id"] for c in lost}
            self._release([c for c in claims if c["claim_id"] not in taken])
            first = lost[0]
            raise WriteConflict(
                f"{table_spec(first['table_name']).qualified} row {first['row_key']} was "
                "changed by another unit of work at the same time")
        return claims

    def _holders(self, claims: Sequence[Mapping[str, Any]], now: datetime
                 ) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]],
                            list[Mapping[str, Any]]]:
        """Sort the claims: held live by another unit (lost); held by this unit after an
        earlier unit released or let lapse the same claim (reused); not stored for this
        unit at all, another unit's row having lapsed (missing: to be taken over)."""
        rows: list[dict[str, Any]] = []
        ids = [c["claim_id"] for c in claims]
        for i in range(0, len(ids), KEYS_PER_STATEMENT):
            chunk = ids[i:i + KEYS_PER_STATEMENT]
            rows += self._run(
                f"SELECT claim_id, claimed_by, claimed_at FROM {table_spec(CLAIMS).qualified} "
                f"WHERE claim_id IN ({', '.join('?' for _ in chunk)})", chunk)
        by_id: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            by_id.setdefault(r["claim_id"], []).append(r)
        lost, reused, missing = [], [], []
        for claim in claims:
            found = by_id.get(claim["claim_id"], [])
            released = {r["claimed_by"] for r in found if r["claimed_at"] <= RELEASED_AT}
            live = sorted((r for r in found if r["claimed_at"] >= now - CLAIM_TTL
                           and r["claimed_by"] not in released),
                          key=lambda r: (r["claimed_at"], r["claimed_by"]))
            if live and live[0]["claimed_by"] != self.unit_id:
                lost.append(claim)
            elif not live:
                missing.append(claim)
                reused.append(claim)
            elif any(r["claimed_by"] != self.unit_id for r in found):
                reused.append(claim)
        return lost, reused, missing

    def _changed_since_read(self, claims: Sequence[Mapping[str, Any]]
                            ) -> list[Mapping[str, Any]]:
        """The claims whose row no longer is in the state this unit read."""
        changed = []
        for claim in claims:
            spec, key, seen = self._seen[claim["claim_id"]]
            if seen == UNIQUE:  # the value must still be free
                condition, params = where_sql(key)
                if self._run(f"SELECT count(*) AS n FROM {spec.qualified} WHERE {condition}",
                             params)[0]["n"]:
                    changed.append(claim)
                continue
            now = self.existing(spec, [key])
            state = _state(spec, now[0]) if now else "new"
            if state != seen:
                changed.append(claim)
        return changed
