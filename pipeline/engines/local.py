"""The local engine: supervised worker processes on this machine (``pipeline.engines.supervisor``).

Each worker process builds its ``Extractor`` once with a one-thread Kiwi; tasks go out one per worker, so memory
stays flat however many inputs there are, and each finished part goes to disk at once (``pipeline.engines.batch``).
An article over the time limit, or one that takes its worker down, costs only itself. Processes start with
``forkserver`` (or ``spawn``), never ``fork``: a Kiwi inherited across a fork hangs.

>>> from pipeline.engines.local import run_local
>>> run_local(["samples"], "outputs", workers=2).line()  # doctest: +SKIP
'documents: 13 ok, 0 failed (0 error rows) | mentions: … | inputs: 11 processed, 0 skipped as unchanged, 0 removed'
"""
from __future__ import annotations

import multiprocessing as mp
import os
from pathlib import Path
from typing import Callable, Iterator, Sequence

from pipeline.engines.batch import RunSummary, run_batch
from pipeline.engines.parts import PartResult, Settings, Unit, extractor_for, run_task
from pipeline.engines.supervisor import DEFAULT_ARTICLE_TIMEOUT, Supervisor

__all__ = ["RunSummary", "run_local", "in_process", "Supervisor", "DEFAULT_ARTICLE_TIMEOUT"]


def pool_context():
    """``forkserver`` where the platform has it, else ``spawn``: never ``fork`` (Kiwi hangs after a fork)."""
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    # The fork server imports spaCy, thinc and our stages and loads the built-in rules once; every worker forked
    # from it starts with them (see pipeline.engines.preload). No Kiwi exists in the server, so nothing that hangs
    # after a fork is inherited; each worker still builds its own Kiwi in the pool initializer.
    ctx.set_forkserver_preload(["pipeline.engines.preload"])
    return ctx


def in_process(tasks: list[list[Unit]], settings: Settings) -> Iterator[PartResult]:
    """The tasks in the calling process, one after the other: no time limit, no crash isolation (for debugging
    and embedding; ``run_local`` always supervises)."""
    extractor_for(settings)
    for task in tasks:
        yield run_task(task, settings)


def run_local(inputs: Sequence[str | Path], out_dir: str | Path, *, rules_dir=None, published=None,
              formats=("csv", "parquet"), workers: int | None = None, threads: int = 1,
              article_timeout: float | None = DEFAULT_ARTICLE_TIMEOUT,
              on_progress: Callable[[int, int], None] | None = None, columns: dict[str, str] | None = None,
              include_excluded: bool = False) -> RunSummary:
    """Extract every article of ``inputs`` into the tables of ``out_dir``, resuming and skipping unchanged inputs.

    ``workers`` supervised processes (one too when ``workers`` is 1: the time limit and crash isolation need a
    process to stop); ``article_timeout`` seconds per article, None or 0 for no limit. ``columns`` names table
    columns (field → column, the CLI's ``--text-column`` …); ``include_excluded`` extracts the table rows marked
    분석제외 too."""
    workers = max(1, workers or os.cpu_count() or 1)
    executor = Supervisor(workers, article_timeout)
    return run_batch(inputs, out_dir, executor, rules_dir=rules_dir, published=published, formats=formats,
                     workers=workers, threads=threads, engine="local", on_progress=on_progress, columns=columns,
                     include_excluded=include_excluded)
