"""docs/gmp-contract.md stays true: every rule has a check and a test, and both exist."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

from cistrade_core.feeds import FEEDS
from cistrade_dev.gmp_samples import FAULTS

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "gmp-contract.md"
CHECK = re.compile(r"`((?:feeds|gmp)\.[a-z_.]+):([A-Za-z_.]+)`")
TEST = re.compile(r"`(tests/[\w/]+\.py::\w+(?:\[[^\]`]+\])?)`")


def rule_rows() -> dict[str, list[str]]:
    """Rule id to the cells of its row (id, contract, check, test), from every table."""
    rows = {}
    for line in DOC.read_text().splitlines():
        if not line.startswith("| ") or line.startswith(("| #", "| ---")):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == 4, line
        assert cells[0] not in rows, f"rule {cells[0]} appears twice"
        rows[cells[0]] = cells
    return rows


def test_every_rule_has_a_check_and_a_test():
    rows = rule_rows()
    sections = {re.sub(r"[0-9]+$", "", rule) for rule in rows}
    assert sections == {"S", "F", "D", "C", "cur", "cty", "cal", "cp", "W"}
    for rule, (_, contract, check, test) in rows.items():
        assert contract, rule
        assert CHECK.search(check) or check.startswith("none needed: a permission"), rule
        assert TEST.search(test), rule


def test_every_named_check_exists():
    for module, name in sorted(set(CHECK.findall(DOC.read_text()))):
        obj = importlib.import_module(f"cistrade_core.{module}")
        for part in name.split("."):
            assert hasattr(obj, part), f"{module}:{name} does not exist"
            obj = getattr(obj, part)


def test_every_named_test_is_collected():
    named = set(TEST.findall(DOC.read_text()))
    files = sorted({n.split("::")[0] for n in named})
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout
    collected = {line for line in out.splitlines() if "::" in line}
    functions = {c.split("[")[0] for c in collected}
    missing = sorted(n for n in named if n not in collected and n not in functions)
    assert missing == [], "tests named in docs/gmp-contract.md that pytest does not collect"


def test_every_column_and_fault_has_a_row():
    text = DOC.read_text()
    rows = rule_rows()
    for feed in FEEDS.values():
        section = text.split(f"\n### {feed.name}\n", 1)[1].split("\n#", 1)[0]
        ids = {line.split("|")[1].strip() for line in section.splitlines()
               if line.startswith("| ") and not line.startswith(("| #", "| ---"))}
        for column in feed.columns:
            assert any(rows[i][1].startswith(f"`{column.name}` ") for i in ids), \
                f"{feed.name}.{column.name} has no row"
    for fault in FAULTS:
        assert f"[{fault}]`" in text, f"fault {fault} is in no row"
