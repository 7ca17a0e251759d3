"""Fuzzed readers (issue 13, point 7): 10,000 or more generated inputs through ``read_path``, every one of which must
end as articles or read errors, never an exception and never through the reader's catch-all for its own bugs.

The strategies are those of ``tests/io/test_readers_fuzz.py`` (random bytes under every suffix, truncated JSON,
JSONL of good, broken and non-object lines, front matter, tag soup); this script only runs many more of them.

    .venv/bin/python bench/fuzz_readers.py [--examples 10000] [--quick]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests.io.test_readers_fuzz import CASES, _check  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=10_000, help="generated inputs in all (default 10,000)")
    ap.add_argument("--quick", action="store_true", help="1,400 inputs")
    args = ap.parse_args()
    total = 1_400 if args.quick else args.examples
    per_case = -(-total // len(CASES))
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="krnews-fuzz-") as tmp:
        for suffix, strategy in CASES:
            @settings(max_examples=per_case, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(strategy)
            def run(data: bytes) -> None:
                _check(Path(tmp), suffix, data)

            run()
    n = per_case * len(CASES)
    print(f"fuzz_readers: {n} generated inputs ({len(CASES)} strategies), every one an article or a read error, "
          f"{time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
