"""The Dask engine: the same tasks and parts as the local engine, run by ``dask.distributed`` workers.

Without a scheduler address it starts a ``LocalCluster`` (one single-threaded worker process per ``workers``);
with one (``--scheduler tcp://host:8786``) it uses that cluster. Each worker process builds its ``Extractor`` on its
first task and keeps it (``parts.extractor_for``). Workers return parts to the driver, which writes them, the
manifest and the tables: the output folder need not be shared, the *inputs* must be readable by every worker at
the path the driver sees, and every worker needs the same krnews install (rules and model included).

>>> from pipeline.engines.dask_engine import run_dask
>>> run_dask(["samples"], "outputs", workers=2).line()  # doctest: +SKIP
"""
from __future__ import annotations

import os
from itertools import islice
from pathlib import Path
from typing import Callable, Iterator, Sequence

from pipeline.engines.batch import RunSummary, run_batch
from pipeline.engines.parts import PartResult, Settings, Unit, run_task


def _dask_task(units: list[Unit], settings: Settings) -> PartResult:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    return run_task(units, settings)


def dask_executor(workers: int, scheduler: str | None = None):
    def execute(tasks: list[list[Unit]], settings: Settings) -> Iterator[PartResult]:
        from distributed import Client, LocalCluster, as_completed

        cluster = None
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
            client = Client(cluster)
        try:
            n_slots = max(1, sum(client.nthreads().values()))
            window = 2 * n_slots
            todo = iter(tasks)
            futures = [client.submit(_dask_task, t, settings, pure=False) for t in islice(todo, window)]
            pending = as_completed(futures)
            for fut in pending:
                result = fut.result()
                fut.release()
                yield result
                nxt = next(todo, None)
                if nxt is not None:
                    pending.add(client.submit(_dask_task, nxt, settings, pure=False))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    return execute


def run_dask(inputs: Sequence[str | Path], out_dir: str | Path, *, scheduler: str | None = None,
             rules_dir=None, published=None, formats=("csv", "parquet"), workers: int | None = None,
             threads: int = 1, on_progress: Callable[[int, int], None] | None = None,
             columns: dict[str, str] | None = None, include_excluded: bool = False) -> RunSummary:
    """``run_local`` on a Dask cluster: a new local one, or the scheduler at ``scheduler``."""
    workers = max(1, workers or os.cpu_count() or 1)
    return run_batch(inputs, out_dir, dask_executor(workers, scheduler), rules_dir=rules_dir,
                     published=published, formats=formats, workers=workers, threads=threads, engine="dask",
                     on_progress=on_progress, columns=columns, include_excluded=include_excluded)
