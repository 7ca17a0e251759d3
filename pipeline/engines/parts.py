"""Work units and part files: what a worker does with one task, whatever runs it (in-process, pool, Dask).

A *unit* is one input file, or one range of a large input: JSONL lines, table rows (CSV, TSV, Excel, Parquet) or
zip members. A *task* is a few units sent to one worker
(small files are grouped so the per-task cost stays small next to the extraction). The worker reads its units,
extracts, and returns one *part*: the rows of every table for those units, as Parquet bytes in one union-schema
table (a ``_table`` column says which table a row belongs to). The driver writes the part and records it in the
manifest; the final tables are assembled from parts (``pipeline.engines.assemble``).

Workers build their ``Extractor`` once per process (``extractor_for``) and keep it for every later task.
"""
from __future__ import annotations

import hashlib
import io
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

# Bumped when the part layout changes, so old parts are never mixed with new ones (part of the fingerprint).
PART_FORMAT = 2  # 2: documents gained source, author, url and listed_entities
# A JSONL file with more records than this is split into line ranges of this many lines, one unit each.
JSONL_CHUNK_LINES = 1000

# Columns every part carries besides the table columns.
META_COLUMNS: dict[str, str] = {"_table": "string", "_input": "string", "_chunk": "Int64", "_doc": "Int64",
                                "_row": "Int64"}


def union_columns() -> dict[str, str]:
    """Column → dtype of the part table: the meta columns, then every table's columns (one dtype per name)."""
    from pipeline.io.schema import TABLES

    cols = dict(META_COLUMNS)
    for name, table in TABLES.items():
        for col, dtype in table.items():
            if cols.setdefault(col, dtype) != dtype:
                raise TypeError(f"[E501] column {col!r} of table {name!r} is {dtype}, elsewhere {cols[col]}; "
                                "part files need one dtype per column name (pipeline/io/schema.py)")
    return cols


@dataclass(frozen=True)
class Settings:
    """What a worker needs to build its Extractor and read inputs. Picklable, sent with every task."""

    rules_dir: str | None = None
    published: str | None = None  # ISO date for articles without one (the CLI's --published)
    threads: int = 1  # Kiwi threads per worker: one, the worker processes give the parallelism
    ner: bool = True
    # For tests only: "file.py:Name" (or "module:Name"), a class built instead of the Extractor; the driver takes
    # it from the environment variable KRNEWS_TEST_EXTRACTOR and it is part of the fingerprint.
    extractor: str | None = None
    columns: tuple[tuple[str, str], ...] = ()  # table columns named on the command line: (field, column name)
    include_excluded: bool = False  # extract table rows marked 분석제외 too (--include-excluded)


@dataclass(frozen=True)
class Unit:
    """One input file, or a range ``lo..hi`` (inclusive) of a large input split in ``chunks`` pieces: JSONL lines,
    table rows (``offset``: the byte where row ``lo`` of a CSV starts) or zip members (1-based)."""

    input: str  # display path, the key of the manifest
    path: str  # absolute path the worker reads
    sha256: str
    size: int
    chunk: int = 0
    chunks: int = 1
    lo: int | None = None
    hi: int | None = None
    offset: int | None = None


@dataclass
class PartResult:
    """What a task returns: the part (Parquet bytes) and the counts the summary and the manifest need."""

    units: list[Unit]
    sha256: dict[str, str]  # input -> hash of the bytes the worker actually read
    data: bytes
    ok: int = 0
    failed: int = 0
    error_rows: int = 0
    labels: Counter = field(default_factory=Counter)
    excluded: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    per_unit: dict[tuple[str, int], dict] = field(default_factory=dict)


_EXTRACTORS: dict[tuple, object] = {}


def extractor_for(settings: Settings):
    """The Extractor of this process for these settings, built on first use and kept (one per worker)."""
    key = (settings.rules_dir, settings.threads, settings.ner)
    ex = _EXTRACTORS.get(key)
    if ex is None and settings.extractor:
        ex = _EXTRACTORS[key] = _load_object(settings.extractor)()
    if ex is None:
        from pipeline.extractor import Extractor

        ex = Extractor(rules_dir=settings.rules_dir, threads=settings.threads, ner=settings.ner)
        # Kiwi finishes loading on its first text: pay that here, not in the first task's stage timings.
        ex.extract("서울시는 올해 사업비 1억원을 투입한다.", published="2024-01-01")
        _EXTRACTORS[key] = ex
    return ex


