"""The CLI's login: a session token kept in a file only its owner can read.

The file (``$CISTRADE_HOME/session.json``, or ``CISTRADE_SESSION_FILE``) holds
the token; the warehouse holds only its hash and the session data, and decides
whether the session is still valid (eight hours, not logged out, user enabled).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from cistrade_core.acl.model import Session
from cistrade_core.clock import naive_utc
from cistrade_core.config import Settings


def session_path(settings: Settings) -> Path:
    override = os.environ.get("CISTRADE_SESSION_FILE")
    return Path(override) if override else settings.home / "session.json"


def save(path: Path, session: Session) -> None:
    """Write the token with mode 0600 (created that way, never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        payload = {"token": session.token, "user_login": session.user_login,
                   "expires_at": naive_utc(session.expires_at).isoformat(sep=" ")}
        os.write(fd, json.dumps(payload).encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


#: What a token looks like (``secrets.token_urlsafe``); anything else in the file is refused.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


class SessionFileError(ValueError):
    """The session file exists but does not hold a token."""


def load_token(path: Path) -> str | None:
    """The token in ``path``; None when there is no file; :class:`SessionFileError` when
    the file is unreadable or holds anything but a token."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SessionFileError(f"cannot read the session file {path}: {exc.strerror}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        data = None
    token = data.get("token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        raise SessionFileError(f"the session file {path} does not hold a session token: "
                               "log in again (`cistrade acl login --user ...`)")
    return token


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)
