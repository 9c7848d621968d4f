"""The tests mirror the code: one folder per package, file names that don't repeat it.

``tests/<pkg>/`` holds the tests of ``cistrade_core/<pkg>/``; ``tests/dags``,
``tests/plugins`` and ``tests/dev`` those of ``dags/``, ``plugins/cistrade_airflow/``
and ``cistrade_dev/``; ``tests/deploy`` those of the deployment files (Makefile,
scripts, compose, ``deploy/``), ``tests/stack`` the production stack they start.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"

#: Test folders that mirror something other than a ``cistrade_core`` sub-package.
OTHER_HOMES = {
    "dags": REPO / "dags",
    "plugins": REPO / "plugins" / "cistrade_airflow",
    "dev": REPO / "cistrade_dev",
    "deploy": REPO / "deploy",
    "stack": REPO / "deploy",  # the production stack run for real (scripts/stack.sh)
}


def _test_folders() -> list[Path]:
    return sorted(p for p in TESTS.iterdir()
                  if p.is_dir() and not p.name.startswith((".", "_")))


def test_every_test_folder_mirrors_a_package():
    for folder in _test_folders():
        home = OTHER_HOMES.get(folder.name, REPO / "cistrade_core" / folder.name)
        assert home.is_dir(), f"tests/{folder.name}/ mirrors nothing: no {home.relative_to(REPO)}/"
        assert (folder / "__init__.py").is_file(), f"tests/{folder.name}/ needs an __init__.py"


def test_test_files_do_not_repeat_their_folder_name():
    for folder in _test_folders():
        for path in folder.glob("test_*.py"):
            assert not path.stem.startswith(f"test_{folder.name}_"), (
                f"{path.relative_to(REPO)}: the folder already says {folder.name!r}"
            )

