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
import queue
import threading
import time
from itertools import islice
from pathlib import Path
from typing import Callable, Iterator, Sequence

from pipeline.engines.batch import RunSummary, run_batch
from pipeline.engines.parts import Job, PartResult, Settings, TaskBuilder, Unit, run_job, run_task
from pipeline.engines.supervisor import READ_TIMEOUT_FACTOR

# A task whose worker dies is given to another worker once (a worker killed from outside costs nothing); when that
# one dies too, the task is isolated (``_isolate``). Applies to the LocalCluster we start; a running scheduler
# keeps its own ``distributed.scheduler.allowed-failures``.
ALLOWED_FAILURES = 1


def _threads_1() -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def _run_watched(job: Job, settings: Settings, timeout: float | None) -> tuple:
    """Run a job on a thread of this Dask worker and watch its deadline as the local supervisor does: a batch (or an
    input's reading) still running after ``timeout`` seconds is abandoned. Returns ``("ok", events)`` or
    ``("timeout", events, reading, inflight, stage, worker address)``; the events are the ``unit`` and ``done``
    ones, for the driver's ``TaskBuilder``. The abandoned thread holds the worker: the driver restarts it."""
    _threads_1()
    if not timeout:
        events: list[tuple] = []
        run_job(job, settings, events.append)
        return ("ok", [e for e in events if e[0] in ("unit", "done")])
    q: queue.SimpleQueue = queue.SimpleQueue()

    def target() -> None:
        try:
            run_job(job, settings, q.put)
            q.put(("end",))
        except BaseException as exc:  # noqa: BLE001  (raised again in the task's thread)
            q.put(("raised", exc))

    threading.Thread(target=target, name="krnews-job", daemon=True).start()
    kept: list[tuple] = []
    reading, inflight, stage, deadline = None, [], "", None
    while True:
        try:
            event = q.get(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            from distributed import get_worker

            return ("timeout", kept, reading, inflight, stage, get_worker().address)
        kind = event[0]
        if kind == "end":
            return ("ok", kept)
        if kind == "raised":
            raise event[1]
        if kind == "read":
            reading, stage, deadline = event[1], "read", time.monotonic() + READ_TIMEOUT_FACTOR * timeout
        elif kind == "batch":
            inflight, stage, deadline = list(event[1]), "extract", time.monotonic() + timeout
        elif kind == "stage":
            stage = event[1]
        else:  # unit, done
            kept.append(event)
            reading, deadline = None, None
            if kind == "done":
                inflight = []


def _dask_task(units: list[Unit], settings: Settings, timeout: float | None = None):
    """A whole task: its part, or (when an article ran out of time) the watched outcome for ``_isolate``."""
    if not timeout:
        _threads_1()
        return run_task(units, settings)
    outcome = _run_watched(Job(list(units)), settings, timeout)
    if outcome[0] != "ok":
        return outcome
    builder = TaskBuilder(units)
    for event in outcome[1]:
        builder.feed(event)
    return builder.result()


def _why(exc: BaseException) -> tuple[str, str]:
    if type(exc).__name__ == "KilledWorker":
        return "crashed", "the Dask workers running it died (KilledWorker)"
    return type(exc).__name__, f"{exc}"


def _isolate(client, units: list[Unit], settings: Settings, timeout: float | None, first) -> PartResult:
    """Finish a task that took its workers down, raised, or ran out of time (``first``: the exception, or the
    watched outcome): what it finished is kept, the rest is run again in quarters, and quarters of quarters, each a
    Dask task of its own, until the articles that fail are alone; each of those becomes a failed document with an
    ``errors`` row. Inputs whose reading fails are read alone, then skipped with an error row."""
    builder = TaskBuilder(units)
    fail: dict[int, tuple[str, str, str]] = {}
    limit = f"ran past the time limit of {timeout:g} s per article (--article-timeout)" if timeout else ""

    def run_all(jobs: list[Job]) -> list[tuple[Job, tuple | None, BaseException | None]]:
        futures = [client.submit(_run_watched, job, settings, timeout, pure=False) for job in jobs]
        out = []
        for job, fut in zip(jobs, futures):
            try:
                out.append((job, fut.result(), None))
            except Exception as err:  # noqa: BLE001  (its articles are split, or become error rows)
                out.append((job, None, err))
            fut.release()
        restart = sorted({o[5] for _, o, _ in out if o is not None and o[0] == "timeout"})
        if restart:  # a thread still runs the overdue article there: a fresh process instead
            client.restart_workers(restart)
        return out

    def absorb(outcome: tuple) -> None:
        for event in outcome[1]:
            builder.feed(event)

    # 1. every input read (inputs whose reading fails alone are skipped with an error row)
    unread = [u for u in range(len(units))]
    if isinstance(first, tuple):
        absorb(first)
        unread = [u for u in unread if u not in builder.read]
    every = frozenset(range(len(units)))
    jobs = [Job(units, only=frozenset(), skip_units=every - {u}) for u in unread] if unread else []
    for job, outcome, err in run_all(jobs):
        (u,) = every - job.skip_units
        if outcome is not None and outcome[0] == "ok":
            absorb(outcome)
        else:
            error, why = ("timeout", f"ran past {READ_TIMEOUT_FACTOR * timeout:g} s") if outcome is not None \
                else _why(err)
            builder.fail_unit(u, "read", error, f"reading this input: {why}; it was skipped")
    skip_units = frozenset(builder.unit_failures)
    # 2. the articles not finished, in halves until the failing ones are alone
    if isinstance(first, tuple) and first[3] and len(first[3]) == 1:  # overdue alone already
        a = first[3][0]
        fail[a] = (first[4] or "extract", "timeout", f"{limit}, in stage {first[4] or 'extract'}")
    groups = [[a for a in range(builder.n_articles or 0) if a not in builder.articles and a not in fail]]
    rounds = 0
    while groups := [g for g in groups if g]:
        rounds += 1
        if rounds > 64:
            raise RuntimeError(f"[E505] {units[0].input}: no progress isolating its failing articles on Dask; "
                               "stopping (nothing is lost: run again to finish, and please report this)")
        jobs = [Job(units, only=frozenset(g), skip_units=skip_units) for g in groups]
        groups = []
        for job, outcome, err in run_all(jobs):
            if outcome is not None:
                absorb(outcome)
            undone = sorted(a for a in job.only if a not in builder.articles)
            if not undone:
                continue
            if outcome is not None and outcome[0] == "timeout" and len(outcome[3]) == 1:
                stage = outcome[4] or "extract"
                fail[outcome[3][0]] = (stage, "timeout", f"{limit}, in stage {stage}")
                groups.append([a for a in undone if a != outcome[3][0]])
            elif len(undone) == 1 and outcome is None:
                error, why = _why(err)
                fail[undone[0]] = ("extract", error, f"{why}; with the article alone too")
            elif len(undone) > 1:  # quarters: fewer rounds, each of which costs the failing piece two workers
                k = min(4, len(undone))
                groups += [undone[i * len(undone) // k:(i + 1) * len(undone) // k] for i in range(k)]
            else:
                groups.append(undone)
    # 3. the failed articles' documents and error rows
    if fail:
        (_, outcome, err), = run_all([Job(units, skip=frozenset(builder.articles), skip_units=skip_units,
                                          fail=tuple((a, *v) for a, v in sorted(fail.items())))])
        if err is not None:
            raise err
        absorb(outcome)
    return builder.result()


def dask_executor(workers: int, scheduler: str | None = None, article_timeout: float | None = None):
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
            timeout = article_timeout if article_timeout and article_timeout > 0 else None
            futures = [client.submit(_dask_task, t, settings, timeout, pure=False) for t in islice(todo, window)]
            units_of = {f.key: t for f, t in zip(futures, tasks)}
            pending = as_completed(futures)
            for fut in pending:
                units = units_of.pop(fut.key)
                try:
                    result = fut.result()
                except Exception as exc:  # noqa: BLE001  (a worker died twice on it, or it raised)
                    result = _isolate(client, units, settings, timeout, exc)
                if isinstance(result, tuple):  # an article ran out of time
                    client.restart_workers([result[5]])
                    result = _isolate(client, units, settings, timeout, result)
                fut.release()
                yield result
                nxt = next(todo, None)
                if nxt is not None:
                    nfut = client.submit(_dask_task, nxt, settings, timeout, pure=False)
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
             on_progress: Callable[[int, int], None] | None = None,
             columns: dict[str, str] | None = None, include_excluded: bool = False) -> RunSummary:
    """``run_local`` on a Dask cluster: a new local one, or the scheduler at ``scheduler``; an article over
    ``article_timeout`` seconds or one that takes its workers down costs only itself (see docs/batch.md)."""
    workers = max(1, workers or os.cpu_count() or 1)
    return run_batch(inputs, out_dir, dask_executor(workers, scheduler, article_timeout), rules_dir=rules_dir,
                     published=published, formats=formats, workers=workers, threads=threads, engine="dask",
                     on_progress=on_progress, columns=columns, include_excluded=include_excluded)
