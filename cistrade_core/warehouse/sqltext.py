"""SQL text for the HiveServer2-protocol engines (Hive, Impala): scripts, placeholders, literals.

The Hive and Impala drivers (PyHive, impyla) have no server-side parameter
binding: both substitute values into the statement text on the client. PyHive's
substitution escapes a quote by doubling it, which HiveQL does not read as an
escaped quote (its string literals use backslash escapes, and adjacent literals
are concatenated), and it renders a ``date`` as a bare string, which an
ANSI-mode engine refuses to store into a ``DATE`` column. So this module binds
the values itself, the same way for every engine, with one escaping rule that
Hive, Impala and Spark all read the same: inside a single-quoted literal a
backslash escapes the next character. The rendered statement is passed to the
driver without parameters.

Placeholders are ``?`` (positional, as everywhere in the warehouse interface)
and ``:name`` (named, in script files). ``${name}`` in a script is replaced by
an identifier (outside literals) or by escaped text (inside a literal), never
by a caller's data. Placeholders inside string literals, quoted identifiers
and comments are left alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cistrade_core.errors import CoreError

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class SqlTextError(CoreError, ValueError):
    """A statement or script that cannot be bound or split safely."""


# -- tokens ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Token:
    """A run of SQL: ``code``, ``string`` (quotes included), ``ident`` or ``comment``."""

    kind: str
    text: str


def tokenize(sql: str) -> Iterator[Token]:
    """Split ``sql`` into code, quoted literals, back-quoted identifiers and comments."""
    i, n, start = 0, len(sql), 0
    while i < n:
        ch = sql[i]
        if ch in "'\"`" or sql.startswith("--", i) or sql.startswith("/*", i):
            if i > start:
                yield Token("code", sql[start:i])
            if ch in "'\"":
                j = i + 1
                while j < n and sql[j] != ch:
                    j += 2 if sql[j] == "\\" else 1
                if j >= n:
                    raise SqlTextError(
                        f"unterminated string literal at offset {i}: {sql[i:i + 40]!r}")
                yield Token("string", sql[i:j + 1])
                i = j + 1
            elif ch == "`":
                j = sql.find("`", i + 1)
                if j < 0:
                    raise SqlTextError(f"unterminated quoted identifier at offset {i}")
                yield Token("ident", sql[i:j + 1])
                i = j + 1
            elif ch == "-":
                j = sql.find("\n", i)
                j = n if j < 0 else j
                yield Token("comment", sql[i:j])
                i = j
            else:
                j = sql.find("*/", i + 2)
                if j < 0:
                    raise SqlTextError(f"unterminated comment at offset {i}")
                yield Token("comment", sql[i:j + 2])
                i = j + 2
            start = i
        else:
            i += 1
    if start < n:
        yield Token("code", sql[start:])


def split_statements(script: str) -> list[str]:
    """The statements of a script, without comments, split at ``;`` outside literals."""
    statements, current = [], []
    for token in tokenize(script):
        if token.kind == "comment":
            current.append(" ")
            continue
        if token.kind != "code":
            current.append(token.text)
            continue
        parts = token.text.split(";")
        for k, part in enumerate(parts):
            current.append(part)
            if k < len(parts) - 1:
                statements.append("".join(current))
                current = []
    statements.append("".join(current))
    return [_tidy(s) for s in statements if s.strip()]


def _tidy(statement: str) -> str:
    lines = [line.rstrip() for line in statement.strip().splitlines()]
    return "\n".join(line for line in lines if line.strip())


# -- literals -------------------------------------------------------------------------------

_ESCAPES = {"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
            "\0": "\\0"}


def escape_text(value: str, extra: Mapping[str, str] | None = None) -> str:
    """``value`` escaped for the inside of a single-quoted Hive/Impala/Spark literal."""
    escapes = {**_ESCAPES, **extra} if extra else _ESCAPES
    return "".join(escapes.get(ch, ch) for ch in value)


@dataclass(frozen=True)
class Dialect:
    """How one engine spells typed literals.

    ``timestamp_format`` and ``date_format`` take the quoted text, e.g.
    ``TIMESTAMP {}`` (Hive, Spark) or ``CAST({} AS TIMESTAMP)`` (Impala, whose
    parser has no TIMESTAMP literal). ``text_escapes`` are extra escapes inside
    string literals: HiveServer2 substitutes ``${name}`` variables in the whole
    statement text, literals included, before parsing it, so Hive's ``$`` is
    written as the unicode escape ``\\u0024``, which the parser turns back into ``$``.
    """

    name: str
    date_format: str = "DATE {}"
    timestamp_format: str = "TIMESTAMP {}"
    text_escapes: tuple[tuple[str, str], ...] = ()

    def literal(self, value: Any) -> str:
        """``value`` as a SQL literal of this dialect."""
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise SqlTextError(f"cannot bind the non-finite float {value!r}")
            return repr(value)
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise SqlTextError(f"cannot bind the non-finite decimal {value!r}")
            return str(value)
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                raise SqlTextError("bind naive UTC timestamps; the warehouse has no time zones")
            return self.timestamp_format.format(f"'{value.isoformat(sep=' ')}'")
        if isinstance(value, date):
            return self.date_format.format(f"'{value.isoformat()}'")
        if isinstance(value, str):
            return f"'{escape_text(value, dict(self.text_escapes))}'"
        raise SqlTextError(f"cannot bind a value of type {type(value).__name__}")


HIVE = Dialect("hive", text_escapes=(("$", "\\u0024"),))
IMPALA = Dialect("impala", timestamp_format="CAST({} AS TIMESTAMP)")


# -- binding --------------------------------------------------------------------------------

def bind(sql: str, params: Sequence[Any] | Mapping[str, Any] = (), *,
         dialect: Dialect = HIVE) -> str:
    """``sql`` with its ``?`` (sequence) or ``:name`` (mapping) placeholders bound."""
    named = isinstance(params, Mapping)
    values = iter(()) if named else iter(params)
    used = 0
    out = []
    for token in tokenize(sql):
        if token.kind != "code":
            out.append(token.text)
            continue
        text, i = token.text, 0
        while i < len(text):
            ch = text[i]
            if ch == "?":
                if named:
                    raise SqlTextError("positional placeholder ? with named parameters")
                try:
                    out.append(dialect.literal(next(values)))
                except StopIteration:
                    raise SqlTextError(f"more ? placeholders than the {used} values") from None
                used += 1
                i += 1
            elif ch == ":" and (m := _NAME.match(text, i + 1)) and _named_position(text, i):
                if not named:
                    raise SqlTextError(f"named placeholder :{m.group()} needs a mapping")
                if m.group() not in params:
                    raise SqlTextError(f"no value for :{m.group()}")
                out.append(dialect.literal(params[m.group()]))
                i = m.end()
            else:
                out.append(ch)
                i += 1
    if not named and next(values, _END) is not _END:
        raise SqlTextError(f"more values than the {used} ? placeholders")
    return "".join(out)


_END = object()


def _named_position(text: str, i: int) -> bool:
    """A ``:`` starts a named placeholder unless it follows a word character or another ``:``."""
    return i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_:")


def substitute(script: str, variables: Mapping[str, str]) -> str:
    """Replace ``${name}``: an identifier outside literals, escaped text inside them."""
    def replace(token: Token) -> str:
        def value(m: re.Match) -> str:
            name = m.group(1)
            if name not in variables:
                raise SqlTextError(f"no value for ${{{name}}}")
            text = str(variables[name])
            if token.kind == "string":
                return escape_text(text)
            if not IDENTIFIER.match(text):
                raise SqlTextError(f"${{{name}}} = {text!r} is not an identifier")
            return text
        if token.kind in ("code", "string"):
            return _VARIABLE.sub(value, token.text)
        return token.text
    return "".join(replace(t) for t in tokenize(script))


def batched_values(head: str, tuples: Iterable[str], batch_size: int,
                   max_chars: int) -> Iterator[str]:
    """Statements ``head`` + value tuples: at most ``batch_size`` tuples and about
    ``max_chars`` characters each."""
    batch: list[str] = []
    size = len(head)
    for text in tuples:
        if batch and (len(batch) >= batch_size or size + len(text) + 2 > max_chars):
            yield head + ", ".join(batch)
            batch, size = [], len(head)
        batch.append(text)
        size += len(text) + 2
    if batch:
        yield head + ", ".join(batch)


def identifier(name: str) -> str:
    """``name`` checked to be a plain (optionally schema-qualified) identifier."""
    if not IDENTIFIER.match(name):
        raise SqlTextError(f"{name!r} is not a plain identifier")
    return name


#: Impala's reserved words (docs/topics/impala_reserved_words.xml); a column named like
#: one is written in backticks in the statements built for Impala and Hive.
IMPALA_RESERVED = frozenset({
    "add", "aggregate", "all", "alter", "analytic", "and", "anti", "api_version", "as", "asc",
    "avro", "between", "bigint", "binary", "boolean", "buckets", "by", "cached", "cascade",
    "case", "cast", "change", "char", "class", "close_fn", "column", "columns", "comment",
    "compute", "create", "cross", "current", "data", "database", "databases", "date",
    "datetime", "decimal", "delete", "delimited", "desc", "describe", "distinct",
    "distribute", "div", "double", "drop", "else", "end", "escaped", "exists", "explain",
    "extended", "external", "false", "fields", "fileformat", "finalize_fn", "first", "float",
    "following", "for", "format", "formatted", "from", "full", "function", "functions",
    "grant", "group", "hash", "having", "if", "ignore", "ilike", "in", "incremental",
    "init_fn", "inner", "inpath", "insert", "int", "integer", "intermediate", "interval",
    "into", "invalidate", "iregexp", "is", "join", "last", "left", "like", "limit", "lines",
    "load", "location", "merge_fn", "metadata", "not", "null", "nulls", "offset", "on", "or",
    "order", "outer", "over", "overwrite", "parquet", "parquetfile", "partition",
    "partitioned", "partitions", "preceding", "prepare_fn", "produced", "purge", "range",
    "rcfile", "real", "refresh", "regexp", "rename", "replace", "restrict", "returns",
    "revoke", "right", "rlike", "role", "roles", "row", "rows", "schema", "schemas", "select",
    "semi", "sequencefile", "serdeproperties", "serialize_fn", "set", "show", "smallint",
    "split", "stats", "stored", "straight_join", "string", "symbol", "table", "tables",
    "tblproperties", "terminated", "textfile", "then", "timestamp", "tinyint", "to", "true",
    "truncate", "unbounded", "uncached", "union", "update", "update_fn", "upsert", "use",
    "using", "values", "varchar", "view", "when", "where", "with",
})


def column_name(name: str) -> str:
    """``name`` as a column in Impala/Hive SQL: backticked when it is a reserved word."""
    return f"`{name}`" if name.lower() in IMPALA_RESERVED else name
