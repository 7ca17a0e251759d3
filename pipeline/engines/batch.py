"""One batch mechanism for every engine: plan → execute tasks → record parts → assemble tables.

The plan hashes every input file and compares it with the manifest: unchanged inputs are skipped, changed and new
ones become units of work, removed ones drop out of the tables. An *executor* (in-process, process pool, Dask)
only turns tasks into ``PartResult``s; writing parts, the manifest and the tables happens here, in the driver, so
every engine gives the same tables byte for byte.
"""
from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import shutil
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from pipeline.engines.manifest import Manifest, STATE_DIR, fingerprint
from pipeline.engines.parts import JSONL_CHUNK_LINES, PartResult, Settings, Unit, part_bytes

# An executor runs tasks (lists of units) and yields their results in any order.
Executor = Callable[[list[list[Unit]], Settings], Iterator[PartResult]]

MAX_GROUP = 32  # small inputs per task, at most
TASKS_PER_WORKER = 4  # at least this many tasks per worker when there are enough inputs (load balance)


@dataclass
class RunSummary:
    """Counts of the tables just written (all current inputs) and of the work this run did."""

    ok: int = 0
    failed: int = 0
    errors: int = 0
    labels: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    processed_docs: int = 0  # documents extracted by this run (the rest came from unchanged inputs)
    inputs: int = 0
    processed: int = 0
    skipped: int = 0
    removed: int = 0
    excluded: int = 0  # table rows marked 분석제외, kept in documents with status "excluded", not extracted

    def line(self) -> str:
        per = ", ".join(f"{k} {v}" for k, v in sorted(self.labels.items())) or "none"
        rate = self.processed_docs / self.seconds if self.seconds > 0 else 0.0
        excluded = (f", {self.excluded} excluded (분석제외; --include-excluded extracts them)"
                    if self.excluded else "")
        return (f"documents: {self.ok} ok, {self.failed} failed ({self.errors} error rows){excluded} | "
                f"mentions: {per} | "
                f"{self.seconds:.1f} s, {rate:.1f} documents/s | inputs: {self.processed} processed, "
                f"{self.skipped} skipped as unchanged, {self.removed} removed")


class RunLocked(RuntimeError):
    pass


@contextmanager
def _lock(state_dir: Path):
    """One run per output folder at a time (an advisory lock, released by the OS if the run is killed)."""
    import fcntl

    state_dir.mkdir(parents=True, exist_ok=True)
    fh = open(state_dir / "lock", "w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise RunLocked(f"[E502] another krnews run is writing {state_dir.parent}; wait for it to finish "
                            "or choose another --out") from None
        yield
    finally:
        fh.close()


