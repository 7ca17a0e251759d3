"""Scaling of ``krnews run``: speed-up of 2 workers over 1, and peak memory (RSS) per worker and of the driver.

For each folder size (1,000 and 10,000 articles; ``--quick``: 200 and 2,000) the CLI runs once with one worker
(in-process) and once with two; psutil samples the process tree every 0.1 s. Memory per worker should not grow
with the corpus (parts stream to disk), which is what the two sizes show.

    python bench/scaling.py [--quick] [--sizes 1000,10000]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpus import article_texts, write_folder  # noqa: E402

KRNEWS = [sys.executable, "-m", "pipeline.cli", "run"]
MB = 1024 * 1024


def run(folder: Path, out: Path, workers: int) -> tuple[float, float, float]:
    """(seconds, peak RSS of the largest worker, peak RSS of the driver) of one CLI run."""
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([*KRNEWS, str(folder), "--out", str(out), "--workers", str(workers)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    driver = psutil.Process(proc.pid)
    peak: dict[int, int] = {}
    while proc.poll() is None:
        try:
            for p in [driver, *driver.children(recursive=True)]:
                try:
                    peak[p.pid] = max(peak.get(p.pid, 0), p.memory_info().rss)
                except psutil.NoSuchProcess:
                    pass
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - t0
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"krnews run failed:\n{stderr[-3000:]}")
    driver_peak = peak.pop(proc.pid, 0)
    worker_peak = max(peak.values(), default=0) if workers > 1 else driver_peak
    return seconds, worker_peak / MB, driver_peak / MB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 and 2,000 articles instead of 1,000 and 10,000")
    ap.add_argument("--sizes", default=None, help="comma-separated article counts")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([200, 2000] if args.quick else [1000, 10000])
    results = []
    with tempfile.TemporaryDirectory(prefix="krnews-scaling-") as tmp:
        for n in sizes:
            folder = write_folder(Path(tmp) / f"a{n}", article_texts(n))
            s1, w1, d1 = run(folder, Path(tmp) / "out1", 1)
            s2, w2, d2 = run(folder, Path(tmp) / "out2", 2)
            results.append((n, s1, s2, w1, w2, d2))
            print(f"{n} articles: 1 worker {s1:.1f} s ({n / s1:.1f}/s, RSS {w1:.0f} MB); 2 workers {s2:.1f} s "
                  f"({n / s2:.1f}/s, RSS per worker {w2:.0f} MB, driver {d2:.0f} MB); speed-up {s1 / s2:.2f}x",
                  flush=True)
            shutil.rmtree(folder)
    label = "quick" if args.quick else "full"
    print(f"scaling ({label}: " + ", ".join(f"{n:,}" for n, *_ in results) + " articles): speed-up 2 vs 1 worker "
          + ", ".join(f"{s1 / s2:.2f}x at {n:,}" for n, s1, s2, *_ in results)
          + "; peak RSS per worker " + ", ".join(f"{w2:.0f} MB at {n:,}" for n, _, _, _, w2, _ in results)
          + " (1 worker: " + ", ".join(f"{w1:.0f} MB" for n, _, _, w1, *_ in results) + "), driver "
          + ", ".join(f"{d2:.0f} MB" for *_, d2 in results))


if __name__ == "__main__":
    main()
