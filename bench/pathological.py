"""Text with no sentence ends: seconds per MB and peak memory of the whole CLI with one worker, at 1, 4 and 16 MB.

Each file is one line of a short word repeated (``가나다라마바사 ``) and, at its end, one real sentence, which must still
come out (a PERSON, a MONEY and a DATE). The bound this bench watches (issue 13): time linear in the size, memory
bounded; a 6.6 MB file of this kind within 60 s and 1.5 GB. The baseline in the same script is bare Kiwi over the
same file cut into the same pieces, one thread, read at this machine's speed at this moment. It is not a floor for
the repeated kind: the pipeline gives identical pieces and model windows the results it already has (the repeat
caches of ``pipeline/stages/segment.py`` and ``ner.py``), so a ratio under 1 there says the caches work. ``--kind
random`` writes words of random syllables instead (seeded, so every run writes the same file): no piece repeats,
and that ratio is the pipeline's cost over Kiwi's in the general case.

    .venv/bin/python bench/pathological.py [--sizes 1,4,16] [--kind repeated|random] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
WORD = "가나다라마바사 "
SENTENCE = "오세훈 서울시장은 2024년 5월 29일 사업비 1조 2,000억원을 투입한다고 밝혔다."


def write_file(path: Path, megabytes: float, kind: str = "repeated") -> Path:
    n = int(megabytes * 1_000_000 / len(WORD.encode("utf-8")))
    if kind == "repeated":
        body = WORD * n
    else:  # words of 2 to 6 random Hangul syllables, same seed every run, about as many bytes as the repeated kind
        import random

        rng = random.Random(13)
        words, size = [], 0
        while size < n * len(WORD.encode("utf-8")):
            w = "".join(chr(0xAC00 + rng.randrange(11172)) for _ in range(rng.randint(2, 6))) + " "
            words.append(w)
            size += len(w.encode("utf-8"))
        body = "".join(words)
    path.write_text(body + SENTENCE + "\n", encoding="utf-8")
    return path


def peak_of(cmd: list[str], env: dict | None = None) -> tuple[float, float, float, float, int]:
    """(seconds, peak PSS and peak RSS in MB summed over the process tree, the largest one process's peak RSS, exit
    code), polling every 50 ms.

    PSS (proportional set size) counts a page shared by n processes as 1/n in each: the workers are forked from a
    server that has loaded the libraries, so summing RSS counts those pages twice. Both sums are printed."""
    t0 = time.perf_counter()
    proc = psutil.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_pss = peak_rss = peak_one = 0
    while proc.poll() is None:
        pss = rss = 0
        try:
            procs = [proc] + proc.children(recursive=True)
        except psutil.Error:
            procs = []
        for p in procs:
            try:
                info = p.memory_full_info()
            except psutil.Error:
                continue
            pss += info.pss
            rss += info.rss
            peak_one = max(peak_one, info.rss)
        peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
        time.sleep(0.05)
    return time.perf_counter() - t0, peak_pss / 1e6, peak_rss / 1e6, peak_one / 1e6, proc.returncode


FLOOR = r"""
import sys, time
from kiwipiepy import Kiwi
from pipeline.stages.segment import split_blocks
text = open(sys.argv[1], encoding="utf-8").read()
kiwi = Kiwi()
kiwi.tokenize("준비")
t = time.perf_counter()
for a, b in split_blocks(text):
    kiwi.tokenize(text[a:b], split_sents=True)
print(time.perf_counter() - t)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,4,16", help="file sizes in MB, comma-separated")
    ap.add_argument("--kind", choices=("repeated", "random"), default="repeated",
                    help="one word repeated (the file of issue 13) or words of random syllables")
    ap.add_argument("--keep", type=Path, default=None, help="keep the files and outputs in this folder")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="krnews-patho-"))
    root.mkdir(parents=True, exist_ok=True)
    krnews = str(REPO / ".venv" / "bin" / "krnews")
    if not os.path.exists(krnews):
        krnews = "krnews"
    rows = []
    for mb in [float(s) for s in args.sizes.split(",") if s.strip()]:
        folder = root / f"in-{args.kind}-{mb:g}"
        folder.mkdir(exist_ok=True)
        f = write_file(folder / "one_line.txt", mb, args.kind)
        out = root / f"out-{args.kind}-{mb:g}"
        secs, peak, peak_rss, peak_one, code = peak_of([krnews, "run", str(folder), "--out", str(out),
                                                         "--workers", "1"])
        floor = float(subprocess.run([sys.executable, "-c", FLOOR, str(f)], capture_output=True, text=True,
                                     cwd=REPO).stdout.strip() or "nan")
        found = ""
        if code == 0:
            import pandas as pd

            m = pd.read_csv(out / "mentions.csv")
            tail = m[m["start"] >= len(f.read_text(encoding="utf-8")) - len(SENTENCE) - 1]
            found = ",".join(sorted(set(tail["label"])))
        row = {"kind": args.kind, "MB": mb, "seconds": round(secs, 1), "s_per_MB": round(secs / mb, 1), "peak_MB": round(peak),
               "peak_rss_sum_MB": round(peak_rss), "largest_process_MB": round(peak_one),
               "kiwi_floor_s": round(floor, 1), "ratio": round(secs / floor, 2) if floor == floor else None,
               "exit": code, "last_sentence_labels": found}
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    worst = max(rows, key=lambda r: r["s_per_MB"])
    parts = ", ".join("{:g} MB {} s/MB {} MB peak".format(r["MB"], r["s_per_MB"], r["peak_MB"]) for r in rows)
    print(f"summary: {parts}; worst {worst['s_per_MB']} s/MB")


if __name__ == "__main__":
    main()
