"""Assemble the eight tables from the part files of the current inputs, out of core, with DuckDB.

DuckDB reads the parts, keeps the rows of the current inputs (a part may also hold rows of an input that changed
since), gives duplicate document ids their deterministic suffix, and sorts each table by the schema's keys
(``io.schema.SORT_KEYS``, NULLs first, ties in input order, as ``to_frame`` would). Rows come back in batches that
are typed by ``io.schema`` and written by the writers' own code path: CSV in ``utf-8-sig`` with formula
neutralization, Parquet with the pandas dtypes, both through a temporary file and a rename.

A table of at most ``batch_rows`` rows is one DataFrame written by ``write_csv``/``write_parquet`` themselves; a
larger one streams batch by batch (the same bytes, see tests/engines/test_assemble.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from pipeline.io.schema import SORT_KEYS, TABLES

BATCH_ROWS = 100_000


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
             batch_rows: int = BATCH_ROWS) -> dict[str, int]:
    """Write every table from the parts named in ``current`` ((file, input, chunk, order) rows); returns row counts."""
    import duckdb

    from pipeline.io import writers

    formats = list(formats)
    out = Path(out_dir)
    con = duckdb.connect()
    try:
        con.execute(f"SET threads={max(1, threads)}")
        con.execute("SET preserve_insertion_order=false")
        if tmp_dir is not None:
            tmp_dir.mkdir(parents=True, exist_ok=True)
            con.execute("SET temp_directory=?", [str(tmp_dir)])
        cur = pd.DataFrame(current, columns=["file", "input", "chunk", "ord"])
        cur["file"] = [str(parts_dir / f) for f in cur["file"]]
        con.register("cur_df", cur)
        con.execute("CREATE TEMP TABLE cur AS SELECT file, input, chunk::BIGINT AS chunk, ord::BIGINT AS ord "
                    "FROM cur_df")
        files = sorted(set(cur["file"]))
        if files:
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)  # a view takes no parameters
            con.execute(f"CREATE TEMP VIEW p AS SELECT x.*, cur.ord AS _ord FROM read_parquet([{listed}], "
                        "filename=true) x JOIN cur ON x.filename = cur.file AND x._input = cur.input "
                        "AND x._chunk = cur.chunk")
        else:
            empty = ", ".join(f"NULL::VARCHAR AS {c}" for c in ("_table", "_input", "doc_id"))
            con.execute(f"CREATE TEMP VIEW p AS SELECT {empty}, NULL::BIGINT AS _chunk, NULL::BIGINT AS _doc, "
                        "NULL::BIGINT AS _row, NULL::BIGINT AS _ord WHERE false")
        # Duplicate document ids across (or within) inputs: deterministic suffixes in input order.
        docs = con.execute("SELECT _ord, _chunk, _doc, doc_id FROM p WHERE _table='documents' "
                           "ORDER BY _ord, _chunk, _doc").fetchall()
        final = unique_ids([d[3] for d in docs])
        renamed = [(o, c, d, new) for (o, c, d, raw), new in zip(docs, final) if new != raw]
        ren = pd.DataFrame(renamed, columns=["_ord", "_chunk", "_doc", "new_id"]).astype(
            {"_ord": "int64", "_chunk": "int64", "_doc": "int64", "new_id": "object"})
        con.register("ren_df", ren)
        con.execute("CREATE TEMP TABLE ren AS SELECT * FROM ren_df")
        counts = {}
        for name, cols in TABLES.items():
            q = [f'"{c}"' for c in cols]
            if "doc_id" in cols:
                inner = ", ".join("COALESCE(ren.new_id, p.doc_id) AS doc_id" if c == "doc_id" else f"p.{qc}"
                                  for c, qc in zip(cols, q))
                source = "p LEFT JOIN ren ON p._ord = ren._ord AND p._chunk = ren._chunk AND p._doc = ren._doc"
            else:
                inner = ", ".join(f"p.{qc}" for qc in q)
                source = "p"
            keys = ", ".join(f'"{k}" NULLS FIRST' for k in SORT_KEYS[name])
            sql = (f"SELECT {', '.join(q)} FROM (SELECT {inner}, p._ord AS __o, p._chunk AS __c, p._row AS __r "
                   f"FROM {source} WHERE p._table = '{name}') ORDER BY {keys}, __o, __c, __r")
            n = con.execute(f"SELECT COUNT(*) FROM p WHERE _table = '{name}'").fetchall()[0][0]
            counts[name] = n
            _write_table(con, sql, name, n, out, formats, batch_rows, writers)
    finally:
        con.close()
    return counts


def _write_table(con, sql: str, name: str, n: int, out: Path, formats: list[str], batch_rows: int,
                 writers) -> None:
    if n <= batch_rows:
        df = _typed(name, con.sql(sql).to_arrow_table()) if n else None
        from pipeline.io.schema import empty_table

        df = df if df is not None else empty_table(name)
        if "csv" in formats:
            writers.write_csv(df, out / f"{name}.csv")
        if "parquet" in formats:
            writers.write_parquet(df, out / f"{name}.parquet")
        return
    if "csv" in formats:
        def write_csv(tmp: str) -> None:
            with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                reader = con.sql(sql).to_arrow_reader(batch_rows)
                for i, batch in enumerate(reader):
                    safe = writers.neutralize_formulas(_typed(name, batch))
                    safe.to_csv(fh, index=False, header=(i == 0), lineterminator="\n")

        writers.atomic_write(out / f"{name}.csv", write_csv)
    if "parquet" in formats:
        import pyarrow as pa
        import pyarrow.parquet as pq

        def write_parquet(tmp: str) -> None:
            writer = None
            try:
                for batch in con.sql(sql).to_arrow_reader(batch_rows):
                    table = pa.Table.from_pandas(_typed(name, batch), preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, table.schema)
                    writer.write_table(table.cast(writer.schema))
            finally:
                if writer is not None:
                    writer.close()

        writers.atomic_write(out / f"{name}.parquet", write_parquet)
