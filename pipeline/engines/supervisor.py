"""The local engine's supervisor: worker processes it watches one by one, so no article can stall or sink a batch.

Each worker is a process of its own with a pipe to the driver. It loads Kiwi, the rules and the model once, then
runs the jobs it is sent, reporting as it goes (``parts.run_job``): which unit it reads, which articles it extracts
and in which stage, and the rows of every finished batch of articles. The driver therefore always knows what a
worker has in flight and keeps what it finished, which gives:

- **a time limit per article** (``article_timeout``): a worker still on the same batch (or the same input's
  reading) past the limit is killed. A batch of several articles is redone one article at a time in a fresh
  worker, each with the full limit; an article over the limit on its own becomes a failed document with an
  ``errors`` row (its stage, ``timeout``).
- **crashed workers cost only their own articles**: a worker that dies (SIGKILL, out of memory, a segfault in a
  native library) is replaced, the other workers go on, and its unfinished articles are redone one at a time; an
  article that takes a worker down on its own too becomes an ``errors`` row (its stage, ``crashed``). Articles the
  dead worker had finished are kept, never redone, never written twice.

A ``concurrent.futures`` pool cannot do either: it cannot stop one task, and one dead worker breaks the whole pool
(``BrokenProcessPool``), which would cost every worker its three-second start. See docs/batch.md.
"""
from __future__ import annotations

import os
import signal
import threading
import time
import traceback
from collections import Counter, deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait as wait_ready
from typing import Iterator

from pipeline.engines.parts import Job, PartResult, Settings, TaskBuilder, Unit, init_worker, run_job

DEFAULT_ARTICLE_TIMEOUT = 120.0  # seconds; an ordinary news article takes a few milliseconds
# Reading an input (or a range of a large one) may take this many times the article limit: it is many articles'
# worth of parsing (a JSONL range of 1,000 lines, a compressed table read from its start), not one article.
READ_TIMEOUT_FACTOR = 10
BOOT_FAILURES = 3  # workers in a row that die before they are ready: the run stops (something is broken)
RESTARTS_PER_TASK = 50  # a task that keeps failing without progress stops the run instead of looping


class WorkerError(RuntimeError):
    """A worker could not start, or the supervisor cannot make progress: the run stops with this message."""