def _load_object(spec: str):
    """``path/to/file.py:Name`` or ``package.module:Name``."""
    import importlib
    import importlib.util

    where, _, name = spec.rpartition(":")
    if where.endswith(".py"):
        mod_name = "krnews_test_" + hashlib.sha256(where.encode()).hexdigest()[:12]
        module = sys.modules.get(mod_name)
        if module is None:
            found = importlib.util.spec_from_file_location(mod_name, where)
            module = sys.modules[mod_name] = importlib.util.module_from_spec(found)
            found.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    return getattr(module, name)


def _exit_with(driver_pid: int) -> None:
    """End this worker when the driver is gone (killed with SIGKILL, say): an orphan would hold its cores."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(driver_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="krnews-driver-watch", daemon=True).start()


def init_worker(settings: Settings, driver_pid: int | None = None) -> None:
    """Pool initializer: one thread per numeric library (the processes are the parallelism), then the Extractor."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    if driver_pid is not None:
        _exit_with(driver_pid)
    extractor_for(settings)
    # What the worker loaded (model, rules, lexicons) lives as long as the worker: keep it out of the garbage
    # collector's full passes, which otherwise walk it again and again (about 3 % of a worker's time, measured).
    import gc

    gc.collect()
    gc.freeze()


# (path, size, mtime) -> sha256 of the files this worker hashed: every range of a large table or JSONL file would
# otherwise hash the whole file again (1,000 ranges of a 350 MB CSV: 350 GB hashed). A changed file has another
# size or modification time, and is hashed again.
_FILE_HASHES: dict[tuple[str, int, int], str] = {}


def _sha256_file(path: str) -> str:
    st = os.stat(path)
    key = (path, st.st_size, st.st_mtime_ns)
    sha = _FILE_HASHES.get(key)
    if sha is not None:
        return sha
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    if len(_FILE_HASHES) >= 4096:
        _FILE_HASHES.clear()
    sha = _FILE_HASHES[key] = h.hexdigest()
    return sha


def _read_unit(unit: Unit, published, settings: Settings):
    from pipeline.io.readers import read_path
    from pipeline.io.tables import TableOptions

    options = TableOptions(**dict(settings.columns))
    rows = None if unit.chunks == 1 else (unit.lo, unit.hi, unit.offset)
    return read_path(Path(unit.path), unit.input, published, options, rows)


# Articles extracted together (Kiwi runs once per batch), as Extractor.extract_many does by default.
EXTRACT_BATCH = 32


@dataclass(frozen=True)
class Job:
    """What a worker is asked to do with a task: by default everything; after a timeout or a crashed worker, the
    supervisor sends the rest of the task again with what it already has and what it decided.

    Articles are numbered across the task's units in reading order. ``skip``: articles whose rows the driver
    already has; ``only``: extract just these articles (the others are skipped); ``fail``: article → (stage, error,
    message), written as a failed document with that error instead of being extracted; ``skip_units``: units not
    to read at all (their reading timed out or crashed; the driver writes their error row)."""

    units: list[Unit]
    skip: frozenset = frozenset()
    only: frozenset | None = None
    fail: tuple = ()  # ((article, stage, error, message), …)
    skip_units: frozenset = frozenset()


def failed_rows(article, owner: tuple[str, int, int], stage: str, error: str, message: str) -> list[dict]:
    """The part rows of an article that was not extracted (its time ran out, or it took its worker down): a
    ``documents`` row with status ``failed`` and one ``errors`` row, as a stage failure gives."""
    from pipeline.article import Analysis, ReadError
    from pipeline.stages.tables import rows_for

    analysis = Analysis(article=article, status="failed")
    analysis.errors.append(ReadError(path=article.path or article.doc_id, line=article.line, stage=stage,
                                     error=error, message=message))
    return _part_rows(rows_for(analysis), owner)


def _part_rows(rows: dict[str, list[dict]], owner: tuple[str, int, int]) -> list[dict]:
    inp, chunk, n_doc = owner
    out = []
    for table, table_rows in rows.items():
        for r in table_rows:
            out.append({"_table": table, "_input": inp, "_chunk": chunk,
                        "_doc": None if table == "errors" else n_doc, **r})
    return out


