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
import threading
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
    # The fork server imports spaCy, thinc and our stages and loads the built-in rules once; every worker forked
    # from it starts with them (see pipeline.engines.preload). No Kiwi exists in the server, so nothing that hangs
    # after a fork is inherited; each worker still builds its own Kiwi in the pool initializer.
    ctx.set_forkserver_preload(["pipeline.engines.preload"])
    return ctx


def in_process(tasks: list[list[Unit]], settings: Settings) -> Iterator[PartResult]:
    extractor_for(settings)
    for task in tasks:
        yield run_task(task, settings)


def _ready() -> bool:
    return True


class process_pool:
    """The pool executor: ``start`` spawns the workers at once (each loads Kiwi, the rules and the model, about
    three seconds) so that they boot while the driver checks the rule files and hashes the inputs; calling it runs
    the tasks; ``close`` ends the pool, and stops workers still booting when there turned out to be nothing to do."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.used = False  # set once tasks were sent
        self._starting: threading.Thread | None = None
        self._start_error: BaseException | None = None

    def start(self, settings: Settings) -> None:
        """Spawn the workers from a thread: starting the fork server (it imports the stages and loads the rules)
        and forking take a second or two, which the driver spends planning instead of waiting."""
        if self.pool is not None or self._starting is not None:
            return

        def spawn() -> None:
            try:
                self.pool = ProcessPoolExecutor(self.workers, mp_context=pool_context(), initializer=init_worker,
                                                initargs=(settings, os.getpid()))
                for _ in range(self.workers):  # one submit per worker makes the pool spawn them all now
                    self.pool.submit(_ready)
            except BaseException as exc:  # noqa: BLE001  (raised again in the driver's thread by _wait)
                self._start_error = exc

        self._starting = threading.Thread(target=spawn, name="krnews-pool-start", daemon=True)
        self._starting.start()

    def _wait(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._start_error is not None:
            error, self._start_error = self._start_error, None
            raise error

    def __call__(self, tasks: list[list[Unit]], settings: Settings) -> Iterator[PartResult]:
        self.start(settings)
        self._wait()
        self.used = True
        pool = self.pool
        window = 2 * self.workers  # tasks in flight: enough to keep every worker busy, few enough to bound memory
        todo = iter(tasks)
        pending = {pool.submit(run_task, t, settings) for t in islice(todo, window)}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                yield fut.result()
                nxt = next(todo, None)
                if nxt is not None:
                    pending.add(pool.submit(run_task, nxt, settings))

    def close(self) -> None:
        try:
            self._wait()
        except BaseException:  # noqa: BLE001  (nothing ran; the pool, if any, is shut down below)
            pass
        pool, self.pool = self.pool, None
        if pool is None:
            return
        if not self.used:  # nothing was extracted: do not wait for workers still loading their models
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


def run_local(inputs: Sequence[str | Path], out_dir: str | Path, *, rules_dir=None, published=None,
              formats=("csv", "parquet"), workers: int | None = None, threads: int = 1,
              on_progress: Callable[[int, int], None] | None = None, columns: dict[str, str] | None = None,
              include_excluded: bool = False) -> RunSummary:
    """Extract every article of ``inputs`` into the tables of ``out_dir``, resuming and skipping unchanged inputs.

    ``columns`` names table columns (field → column, the CLI's ``--text-column`` …); ``include_excluded`` extracts
    the table rows marked 분석제외 too."""
    workers = max(1, workers or os.cpu_count() or 1)
    executor = in_process if workers == 1 else process_pool(workers)
    return run_batch(inputs, out_dir, executor, rules_dir=rules_dir, published=published, formats=formats,
                     workers=workers, threads=threads, engine="local", on_progress=on_progress, columns=columns,
                     include_excluded=include_excluded)
