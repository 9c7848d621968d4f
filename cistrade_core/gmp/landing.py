"""What may be read from the landing directory: regular files inside it, nothing else.

A data or control file is read only when it is a regular file (not a symbolic
link, directory, FIFO or device) directly inside the landing directory, and this
process can open it. Anything else is a format problem naming the file and what
was expected; the file is never read, so a link to another file never shows any
of that file's content.

The check opens the file with ``O_NOFOLLOW`` and looks at what was opened, so a
link is refused even when it points at a valid file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from cistrade_core.gmp.problems import CheckKind, Problem

_WHAT = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket",
         stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device"}
EXPECTED = "expected a regular file in the landing directory"


def present(path: Path) -> bool:
    """Whether anything (a file, a link, even a dangling one) has ``path``'s name."""
    return os.path.lexists(path)


def landing_problem(path: Path, landing_dir: Path) -> Problem | None:
    """Why ``path`` may not be read as a landing file, or None when it may.

    ``path`` must exist (see :func:`present`).
    """
    name = path.name

    def problem(message: str) -> Problem:
        return Problem(CheckKind.FORMAT, name, message)

    try:
        inside = path.parent.resolve(strict=True) == landing_dir.resolve(strict=True)
    except OSError:
        inside = False
    if not inside:
        return problem(f"is not directly inside the landing directory; {EXPECTED}")
    try:
        info = os.lstat(path)
    except OSError as exc:
        return problem(f"cannot be examined ({_reason(exc)}); {EXPECTED}")
    if stat.S_ISLNK(info.st_mode):
        return problem(f"is a symbolic link, not read; {EXPECTED}")
    if not stat.S_ISREG(info.st_mode):
        what = _WHAT.get(stat.S_IFMT(info.st_mode), "not a regular file")
        return problem(f"is {what}, not read; {EXPECTED}")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return problem(f"is a symbolic link, not read; {EXPECTED}")
        return problem(f"cannot be read ({_reason(exc)}); expected a file this load may read")
    try:
        opened = os.fstat(fd)
    finally:
        os.close(fd)
    if not stat.S_ISREG(opened.st_mode) or opened.st_ino != info.st_ino:
        return problem(f"changed while being checked, not read; {EXPECTED}")
    return None


def _reason(exc: OSError) -> str:
    """The error's own words, without the path (which the message names already)."""
    return exc.strerror or type(exc).__name__
