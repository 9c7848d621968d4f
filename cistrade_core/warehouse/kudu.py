"""CisTrade's transactional tables in Kudu, through Impala: DDL, batched writes, pooled connections.

The DDL is ``sql/impala/kudu_tables.sql``; :func:`parse_kudu_ddl` reads it back
into :class:`KuduTable` descriptions (columns, key, partitioning), which the
writer uses to check rows before sending them. Writes are ``UPSERT`` (insert or
replace by primary key) or ``INSERT`` (a duplicate key is an error), many rows
per statement, on connections from a :class:`~cistrade_core.warehouse.pool.ConnectionPool`.

Kudu through Impala has no multi-statement transactions: each statement is
applied row by row and is visible at once; a failed batch may have written
some of its rows. ``UPSERT`` makes a retried batch harmless.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cistrade_core.config import SQL_DIR
from cistrade_core.errors import CoreError
from cistrade_core.warehouse.pool import ConnectionPool
from cistrade_core.warehouse.sqltext import (
    IMPALA,
    Dialect,
    batched_values,
    bind,
    column_name,
    identifier,
    split_statements,
    tokenize,
)

log = logging.getLogger(__name__)

KUDU_DDL = SQL_DIR / "impala" / "kudu_tables.sql"
ADD_YEAR = SQL_DIR / "impala" / "kudu_add_year.sql"
VERBS = ("UPSERT", "INSERT")


class KuduDdlError(CoreError, ValueError):
    """The Kudu DDL file does not have the expected shape."""


@dataclass(frozen=True)
class KuduColumn:
    name: str
    type: str
    nullable: bool
    comment: str | None = None


@dataclass(frozen=True)
class KuduTable:
    """One ``CREATE TABLE ... STORED AS KUDU`` statement, read back."""

    name: str  # schema-qualified
    columns: tuple[KuduColumn, ...]
    primary_key: tuple[str, ...]
    hash_partitions: tuple[tuple[tuple[str, ...], int], ...]
    range_column: str | None
    ranges: tuple[tuple[str | None, str | None], ...]
    stored_as: str
    statement: str = field(repr=False, default="")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if not c.nullable]

    def column(self, name: str) -> KuduColumn:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    def portable_ddl(self, name: str | None = None) -> str:
        """The same columns as a plain Parquet table (for engines without Kudu)."""
        cols = ",\n".join(f"    {column_name(c.name)} {c.type}" for c in self.columns)
        return f"CREATE TABLE {name or self.name} (\n{cols}\n) STORED AS PARQUET"


def _code_only(sql: str) -> str:
    """``sql`` with the inside of every literal blanked: same offsets, no parentheses in values."""
    return "".join(t.text[0] + " " * (len(t.text) - 2) + t.text[-1] if t.kind == "string"
                   else t.text for t in tokenize(sql))


def _matching_paren(text: str, start: int) -> int:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    raise KuduDdlError(f"unbalanced parentheses after offset {start}")


def _split_top(text: str) -> list[str]:
    """``text`` split at commas outside parentheses and literals."""
    structure = _code_only(text)
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(structure):
        if ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
        depth += ch == "("
        depth -= ch == ")"
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts


_CREATE = re.compile(r"^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+([\w.]+)\s*\(", re.I)
_COLUMN = re.compile(
    r"^`?(\w+)`?\s+(STRING|BIGINT|INT|SMALLINT|TINYINT|BOOLEAN|DOUBLE|FLOAT|TIMESTAMP|DATE|"
    r"DECIMAL\s*\(\s*\d+\s*,\s*\d+\s*\))\s*(NOT\s+NULL|NULL)?\s*(?:COMMENT\s+('(?:[^'\\]|\\.)*'))?$",
    re.I | re.S,
)
_PK = re.compile(r"^PRIMARY\s+KEY\s*\(([^)]*)\)$", re.I)
_HASH = re.compile(r"HASH\s*\(([^)]*)\)\s*PARTITIONS\s+(\d+)", re.I)
_RANGE = re.compile(r"RANGE\s*\(\s*(\w+)\s*\)\s*\(", re.I)
_BOUND = re.compile(
    r"^PARTITION\s+(?:'([^']*)'\s*<=\s*)?VALUES(?:\s*<\s*'([^']*)')?$", re.I)
_STORED = re.compile(r"STORED\s+AS\s+(\w+)", re.I)


def parse_kudu_table(statement: str) -> KuduTable:
    """Read one Kudu ``CREATE TABLE`` statement (as written in ``kudu_tables.sql``)."""
    m = _CREATE.match(statement.strip())
    if not m:
        raise KuduDdlError(f"not a CREATE TABLE IF NOT EXISTS statement: {statement[:60]!r}")
    name = m.group(1)
    body_start = statement.strip().index("(", m.start(1))
    text = statement.strip()
    body_end = _matching_paren(_code_only(text), body_start)
    columns, key = [], None
    for item in _split_top(text[body_start + 1:body_end]):
        item = " ".join(item.split())
        if pk := _PK.match(item):
            key = tuple(c.strip() for c in pk.group(1).split(","))
            continue
        col = _COLUMN.match(item)
        if not col:
            raise KuduDdlError(f"{name}: cannot read column definition {item!r}")
        type_ = re.sub(r"\s+", "", col.group(2).upper())
        comment = col.group(4)[1:-1] if col.group(4) else None
        columns.append(KuduColumn(col.group(1), type_, not (col.group(3) or "").upper()
                                  .startswith("NOT"), comment))
    if key is None:
        raise KuduDdlError(f"{name}: no PRIMARY KEY")
    rest = _strip_comments(text[body_end + 1:])
    structure = _code_only(rest)  # the same length of text, literals blanked
    hashes = tuple((tuple(c.strip() for c in h.group(1).split(",")), int(h.group(2)))
                   for h in _HASH.finditer(structure))
    range_column, ranges = None, []
    if r := _RANGE.search(structure):
        range_column = r.group(1)
        close_at = _matching_paren(structure, r.end() - 1)
        for part in _split_top(rest[r.end():close_at]):
            b = _BOUND.match(" ".join(part.split()))
            if not b:
                raise KuduDdlError(f"{name}: cannot read range partition {part!r}")
            ranges.append((b.group(1), b.group(2)))
    stored = _STORED.search(structure)
    return KuduTable(name, tuple(columns), key, hashes, range_column, tuple(ranges),
                     stored.group(1).upper() if stored else "", statement)


def _strip_comments(sql: str) -> str:
    return "".join(t.text for t in tokenize(sql) if t.kind != "comment")


def parse_kudu_ddl(script: str) -> dict[str, KuduTable]:
    """Every Kudu table of a DDL script, by unqualified name."""
    tables = {}
    for statement in split_statements(script):
        if _CREATE.match(statement):
            table = parse_kudu_table(statement)
            tables[table.name.split(".")[-1]] = table
    return tables


def kudu_tables(path: Path = KUDU_DDL) -> dict[str, KuduTable]:
    return parse_kudu_ddl(path.read_text())


# -- writes ---------------------------------------------------------------------------------

@dataclass
class WriteResult:
    table: str
    verb: str
    rows: int
    statements: int


class KuduStore:
    """Batched ``UPSERT``/``INSERT`` into the Kudu tables, on pooled Impala connections."""

    def __init__(self, pool: ConnectionPool, *, tables: Mapping[str, KuduTable] | None = None,
                 batch_size: int = 500, max_statement_chars: int = 1_000_000,
                 dialect: Dialect = IMPALA) -> None:
        self.pool = pool
        self.tables = dict(tables) if tables is not None else kudu_tables()
        self.batch_size = batch_size
        self.max_statement_chars = max_statement_chars
        self.dialect = dialect

    def ensure_tables(self) -> list[str]:
        """Run ``kudu_tables.sql`` (idempotent); return the statements run."""
        statements = split_statements(KUDU_DDL.read_text())
        self._run_all(statements)
        return statements

    def add_year(self, year: int) -> list[str]:
        """Add ``year``'s range partition to the date-partitioned tables."""
        params = {"year_start": f"{year:04d}-01-01 00:00:00",
                  "year_end": f"{year + 1:04d}-01-01 00:00:00"}
        statements = [bind(s, params, dialect=self.dialect)
                      for s in split_statements(ADD_YEAR.read_text())]
        self._run_all(statements)
        return statements

    def _run_all(self, statements: Sequence[str]) -> None:
        with self.pool.connection() as conn:
            for statement in statements:
                cursor = conn.cursor()
                try:
                    cursor.execute(statement)
                finally:
                    cursor.close()

    def statements(self, verb: str, table: str, rows: Sequence[Mapping[str, Any]]
                   ) -> Iterator[str]:
        """The bound statements that write ``rows``, one per batch."""
        verb = verb.upper()
        if verb not in VERBS:
            raise ValueError(f"unknown write verb {verb!r}; use one of {', '.join(VERBS)}")
        spec = self.tables.get(table)
        if spec is None:
            raise KeyError(f"no Kudu table {table!r}; known: {', '.join(sorted(self.tables))}")
        if not rows:
            return
        columns = list(rows[0])
        unknown = set(columns) - set(spec.column_names)
        if unknown:
            raise ValueError(f"{table}: no such columns {sorted(unknown)}")
        needed = spec.primary_key if verb == "UPSERT" else spec.required
        missing = [c for c in needed if c not in columns]
        if missing:
            raise ValueError(f"{verb} into {table} needs columns {missing}")
        head = (f"{verb} INTO {identifier(spec.name)} "
                f"({', '.join(column_name(c) for c in columns)}) VALUES ")
        yield from batched_values(head, self._tuples(spec, rows, columns), self.batch_size,
                                  self.max_statement_chars)

    def _tuples(self, spec: KuduTable, rows: Sequence[Mapping[str, Any]],
                columns: list[str]) -> Iterator[str]:
        """Each row as a literal tuple, after checking it against the table."""
        for n, row in enumerate(rows):
            if list(row) != columns:
                raise ValueError(f"{spec.name} row {n}: columns differ from the first row's")
            for c in spec.required:
                if c in row and row[c] is None:
                    raise ValueError(f"{spec.name} row {n}: {c} is NOT NULL")
            yield "(" + ", ".join(self.dialect.literal(row[c]) for c in columns) + ")"

    def write(self, verb: str, table: str, rows: Sequence[Mapping[str, Any]]) -> WriteResult:
        statements = list(self.statements(verb, table, rows))
        if statements:
            self._run_all(statements)
        log.info("%s %d rows into %s in %d statements", verb, len(rows), table, len(statements))
        return WriteResult(table, verb.upper(), len(rows), len(statements))

    def upsert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> WriteResult:
        return self.write("UPSERT", table, rows)

    def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> WriteResult:
        return self.write("INSERT", table, rows)
