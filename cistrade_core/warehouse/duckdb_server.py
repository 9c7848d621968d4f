"""The warehouse server: one process holds the DuckDB file for the API's workers.

``cistrade api serve --workers K`` runs it in the supervising process. It owns the
file through the lease (:mod:`cistrade_core.warehouse.duckdb_lease`), so CLI
commands and Airflow tasks still get their turns through the lock file, and runs
the workers' statements, which arrive over a Unix socket (mode 0600) as
:mod:`~cistrade_core.warehouse.wire` messages. Each client connection is served by
one thread; a transaction stays on that connection's cursor until the client
commits or rolls back (or goes away, which rolls back). The workers use
:class:`~cistrade_core.warehouse.remote_backend.RemoteWarehouse`.

Requests: ``("query"|"execute", sql, params)``, ``("update", sql, params)`` inside
a transaction, ``("begin",)``, ``("begin", request)`` (begin, then run the
transaction's first statement: one round trip less), ``("commit",)``,
``("rollback",)`` and ``("call", method, args)`` for the schema methods in
:data:`CALLS`. Replies:
``("ok", value)`` or ``("error", kind, name, message)``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import socket
import socketserver
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from cistrade_core.errors import CoreError
from cistrade_core.warehouse import wire
from cistrade_core.warehouse.base import Transaction, WriteConflict
from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse, _is_write_conflict
from cistrade_core.warehouse.duckdb_lease import WarehouseBusy

log = logging.getLogger(__name__)

#: Warehouse methods a client may call besides statements and transactions.
CALLS = frozenset({"run_sql_file", "ensure_store_schema", "existing_tables", "ensure_tables"})
#: Longest Unix socket path the kernel takes (``sun_path`` is 108 bytes with its NUL).
MAX_SOCKET_PATH = 107


class _RolledBack(Exception):
    """Thrown into a transaction the client rolls back."""


def error_reply(exc: BaseException) -> tuple[str, str, str, str]:
    """The reply for a failed request: its kind, the exception's class name, the message."""
    if isinstance(exc, WriteConflict) or _is_write_conflict(exc):
        kind = "conflict"
    elif isinstance(exc, WarehouseBusy):
        kind = "busy"
    elif type(exc).__module__.startswith(("duckdb", "_duckdb")):
        kind = "duckdb"
    elif isinstance(exc, wire.WireError):
        kind = "wire"
    else:
        kind = "error"
    return ("error", kind, type(exc).__name__, str(exc))


class _Connection:
    """What one client connection has open: at most one transaction."""

    def __init__(self, warehouse: DuckDBWarehouse) -> None:
        self.warehouse = warehouse
        self._unit: AbstractContextManager[Transaction] | None = None
        self._tx: Transaction | None = None
        self._failed = False       # a request of the open transaction failed: roll it back

    def run(self, request: Any) -> tuple:
        try:
            return ("ok", self._run(request))
        except Exception as exc:
            if self._tx is not None or (isinstance(request, (tuple, list)) and request
                                        and request[0] == "begin"):
                self._failed = True    # statements sent after it must not run on their own
            return error_reply(exc)

    def _run(self, request: Any) -> Any:
        if not isinstance(request, (tuple, list)) or not request:
            raise wire.WireError(f"malformed warehouse request {type(request).__name__}")
        op, *args = request
        if self._failed and op != "rollback":
            if op == "commit":
                self._end(commit=False)
            raise wire.WireError("an earlier request of this transaction failed: it was not "
                                 "committed and must be rolled back")
        if op in ("query", "execute", "update"):
            sql, params = args
            target = self._tx if self._tx is not None else self.warehouse
            if op == "query":
                return target.query(sql, params)
            if op == "execute":
                target.execute(sql, params)
                return None
            if self._tx is None:
                raise wire.WireError("execute_update outside a transaction")
            return self._tx.execute_update(sql, params)
        if op == "begin":
            if self._tx is not None:
                raise wire.WireError("a transaction is already open on this connection")
            unit = self.warehouse.transaction()
            self._tx = unit.__enter__()
            self._unit = unit
            return self._run(args[0]) if args else None
        if op in ("commit", "rollback"):
            return self._end(commit=op == "commit")
        if op == "call":
            name, call_args = args
            if name not in CALLS:
                raise wire.WireError(f"warehouse method {name!r} is not served")
            return getattr(self.warehouse, name)(*call_args)
        raise wire.WireError(f"unknown warehouse request {op!r}")

    def _end(self, commit: bool) -> None:
        unit, self._unit, self._tx = self._unit, None, None
        if not commit:
            self._failed = False
        if unit is None:
            if commit:
                raise wire.WireError("commit without a transaction")
            return
        if commit:
            unit.__exit__(None, None, None)
        else:
            unit.__exit__(_RolledBack, _RolledBack(), None)

    def close(self) -> None:
        """Roll back what the client left open (it disconnected or the server stops)."""
        with contextlib.suppress(Exception):
            self._end(commit=False)


