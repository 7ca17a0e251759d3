"""Assemble the tables from the part files of the current inputs, out of core, with DuckDB.

DuckDB reads the parts, keeps the rows of the current inputs (a part may also hold rows of an input that changed
since), gives duplicate document ids their deterministic suffix (in SQL, ``_RENAMED_SQL``: a million ids never come
into Python), and sorts each table by the schema's keys
(``io.schema.SORT_KEYS``, NULLs first, ties in input order, as ``to_frame`` would). Each table gets the bytes
``writers.write_csv``/``writers.write_parquet`` would write for the same rows typed by ``io.schema``: CSV in
``utf-8-sig`` with formula neutralization, Parquet with the pandas dtypes and metadata, both through a temporary
file and a rename. The ``entities`` table spans the folder: it is built here from every part's mentions
(``pipeline.entities``), and the mentions query joins the ids it gives.

Parts of at most ``MATERIALIZE_BYTES`` in all are read once into a DuckDB table (about seven times their size in
memory) instead of once per table. The tables are written concurrently, ``threads`` at a time, each by its own
DuckDB cursor, one query feeding both formats. (Formatting the CSV with Arrow instead of pandas would save about
0.4 s more at 2,000 articles, but means re-implementing pandas' quoting by hand: not worth it.)

Driver memory stays flat with the corpus (bench/tables_memory.py): DuckDB works within ``MEMORY_LIMIT`` and spills
to ``tmp_dir`` (the state folder's ``tmp/``), and every table streams, ``batch_rows`` rows of Arrow at a time (a
Parquet row group per batch, written from Arrow as pandas would type it; the CSV formatted by pandas a slice of
``CSV_SLICE_BYTES`` at a time). tests/engines/test_assemble.py checks every path against the writers, byte for byte.
"""
from __future__ import annotations

import os
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from pipeline.io.schema import SORT_KEYS, TABLES, empty_table

BATCH_ROWS = 100_000
MATERIALIZE_BYTES = 32 << 20  # of Parquet parts: some 8,000 articles, about 7 times as much in DuckDB
MEMORY_LIMIT = "192MB"  # DuckDB's (its default, 80 % of RAM, never spills): beyond it, sorts spill to ``tmp_dir``
RETRY_LIMITS = ("1GB", "")  # after an out-of-memory error: 1 GB, then DuckDB's default ("")
CSV_SLICE_BYTES = 8 << 20  # of Arrow data turned into pandas and CSV text at a time

# Duplicate document ids, in SQL (``unique_ids`` is the same rule in Python): the k-th document of an id (k >= 2,
# in input order) gets ``id~n`` with n the (k-1)-th integer from 2 on such that no document has ``id~n`` of its own.
# A suffix is ``~`` and digits, so ``id~n`` names its ``id`` alone: suffixes of two ids never meet.
_RENAMED_SQL = """
CREATE TABLE ren AS
WITH docs AS (
    SELECT _ord, _chunk, _doc, doc_id,
           row_number() OVER (PARTITION BY doc_id ORDER BY _ord, _chunk, _doc) AS k
    FROM {src} WHERE _table = 'documents'),
dup AS (SELECT doc_id AS base, max(k) - 1 AS n_dup FROM docs GROUP BY doc_id HAVING max(k) > 1),
taken AS (
    SELECT DISTINCT regexp_extract(doc_id, '(?s)^(.*)~[1-9][0-9]{{0,17}}$', 1) AS base,
           CAST(regexp_extract(doc_id, '~([1-9][0-9]{{0,17}})$', 1) AS BIGINT) AS n
    FROM docs WHERE k = 1 AND regexp_matches(doc_id, '~[1-9][0-9]{{0,17}}$')),
span AS (
    SELECT dup.base, dup.n_dup + 1 + count(taken.n) AS hi
    FROM dup LEFT JOIN taken ON taken.base = dup.base GROUP BY dup.base, dup.n_dup),
cand AS (SELECT base, unnest(generate_series(2, hi)) AS n FROM span),
free AS (
    SELECT c.base, c.n, row_number() OVER (PARTITION BY c.base ORDER BY c.n) AS j
    FROM cand c ANTI JOIN taken t ON t.base = c.base AND t.n = c.n)
SELECT d._ord::BIGINT AS _ord, d._chunk::BIGINT AS _chunk, d._doc::BIGINT AS _doc,
       f.base || '~' || CAST(f.n AS VARCHAR) AS new_id
FROM docs d JOIN free f ON f.base = d.doc_id AND f.j = d.k - 1
WHERE d.k > 1
"""


