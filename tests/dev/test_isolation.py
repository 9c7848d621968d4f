"""The development tools (``cistrade_dev``) stay out of the product: no production module
imports them, and ``cistrade`` works without them, offering them where they are installed."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = ("cistrade_core", "dags", "plugins")
DEV = "cistrade_dev"


def _production_files() -> list[Path]:
    return sorted(p for top in PRODUCTION for p in (REPO / top).rglob("*.py"))


def _imported_modules(path: Path) -> set[str]:
    """Modules an ``import`` statement of the file names, wherever it stands."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_no_production_module_imports_the_development_package():
    files = _production_files()
    assert len(files) > 50 and any(p.parent.name == "dags" for p in files)
    offenders = {
        str(path.relative_to(REPO)): sorted(m for m in _imported_modules(path)
                                            if m == DEV or m.startswith(f"{DEV}."))
        for path in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_every_production_module_loads_no_development_module():
    code = f"""
import importlib, json, pkgutil, sys
sys.path.insert(0, {str(REPO / "plugins")!r})
names = []
for package in ("cistrade_core", "cistrade_airflow"):
    root = importlib.import_module(package)
    names.append(package)
    names += [m.name for m in pkgutil.walk_packages(root.__path__, package + ".")]
for name in names:
    importlib.import_module(name)
print(json.dumps([len(names), sorted(m for m in sys.modules if m.split(".")[0] == {DEV!r})]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, cwd=REPO)
    assert out.returncode == 0, out.stderr[-3000:]
    count, loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert count > 80
    assert loaded == []


def _help_without_dev_package(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """``cistrade ARGS`` where only ``cistrade_core`` is importable, as in an installation
    of the product without the development package."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "cistrade_core").symlink_to(REPO / "cistrade_core", target_is_directory=True)
    code = f"""
import sys
sys.path[:] = [{str(site)!r}] + [p for p in sys.path if p not in ("", {str(REPO)!r})]
from cistrade_core.cli import main
try:
    import cistrade_dev
except ModuleNotFoundError:
    pass
else:
    raise SystemExit("cistrade_dev is still importable")
main(sys.argv[1:], prog_name="cistrade")
"""
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)


@pytest.mark.parametrize(("group", "production", "development"), [
    ("gmp", ["load", "status", "summary"], ["generate"]),
    ("fx", ["convert", "health", "load", "release", "show"], ["fault", "simulate"]),
    ("mail", ["retry"], ["serve"]),
])
def test_groups_offer_the_development_commands_only_where_installed(
        tmp_path, group, production, development):
    def commands(output: str) -> list[str]:
        listing = output.split("Commands:")[1].splitlines()
        return [line.split()[0] for line in listing if line.startswith("  ") and line.split()]

    with_dev = subprocess.run([str(Path(sys.executable).parent / "cistrade"), group, "--help"],
                              capture_output=True, text=True, timeout=60, check=True)
    assert set(production + development) <= set(commands(with_dev.stdout))

    without = _help_without_dev_package(tmp_path, group, "--help")
    assert without.returncode == 0, without.stderr[-3000:]
    listed = commands(without.stdout)
    assert set(production) <= set(listed)
    assert not set(development) & set(listed)
