"""Run the benchmarks: every ``bench/bench_*.py`` module's ``main()``, or those named.

    python -m bench                                  # all
    python -m bench bench_hive                       # one (or: python -m bench hive)
    python -m bench bench_hive -- --scale 0.1        # options after -- go to its main()
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    options: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, options = argv[:at], argv[at + 1:]
    here = Path(__file__).resolve().parent
    names = argv or sorted(p.stem for p in here.glob("bench_*.py"))
    for name in names:
        name = name.removesuffix(".py")
        if not name.startswith("bench_"):
            name = f"bench_{name}"
        module = importlib.import_module(f"bench.{name}")
        print(f"== {module.__name__}", flush=True)
        if options and inspect.signature(module.main).parameters:
            module.main(options)
        else:
            module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
