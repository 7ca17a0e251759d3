"""The local engine: a process pool on this machine (or, with one worker, the calling process itself).

Each worker process builds its ``Extractor`` once (pool initializer) with a one-thread Kiwi; tasks go out a few at a
time, so memory stays flat however many inputs there are, and each finished part goes to disk at once
(``pipeline.engines.batch``). Processes start with ``forkserver`` (or ``spawn``), never ``fork``: a Kiwi
inherited across a fork hangs.

>>> from pipeline.engines.local import run_local
>>> run_local(["samples"], "outputs", workers=2).line()  # doctest: +SKIP
'documents: 13 ok, 0 failed (0 error rows) | mentions: … | inputs: 11 processed, 0 skipped as unchanged, 0 removed'
"""
from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from itertools import islice
from pathlib import Path
from typing import Callable, Iterator, Sequence

from pipeline.engines.batch import RunSummary, run_batch
from pipeline.engines.parts import PartResult, Settings, Unit, extractor_for, init_worker, run_task

__all__ = ["RunSummary", "run_local", "in_process", "process_pool"]


def pool_context():
    """``forkserver`` where the platform has it, else ``spawn``: never ``fork`` (Kiwi hangs after a fork)."""
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    # The fork server imports spaCy, thinc and our stages once; every worker forked from it starts with them loaded
    # (about a second saved per worker). Only modules: no Kiwi exists in the server, so nothing that hangs after a
    # fork is inherited; each worker still builds its own Kiwi in the pool initializer.
    ctx.set_forkserver_preload(["pipeline.extractor", "pipeline.engines.parts"])
    return ctx


def in_process(tasks: list[list[Unit]], settings: Settings) -> Iterator[PartResult]:
    extractor_for(settings)
    for task in tasks:
        yield run_task(task, settings)


def process_pool(workers: int) -> Callable[[list[list[Unit]], Settings], Iterator[PartResult]]:
    def execute(tasks: list[list[Unit]], settings: Settings) -> Iterator[PartResult]:
        window = 2 * workers  # tasks in flight: enough to keep every worker busy, few enough to bound memory
        todo = iter(tasks)
        with ProcessPoolExecutor(workers, mp_context=pool_context(), initializer=init_worker,
                                 initargs=(settings, os.getpid())) as pool:
            pending = {pool.submit(run_task, t, settings) for t in islice(todo, window)}
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    yield fut.result()
                    nxt = next(todo, None)
                    if nxt is not None:
                        pending.add(pool.submit(run_task, nxt, settings))

    return execute


def run_local(inputs: Sequence[str | Path], out_dir: str | Path, *, rules_dir=None, published=None,
              formats=("csv", "parquet"), workers: int | None = None, threads: int = 1,
              on_progress: Callable[[int, int], None] | None = None) -> RunSummary:
    """Extract every article of ``inputs`` into the tables of ``out_dir``, resuming and skipping unchanged inputs."""
    workers = max(1, workers or os.cpu_count() or 1)
    executor = in_process if workers == 1 else process_pool(workers)
    return run_batch(inputs, out_dir, executor, rules_dir=rules_dir, published=published, formats=formats,
                     workers=workers, threads=threads, engine="local", on_progress=on_progress)
