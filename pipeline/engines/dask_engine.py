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
from pipeline.engines.parts import Job, PartResult, Settings, TaskBuilder, Unit, run_job, run_task

# A task whose worker dies is given to another worker once (a worker killed from outside costs nothing); when that
# one dies too, the task is isolated (``_isolate``). Applies to the LocalCluster we start; a running scheduler
# keeps its own ``distributed.scheduler.allowed-failures``.
ALLOWED_FAILURES = 1


def _threads_1() -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def _dask_task(units: list[Unit], settings: Settings) -> PartResult:
    _threads_1()
    return run_task(units, settings)


def _dask_job(job: Job, settings: Settings) -> list[tuple]:
    """One job of an isolated task: its events, for the driver's ``TaskBuilder``."""
    _threads_1()
    events: list[tuple] = []
    run_job(job, settings, events.append)
    return [e for e in events if e[0] in ("unit", "done")]


def _why(exc: BaseException) -> tuple[str, str]:
    name = type(exc).__name__
    if name == "KilledWorker":
        return "crashed", "the Dask workers running this article died (KilledWorker)"
    return name, f"{exc}"


def _isolate(client, units: list[Unit], settings: Settings, exc: BaseException) -> PartResult:
    """A task that took its workers down (or raised): read its units, then extract each article as a task of its
    own; an article whose task fails too becomes a failed document with an ``errors`` row. The other articles
    get the rows of an uninterrupted run."""
    builder = TaskBuilder(units)

    def gather(jobs: list[Job]) -> list[tuple[Job, list | None, BaseException | None]]:
        futures = [client.submit(_dask_job, job, settings, pure=False) for job in jobs]
        out = []
        for job, fut in zip(jobs, futures):
            try:
                out.append((job, fut.result(), None))
            except Exception as err:  # noqa: BLE001  (the article or unit becomes an error row)
                out.append((job, None, err))
            fut.release()
        return out

    every_unit = frozenset(range(len(units)))
    for job, events, err in gather([Job(units, only=-1, skip_units=every_unit - {u}) for u in every_unit]):
        (u,) = every_unit - job.skip_units
        if err is not None:
            error, why = _why(err)
            builder.fail_unit(u, "read", error, f"reading this input: {why}; it was skipped")
        for event in events or ():
            builder.feed(event)
    failed_units = frozenset(builder.unit_failures)
    n = builder.n_articles or 0
    fail = []
    for job, events, err in gather([Job(units, only=a, skip_units=failed_units) for a in range(n)]):
        if err is not None:
            error, why = _why(err)
            fail.append((job.only, "extract", error, f"{why}; the article was extracted alone and is left out"))
        for event in events or ():
            builder.feed(event)
    if fail:
        (_, events, err), = gather([Job(units, skip=frozenset(builder.articles), fail=tuple(fail),
                                        skip_units=failed_units)])
        if err is not None:
            raise err
        for event in events:
            builder.feed(event)
    return builder.result()


def dask_executor(workers: int, scheduler: str | None = None):
    def execute(tasks: list[list[Unit]], settings: Settings) -> Iterator[PartResult]:
        import dask
        from distributed import Client, LocalCluster, as_completed

        cluster = None
        if scheduler:
            client = Client(scheduler)
        else:
            with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
            client = Client(cluster)
        try:
            n_slots = max(1, sum(client.nthreads().values()))
            window = 2 * n_slots
            todo = iter(tasks)
            futures = [client.submit(_dask_task, t, settings, pure=False) for t in islice(todo, window)]
            units_of = {f.key: t for f, t in zip(futures, tasks)}
            pending = as_completed(futures)
            for fut in pending:
                units = units_of.pop(fut.key)
                try:
                    result = fut.result()
                except Exception as exc:  # noqa: BLE001  (a worker died twice on it, or it raised)
                    result = _isolate(client, units, settings, exc)
                fut.release()
                yield result
                nxt = next(todo, None)
                if nxt is not None:
                    nfut = client.submit(_dask_task, nxt, settings, pure=False)
                    units_of[nfut.key] = nxt
                    pending.add(nfut)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    return execute


def run_dask(inputs: Sequence[str | Path], out_dir: str | Path, *, scheduler: str | None = None,
             rules_dir=None, published=None, formats=("csv", "parquet"), workers: int | None = None,
             threads: int = 1, article_timeout: float | None = None,
             on_progress: Callable[[int, int], None] | None = None) -> RunSummary:
    """``run_local`` on a Dask cluster: a new local one, or the scheduler at ``scheduler``.

    ``article_timeout`` is not enforced on Dask yet (see docs/batch.md); a worker that dies costs only the
    articles that take it down."""
    workers = max(1, workers or os.cpu_count() or 1)
    return run_batch(inputs, out_dir, dask_executor(workers, scheduler), rules_dir=rules_dir,
                     published=published, formats=formats, workers=workers, threads=threads, engine="dask",
                     on_progress=on_progress)
