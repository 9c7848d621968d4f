"""The CLI's login: a session token kept in a file only its owner can read.

The file (``$CISTRADE_HOME/session.json``, or ``CISTRADE_SESSION_FILE``) holds
the token; the warehouse holds only its hash and the session data, and decides
whether the session is still valid (eight hours, not logged out, user enabled).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cistrade_core.acl.model import Session
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
                   "expires_at": session.expires_at.isoformat(sep=" ")}
        os.write(fd, json.dumps(payload).encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


def load_token(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    token = data.get("token") if isinstance(data, dict) else None
    return token if isinstance(token, str) and token else None


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)