def _units_of(path: Path, display: str) -> list[Unit]:
    """The units of one input: the file, or line ranges of a JSONL file with many records, row ranges of a large
    table, member ranges of a large zip archive (``readers.input_ranges``)."""
    from pipeline.io.readers import input_ranges

    h = hashlib.sha256()
    size = 0
    lines = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
            size += len(block)
            lines += block.count(b"\n")
    sha = h.hexdigest()
    real = os.path.abspath(path)
    ranges = input_ranges(path, display)
    if ranges:
        n = len(ranges)
        return [Unit(display, real, sha, size // n, k, n, lo, hi, offset) for k, (lo, hi, offset) in enumerate(ranges)]
    if path.suffix.lower() != ".jsonl" or lines <= 2 * JSONL_CHUNK_LINES:
        return [Unit(display, real, sha, size)]
    n = math.ceil((lines + 1) / JSONL_CHUNK_LINES)
    return [Unit(display, real, sha, size // n, k, n, k * JSONL_CHUNK_LINES + 1,
                 (k + 1) * JSONL_CHUNK_LINES if k < n - 1 else 10 ** 12) for k in range(n)]


def plan(inputs: Sequence[str | Path], manifest: Manifest):
    """(input → hash in output order, discovery errors, units to do, number of inputs skipped as unchanged)."""
    from pipeline.io.readers import discover

    errors: list = []
    current: dict[str, str] = {}
    todo: list[Unit] = []
    done = manifest.done_units()
    skipped = 0
    for path, display in discover(inputs, errors):
        try:
            units = _units_of(Path(path), display)
        except OSError:  # unreadable: the worker's reader turns it into an error row
            units = [Unit(display, os.path.abspath(path), "", 0)]
        current[display] = units[0].sha256
        missing = [u for u in units if (u.input, u.chunk, u.sha256) not in done or not u.sha256]
        skipped += not missing
        todo += missing
    return current, errors, todo, skipped


def group(units: list[Unit], workers: int) -> list[list[Unit]]:
    """Tasks: JSONL chunks alone, small files grouped (enough tasks to keep every worker busy), largest first."""
    singles = [[u] for u in units if u.chunks > 1]
    small = [u for u in units if u.chunks == 1]
    size = max(1, min(MAX_GROUP, math.ceil(len(small) / max(1, workers * TASKS_PER_WORKER))))
    tasks = singles + [small[i:i + size] for i in range(0, len(small), size)]
    return sorted(tasks, key=lambda t: -sum(u.size for u in t))


def _part_name(result: PartResult) -> str:
    key = json.dumps([(u.input, u.chunk, u.chunks, result.sha256.get(u.input, u.sha256)) for u in result.units])
    return hashlib.sha256(key.encode()).hexdigest()[:24] + ".parquet"


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class OutputError(RuntimeError):
    """The output folder cannot be written (full disk, no permission, read-only): the run stops, nothing is
    half-written under a final name, and a rerun after the fix finishes the work."""


_WRITE_FAULTS = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "the disk quota is exceeded",
                 errno.EACCES: "permission denied", errno.EPERM: "operation not permitted",
                 errno.EROFS: "the file system is read-only", errno.EFBIG: "the file is too large"}


def _output_error(exc: BaseException, out: Path) -> OutputError | None:
    """The coded error for a write fault, or None when ``exc`` is something else."""
    if isinstance(exc, OSError) and exc.errno in _WRITE_FAULTS:
        where, reason, code = exc.filename or out, _WRITE_FAULTS[exc.errno], errno.errorcode[exc.errno]
    else:  # SQLite and DuckDB say it in words
        text = str(exc)
        found = [(r, c) for key, r, c in (("disk is full", "no space left on the device", "ENOSPC"),
                                          ("No space left", "no space left on the device", "ENOSPC"),
                                          ("readonly database", "the file system is read-only", "EROFS"),
                                          ("Permission denied", "permission denied", "EACCES"))
                 if key in text]
        if not found or type(exc).__module__.split(".")[0] not in ("sqlite3", "duckdb", "_duckdb"):
            return None
        (reason, code), where = found[0], out
    return OutputError(f"[E506] cannot write {where}: {reason} ({code}). The tables in {out} are those of the "
                       "last complete run (none is half-written) and the articles extracted so far are kept in "
                       f"{out / STATE_DIR}; fix it (free some space, or give the folder write permission) and run "
                       "the same command again: it finishes without redoing them.")


def _probe(folder: Path) -> None:
    """Create and remove a file in ``folder`` (created if need be): a folder we cannot write fails here, before
    any article is extracted, not after the work."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".krnews-probe-", dir=folder)
    os.close(fd)
    os.unlink(name)


def _publish(staging: Path, out: Path) -> None:
    """Move the freshly written tables from ``staging`` to ``out``: renames in one file system, after every table
    was written, so a fault while writing leaves all the previous tables in place."""
    for f in sorted(staging.iterdir()):
        if not f.name.startswith("."):
            os.replace(f, out / f.name)


def validate_rules(rules_dir) -> None:
    """Load the rule files once in the driver, so a bad file is reported before any worker starts."""
    from pipeline.paths import BUILTIN_RULES_DIR
    from pipeline.ruleset import load_ruleset

    load_ruleset([BUILTIN_RULES_DIR] + ([Path(rules_dir)] if rules_dir else []))
    from pipeline.io.tables import column_rules

    column_rules()  # rules/inputs/columns.yaml: the column names of table inputs


def run_batch(inputs: Sequence[str | Path], out_dir: str | Path, executor: Executor, *, rules_dir=None,
              published=None, formats: Iterable[str] = ("csv", "parquet"), workers: int = 1, threads: int = 1,
              engine: str = "local", on_progress: Callable[[int, int], None] | None = None,
              columns: dict[str, str] | None = None, include_excluded: bool = False) -> RunSummary:
    """Bring the tables in ``out_dir`` up to date with ``inputs``, redoing only what changed.

    An ``executor`` may have ``start(settings)`` (called first, so its workers boot while the driver validates the
    rules and plans) and ``close()`` (called last, whatever happened).
    """
    t0 = time.perf_counter()
    pub = published.isoformat() if hasattr(published, "isoformat") else (published or None)
    settings = Settings(rules_dir=str(Path(rules_dir).resolve()) if rules_dir else None, published=pub,
                        threads=threads, extractor=os.environ.get("KRNEWS_TEST_EXTRACTOR") or None,
                        columns=tuple(sorted((columns or {}).items())), include_excluded=include_excluded)
    start = getattr(executor, "start", None)
    if start is not None:  # workers boot while the driver validates and plans
        start(settings)
    try:
        return _run_batch(inputs, out_dir, executor, settings, rules_dir, formats, workers, engine, on_progress, t0)
    finally:
        close = getattr(executor, "close", None)
        if close is not None:
            close()


def _run_batch(inputs, out_dir, executor: Executor, settings: Settings, rules_dir, formats, workers: int,
               engine: str, on_progress, t0: float) -> RunSummary:
    from pipeline.paths import BUILTIN_RULES_DIR, NER_MODEL_DIR

    validate_rules(rules_dir)  # a bad rule file is refused before anything is written
    out = Path(out_dir)
    state = out / STATE_DIR
    pub = settings.published
    fp = fingerprint([BUILTIN_RULES_DIR] + ([Path(rules_dir)] if rules_dir else []), NER_MODEL_DIR,
                     {"published": pub, "ner": settings.ner, "extractor": settings.extractor,
                      "columns": list(settings.columns), "include_excluded": settings.include_excluded})
    try:
        return _run_locked(inputs, out, state, executor, settings, fp, formats, workers, engine, on_progress, t0)
    except Exception as exc:
        coded = _output_error(exc, out)
        if coded is None:
            raise
        raise coded from exc


def _run_locked(inputs, out: Path, state: Path, executor: Executor, settings: Settings, fp: str, formats,
                workers: int, engine: str, on_progress, t0: float) -> RunSummary:
    from pipeline.engines.assemble import assemble
    from pipeline.stages.tables import error_row

    _probe(out)
    summary = RunSummary()
    stage_seconds: Counter = Counter()
    with _lock(state):
        manifest = Manifest(state)
        try:
            for stale in manifest.parts_dir.glob(".*.tmp"):  # left by a killed run
                stale.unlink()
            manifest.check_fingerprint(fp)
            current, discover_errors, todo, summary.skipped = plan(inputs, manifest)
            summary.inputs = len(current)
            summary.processed = len({u.input for u in todo})
            rows = [{"_table": "errors", "_input": "", "_chunk": 0, **error_row(e)} for e in discover_errors]
            _write_atomic(manifest.parts_dir / "_discover.parquet", part_bytes(rows))
            t_plan = time.perf_counter()
            if not todo:  # nothing to extract: stop workers still booting now, not after the assembly
                close = getattr(executor, "close", None)
                if close is not None:
                    close()
            if todo:
                tasks = group(todo, workers)
                n_units, done = len(todo), 0
                for result in executor(tasks, settings):
                    name = _part_name(result)
                    _write_atomic(manifest.parts_dir / name, result.data)  # the part first …
                    manifest.record(name, result.units, result.sha256, result.per_unit)  # … then the record
                    summary.processed_docs += result.ok + result.failed
                    stage_seconds.update(result.timings)
                    done += len(result.units)
                    if on_progress:
                        on_progress(done, n_units)
                if done != n_units:
                    raise RuntimeError(f"[E503] the {engine} engine returned {done} of {n_units} units; nothing "
                                       "is lost, run again to finish (and please report this)")
                close = getattr(executor, "close", None)  # the workers' memory is free before the assembly's
                if close is not None:
                    close()
                # a file whose bytes changed while it was read is recorded under its new hash: plan again
                current = {d: manifest_hash for d, manifest_hash in _rehash(current, manifest).items()}
            t_extract = time.perf_counter()
            parts = [("_discover.parquet", "", 0, -1)] + manifest.current(current)
            staging = state / "staging"  # the tables are written here, then all moved to ``out`` together
            shutil.rmtree(staging, ignore_errors=True)
            try:
                assemble(manifest.parts_dir, parts, staging, formats, tmp_dir=state / "tmp", threads=max(1, workers))
                _publish(staging, out)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            summary.removed = manifest.forget_except(current)
            summary.ok, summary.failed, summary.errors, summary.labels = manifest.totals(current)
            summary.excluded = manifest.excluded(current)
            summary.failed += len(discover_errors)
            summary.errors += len(discover_errors)
            summary.seconds = time.perf_counter() - t0
            _write_timings(state, engine, workers, summary, stage_seconds, getattr(executor, "replaced", 0),
                           {"plan": t_plan - t0, "extract": t_extract - t_plan,
                            "assemble": time.perf_counter() - t_extract, "total": summary.seconds})
        finally:
            manifest.close()
    return summary


def _rehash(current: dict[str, str], manifest: Manifest) -> dict[str, str]:
    """Inputs whose recorded hash differs from the planned one were changed during the run; keep the recorded."""
    recorded = manifest.done_inputs()
    return {d: recorded.get(d, sha) for d, sha in current.items()}


def _write_timings(state: Path, engine: str, workers: int, summary: RunSummary, stages: Counter, replaced: int,
                   phases: dict[str, float]) -> None:
    """``OUT/.krnews/timings.json``: where the time of the last run went (summed over workers for stages)."""
    total = sum(v for k, v in stages.items())
    doc = {
        "engine": engine, "workers": workers, "inputs": summary.inputs, "processed_inputs": summary.processed,
        "skipped_inputs": summary.skipped, "documents_processed": summary.processed_docs,
        "workers_replaced": replaced,
        "phases_s": {k: round(v, 4) for k, v in phases.items()},
        "stages_s": {k: round(v, 4) for k, v in sorted(stages.items())},
        "stages_share": {k: round(v / total, 4) for k, v in sorted(stages.items())} if total else {},
    }
    _write_atomic(state / "timings.json", (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode())
