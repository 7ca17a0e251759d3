"""``make bench``: run every benchmark in bench/ (each ``bench/*.py`` but this file and ``_helpers``) one after the
other, show their output, and end with the one-line summary of each.

    python bench/run_all.py [--quick]   # --quick is passed on to the benchmarks that accept it
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_"))
    summaries: list[str] = []
    failed = 0
    for script in scripts:
        cmd = [sys.executable, str(script)]
        if quick and "--quick" in script.read_text(encoding="utf-8"):
            cmd.append("--quick")
        print(f"== {script.name}", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=HERE.parent)
        last = ""
        for line in proc.stdout:
            print(line, end="", flush=True)
            if line.strip():
                last = line.strip()
        code = proc.wait()
        # Flush what the benchmark wrote (scaling.py leaves 10,000-file folders behind it) so that the disk's
        # write-back does not land on the next benchmark's timings: it once slowed throughput.py's run twofold.
        os.sync()
        time.sleep(2)
        if code != 0:
            failed += 1
            last = f"FAILED (exit {code}) after {time.perf_counter() - t0:.0f} s"
        summaries.append(f"{script.stem}: {last}")
    print("\n== summary")
    for s in summaries:
        print(s)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
