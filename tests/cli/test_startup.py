"""``cistrade`` starts fast: a bare ``--help`` imports none of the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "pyarrow", "duckdb", "numpy", "great_expectations", "weasyprint",
         "airflow", "pandera", "openpyxl", "requests", "jinja2", "pydantic")

PROBE = """
import json, sys
from cistrade_core.cli import main
try:
    main(sys.argv[1:], prog_name="cistrade")
except SystemExit:
    pass
heavy = {heavy!r}
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def _imported(*args: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_bare_help_imports_no_heavy_module():
    assert _imported("--help") == []


@pytest.mark.parametrize("group", ["gmp", "portfolio", "acl", "fx", "report", "audit"])
def test_group_help_imports_no_heavy_module(group: str):
    assert _imported(group, "--help") == []


def test_group_list_matches_each_group_help():
    """The one-line help ``cistrade --help`` shows is the group's own docstring."""
    import importlib

    from cistrade_core.cli import COMMAND_GROUPS

    for name, (target, short) in COMMAND_GROUPS.items():
        module, attr = target.split(":")
        group = getattr(importlib.import_module(module), attr)
        assert group.name == name
        assert group.get_short_help_str(limit=200) == short, name
