"""What the local engine's supervision costs the workers: pickling every message of a job (what goes through the
pipe to the driver) against extracting it, per 100 articles, in this one process (no timing noise from the pool).

    python bench/supervisor_messages.py [--articles 320]
"""
from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpus import article_texts, write_folder  # noqa: E402

from pipeline.engines.parts import Job, Settings, TaskBuilder, Unit, extractor_for, run_job  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=320)
    n = ap.parse_args().articles
    settings = Settings()
    extractor_for(settings)
    with tempfile.TemporaryDirectory(prefix="krnews-bench-") as tmp:
        files = sorted(write_folder(Path(tmp), article_texts(n)).rglob("*.txt"))
        units = [Unit(str(f), str(f), "", f.stat().st_size) for f in files]
        extract = pickling = part = 0.0
        size = 0
        for i in range(0, n, 32):  # tasks of 32 files, as the planner makes them for a large folder
            task, events = units[i:i + 32], []
            t = time.perf_counter()
            run_job(Job(task), settings, events.append)
            extract += time.perf_counter() - t
            t = time.perf_counter()
            for e in events:
                data = pickle.dumps(e, protocol=pickle.HIGHEST_PROTOCOL)
                size += len(data)
                pickle.loads(data)
            pickling += time.perf_counter() - t
            builder = TaskBuilder(task)
            for e in events:
                builder.feed(e)
            t = time.perf_counter()
            builder.result()
            part += time.perf_counter() - t
    k = 100 / n
    print(f"per 100 articles: extraction {extract * k:.3f} s; the messages pickled and unpickled {pickling * k:.4f} s "
          f"({pickling / extract:.2%} of the extraction, {size * k / 1e6:.2f} MB); the part built by the driver "
          f"{part * k:.4f} s (first task includes importing pyarrow)")


if __name__ == "__main__":
    main()
