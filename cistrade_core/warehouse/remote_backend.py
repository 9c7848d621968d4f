"""A warehouse whose statements run in the warehouse server (the API's workers use it).

Each unit of work takes a connection to the server's Unix socket from a pool
(opened on first use, returned after the unit), so a transaction stays on one
server-side cursor and a read made while a transaction is open gets a
connection of its own, as on the file. See
:mod:`cistrade_core.warehouse.duckdb_server`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cistrade_core.errors import CoreError
from cistrade_core.warehouse import wire
from cistrade_core.warehouse.base import SqlRowOperations, Transaction, Warehouse, WriteConflict
from cistrade_core.warehouse.duckdb_lease import WarehouseBusy
from cistrade_core.warehouse.partitioned import Append, PartitionedTable

if TYPE_CHECKING:
    import pyarrow as pa


class WarehouseServerGone(CoreError):
    """The warehouse server (run by ``cistrade api serve``) is not there any more."""


class WarehouseServerError(CoreError):
    """A statement failed in the warehouse server for a reason of its own."""


def _raise(kind: str, name: str, message: str) -> None:
    if kind == "conflict":
        raise WriteConflict(message)
    if kind == "busy":
        raise WarehouseBusy(message)
    if kind == "wire":
        raise wire.WireError(message)
    if kind == "duckdb":
        import duckdb

        cls = getattr(duckdb, name, None)
        if isinstance(cls, type) and issubclass(cls, duckdb.Error):
            raise cls(message)
    raise WarehouseServerError(f"{name}: {message}")


class _Connection:
    """One socket to the server, used by one unit of work at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.in_step = True                   # no request waits for its reply
        self.due = 0                          # requests sent whose replies are not read
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.sock.connect(str(path))
        except OSError as exc:
            self.sock.close()
            raise WarehouseServerGone(self._gone(exc)) from None

    def _gone(self, exc: BaseException) -> str:
        return (f"the warehouse server on {self.path} is not running ({type(exc).__name__}); "
                "it runs with `cistrade api serve --workers K`: restart the API")

    def call(self, *request: Any) -> Any:
        """Send ``request`` and return its reply's value (after the replies still due)."""
        return self.call_many([request])[-1]

    def call_many(self, requests: Sequence[tuple]) -> list[Any]:
        """Send ``requests`` together; the values of the replies due, in order."""
        for request in requests:
            self.post(*request)
        replies = self._collect()
        for reply in replies:                 # the first failure is the one to report
            if reply[0] != "ok":
                _raise(*reply[1:])
        return [reply[1] for reply in replies]

    def post(self, *request: Any) -> None:
        """Send ``request`` without waiting: its reply is read with the next :meth:`call`."""
        self.in_step = False
        try:
            wire.send(self.sock, request)
        except OSError as exc:
            raise WarehouseServerGone(self._gone(exc)) from None
        self.due += 1

    def settle(self) -> None:
        """Read the replies still due, whatever they say (a rollback's)."""
        self._collect()

    def _collect(self) -> list[tuple]:
        try:
            replies = [wire.receive(self.sock) for _ in range(self.due)]
        except (OSError, EOFError) as exc:
            raise WarehouseServerGone(self._gone(exc)) from None
        self.due = 0
        self.in_step = True
        return replies

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class _RemoteTransaction(SqlRowOperations):
    """A transaction on one server connection.

    It begins with its first statement (in the same message). A statement whose
    result is not needed (``execute``) is sent without waiting for its reply; the
    next request of the transaction, at the latest its commit, reads it, and a
    failure is raised there, still inside the unit of work.
    """

    def __init__(self, connection: _Connection) -> None:
        self.connection = connection
        self.begun = False

    def _request(self, request: tuple) -> tuple:
        if self.begun:
            return request
        self.begun = True
        return ("begin", request)

    def _call(self, *request: Any) -> Any:
        return self.connection.call(*self._request(request))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.connection.post(*self._request(("execute", sql, wire.plain(list(params)))))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self._call("query", sql, wire.plain(list(params)))

    def execute_update(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._call("update", sql, wire.plain(list(params)))

    def queries(self, statements: Sequence[tuple[str, Sequence[Any]]]
                ) -> list[list[dict[str, Any]]]:
        if not statements:
            return []
        requests = [("query", sql, wire.plain(list(params))) for sql, params in statements]
        requests[0] = self._request(requests[0])
        return self.connection.call_many(requests)[-len(requests):]

    def end(self, commit: bool) -> None:
        """Commit or roll back what the server began (nothing to do if no statement ran)."""
        if not self.begun:
            return
        if commit:
            self.connection.call("commit")
        else:
            self.connection.post("rollback")
            self.connection.settle()


class RemoteWarehouse(Warehouse):
    """The DuckDB warehouse as served on the Unix socket ``path``."""

    engine = "duckdb"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RemoteWarehouse({str(self.path)!r})"

    @contextmanager
    def _connection(self) -> Iterator[_Connection]:
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        if connection is None:
            connection = _Connection(self.path)
        try:
            yield connection
        except WarehouseServerGone:
            connection.close()
            self.close()                      # the other idle ones are dead too
            raise
        finally:
            if connection.in_step:
                with self._lock:
                    self._idle.append(connection)
            else:                             # interrupted between request and reply
                connection.close()

    def _call(self, *request: Any) -> Any:
        with self._connection() as connection:
            return connection.call(*request)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._call("execute", sql, wire.plain(list(params)))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self._call("query", sql, wire.plain(list(params)))

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._connection() as connection:
            tx = _RemoteTransaction(connection)
            try:
                yield tx
            except BaseException:
                with contextlib.suppress(CoreError):
                    tx.end(commit=False)
                raise
            tx.end(commit=True)

    def run_sql_file(self, name: str) -> None:
        self._call("call", "run_sql_file", [name])

    def ensure_store_schema(self) -> None:
        self._call("call", "ensure_store_schema", [])

    def existing_tables(self) -> set[str]:
        return set(self._call("call", "existing_tables", []))

    def ensure_tables(self, scripts: Sequence[str], expected: set[str],
                      partitioned: Sequence[PartitionedTable] = ()) -> None:
        # DuckDB keeps no files of its own for partitioned tables: ``partitioned`` is unused.
        self._call("call", "ensure_tables", [list(scripts), set(expected)])

    def replace_partition(self, table: PartitionedTable, value: date, data: pa.Table,
                          record: Append | None = None) -> int:
        raise NotImplementedError("partition loads run on the DuckDB file (the CLI or Airflow), "
                                  "not through the API's warehouse server")

    def publish_partition(self, table: PartitionedTable, value: date) -> str:
        return f"duckdb: {table.qualified} {value} visible on commit"

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