def unique_ids(raw: Sequence[str]) -> list[str]:
    """Document ids made unique in input order: the first keeps its id, a later duplicate gets ``~2``, ``~3`` …

    A suffix never takes an id that some document has of its own, so every id in the table is unique.

    >>> unique_ids(["a", "b", "a", "a~2", "a"])
    ['a', 'b', 'a~3', 'a~2', 'a~4']
    """
    own = set(raw)
    used: set[str] = set()
    out = []
    for doc_id in raw:
        new = doc_id
        if new in used:
            n = 2
            while f"{doc_id}~{n}" in used or f"{doc_id}~{n}" in own:
                n += 1
            new = f"{doc_id}~{n}"
        used.add(new)
        out.append(new)
    return out


def _types_mapper(t):
    import pyarrow as pa

    if pa.types.is_integer(t):
        return pd.Int64Dtype()
    if pa.types.is_floating(t):
        return pd.Float64Dtype()
    if pa.types.is_boolean(t):
        return pd.BooleanDtype()
    return None


def _typed(name: str, batch) -> pd.DataFrame:
    df = batch.to_pandas(types_mapper=_types_mapper)
    for col, dtype in TABLES[name].items():
        df[col] = df[col].astype(dtype)
    return df[list(TABLES[name])]


def assemble(parts_dir: Path, current: Sequence[tuple[str, str, int, int]], out_dir: str | Path,
             formats: Iterable[str], *, tmp_dir: Path | None = None, threads: int = 2,
             batch_rows: int = BATCH_ROWS, materialize_bytes: int | None = None) -> dict[str, int]:
    """Write every table from the parts named in ``current`` ((file, input, chunk, order) rows); returns row counts.

    When the part files add up to at most ``materialize_bytes`` (default ``MATERIALIZE_BYTES``), DuckDB reads them
    once into memory; otherwise every query reads them again, out of core."""
    import duckdb

    from pipeline.io import writers

    formats = list(formats)
    out = Path(out_dir)
    threads = max(1, threads)
    con = duckdb.connect()  # in memory and private: plain (not TEMP) tables and views, so cursors see them
    try:
        con.execute(f"SET threads={threads}")
        con.execute("SET preserve_insertion_order=false")
        if tmp_dir is not None:  # with a memory limit, DuckDB spills sorts (and the parts read once) there
            tmp_dir.mkdir(parents=True, exist_ok=True)
            con.execute("SET temp_directory=?", [str(tmp_dir)])
            con.execute(f"SET memory_limit='{MEMORY_LIMIT}'")
        cur = pd.DataFrame(current, columns=["file", "input", "chunk", "ord"])
        cur["file"] = [str(parts_dir / f) for f in cur["file"]]
        con.register("cur_df", cur)
        con.execute("CREATE TABLE cur AS SELECT file, input, chunk::BIGINT AS chunk, ord::BIGINT AS ord FROM cur_df")
        con.unregister("cur_df")
        files = sorted(set(cur["file"]))
        if files:
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)  # a view takes no parameters
            con.execute(f"CREATE VIEW p AS SELECT x.*, cur.ord AS _ord FROM read_parquet([{listed}], "
                        "filename=true) x JOIN cur ON x.filename = cur.file AND x._input = cur.input "
                        "AND x._chunk = cur.chunk")
        else:
            empty = ", ".join(f"NULL::VARCHAR AS {c}" for c in ("_table", "_input", "doc_id"))
            con.execute(f"CREATE VIEW p AS SELECT {empty}, NULL::BIGINT AS _chunk, NULL::BIGINT AS _doc, "
                        "NULL::BIGINT AS _row, NULL::BIGINT AS _ord WHERE false")
        limit = MATERIALIZE_BYTES if materialize_bytes is None else materialize_bytes
        src = "p"
        if files and sum(os.path.getsize(f) for f in files) <= limit:
            # Small parts: read them once into memory rather than once per table (and twice more below).
            data = ", ".join(f'"{c}"' for c in dict.fromkeys(c for cols in TABLES.values() for c in cols))
            try:
                con.execute(f"CREATE TABLE rows AS SELECT _table, _ord, _chunk, _doc, _row, {data} FROM p")
                src = "rows"
            except Exception as e:  # parts that compress very well can outgrow the memory limit: read them per query
                if "Out of Memory Error" not in str(e):
                    raise
                con.execute("DROP TABLE IF EXISTS rows")
        # Duplicate document ids across (or within) inputs: deterministic suffixes in input order, in DuckDB.
        con.execute(_RENAMED_SQL.format(src=src))
        found = dict(con.execute(f"SELECT _table, COUNT(*) FROM {src} GROUP BY _table").fetchall())
        counts = {name: int(found.get(name, 0)) for name in TABLES}
        entities = _entities(con, src)  # corpus-wide; the mentions query joins their ids (table ent_ids)
        counts["entities"] = len(entities)
        if "csv" in formats:
            writers.write_csv(entities, out / "entities.csv")
        if "parquet" in formats:
            writers.write_parquet(entities, out / "entities.parquet")
        jobs = [(name, _table_sql(name, src), counts[name]) for name in TABLES if name != "entities"]
        jobs.sort(key=lambda job: -job[2])  # the largest first: the last table to start is a small one
        if threads == 1:
            for name, sql, n in jobs:
                _write_table(con, sql, name, n, out, formats, batch_rows, writers)
        else:
            _write_concurrently(con, jobs, threads, out, formats, batch_rows, writers)
    finally:
        con.close()
    return counts


