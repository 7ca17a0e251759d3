"""Throughput of ``krnews run`` against its floor: bare Kiwi over the same texts on the same cores.

Builds a folder of articles (15 corpus sentences each), times the whole CLI over it with ``--workers`` processes,
and times ``Kiwi(num_workers=W).tokenize(texts, split_sents=True)`` over the same texts in this process before and
after each CLI run (the floor of a run is the mean of the two around it; ``--repeat`` gives the median ratio). The
ratio pipeline ÷ floor is the figure to watch (target ≤ 2×, goal 1.4×); stage shares come from the run's
``OUT/.krnews/timings.json`` (seconds summed over workers).

    python bench/throughput.py [--articles 2000] [--workers 2] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpus import article_texts, write_folder  # noqa: E402

KRNEWS = [sys.executable, "-m", "pipeline.cli", "run"]


def floor_run(texts: list[str], workers: int) -> tuple[float, float]:
    """(load, tokenize) seconds of a fresh ``Kiwi(num_workers=workers)`` over ``texts``."""
    from kiwipiepy import Kiwi

    t0 = time.perf_counter()
    kiwi = Kiwi(num_workers=workers)
    kiwi.tokenize("워밍업 문장입니다.", split_sents=True)  # Kiwi finishes loading on its first text
    t1 = time.perf_counter()
    for _ in kiwi.tokenize(texts, split_sents=True):
        pass
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def run_cli(folder: Path, out: Path, workers: int) -> tuple[float, str, dict]:
    t0 = time.perf_counter()
    proc = subprocess.run([*KRNEWS, str(folder), "--out", str(out), "--workers", str(workers)],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"krnews run failed:\n{proc.stderr[-3000:]}")
    timings = json.loads((out / ".krnews" / "timings.json").read_text())
    return wall, proc.stdout.strip().splitlines()[-1], timings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="CLI runs, each between two floor runs (median reported)")
    ap.add_argument("--quick", action="store_true", help="100 articles")
    args = ap.parse_args()
    n = 100 if args.quick else args.articles
    texts = article_texts(n)
    chars = sum(len(t) for t in texts)
    # Each CLI run is bracketed by floor runs and compared with their mean: this machine's speed drifts by ±10 %
    # within a minute. With --repeat the median ratio is the figure to quote.
    floors = [floor_run(texts, args.workers)]
    runs = []
    with tempfile.TemporaryDirectory(prefix="krnews-bench-") as tmp:
        folder = write_folder(Path(tmp) / "articles", texts)
        for r in range(args.repeat):
            wall, line, timings = run_cli(folder, Path(tmp) / f"out{r}", args.workers)
            floors.append(floor_run(texts, args.workers))
            runs.append((wall, line, timings))
    ratios = []
    for r, (wall, line, timings) in enumerate(runs):
        load = (floors[r][0] + floors[r + 1][0]) / 2
        floor_tokenize = (floors[r][1] + floors[r + 1][1]) / 2
        floor_total = load + floor_tokenize
        ratios.append(wall / floor_total)
        phases = timings["phases_s"]
        shares = timings["stages_share"]
        print(line)
        print("run phases (s): " + ", ".join(f"{k} {v:.2f}" for k, v in phases.items()))
        print(f"floor: Kiwi load {load:.2f} s + tokenize {floor_tokenize:.2f} s (runs before/after: "
              f"{sum(floors[r]):.1f} / {sum(floors[r + 1]):.1f} s) = {floor_tokenize * args.workers / n * 100:.2f} "
              f"thread-s per 100 articles")
        per100 = ", ".join(f"{k} {v / n * 100:.2f}" for k, v in
                           sorted(timings["stages_s"].items(), key=lambda kv: -kv[1]) if v / n * 100 >= 0.005)
        print(f"stages, thread-s per 100 articles: {per100}")
        stage_txt = ", ".join(f"{k} {v:.0%}" for k, v in sorted(shares.items(), key=lambda kv: -kv[1]) if v >= 0.005)
        print(f"throughput: {n} articles ({chars / 1e3:.0f} k chars), {args.workers} workers: krnews run "
              f"{wall:.1f} s = {n / wall:.1f} articles/s; floor (bare Kiwi load+tokenize, {args.workers} threads) "
              f"{floor_total:.1f} s; ratio {wall / floor_total:.2f}x whole CLI, "
              f"{phases['extract'] / floor_tokenize:.2f}x extraction phase vs tokenize only | stages: {stage_txt}")
    if len(runs) > 1:
        walls = sorted(w for w, _, _ in runs)
        print(f"throughput: {n} articles, {args.workers} workers, {len(runs)} runs: median ratio "
              f"{statistics.median(ratios):.2f}x the bare Kiwi floor (runs: "
              + ", ".join(f"{x:.2f}" for x in ratios) + f"); median {n / statistics.median(walls):.1f} articles/s")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
