"""The README's set-up from nothing: a fresh copy of the project, no uv anywhere, an empty HOME.

``make env`` (the first half of ``make demo`` and ``make test``) must install uv
itself, where the Makefile then looks for it, with whatever ``python3`` the
machine has: Debian's own (PEP 668 "externally managed"), pyenv's, or a
virtualenv's. The package cache of the surrounding run is reused (the point is
the path logic, not the download); nothing else is shared with this checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEBIAN_PYTHON = Path("/usr/bin/python3")
#: Debian's PATH for root, without pyenv, cargo or anything a developer added.
BARE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _fresh_copy(dest: Path) -> Path:
    """The project's tracked files as they are now (a clone, uncommitted edits included)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = REPO / name
        if not src.exists():  # deleted in the working tree
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    return dest


def _uv_cache_dir() -> str:
    uv = REPO / ".tools" / "bin" / "uv"
    return subprocess.run([str(uv), "cache", "dir"], check=True, capture_output=True,
                          text=True).stdout.strip()


def _bare_env(home: Path, **extra: str) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    env = {"PATH": BARE_PATH, "HOME": str(home), "LANG": "C.UTF-8",
           "UV_CACHE_DIR": _uv_cache_dir(), "PYTHONDONTWRITEBYTECODE": "1"}
    # the machine's network settings, not a developer's: proxies, if any
    env.update({k: v for k, v in os.environ.items() if k.lower().endswith("_proxy")})
    env.update(extra)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600):
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_bare_path_has_no_uv_and_debian_python_is_externally_managed():
    """The premise of the test below: this really is the machine a new user has."""
    assert shutil.which("uv", path=BARE_PATH) is None
    assert DEBIAN_PYTHON.exists(), "Debian's python3 (the python3 package) is expected"
    marker = subprocess.run(
        [str(DEBIAN_PYTHON), "-c",
         "import sysconfig, os; print(os.path.exists(os.path.join("
         "sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))"],
        capture_output=True, text=True, check=True).stdout.strip()
    assert marker == "True"
    refused = subprocess.run([str(DEBIAN_PYTHON), "-m", "pip", "install", "--user", "uv"],
                             capture_output=True, text=True, env={"PATH": BARE_PATH})
    assert refused.returncode != 0


def test_make_env_from_nothing_with_debian_python(tmp_path: Path):
    """Fresh copy, Debian python3, no uv, empty HOME: ``make env``, then ``cistrade --help``."""
    project = _fresh_copy(tmp_path / "clone")
    env = _bare_env(tmp_path / "home")
    done = _run(["make", "env"], project, env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (project / ".tools" / "bin" / "uv").is_file()
    assert "uv" not in os.listdir(tmp_path / "home")  # nothing put into HOME's bin dirs
    assert not (tmp_path / "home" / ".local" / "bin").exists()
    venv_python = project / ".venv" / "bin" / "python"
    version = _run([str(venv_python), "-c", "import sys; print(sys.base_prefix)"], project, env)
    assert version.stdout.strip() == "/usr", "the venv is built on Debian's own python3"
    cli = _run([str(project / ".venv" / "bin" / "cistrade"), "--help"], project, env)
    assert cli.returncode == 0, cli.stderr
    assert "gmp" in cli.stdout and "portfolio" in cli.stdout
    # the project's own modules are byte-compiled at install (PYTHONDONTWRITEBYTECODE is set)
    assert list((project / "cistrade_core" / "cli" / "__pycache__").glob("__init__*.pyc"))
    again = _run(["make", "env"], project, env)
    assert again.returncode == 0 and "bootstrap" not in again.stdout


@pytest.mark.parametrize("kind", ["virtualenv", "pyenv"])
def test_uv_bootstrap_with_other_pythons(tmp_path: Path, kind: str):
    """A virtualenv's python (this run's) or pyenv's: uv lands where the Makefile looks."""
    if kind == "virtualenv":
        python = sys.executable
        assert sys.prefix != sys.base_prefix
    else:
        python = str(Path(sys.base_prefix) / "bin" / "python3")
    project = _fresh_copy(tmp_path / "clone")
    env = _bare_env(tmp_path / "home")
    done = _run(["make", f"PYTHON={python}", str(project / ".tools" / "bin" / "uv")],
                project, env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    uv = _run([str(project / ".tools" / "bin" / "uv"), "--version"], project, env)
    assert uv.returncode == 0 and uv.stdout.startswith("uv ")
