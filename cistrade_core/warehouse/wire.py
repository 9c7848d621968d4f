"""The messages between the warehouse server and its clients, over a Unix socket.

A message is a 4-byte big-endian length and a pickle. Unpickling is restricted to
the values statements and rows hold (``None``, ``bool``, ``int``, ``float``,
``str``, ``bytes``, lists, tuples, dicts, sets, ``date``, ``datetime``,
``time``, ``timedelta``, ``timezone`` and ``Decimal``): any other class in a
message is refused with :class:`WireError` before it is built.
"""

from __future__ import annotations

import io
import pickle
import socket
import struct
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from cistrade_core.errors import CoreError

#: The classes a message may hold besides the builtin containers and scalars.
ALLOWED = {("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"),
           ("datetime", "timedelta"), ("datetime", "timezone"), ("decimal", "Decimal")}
_HEADER = struct.Struct(">I")
#: The largest message accepted (a result of many rows stays far below it).
MAX_BYTES = 1 << 30
_PLAIN = (type(None), bool, int, float, str, bytes, date, datetime, time, timedelta, Decimal)


class WireError(CoreError):
    """A message that cannot be sent or was refused (a type outside :data:`ALLOWED`)."""


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in ALLOWED:
            return super().find_class(module, name)
        raise WireError(f"warehouse message refused: {module}.{name} is not an allowed type")


def loads(data: bytes) -> Any:
    """The value of a message body, refusing any class outside :data:`ALLOWED`."""
    try:
        return _Unpickler(io.BytesIO(data)).load()
    except WireError:
        raise
    except Exception as exc:
        raise WireError(f"malformed warehouse message ({type(exc).__name__})") from None


def plain(value: Any) -> Any:
    """``value`` with subclasses of the allowed types (``StrEnum`` members) made plain."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return {plain(v) for v in value}
    if isinstance(value, timezone):
        return value
    raise WireError(f"cannot send a {type(value).__name__} to the warehouse server")


def send(sock: socket.socket, value: Any) -> None:
    body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(body)) + body)


def receive(sock: socket.socket) -> Any:
    """The next message; :class:`EOFError` when the peer closed the connection, an
    :class:`OSError` for a message too large to read."""
    (size,) = _HEADER.unpack(_read(sock, _HEADER.size))
    if size > MAX_BYTES:  # its body is not read: the connection is out of step and ends
        raise ConnectionAbortedError(f"warehouse message of {size} bytes refused "
                                     f"(over {MAX_BYTES})")
    return loads(_read(sock, size))


def _read(sock: socket.socket, size: int) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        chunk = sock.recv(size - len(buf))
        if not chunk:
            raise EOFError("the warehouse connection was closed")
        buf += chunk
    return bytes(buf)
