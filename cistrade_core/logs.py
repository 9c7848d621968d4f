"""Log output: text for people, or one JSON object per line for the ELK stack.

``CISTRADE_LOG_FORMAT=json`` makes :func:`configure` write every log record as
JSON with stable field names: ``timestamp`` (ISO 8601, UTC), ``level``,
``logger``, ``message``, ``exc_info`` when there is a traceback, and the context
fields of the work in progress (:data:`CONTEXT_FIELDS`), which the library binds
with :func:`log_context` or :func:`bind_args`. Fields whose name looks like a
secret are dropped, whatever a caller passes in ``extra``.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

FORMAT_ENV = "CISTRADE_LOG_FORMAT"
FILE_ENV = "CISTRADE_LOG_FILE"
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: The context fields a JSON line may carry, besides timestamp, level, logger, message.
CONTEXT_FIELDS = ("feed", "business_date", "provider", "run_id", "user_login", "dag_id",
                  "task_id")
#: Never written, whatever a caller puts into ``extra``.
SECRET_FIELD = re.compile(r"pass|secret|token|api_?key|credential|authorization", re.I)

_context: ContextVar[dict[str, str]] = ContextVar("cistrade_log_context", default={})  # noqa: B039

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add ``fields`` (from :data:`CONTEXT_FIELDS`) to every record logged inside the block."""
    unknown = set(fields) - set(CONTEXT_FIELDS)
    if unknown:
        raise ValueError(f"unknown log context fields {sorted(unknown)}; known: {CONTEXT_FIELDS}")
    token = _context.set({**_context.get(),
                          **{k: str(v) for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def bind_args(**fields: str) -> Callable[[F], F]:
    """Decorate a function so its calls log with context fields taken from its arguments.

    ``@bind_args(feed="feed_name", business_date="day")`` binds the context field
    ``feed`` to the argument ``feed_name`` and so on; ``"report.run_id"`` takes an
    attribute of an argument.
    """

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind_partial(*args, **kwargs).arguments
            with log_context(**{field: _lookup(bound, path) for field, path in fields.items()}):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _lookup(arguments: dict[str, Any], path: str) -> Any:
    name, *attrs = path.split(".")
    value = arguments.get(name)
    for attr in attrs:
        value = getattr(value, attr, None)
    return value


def current_context() -> dict[str, str]:
    return dict(_context.get())


class ContextFilter(logging.Filter):
    """Copies the bound context fields onto each record (for the JSON formatter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def json_formatter() -> logging.Formatter:
    """The JSON-lines formatter (python-json-logger) with CisTrade's field names."""
    from pythonjsonlogger.json import JsonFormatter

    class CisTradeJsonFormatter(JsonFormatter):
        def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in log_data.items() if not SECRET_FIELD.search(k)}

    return CisTradeJsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
        json_ensure_ascii=False,
    )


def log_format() -> str:
    value = os.environ.get(FORMAT_ENV, "text").strip().lower() or "text"
    if value not in FORMATS:
        raise ValueError(f"{FORMAT_ENV} must be one of {', '.join(FORMATS)}, not {value!r}")
    return value


def configure(verbose: bool = False) -> None:
    """Log as text or JSON lines (``CISTRADE_LOG_FORMAT``) to stderr, or appended to
    ``CISTRADE_LOG_FILE`` when it is set (for a log shipper to tail); INFO with ``verbose``."""
    path = os.environ.get(FILE_ENV)
    handler = (logging.FileHandler(path, encoding="utf-8") if path
               else logging.StreamHandler())
    handler.addFilter(ContextFilter())
    handler.setFormatter(json_formatter() if log_format() == "json"
                         else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
