"""Reports: a 10,000-row report written as CSV, XLSX and PDF.

Each format is written in a fresh process; wall time excludes start-up and
imports (a five-row report is written first, which also imports the writer's
libraries and, for PDF, loads fonts, as in a long-running worker). Peak RSS
includes them; the PDF's forked render worker (PDF rendering uses the machine's
cores, see ``to_pdf``) is shown on its own. The rows look like the FX snapshot
(text, decimals, datetimes, integers, booleans) so every cell type is exercised.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("CISTRADE_BENCH_REPORT_ROWS", "10000"))

_RUN = """
import json, resource, sys, tempfile, time
from bench import peak_rss_mb
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from cistrade_core.reports.data import Kind, ReportColumn as C, ReportData
from cistrade_core.reports.to_csv import write_csv
from cistrade_core.reports.to_pdf import write_pdf
from cistrade_core.reports.to_xlsx import write_xlsx
fmt, n = sys.argv[1], int(sys.argv[2])
cols = [C("pair", "Pair"), C("bid", "Bid", Kind.DECIMAL, 6), C("ask", "Ask", Kind.DECIMAL, 6),
        C("mid", "Mid", Kind.DECIMAL, 6), C("source", "Source"),
        C("quoted", "Quoted (UTC)", Kind.DATETIME), C("age", "Age (min)", Kind.INT),
        C("stale", "Stale", Kind.BOOL)]
t0 = datetime(2026, 11, 27, 16, 0)
rows = [(f"P{i:05d}", Decimal("1.084500") + Decimal(i) / 10**6, Decimal("1.084700"),
         Decimal("1.084600"), "bloomberg" if i % 3 else "reuters", t0 - timedelta(minutes=i % 90),
         i % 90, i % 90 > 30) for i in range(n)]
data = ReportData(cols, rows, {"business date": "2026-11-27"})
now = datetime.now(UTC)
write = {"csv": lambda p: write_csv(data, p), "xlsx": lambda p: write_xlsx(data, p, "Bench", now),
         "pdf": lambda p: write_pdf(data, p, "Bench", now)}[fmt]
with tempfile.TemporaryDirectory() as tmp:
    warm = ReportData(cols, rows[:5], {})  # imports, fonts, CSS machinery: once per worker
    {"csv": lambda p: write_csv(warm, p), "xlsx": lambda p: write_xlsx(warm, p, "warm", now),
     "pdf": lambda p: write_pdf(warm, p, "warm", now)}[fmt](Path(tmp) / f"warm.{fmt}")
    path = Path(tmp) / f"report.{fmt}"
    # largest child so far: helpers run by the imports, then any render worker
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    write(path)
    wall = time.perf_counter() - start
    size = path.stat().st_size
after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "bytes": size,
                  "rss_mb": peak_rss_mb(),
                  "worker_mb": after / 1024 if after > before else 0}))
"""

TARGETS = {"csv": 0.5, "xlsx": 3.0, "pdf": 10.0}


def main() -> None:
    print(f"{'format':<8}{'rows':>8}{'wall s':>9}{'target s':>10}{'size KB':>10}"
          f"{'peak RSS MB':>13}{'worker MB':>11}")
    for fmt, target in TARGETS.items():
        out = subprocess.run([sys.executable, "-c", _RUN, fmt, str(ROWS)], capture_output=True,
                             text=True, cwd=ROOT, check=False)
        if out.returncode != 0:
            raise SystemExit(f"{fmt} failed:\n{out.stderr[-3000:]}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        worker = f"{r['worker_mb']:,.0f}" if r["worker_mb"] else "-"
        print(f"{fmt:<8}{ROWS:>8,}{r['wall']:>9.2f}{target:>10.1f}{r['bytes'] / 1024:>10,.0f}"
              f"{r['rss_mb']:>13,.0f}{worker:>11}", flush=True)


if __name__ == "__main__":
    main()