def worker_main(conn, settings: Settings, driver_pid: int) -> None:
    """A worker process: build the extractor, then run jobs from the pipe until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the driver decides
    try:
        init_worker(settings, driver_pid)
    except BaseException as exc:  # noqa: BLE001  (reported to the driver, which stops the run)
        conn.send(("boot-error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"))
        os._exit(1)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        if job is None:
            os._exit(0)
        try:
            run_job(job, settings, conn.send)
        except Exception as exc:  # a bug of ours, not bad input: treated as a crash of these articles
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            conn.send(("raised", type(exc).__name__, f"{exc} (at {os.path.basename(tb.filename)}:{tb.lineno})"))
            os._exit(1)
        conn.send(("end",))


@dataclass(eq=False)
class _Task:
    """A task as the driver follows it across workers: what it has, what is suspect, what is decided."""

    units: list[Unit]
    builder: TaskBuilder
    suspects: set = field(default_factory=set)  # articles to redo one at a time
    attempts: Counter = field(default_factory=Counter)  # worker deaths each article was in flight for
    read_attempts: Counter = field(default_factory=Counter)
    fail: dict = field(default_factory=dict)  # article → (stage, error, message)
    restarts: int = 0

    def next_job(self) -> Job:
        b = self.builder
        fail = tuple((a, *v) for a, v in sorted(self.fail.items()) if a not in b.articles)
        return Job(self.units, skip=frozenset(b.articles), only=frozenset({min(self.suspects)}) if self.suspects else None,
                   fail=fail, skip_units=frozenset(b.unit_failures))


@dataclass
class _Worker:
    proc: object
    conn: object
    ready: bool = False
    task: _Task | None = None
    job: Job | None = None
    reading: int | None = None  # unit being read
    inflight: list = field(default_factory=list)  # articles being extracted
    stage: str = ""
    deadline: float | None = None
    raised: tuple | None = None  # (error, message) of an exception the worker reported before exiting
    killed_for_time: bool = False


def _how_it_died(exitcode: int | None) -> str:
    if exitcode is None:
        return "the worker process stopped answering"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = {"SIGKILL": ", perhaps by the system for lack of memory", "SIGSEGV": ", a crash in native code",
                "SIGBUS": ", a crash in native code", "SIGABRT": ", an abort in native code"}.get(name, "")
        return f"the worker process was killed by {name}{hint}"
    return f"the worker process exited with status {exitcode}"


class Supervisor:
    """Runs tasks on ``workers`` supervised processes; a dead or overdue worker is replaced, not the pool.

    ``start`` spawns the workers at once (from a thread: they boot while the driver validates the rules and plans);
    calling it runs the tasks and yields their parts in completion order; ``close`` stops every worker."""

    def __init__(self, workers: int, article_timeout: float | None = DEFAULT_ARTICLE_TIMEOUT):
        self.n = max(1, workers)
        self.timeout = article_timeout if article_timeout and article_timeout > 0 else None
        self.settings: Settings | None = None
        self.workers: list[_Worker] = []
        self.replaced = 0  # workers started again after a death or a timeout (OUT/.krnews/timings.json)
        self._ctx = None
        self._lock = threading.Lock()
        self._starting: threading.Thread | None = None
        self._start_error: BaseException | None = None
        self._boot_failures = 0

    # ------------------------------------------------------------------ processes
    def _spawn(self) -> _Worker:
        from pipeline.engines.local import pool_context

        if self._ctx is None:
            self._ctx = pool_context()
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=worker_main, args=(child, self.settings, os.getpid()),
                                 name="krnews-worker", daemon=True)
        proc.start()
        child.close()
        return _Worker(proc, parent)

    def start(self, settings: Settings) -> None:
        if self.settings is not None:
            return
        self.settings = settings

        def spawn_all() -> None:
            try:
                for _ in range(self.n):
                    w = self._spawn()
                    with self._lock:
                        self.workers.append(w)
            except BaseException as exc:  # noqa: BLE001  (raised again in the driver's thread by _wait)
                self._start_error = exc

        self._starting = threading.Thread(target=spawn_all, name="krnews-pool-start", daemon=True)
        self._starting.start()

    def _wait_started(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._start_error is not None:
            error, self._start_error = self._start_error, None
            raise error

    def _stop(self, w: _Worker, kill: bool = False) -> None:
        try:
            if kill:
                w.proc.kill()
            else:
                w.conn.send(None)
        except (OSError, ValueError, BrokenPipeError):
            pass

    def close(self) -> None:
        """Stop every worker: a polite word to the idle ones, SIGKILL to the busy and the booting ones."""
        try:
            self._wait_started()
        except BaseException:  # noqa: BLE001
            pass
        workers, self.workers = self.workers, []
        for w in workers:
            self._stop(w, kill=w.task is not None or not w.ready)
        deadline = time.monotonic() + 2.0
        for w in workers:
            w.proc.join(max(0.0, deadline - time.monotonic()))
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(1.0)
            w.conn.close()

    # ------------------------------------------------------------------ running tasks
    def __call__(self, tasks: list[list[Unit]], settings: Settings) -> Iterator[PartResult]:
        self.start(settings)
        self._wait_started()
        todo = deque(tasks)
        self._retry: deque[_Task] = deque()  # tasks waiting for a worker after a failure: they go first
        self._finished: list[_Task] = []
        active = 0  # tasks started and not yet yielded
        while todo or active:
            for w in self.workers:
                if w.ready and w.task is None and (self._retry or todo):
                    if self._retry:
                        task = self._retry.popleft()
                    else:
                        task = _Task(todo[0], TaskBuilder(todo.popleft()))
                        active += 1
                    self._assign(w, task)
            conns = {w.conn: w for w in self.workers}
            sentinels = {w.proc.sentinel: w for w in self.workers}
            deadlines = [w.deadline for w in self.workers if w.deadline is not None]
            wait_for = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            dead: list[_Worker] = []
            for r in wait_ready(list(conns) + list(sentinels), timeout=wait_for):
                w = conns.get(r) or sentinels[r]
                if (r is w.proc.sentinel or not self._receive(w)) and w not in dead:
                    dead.append(w)
            now = time.monotonic()
            for w in self.workers:
                if w.deadline is not None and now >= w.deadline and w not in dead:
                    w.killed_for_time = True
                    w.proc.kill()
                    dead.append(w)
            for w in dead:
                self._bury(w)
            finished, self._finished = self._finished, []
            for task in finished:
                active -= 1
                yield task.builder.result()

    def _assign(self, w: _Worker, task: _Task) -> None:
        job = task.next_job()
        w.task, w.job = task, job
        w.reading, w.inflight, w.stage, w.deadline = None, [], "", None
        w.conn.send(job)

    def _receive(self, w: _Worker) -> bool:
        """Read every message waiting on ``w``'s pipe; False when the pipe is closed (the worker is gone)."""
        try:
            while w.conn.poll():
                self._handle(w, w.conn.recv())
        except (EOFError, OSError):
            return False
        return True

    def _next(self, task: _Task) -> None:
        """A job of ``task`` ended or its worker died: the part is complete, or the task waits for a worker."""
        if task.builder.complete():
            self._finished.append(task)
            return
        task.restarts += 1
        if task.restarts > RESTARTS_PER_TASK:
            raise WorkerError(f"[E505] {task.units[0].input}: no progress after {RESTARTS_PER_TASK} attempts; "
                              "stopping (nothing is lost: run again to finish, and please report this)")
        self._retry.appendleft(task)

    def _handle(self, w: _Worker, msg: tuple) -> None:
        kind = msg[0]
        now = time.monotonic()
        if kind == "ready":
            w.ready = True
            self._boot_failures = 0
            return
        if kind == "boot-error":
            raise WorkerError(f"[E504] a worker could not start: {msg[1]}")
        if kind == "raised":
            w.raised = (msg[1], msg[2])
            return
        task = w.task
        if kind == "read":
            w.reading, w.inflight, w.stage = msg[1], [], "read"
            w.deadline = now + READ_TIMEOUT_FACTOR * self.timeout if self.timeout else None
        elif kind == "unit":
            w.reading, w.deadline = None, None
            if not task.builder.feed(msg):  # the input changed since the first read: the task starts over
                task.builder = TaskBuilder(task.units)
                task.suspects.clear()
                task.fail.clear()
                task.builder.feed(msg)
        elif kind == "batch":
            w.inflight, w.stage = list(msg[1]), "extract"
            w.deadline = now + self.timeout if self.timeout else None
        elif kind == "stage":
            w.stage = msg[1]
        elif kind == "done":
            task.builder.feed(msg)
            for a, *_ in msg[1]:
                task.suspects.discard(a)
            w.inflight, w.deadline = [], None
        elif kind == "end":
            w.task, w.job, w.reading, w.inflight, w.deadline = None, None, None, [], None
            self._next(task)

    def _bury(self, w: _Worker) -> None:
        """A worker died or was killed: keep what it sent, decide what its in-flight work becomes, start a
        replacement."""
        self._receive(w)  # what it sent before dying counts
        w.proc.join(1.0)
        if w.proc.is_alive():
            w.proc.kill()
            w.proc.join(1.0)
        w.conn.close()
        self.workers.remove(w)
        if not w.ready:
            self._boot_failures += 1
            if self._boot_failures >= BOOT_FAILURES:
                raise WorkerError(f"[E504] {BOOT_FAILURES} workers in a row died while starting "
                                  f"({_how_it_died(w.proc.exitcode)}); is there memory for one Kiwi and model "
                                  "per worker? Try fewer --workers")
        self.workers.append(self._spawn())
        self.replaced += 1
        if w.task is not None:
            self._decide(w, w.task)
            self._next(w.task)

    def _decide(self, w: _Worker, task: _Task) -> None:
        timed_out = w.killed_for_time
        if w.raised is not None:
            error, why = w.raised
        elif timed_out and w.reading is not None:
            error, why = "timeout", (f"ran past {READ_TIMEOUT_FACTOR * self.timeout:g} s, ten times the limit per "
                                     "article (--article-timeout)")
        elif timed_out:
            error, why = "timeout", f"ran past the time limit of {self.timeout:g} s per article (--article-timeout)"
        else:
            error, why = "crashed", _how_it_died(w.proc.exitcode)
        b = task.builder
        if w.reading is not None:
            u = w.reading
            task.read_attempts[u] += 1
            if u not in b.read and (timed_out or task.read_attempts[u] >= 2):
                b.fail_unit(u, "read", error, f"reading this input: {why}; it was skipped")
            return
        stage = w.stage or "extract"
        for a in [a for a in w.inflight if a not in b.articles]:
            task.attempts[a] += 1
            alone = len(w.inflight) == 1
            if (alone if timed_out else task.attempts[a] >= 2):
                task.suspects.discard(a)
                again = "" if timed_out else "; it happened again with the article extracted alone"
                task.fail[a] = (stage, error, f"{why}, in stage {stage}{again}")
            else:  # it may be another article of the batch: each is redone alone
                task.suspects.add(a)
