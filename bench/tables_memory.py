"""Driver memory over large tables of articles (issue 14): 100,000 and 1,000,000 generated rows as CSV and Parquet.

Each case runs in a fresh process and reports its peak resident memory (``VmHWM`` of /proc/self/status: unlike
``ru_maxrss``, it does not carry over the parent's peak across fork and exec) for two phases:

- ``plan``: what the driver does before any worker starts — hash the table, and cut it into row ranges (for a CSV,
  one streaming pass that notes the byte offset of every 1,000th row);
- ``run``: a whole ``krnews run --workers 1`` with the extraction replaced by a stand-in that returns the
  documents row of each article (no Kiwi, no rules, no model: 1M real extractions would take hours), loaded by the
  worker process through ``KRNEWS_TEST_EXTRACTOR``. The readers, parts, manifest and the DuckDB assembly of the
  tables are the real ones; the figures are the driver's (the reading happens in the supervised worker).
  ``before_assembly_mb`` is the driver's peak up to the assembly (planning, receiving every row, writing parts and
  the manifest); the peak is that of the whole run.

The tables are generated (articles of about 150 characters from a template) under a temporary folder.

    .venv/bin/python bench/tables_memory.py                 # 100k and 1M rows, CSV and Parquet (about 10 minutes)
    .venv/bin/python bench/tables_memory.py --rows 100000   # one size (or --quick)
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TEMPLATE = ("{city}는 {m}월 {d}일 올해 하반기 사업비 {amount}억원을 투입한다고 밝혔다. 사업 부지는 {area}㎡ 규모로 "
            "{year}년까지 완공할 계획이다. 시 관계자는 \"주민 의견을 듣고 차례로 추진하겠다\"고 말했다. {i}")
CITIES = ["서울시", "부산시", "인천시", "대구시", "광주시", "대전시", "울산시", "세종시"]
HEADER = ["뉴스 식별자", "일자", "언론사", "기고자", "제목", "본문", "URL", "분석제외 여부"]


def rows(n: int):
    for i in range(n):
        text = TEMPLATE.format(city=CITIES[i % 8], m=i % 12 + 1, d=i % 28 + 1, amount=i % 900 + 10,
                               area=(i * 1301) % 90000 + 1000, year=2025 + i % 5, i=i)
        yield [f"{i:08d}.2024{i % 12 + 1:02d}{i % 28 + 1:02d}", f"2024{i % 12 + 1:02d}{i % 28 + 1:02d}",
               f"매체{i % 40}", f"기자{i % 300}", f"{CITIES[i % 8]} 사업비 {i % 900 + 10}억원", text,
               f"https://news.example/{i}", "중복" if i % 97 == 0 else ""]


def generate(fmt: str, n: int, folder: Path) -> Path:
    path = folder / f"news_{n}.{fmt}"
    if fmt == "csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(HEADER)
            w.writerows(rows(n))
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer = None
        batch: list[list[str]] = []
        for r in rows(n):
            batch.append(r)
            if len(batch) == 50_000:
                table = pa.table({h: [b[k] for b in batch] for k, h in enumerate(HEADER)})
                writer = writer or pq.ParquetWriter(path, table.schema)
                writer.write_table(table, row_group_size=10_000)
                batch = []
        if batch:
            table = pa.table({h: [b[k] for b in batch] for k, h in enumerate(HEADER)})
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=10_000)
        writer.close()
    return path


class DocumentsOnly:
    """The stand-in extractor: one documents row per article, no mentions."""

    def extract_many(self, articles, batch_size=32, on_stage=None):
        from pipeline.article import Analysis
        from pipeline.extractor import Result
        from pipeline.stages.tables import rows_for

        for a in articles:
            an = Analysis(article=a)
            yield Result(an, rows_for(an))


def _hwm_mb() -> int:
    """Peak resident memory of this process so far, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def child(phase: str, path: str, out: str) -> None:
    """Run one phase in this (fresh) process and print its figures as JSON."""
    t0 = time.perf_counter()
    if phase == "plan":
        from pipeline.engines.batch import plan
        from pipeline.engines.manifest import Manifest

        base = _hwm_mb()
        m = Manifest(Path(out) / ".krnews")
        current, errors, todo, _ = plan([path], m)
        m.close()
        extra = {"units": len(todo)}
    else:
        from pipeline.engines import assemble
        from pipeline.engines.local import run_local
        import pandas  # noqa: F401  (imports before the baseline)
        import pyarrow.parquet  # noqa: F401

        # the stand-in goes to the worker process, which loads it by path (as the engine tests' fake extractor)
        os.environ["KRNEWS_TEST_EXTRACTOR"] = f"{Path(__file__).resolve()}:DocumentsOnly"
        real_assemble = assemble.assemble
        before: list[int] = []

        def timed_assemble(*a, **k):  # the peak of reading, parts and manifest, before the tables are assembled
            before.append(_hwm_mb())
            return real_assemble(*a, **k)

        assemble.assemble = timed_assemble
        base = _hwm_mb()
        s = run_local([path], out, workers=1)
        extra = {"before_assembly_mb": before[0], "documents": s.ok, "excluded": s.excluded, "errors": s.errors}
    print(json.dumps({"peak_mb": _hwm_mb(), "after_imports_mb": base,
                      "seconds": round(time.perf_counter() - t0, 1), **extra}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, action="append", help="table sizes (default: 100000 and 1000000)")
    ap.add_argument("--formats", default="csv,parquet")
    ap.add_argument("--quick", action="store_true", help="100,000 rows only")
    ap.add_argument("--child", nargs=3, metavar=("PHASE", "PATH", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return 0
    sizes = args.rows or ([100_000] if args.quick else [100_000, 1_000_000])
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    results = []
    with tempfile.TemporaryDirectory(prefix="krnews-tables-") as tmp:
        for n in sizes:
            for fmt in args.formats.split(","):
                path = generate(fmt, n, Path(tmp))
                size_mb = path.stat().st_size / 2 ** 20
                for phase in ("plan", "run"):
                    out = Path(tmp) / f"out_{fmt}_{n}_{phase}"
                    proc = subprocess.run([sys.executable, __file__, "--child", phase, str(path), str(out)],
                                          capture_output=True, text=True, env=env)
                    if proc.returncode != 0:
                        print(proc.stderr, file=sys.stderr)
                        return 1
                    r = json.loads(proc.stdout.strip().splitlines()[-1])
                    results.append((n, fmt, size_mb, phase, r))
                    print(f"{n:>9,} rows {fmt:<7} ({size_mb:6.0f} MB)  {phase:<4}  peak {r['peak_mb']:>5} MB  "
                          f"(after imports {r['after_imports_mb']} MB)  {r['seconds']:7.1f} s  "
                          + " ".join(f"{k}={v}" for k, v in r.items()
                                     if k not in ("peak_mb", "after_imports_mb", "seconds")), flush=True)
                path.unlink()
    runs = [(n, r) for n, _fmt, _size, phase, r in results if phase == "run"]
    plans = [(n, r) for n, _fmt, _size, phase, r in results if phase == "plan"]

    def span(pairs, key):
        return ", ".join(f"{n:,} rows {max(r[key] for m, r in pairs if m == n)} MB" for n in sizes)

    print(f"tables_memory ({args.formats}): plan peak {span(plans, 'peak_mb')}; run peak before assembly "
          f"{span(runs, 'before_assembly_mb')}; whole run with the assembly {span(runs, 'peak_mb')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
