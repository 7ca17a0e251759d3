"""The in-process engine: read → extract → collect rows → write tables. (Issue 5 grows this into a process pool.)"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from pipeline.article import Article, ReadError
from pipeline.io.schema import TABLES, to_frame
from pipeline.io.writers import write_tables
from pipeline.stages.tables import error_row


@dataclass
class RunSummary:
    ok: int = 0
    failed: int = 0
    errors: int = 0
    labels: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def line(self) -> str:
        per = ", ".join(f"{k} {v}" for k, v in sorted(self.labels.items())) or "none"
        rate = (self.ok + self.failed) / self.seconds if self.seconds > 0 else 0.0
        return (f"documents: {self.ok} ok, {self.failed} failed ({self.errors} error rows) | mentions: {per} | "
                f"{self.seconds:.1f} s, {rate:.1f} documents/s")


def run_local(inputs: Sequence[str | Path], out_dir: str | Path, *, rules_dir=None, published=None,
              formats=("csv", "parquet"), threads: int = 0,
              on_progress: Callable[[int, int], None] | None = None) -> RunSummary:
    from pipeline.extractor import Extractor
    from pipeline.io.readers import read_inputs

    t0 = time.perf_counter()
    extractor = Extractor(rules_dir=rules_dir, threads=threads)
    items = list(read_inputs(inputs, published=published))
    articles = [x for x in items if isinstance(x, Article)]
    read_errors = [x for x in items if isinstance(x, ReadError)]
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    rows["errors"].extend(error_row(e) for e in read_errors)
    summary = RunSummary(failed=0)
    seen_ids: Counter = Counter()
    for a in articles:  # duplicate ids (two records with the same metadata id) get a suffix
        seen_ids[a.doc_id] += 1
        if seen_ids[a.doc_id] > 1:
            a.doc_id = f"{a.doc_id}~{seen_ids[a.doc_id]}"
    done = 0
    for result in extractor.extract_many(articles):
        for name, rs in result.rows.items():
            rows[name].extend(rs)
        if result.analysis.status == "ok":
            summary.ok += 1
        else:
            summary.failed += 1
        summary.labels.update(m.label for m in result.analysis.mentions)
        done += 1
        if on_progress:
            on_progress(done, len(articles))
    summary.failed += len({(e.path) for e in read_errors})
    summary.errors = len(rows["errors"])
    write_tables({name: to_frame(name, rs) for name, rs in rows.items()}, out_dir, formats)
    summary.seconds = time.perf_counter() - t0
    return summary
