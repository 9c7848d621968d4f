"""Run every benchmark module (``bench/bench_*.py``), or those named: ``python -m bench gmp``.

Arguments after ``--`` go to the one benchmark named: ``python -m bench cli -- --runs 3``.
Each benchmark starts from the environment the runner started with: one that points
``CISTRADE_HOME`` at a temporary folder of its own does not send the next one there.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
                   if m.name.startswith("bench_"))
    extra: list[str] = []
    if "--" in argv:
        argv, extra = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    wanted = [f"bench_{a.removeprefix('bench_')}" for a in argv] or names
    if extra and len(wanted) != 1:
        raise SystemExit("arguments after -- need exactly one benchmark named before them")
    for name in wanted:
        if name not in names:
            raise SystemExit(f"no benchmark {name!r}; known: {', '.join(names)}")
        print(f"### {name}", flush=True)
        environ = dict(os.environ)
        try:
            module = importlib.import_module(f"bench.{name}")
            if extra:
                module.main(extra)
            else:
                module.main()
        finally:
            os.environ.clear()
            os.environ.update(environ)
        print(flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