class _Handler(socketserver.BaseRequestHandler):
    server: _SocketServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        connection = _Connection(self.server.warehouse)
        self.server.track(sock, add=True)
        try:
            while True:
                try:
                    request = wire.receive(sock)
                except (EOFError, OSError):
                    return
                except wire.WireError as exc:     # the body was read whole: still in step
                    reply: tuple = error_reply(exc)
                else:
                    reply = connection.run(request)
                try:
                    wire.send(sock, reply)
                except OSError:
                    return
                except Exception as exc:          # a result that cannot be sent
                    wire.send(sock, error_reply(wire.WireError(str(exc))))
        finally:
            connection.close()
            self.server.track(sock, add=False)


class _SocketServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, path: str, warehouse: DuckDBWarehouse) -> None:
        self.warehouse = warehouse
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(path, _Handler)

    def server_bind(self) -> None:
        old = os.umask(0o177)                     # the socket is created mode 0600
        try:
            super().server_bind()
        finally:
            os.umask(old)
        os.chmod(self.server_address, 0o600)

    def track(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            (self._open.add if add else self._open.discard)(sock)

    def drop_connections(self) -> None:
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class WarehouseServer:
    """Serve ``warehouse`` on the Unix socket ``path`` (in a thread: :meth:`start`).

    The file is opened with one DuckDB thread per statement: the server runs many
    small statements of concurrent requests, each on its own connection thread, and
    a statement split over threads costs more than it gains.
    """

    #: DuckDB threads per statement in the server.
    statement_threads = 1

    def __init__(self, warehouse: DuckDBWarehouse, path: Path) -> None:
        self.warehouse = warehouse
        warehouse.lease.config["threads"] = str(self.statement_threads)
        self.path = Path(path)
        if len(os.fsencode(self.path)) > MAX_SOCKET_PATH:
            raise CoreError(f"the warehouse socket path {self.path} is longer than "
                            f"{MAX_SOCKET_PATH} bytes; use a shorter CISTRADE_HOME")
        self._server: _SocketServer | None = None
        self._thread: threading.Thread | None = None

    def _bind(self) -> _SocketServer:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()                    # left by a server that was killed
        self._server = _SocketServer(str(self.path), self.warehouse)
        return self._server

    def start(self) -> WarehouseServer:
        server = self._bind()
        self._thread = threading.Thread(target=server.serve_forever, name="warehouse-server",
                                        kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        server = self._bind()
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            self._close(server)

    def stop(self) -> None:
        """Stop serving, drop the connections (their transactions roll back), remove the socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._close(server)

    def _close(self, server: _SocketServer) -> None:
        server.drop_connections()
        server.server_close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.warehouse.close()

    def __enter__(self) -> WarehouseServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """``python -m cistrade_core.warehouse.duckdb_server DATABASE SOCKET``: serve until killed."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("database", type=Path)
    parser.add_argument("socket", type=Path)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        WarehouseServer(DuckDBWarehouse(args.database), args.socket).serve_forever()


if __name__ == "__main__":
    main()
