"""The warehouse on Hive (HiveServer2) and, in Impala mode, on Impala.

The GMP feed tables are ``EXTERNAL`` tables partitioned by ``business_date``
over header-less pipe-delimited text files (``sql/<engine>/gmp_feed_tables.sql``).
The load does not go through SQL: it writes the day's file into a staging
directory beside the tables (same file system) and renames it into the
partition directory, which replaces a previous file of that day in one step, so
a reader sees the old file or the new one, never a part of either. The refresh
registers the partition (``ALTER TABLE ... ADD IF NOT EXISTS PARTITION``); a
new day is invisible until then. In Impala mode the refresh also tells Impala
about the new files (``REFRESH ... PARTITION``, or ``INVALIDATE METADATA`` the
first time a feed is loaded). Load history and alert log are managed tables
written with ``INSERT``.

Connections come from a factory returning a DB-API connection: PyHive or impyla
built from ``CISTRADE_HIVE_*`` / ``CISTRADE_IMPALA_*`` for the command line,
Airflow's ``HiveServer2Hook`` / ``ImpalaHook`` in DAGs (see the plugins glue).
This module holds no engine-specific SQL: that is in ``sql/hive`` and
``sql/impala``.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from cistrade_core.config import SQL_DIR, Settings
from cistrade_core.feeds import FEEDS, Feed
from cistrade_core.warehouse.base import Transaction, Warehouse
from cistrade_core.warehouse.ddl import SCHEMA
from cistrade_core.warehouse.hive_ddl import DATA_URI_VARIABLE, FEED_TABLES_FILE
from cistrade_core.warehouse.pool import ConnectionPool
from cistrade_core.warehouse.records import LoadRecord
from cistrade_core.warehouse.rowstore import KuduRowWriter, LogRowWriter, RowUnitOfWork, RowWriter
from cistrade_core.warehouse.sqltext import (
    HIVE,
    IMPALA,
    Dialect,
    bind,
    identifier,
    split_statements,
    substitute,
)

log = logging.getLogger(__name__)
# PyHive logs every statement at INFO, values included (password hashes, mail
# bodies). Statements are logged here at DEBUG, truncated; keep PyHive quieter.
logging.getLogger("pyhive.hive").setLevel(logging.WARNING)

Connect = Callable[[], Any]
CONTROL_TABLES = ("gmp_load_history", "gmp_alert_log")


def _env(prefix: str, name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"{prefix}_{name}")
    return value if value not in (None, "") else default


def _flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# -- connections for the command line -------------------------------------------------------

@dataclass(frozen=True)
class HiveServer2Config:
    """A HiveServer2 reached with PyHive. ``password`` is never logged (``repr=False``).

    ``auth`` is HiveServer2's ``hive.server2.authentication``: ``NONE`` (SASL
    PLAIN without a password check), ``NOSASL``, ``LDAP`` or ``CUSTOM`` (with a
    password) or ``KERBEROS`` (a ticket from ``kinit``, service name usually ``hive``).
    """

    host: str = "127.0.0.1"
    port: int = 10000
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str = "default"
    auth: str = "NONE"
    kerberos_service_name: str | None = None

    @classmethod
    def from_env(cls, prefix: str = "CISTRADE_HIVE") -> HiveServer2Config:
        auth = (_env(prefix, "AUTH", "NONE") or "NONE").upper()
        return cls(
            host=_env(prefix, "HOST", "127.0.0.1"),
            port=int(_env(prefix, "PORT", "10000")),
            user=_env(prefix, "USER"),
            password=_env(prefix, "PASSWORD"),
            database=_env(prefix, "DATABASE", "default"),
            auth=auth,
            kerberos_service_name=(_env(prefix, "KERBEROS_SERVICE_NAME", "hive")
                                   if auth == "KERBEROS" else None),
        )

    def connect(self) -> Any:
        from pyhive import hive

        password = self.password if self.auth in ("LDAP", "CUSTOM") else None
        if self.auth in ("LDAP", "CUSTOM") and not password:
            raise ValueError(f"HiveServer2 auth {self.auth} needs CISTRADE_HIVE_PASSWORD")
        return hive.connect(
            host=self.host, port=self.port, username=self.user or "cistrade",
            database=self.database, auth=self.auth, password=password,
            kerberos_service_name=self.kerberos_service_name,
        )


@dataclass(frozen=True)
class ImpalaConfig:
    """An Impala daemon reached with impyla, shaped like the seed's ``IMPALA_CONFIG``.

    ``auth_mechanism``: ``PLAIN`` (user and password over SASL, use with SSL),
    ``LDAP``, ``GSSAPI`` (Kerberos) or ``NOSASL``.
    """

    host: str = "127.0.0.1"
    port: int = 21050
    database: str = SCHEMA
    auth_mechanism: str = "PLAIN"
    use_ssl: bool = True
    timeout: int = 60
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_cert: str | None = None
    kerberos_service_name: str = "impala"

    @classmethod
    def from_env(cls, prefix: str = "CISTRADE_IMPALA") -> ImpalaConfig:
        return cls(
            host=_env(prefix, "HOST", "127.0.0.1"),
            port=int(_env(prefix, "PORT", "21050")),
            database=_env(prefix, "DATABASE", SCHEMA),
            auth_mechanism=(_env(prefix, "AUTH_MECHANISM", "PLAIN") or "PLAIN").upper(),
            use_ssl=_flag(_env(prefix, "USE_SSL"), True),
            timeout=int(_env(prefix, "TIMEOUT", "60")),
            user=_env(prefix, "USER"),
            password=_env(prefix, "PASSWORD"),
            ca_cert=_env(prefix, "CA_CERT"),
            kerberos_service_name=_env(prefix, "KERBEROS_SERVICE_NAME", "impala"),
        )

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> ImpalaConfig:
        """From a dict like ``IMPALA_CONFIG`` (host, port, database, auth_mechanism, ...)."""
        known = set(cls.__dataclass_fields__)
        unknown = set(config) - known
        if unknown:
            raise ValueError(f"unknown Impala settings: {', '.join(sorted(unknown))}")
        return cls(**config)

    def connect(self) -> Any:
        from impala.dbapi import connect

        return connect(
            host=self.host, port=self.port, database=self.database,
            auth_mechanism=self.auth_mechanism, use_ssl=self.use_ssl, timeout=self.timeout,
            user=self.user, password=self.password, ca_cert=self.ca_cert,
            kerberos_service_name=self.kerberos_service_name,
        )


# -- where the GMP files go -----------------------------------------------------------------

@dataclass(frozen=True)
class GmpDataLayout:
    """The directory tree of the GMP external tables.

    ``root`` is where this process writes (a local path or a mount of the
    cluster's file system); ``uri`` is how the engine sees the same directory
    (``file:///...`` on one machine, ``hdfs://...`` on a cluster).
    """

    root: Path
    uri: str
    file_name: str = "part-00000.txt"

    @classmethod
    def from_env(cls, settings: Settings) -> GmpDataLayout:
        root = Path(os.environ.get("CISTRADE_HIVE_DATA_DIR")
                    or settings.home / "hive-warehouse").resolve()
        uri = os.environ.get("CISTRADE_HIVE_DATA_URI") or root.as_uri()
        return cls(root, uri.rstrip("/"))

    def table_dir(self, feed: Feed) -> Path:
        return self.root / feed.table

    def partition_name(self, business_date: date) -> str:
        return f"business_date={business_date.isoformat()}"

    def partition_dir(self, feed: Feed, business_date: date) -> Path:
        return self.table_dir(feed) / self.partition_name(business_date)

    def partition_uri(self, feed: Feed, business_date: date) -> str:
        return f"{self.uri}/{feed.table}/{self.partition_name(business_date)}"

    def data_file(self, feed: Feed, business_date: date) -> Path:
        return self.partition_dir(feed, business_date) / self.file_name

    @property
    def staging_root(self) -> Path:
        """Beside the table directories (same file system), outside every table location."""
        return self.root / ".staging"


def encode_feed_file(feed: Feed, data: pa.Table) -> bytes:
    """The day's rows as a header-less pipe-delimited file; an empty field is NULL.

    Timestamps become ``YYYY-MM-DD HH:MM:SS[.f]``, the text form Hive and Impala
    read; every other value is kept exactly as validated.
    """
    if data.num_rows == 0:
        return b""
    columns = []
    for col in feed.columns:
        values = data.column(col.name).cast(pa.string())
        if col.sql_type == "TIMESTAMP":
            values = pc.replace_substring(values, "T", " ")
            values = pc.replace_substring(values, "Z", "")
        bad = pc.any(pc.or_(pc.match_substring(values, "|"), pc.or_(
            pc.match_substring(values, "\n"), pc.match_substring(values, "\r")))).as_py()
        if bad:
            raise ValueError(f"{feed.name}.{col.name}: a value contains '|' or a line break")
        columns.append(pc.fill_null(values, ""))
    lines = pc.binary_join_element_wise(*columns, "|")
    return ("\n".join(lines.to_pylist()) + "\n").encode("utf-8")


# -- results --------------------------------------------------------------------------------

def _convert(type_code: Any, value: Any) -> Any:
    """Values the drivers return as text, typed by the column type of the result."""
    if value is None or not isinstance(value, str):
        return value
    kind = str(type_code).upper().removesuffix("_TYPE")
    if kind == "DATE":
        return date.fromisoformat(value[:10])
    if kind == "TIMESTAMP":
        return datetime.fromisoformat(value)
    if kind == "DECIMAL":
        return Decimal(value)
    return value


def fetch_rows(cursor: Any) -> list[dict[str, Any]]:
    """All rows of the last query as dicts; ``table.column`` names become ``column``."""
    description = cursor.description or []
    names = [str(d[0]).rsplit(".", 1)[-1] for d in description]
    types = [d[1] for d in description]
    return [
        {name: _convert(t, v) for name, t, v in zip(names, types, row, strict=True)}
        for row in cursor.fetchall()
    ]


# -- the warehouse --------------------------------------------------------------------------

class HiveWarehouse(Warehouse):
    """GMP tables as partitioned external tables on a HiveServer2."""

    engine = "hive"
    dialect: Dialect = HIVE

    def __init__(self, connect: Connect, layout: GmpDataLayout, *, pool_size: int = 2) -> None:
        self.layout = layout
        self.pool = ConnectionPool(connect, max_size=pool_size, name=self.engine)
        self._finalizer = weakref.finalize(self, self.pool.close)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(data={self.layout.uri!r})"

    @property
    def sql_dir(self) -> Path:
        return SQL_DIR / self.engine

    # -- generic access ---------------------------------------------------------------------
    def _run(self, conn: Any, sql: str, params: Sequence[Any] | Mapping[str, Any] = (),
             fetch: bool = False) -> list[dict[str, Any]]:
        statement = bind(sql, params, dialect=self.dialect)
        log.debug("%s: %s", self.engine, statement[:500])
        cursor = conn.cursor()
        try:
            cursor.execute(statement)
            # impyla raises if asked for rows of a statement that returns none
            return fetch_rows(cursor) if fetch else []
        finally:
            with suppress(Exception):
                cursor.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.pool.connection() as conn:
            self._run(conn, sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.pool.connection() as conn:
            return self._run(conn, sql, params, fetch=True)

    @cached_property
    def row_writer(self) -> RowWriter:
        """How this engine writes the transactional tables: row logs on plain Hive."""
        return LogRowWriter(self.dialect)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A unit of work on one connection: reads at once, writes when it ends.

        Hive and Impala have no multi-statement transactions; the unit claims the
        rows it changes, then writes (:mod:`cistrade_core.warehouse.rowstore`).
        The GMP load gets its all-or-nothing from the file rename instead.
        """
        with self.pool.connection() as conn:
            unit = RowUnitOfWork(
                lambda sql, params: self._run(conn, sql, params, fetch=True),
                lambda statement: self._run(conn, statement),
                self.row_writer,
            )
            yield unit
            unit.commit()

    def ensure_store_schema(self) -> None:
        """Create the transactional tables (core, FX, reports) and views if any is missing."""
        from cistrade_core.warehouse.tables import table_specs

        if set(table_specs()) <= self.existing_tables():
            return
        statements = self.row_writer.schema_statements()
        try:
            with self.pool.connection() as conn:
                for statement in statements:
                    self._run(conn, statement)
        except Exception:
            if not set(table_specs()) <= self.existing_tables():
                raise
            log.info("transactional tables were created concurrently by another process")

    def run_sql_file(self, name: str, params: Mapping[str, Any] | None = None,
                     variables: Mapping[str, str] | None = None) -> list[str]:
        """Run ``sql/<engine>/<name>`` statement by statement; return the statements run.

        ``${name}`` in the script takes ``variables`` (identifiers, or text inside
        a literal), ``:name`` takes ``params`` (bound values).
        """
        path = self.sql_dir / name
        if not path.exists():
            raise FileNotFoundError(
                f"{path}: no {self.engine} version of {name}; the transactional tables are "
                "created by ensure_store_schema()"
            )
        script = path.read_text()
        variables = {DATA_URI_VARIABLE: self.layout.uri, **(variables or {})}
        statements = split_statements(substitute(script, variables))
        with self.pool.connection() as conn:
            for statement in statements:
                self._run(conn, statement, params or {})
        return statements

    def close(self) -> None:
        self.pool.close()

    # -- GMP reference data -----------------------------------------------------------------
    def expected_tables(self) -> set[str]:
        names = set(CONTROL_TABLES)
        for feed in FEEDS.values():
            names |= {feed.table, feed.current_view}
        return names

    def existing_tables(self) -> set[str]:
        try:
            rows = self.query(f"SHOW TABLES IN {SCHEMA}")
        except Exception as exc:  # the database itself may not exist yet
            log.debug("SHOW TABLES IN %s failed: %s", SCHEMA, exc)
            return set()
        names = set()
        for row in rows:
            # Spark: namespace, tableName, isTemporary; Hive: tab_name; Impala: name
            name = row.get("tableName") or row.get("tab_name") or row.get("name")
            if name:
                names.add(str(name).lower())
        return names

    def ensure_gmp_schema(self) -> None:
        """Create what is missing: the database, feed tables, current-day views, control tables."""
        if self.expected_tables() <= self.existing_tables():
            return
        for feed in FEEDS.values():
            self.layout.table_dir(feed).mkdir(parents=True, exist_ok=True)
        try:
            self.run_sql_file(FEED_TABLES_FILE)
            self.run_sql_file("gmp_control_tables.sql")
        except Exception:
            # Tasks running side by side on a new database may race on IF NOT EXISTS;
            # what counts is that everything exists now.
            if not self.expected_tables() <= self.existing_tables():
                raise
            log.info("GMP schema was created concurrently by another task")

    def replace_feed_day(self, feed: Feed, business_date: date, data: pa.Table,
                         record: LoadRecord) -> int:
        """Write the day's file and rename it into place, then record the load.

        Readers see the previous file or the new one, never part of one. If
        recording the load fails, the previous file of the day (or none) is put
        back, so a failed attempt leaves nothing behind; only a reader of a day
        already registered who queries in the moment between the two renames
        can see the new rows.
        """
        if data.column_names != feed.column_names:
            raise ValueError(
                f"{feed.name}: staged columns {data.column_names} differ from {feed.column_names}"
            )
        body = encode_feed_file(feed, data)
        target = self.layout.data_file(feed, business_date)
        stage = self.layout.staging_root / f"{feed.table}-{business_date:%Y%m%d}-{uuid.uuid4().hex}"
        stage.mkdir(parents=True)
        try:
            staged = stage / self.layout.file_name
            with staged.open("wb") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            staged.chmod(0o644)
            previous = None
            if target.exists():
                previous = stage / "previous"
                try:  # keeps the old file while the new one replaces it
                    os.link(target, previous)
                except OSError:  # a file system without hard links: keep a copy
                    shutil.copy2(target, previous)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
            try:
                self.record_load(record)
            except BaseException:
                if previous is not None:
                    os.replace(previous, target)
                else:
                    target.unlink(missing_ok=True)
                raise
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        log.info("%s %s: %d rows written to %s", feed.name, business_date, data.num_rows, target)
        return data.num_rows

    def _partition_params(self, feed: Feed, business_date: date) -> dict[str, str]:
        return {"business_date": business_date.isoformat(),
                "location": self.layout.partition_uri(feed, business_date)}

    def _require_loaded(self, feed: Feed, business_date: date) -> None:
        if not self.layout.data_file(feed, business_date).exists():
            raise FileNotFoundError(
                f"{feed.name} {business_date}: nothing loaded "
                f"({self.layout.data_file(feed, business_date)} missing); not registering an "
                "empty partition"
            )

    def refresh_feed_day(self, feed: Feed, business_date: date) -> str:
        """Register the day's partition: from now on readers see the loaded day."""
        self._require_loaded(feed, business_date)
        table = identifier(f"{SCHEMA}.{feed.table}")
        self.run_sql_file("gmp_add_partition.sql", self._partition_params(feed, business_date),
                          {"table": table})
        return f"{self.engine}: {table} partition business_date={business_date} registered"

    def partitions(self, feed: Feed) -> list[date]:
        """The registered days of ``feed`` (what readers can see)."""
        rows = self.query(f"SHOW PARTITIONS {SCHEMA}.{feed.table}")
        days = []
        for row in rows:
            if "business_date" in row:  # Impala: one column per key, and a Total row
                value = row["business_date"]
                if isinstance(value, date):
                    days.append(value)
                elif str(value)[:4].isdigit():
                    days.append(date.fromisoformat(str(value)[:10]))
                continue
            text = str(next(iter(row.values())))  # Hive, Spark: business_date=YYYY-MM-DD
            if text.startswith("business_date="):
                days.append(date.fromisoformat(text.split("=", 1)[1]))
        return sorted(days)

    def table_counts(self) -> dict[str, dict[str, int]]:
        """Rows per feed table: all registered days and the current day."""
        out = {}
        for feed in FEEDS.values():
            total = self.query(f"SELECT count(*) AS n FROM {SCHEMA}.{feed.table}")[0]["n"]
            out[feed.name] = {"all_days": total, "current": self.current_rows(feed)}
        return out


class ImpalaWarehouse(HiveWarehouse):
    """The same tables and files, with every statement sent to Impala.

    Impala caches table and file metadata. The refresh registers the partition,
    then makes Impala load its files: ``REFRESH <table> PARTITION (...)``, or,
    the first time a feed is loaded (a new table, possibly created outside
    Impala), ``INVALIDATE METADATA <table>``.
    """

    engine = "impala"
    dialect = IMPALA

    @cached_property
    def row_writer(self) -> RowWriter:
        """Kudu tables through Impala: UPSERT, INSERT and DELETE by key."""
        return KuduRowWriter(self.dialect)

    def _loaded_before(self, feed: Feed, business_date: date) -> bool:
        rows = self.query(
            f"SELECT count(*) AS n FROM {SCHEMA}.gmp_load_history "
            "WHERE feed = ? AND status = 'loaded' AND business_date <> ?",
            [feed.name, business_date],
        )
        return bool(rows and rows[0]["n"])

    def refresh_feed_day(self, feed: Feed, business_date: date) -> str:
        self._require_loaded(feed, business_date)
        table = identifier(f"{SCHEMA}.{feed.table}")
        params = self._partition_params(feed, business_date)
        self.run_sql_file("gmp_add_partition.sql", params, {"table": table})
        if self._loaded_before(feed, business_date):
            self.run_sql_file("gmp_refresh_partition.sql", params, {"table": table})
            done = f"REFRESH {table} PARTITION (business_date='{business_date}')"
        else:
            self.run_sql_file("gmp_invalidate_table.sql", variables={"table": table})
            done = f"INVALIDATE METADATA {table} (first load of the table)"
        return f"impala: partition business_date={business_date} registered; {done}"