def run_job(job: Job, settings: Settings, emit: Callable[[tuple], None], extractor=None) -> None:
    """Run a job, telling ``emit`` what happens as it happens; never raises for bad input (it becomes error rows).

    ``("read", u)`` reading unit ``u`` starts; ``("unit", u, sha256, n_articles, error_rows, seconds)`` it was
    read; ``("batch", [articles])`` their extraction starts; ``("stage", name)`` a stage starts on that batch;
    ``("done", [(article, rows, status, n_errors, labels, timings), …])`` they are finished. Rows are part rows
    (``_table``, ``_input`` … and the table's columns). ``TaskBuilder`` turns the events into the task's part."""
    from pipeline.article import Analysis, Article
    from pipeline.io.readers import as_date as _as_date
    from pipeline.stages.tables import document_row, error_row

    if extractor is None:
        extractor = extractor_for(settings)
    published = _as_date(settings.published)
    fail = {a: (stage, error, message) for a, stage, error, message in job.fail}
    pending: list[tuple[int, object, tuple]] = []  # (article, Article, owner) to extract
    on_stage = lambda name: emit(("stage", name))  # noqa: E731

    def extract(batch) -> None:
        emit(("batch", [a for a, _, _ in batch]))
        out = []
        results = extractor.extract_many([art for _, art, _ in batch], batch_size=len(batch), on_stage=on_stage)
        for (a, _, owner), res in zip(batch, results):
            analysis = res.analysis
            out.append((a, _part_rows(res.rows, owner), analysis.status, len(res.rows.get("errors", ())),
                        Counter(m.label for m in analysis.mentions), dict(analysis.timings)))
        emit(("done", out))

    n_art = 0
    for u, unit in enumerate(job.units):
        if u in job.skip_units:
            continue
        emit(("read", u))
        t = time.perf_counter()
        try:
            sha = _sha256_file(unit.path)
        except OSError:
            sha = ""  # unreadable: read_path reports it; an empty hash is redone next run
        items = _read_unit(unit, published, settings)
        rows = []
        articles = []
        for item in items:
            if isinstance(item, Article):
                articles.append(item)
            else:
                rows.append({"_table": "errors", "_input": unit.input, "_chunk": unit.chunk, **error_row(item)})
        emit(("unit", u, sha, len(articles), rows, time.perf_counter() - t))
        for n_doc, art in enumerate(articles):
            a = n_art + n_doc
            owner = (unit.input, unit.chunk, n_doc)
            wanted = a not in job.skip if job.only is None else a in job.only
            if a in fail:
                emit(("done", [(a, failed_rows(art, owner, *fail[a]), "failed", 1, Counter(), {})]))
            elif art.excluded and not settings.include_excluded:
                # a row the table marks as not to analyse (BigKinds 분석제외: 중복, 예외 …): kept, not extracted
                if wanted:
                    rows_ex = _part_rows({"documents": [document_row(Analysis(article=art, status="excluded"))]},
                                         owner)
                    emit(("done", [(a, rows_ex, "excluded", 0, Counter(), {})]))
            elif wanted:
                pending.append((a, art, owner))
                if len(pending) >= EXTRACT_BATCH:
                    extract(pending)
                    pending = []
        n_art += len(articles)
        if job.only is not None and n_art > max(job.only, default=-1):
            break  # every article asked for is read: the inputs after them are not needed
    if pending:
        extract(pending)