def _entities(con, src: str) -> pd.DataFrame:
    """The ``entities`` table from the PERSON/ORG/LOCATION mentions of every current part (final doc ids); their
    ids go to the DuckDB table ``ent_ids`` (doc_id, mention_id, entity_id) that the mentions query joins."""
    from pipeline.entities import ENTITY_LABELS, build_entities

    labels = ", ".join(f"'{lab}'" for lab in ENTITY_LABELS)
    final = (f"FROM {src} p LEFT JOIN ren ON p._ord = ren._ord AND p._chunk = ren._chunk AND p._doc = ren._doc")
    mentions = con.execute(f"SELECT COALESCE(ren.new_id, p.doc_id) AS doc_id, p.mention_id, p.label, p.text, "
                           f"p.normalized {final} WHERE p._table = 'mentions' AND p.label IN ({labels})").df()
    # the dates of the documents those mentions are in, not a million documents' ids in pandas
    documents = con.execute(f"SELECT COALESCE(ren.new_id, p.doc_id) AS doc_id, p.published {final} "
                            f"WHERE p._table = 'documents' AND p.published IS NOT NULL AND EXISTS (SELECT 1 "
                            f"FROM {src} q WHERE q._table = 'mentions' AND q.label IN ({labels}) AND "
                            "q._ord = p._ord AND q._chunk = p._chunk AND q._doc = p._doc)").df()
    entities, ids = build_entities(mentions, documents)
    con.register("ent_ids_df", ids)
    con.execute("CREATE TABLE ent_ids AS SELECT doc_id::VARCHAR AS doc_id, mention_id::VARCHAR AS mention_id, "
                "entity_id::VARCHAR AS entity_id FROM ent_ids_df")
    con.unregister("ent_ids_df")
    return entities


def _table_sql(name: str, src: str) -> str:
    cols = TABLES[name]
    q = [f'"{c}"' for c in cols]
    if name == "mentions":
        inner = ", ".join("COALESCE(ren.new_id, p.doc_id) AS doc_id" if c == "doc_id" else
                          "e.entity_id AS entity_id" if c == "entity_id" else f"p.{qc}" for c, qc in zip(cols, q))
        source = (f"{src} p LEFT JOIN ren ON p._ord = ren._ord AND p._chunk = ren._chunk AND p._doc = ren._doc "
                  "LEFT JOIN ent_ids e ON e.doc_id = COALESCE(ren.new_id, p.doc_id) AND e.mention_id = p.mention_id")
    elif "doc_id" in cols:
        inner = ", ".join("COALESCE(ren.new_id, p.doc_id) AS doc_id" if c == "doc_id" else f"p.{qc}"
                          for c, qc in zip(cols, q))
        source = f"{src} p LEFT JOIN ren ON p._ord = ren._ord AND p._chunk = ren._chunk AND p._doc = ren._doc"
    else:
        inner = ", ".join(f"p.{qc}" for qc in q)
        source = f"{src} p"
    keys = ", ".join(f'"{k}" NULLS FIRST' for k in SORT_KEYS[name])
    return (f"SELECT {', '.join(q)} FROM (SELECT {inner}, p._ord AS __o, p._chunk AS __c, p._row AS __r "
            f"FROM {source} WHERE p._table = '{name}') ORDER BY {keys}, __o, __c, __r")


