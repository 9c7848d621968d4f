"""What the routers share: versions as ETags, If-Match, opaque cursors."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from cistrade_core.api.problems import ApiProblem, FieldProblem

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int:
    """The version the caller acts on, from ``If-Match``: 428 without it, 400 if malformed."""
    if if_match is None or not if_match.strip():
        raise ApiProblem(428, "this change needs If-Match: the ETag (version) you last read",
                         errors=[FieldProblem(field="header.If-Match",
                                              message='required, e.g. If-Match: "3"')])
    match = _ETAG.match(if_match)
    if not match:
        raise ApiProblem(400, "If-Match must be one ETag as returned by GET, e.g. \"3\"",
                         errors=[FieldProblem(field="header.If-Match",
                                              message='expected a quoted version, e.g. "3"')])
    return int(match.group(1))


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, keys: tuple[str, ...]) -> dict[str, Any] | None:
    """The position a cursor from an earlier page stands for; 400 if it is not one."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
        if not isinstance(position, dict) or set(position) != set(keys) or not all(
                isinstance(position[k], str) for k in keys):
            raise ValueError
    except ValueError:
        raise ApiProblem(400, "cursor is not one this API returned",
                         errors=[FieldProblem(field="query.cursor",
                                              message="expected next_cursor of a previous page")]
                         ) from None
    return position