class TaskBuilder:
    """Collects a task's events (from one worker, or from several after a failure) into its ``PartResult``.

    Rows keep the order of an uninterrupted run: every unit's read errors in unit order, then the articles in
    reading order; so the part's bytes do not depend on how the task was run."""

    def __init__(self, units: list[Unit]):
        self.units = list(units)
        self.read: dict[int, tuple[str, int, list[dict]]] = {}  # unit → (sha256, articles, error rows)
        self.articles: dict[int, tuple] = {}  # article → (rows, status, n_errors, labels, timings)
        self.unit_failures: dict[int, list[dict]] = {}  # unit whose reading failed → its error rows
        self.timings: Counter = Counter()

    @property
    def n_articles(self) -> int | None:
        """Articles of the task, once every unit that is not failed has been read."""
        if any(u not in self.read and u not in self.unit_failures for u in range(len(self.units))):
            return None
        return sum(n for _, n, _ in self.read.values())

    def first_article(self, u: int) -> int | None:
        """Number of the first article of unit ``u``, when every unit before it is read (or failed)."""
        n = 0
        for k in range(u):
            if k in self.read:
                n += self.read[k][1]
            elif k not in self.unit_failures:
                return None
        return n

    def feed(self, event: tuple) -> bool:
        """Take one event; False when a unit's bytes differ from an earlier read (the task must start over)."""
        kind = event[0]
        if kind == "unit":
            _, u, sha, n, rows, seconds = event
            old = self.read.get(u)
            if old is not None:
                return old[0] == sha and old[1] == n
            self.read[u] = (sha, n, rows)
            self.timings["read"] += seconds
        elif kind == "done":
            for a, rows, status, n_errors, labels, timings in event[1]:
                if a not in self.articles:
                    self.articles[a] = (rows, status, n_errors, labels, timings)
                    self.timings.update(timings)
        return True

    def fail_unit(self, u: int, stage: str, error: str, message: str) -> None:
        """Unit ``u`` could not be read (it ran out of time or took its worker down): one error row, no articles."""
        unit = self.units[u]
        self.unit_failures[u] = [{"_table": "errors", "_input": unit.input, "_chunk": unit.chunk,
                                  "path": unit.input, "line": None, "stage": stage, "error": error,
                                  "message": message}]

    def complete(self) -> bool:
        n = self.n_articles
        return n is not None and all(a in self.articles for a in range(n))

    def result(self) -> PartResult:
        t = time.perf_counter()
        rows: list[dict] = []
        hashes: dict[str, str] = {}
        per_unit: dict[tuple[str, int], dict] = {}
        for u, unit in enumerate(self.units):
            stats = per_unit.setdefault((unit.input, unit.chunk), {"ok": 0, "failed": 0, "errors": 0,
                                                                      "excluded": 0, "labels": Counter()})
            if u in self.unit_failures:
                hashes[unit.input] = unit.sha256
                rows += self.unit_failures[u]
                stats["errors"] += 1
                stats["failed"] += 1
                continue
            sha, _, errors = self.read[u]
            hashes[unit.input] = sha
            rows += errors
            stats["errors"] += len(errors)
            stats["failed"] += len(errors)  # a bad file or JSONL line is a document that failed
        a = 0
        for u, unit in enumerate(self.units):
            if u in self.unit_failures:
                continue
            stats = per_unit[(unit.input, unit.chunk)]
            for _ in range(self.read[u][1]):
                art_rows, status, n_errors, labels, _timings = self.articles[a]
                rows += art_rows
                stats["ok" if status == "ok" else "excluded" if status == "excluded" else "failed"] += 1
                stats["errors"] += n_errors
                stats["labels"].update(labels)
                a += 1
        result = PartResult(units=list(self.units), sha256=hashes, data=part_bytes(rows))
        timings = Counter(self.timings)
        timings["part"] += time.perf_counter() - t
        for stats in per_unit.values():
            result.ok += stats["ok"]
            result.failed += stats["failed"]
            result.error_rows += stats["errors"]
            result.excluded += stats["excluded"]
            result.labels.update(stats["labels"])
        result.timings = dict(timings)
        result.per_unit = per_unit
        return result


def run_task(units: list[Unit], settings: Settings) -> PartResult:
    """Read, extract and tabulate the units of one task in this process; never raises for bad input."""
    builder = TaskBuilder(units)
    run_job(Job(list(units)), settings, builder.feed)
    return builder.result()


_ARROW_TYPES = {"string": "string", "Int64": "int64", "Float64": "float64", "boolean": "bool"}


def part_schema():
    """The Arrow schema of a part: ``union_columns`` with each dtype as its Arrow type (nullable)."""
    import pyarrow as pa

    return pa.schema([(c, pa.type_for_alias(_ARROW_TYPES[t])) for c, t in union_columns().items()])


def part_bytes(rows: list[dict]) -> bytes:
    """Rows (each with ``_table``) as the Parquet bytes of a part; ``_row`` numbers them in order.

    Built by Arrow straight from the row dicts (a missing key is a null), not through a DataFrame: this runs once per
    task in every worker, and pandas' per-column conversions cost three times as much.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist([{**r, "_row": i} for i, r in enumerate(rows)], schema=part_schema())
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()