def _write_concurrently(con, jobs, threads: int, out: Path, formats: list[str], batch_rows: int, writers) -> None:
    """Each table on a thread of its own cursor (DuckDB, Arrow and Parquet release the GIL); the first error wins."""
    cursors = [con.cursor() for _ in jobs]
    pool = ThreadPoolExecutor(max_workers=min(threads, len(jobs)), thread_name_prefix="assemble")
    try:
        futures = [pool.submit(_write_table, c, sql, name, n, out, formats, batch_rows, writers)
                   for c, (name, sql, n) in zip(cursors, jobs)]
        wait(futures, return_when=FIRST_EXCEPTION)
        for f in futures:
            f.cancel()  # after an error, the tables not started yet are not started
        for f in futures:
            if not f.cancelled():
                f.result()  # raises the error of the first failed table
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for c in cursors:
            c.close()


def _write_table(con, sql: str, name: str, n: int, out: Path, formats: list[str], batch_rows: int,
                 writers) -> None:
    if n == 0:  # the stream writes no file for no rows
        df = empty_table(name)
        if "csv" in formats:
            writers.write_csv(df, out / f"{name}.csv")
        if "parquet" in formats:
            writers.write_parquet(df, out / f"{name}.parquet")
        return
    for next_limit in RETRY_LIMITS + (None,):
        try:
            return _stream_table(con, sql, name, out, formats, batch_rows, writers)
        except Exception as e:  # DuckDB's, or the same through Arrow's stream (an OSError)
            if next_limit is None or "Out of Memory Error" not in str(e):
                raise
        # A sort that needs more than the limit (merging its sorted runs pins blocks): the table is written again
        # (its files are temporary until complete) with more memory, then with DuckDB's own default.
        con.execute(f"SET memory_limit='{next_limit}'" if next_limit else "RESET memory_limit")


def _stream_table(con, sql: str, name: str, out: Path, formats: list[str], batch_rows: int, writers) -> None:
    """A table larger than ``batch_rows``: one pass over the query, batch by batch, into both formats at once."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    want_csv, want_pq = "csv" in formats, "parquet" in formats
    if not (want_csv or want_pq):
        return

    def stream(csv_tmp: str | None, pq_tmp: str | None) -> None:
        fh = open(csv_tmp, "wb") if csv_tmp else None
        writer = None
        try:
            if fh is not None:
                fh.write(b"\xef\xbb\xbf")  # what the utf-8-sig codec writes first
            for i, batch in enumerate(con.sql(sql).to_arrow_reader(batch_rows)):
                if fh is not None:  # pandas and its CSV text a slice of bounded bytes at a time, not the batch
                    step = max(1, CSV_SLICE_BYTES * batch.num_rows // max(1, batch.nbytes))
                    for start in range(0, batch.num_rows, step):
                        df = writers.neutralize_formulas(_typed(name, batch.slice(start, step)))
                        text = df.to_csv(None, index=False, header=(i == 0 and start == 0), lineterminator="\n")
                        del df
                        fh.write(text.encode("utf-8"))
                        del text
                if pq_tmp is not None:  # one row group per batch, straight from Arrow (the schema is pandas')
                    if writer is None:
                        schema = pa.Table.from_pandas(_typed(name, batch.slice(0, 0)), preserve_index=False).schema
                        writer = pq.ParquetWriter(pq_tmp, schema)
                    writer.write_table(pa.Table.from_batches([batch]).cast(writer.schema))
                del batch
        finally:
            if writer is not None:
                writer.close()
            if fh is not None:
                fh.close()

    if want_csv and want_pq:
        writers.atomic_write(out / f"{name}.csv", lambda csv_tmp: writers.atomic_write(
            out / f"{name}.parquet", lambda pq_tmp: stream(csv_tmp, pq_tmp)))
    elif want_csv:
        writers.atomic_write(out / f"{name}.csv", lambda csv_tmp: stream(csv_tmp, None))
    else:
        writers.atomic_write(out / f"{name}.parquet", lambda pq_tmp: stream(None, pq_tmp))
