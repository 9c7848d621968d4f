"""The warehouse knows tables, not feeds: nothing in ``cistrade_core/warehouse/`` imports
the feed definitions or the GMP load, and loading every warehouse module loads neither."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WAREHOUSE = REPO / "cistrade_core" / "warehouse"
FORBIDDEN = ("cistrade_core.feeds", "cistrade_core.gmp")


def _imported_modules(path: Path) -> set[str]:
    """Modules an ``import`` statement of the file names, wherever it stands."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            found.add(node.module or "")
    return found


def _forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f"{f}.") for f in FORBIDDEN)


def test_no_warehouse_module_imports_the_feeds_or_the_gmp_load():
    files = sorted(WAREHOUSE.rglob("*.py"))
    assert len(files) >= 10
    offenders = {str(p.relative_to(REPO)): sorted(m for m in _imported_modules(p) if _forbidden(m))
                 for p in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_every_warehouse_module_loads_neither():
    code = f"""
import importlib, json, pkgutil, sys
import cistrade_core.warehouse as root
names = [m.name for m in pkgutil.walk_packages(root.__path__, "cistrade_core.warehouse.")]
for name in names:
    importlib.import_module(name)
forbidden = {FORBIDDEN!r}
print(json.dumps([len(names), sorted(m for m in sys.modules if m.startswith(forbidden))]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr[-3000:]
    count, loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert count >= 10
    assert loaded == []
