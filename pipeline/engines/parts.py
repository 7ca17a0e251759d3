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
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

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
    if ex is None:
        from pipeline.extractor import Extractor

        ex = Extractor(rules_dir=settings.rules_dir, threads=settings.threads, ner=settings.ner)
        # Kiwi finishes loading on its first text: pay that here, not in the first task's stage timings.
        ex.extract("서울시는 올해 사업비 1억원을 투입한다.", published="2024-01-01")
        _EXTRACTORS[key] = ex
    return ex


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


def run_task(units: list[Unit], settings: Settings) -> PartResult:
    """Read, extract and tabulate the units of one task; never raises for bad input (it becomes error rows)."""
    from pipeline.article import Analysis, Article
    from pipeline.io.readers import as_date as _as_date
    from pipeline.stages.tables import document_row, error_row

    extractor = extractor_for(settings)
    published = _as_date(settings.published)
    rows: list[dict] = []
    articles: list[Article] = []
    owners: list[tuple[str, int, int]] = []  # (input, chunk, _doc) of each article
    hashes: dict[str, str] = {}
    timings: Counter = Counter()
    per_unit: dict[tuple[str, int], dict] = {}
    result = PartResult(units=list(units), sha256=hashes, data=b"")
    for unit in units:
        stats = per_unit.setdefault((unit.input, unit.chunk), {"ok": 0, "failed": 0, "errors": 0,
                                                                  "excluded": 0, "labels": Counter()})
        t = time.perf_counter()
        try:
            hashes[unit.input] = _sha256_file(unit.path)
        except OSError:
            hashes[unit.input] = ""  # unreadable: read_path reports it; an empty hash is redone next run
        items = _read_unit(unit, published, settings)
        timings["read"] += time.perf_counter() - t
        n_doc = 0
        for item in items:
            if isinstance(item, Article) and item.excluded and not settings.include_excluded:
                # a row the table marks as not to analyse (BigKinds 분석제외: 중복, 예외 …): kept, not extracted
                rows.append({"_table": "documents", "_input": unit.input, "_chunk": unit.chunk, "_doc": n_doc,
                             **document_row(Analysis(article=item, status="excluded"))})
                n_doc += 1
                stats["excluded"] += 1
            elif isinstance(item, Article):
                articles.append(item)
                owners.append((unit.input, unit.chunk, n_doc))
                n_doc += 1
            else:
                rows.append({"_table": "errors", "_input": unit.input, "_chunk": unit.chunk, **error_row(item)})
                stats["errors"] += 1
                stats["failed"] += 1  # a bad file or JSONL line is a document that failed
    for (inp, chunk, n_doc), res in zip(owners, extractor.extract_many(articles)):
        stats = per_unit[(inp, chunk)]
        analysis = res.analysis
        stats["ok" if analysis.status == "ok" else "failed"] += 1
        stats["labels"].update(m.label for m in analysis.mentions)
        timings.update(analysis.timings)
        for table, table_rows in res.rows.items():
            for r in table_rows:
                rows.append({"_table": table, "_input": inp, "_chunk": chunk,
                             "_doc": None if table == "errors" else n_doc, **r})
                if table == "errors":
                    stats["errors"] += 1
    t = time.perf_counter()
    result.data = part_bytes(rows)
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
