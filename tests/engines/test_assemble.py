"""assemble writes the writers' bytes whatever the path: threads, one read of the parts, streaming."""
from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.engines import assemble
from pipeline.engines.local import run_local
from pipeline.engines.manifest import Manifest
from pipeline.io import writers
from pipeline.io.schema import TABLES

from .conftest import make_folder, read_csvs, write_duplicate_feed

TRICKY = ["", " ", "plain", "=1+1", "+82 10", "-3%", "@user", "\tx", "\rx", "'=x", "''", '"q"', 'a"b', "a,b",
          "line\nbreak", "crlf\r\nend", "cr\rend", " lead", "trail ", "한글,쉼표", "\u2028", "\x85", "\ufeff",
          "😀", "'", "\\", "NA", "null", "None", "True", "1.5", "x" * 300] + [f"a{chr(i)}b" for i in range(128)]
INTS = [0, -1, 7, 2 ** 62, -(2 ** 63), None]
FLOATS = [0.1, 1e16, 1e-05, -0.0, 1 / 3, 123456789.0, 2.5e-300, None]
BOOLS = [True, False, None]
ARROW = {"string": pa.string(), "Int64": pa.int64(), "Float64": pa.float64(), "boolean": pa.bool_()}


def tricky_frame(name: str) -> pd.DataFrame:
    """Every column cycles through awkward values of its dtype, offset so that rows mix them."""
    pools = {"string": TRICKY + [None], "Int64": INTS, "Float64": FLOATS, "boolean": BOOLS}
    n = len(TRICKY) + 1
    data = {c: [pools[t][(i + k) % len(pools[t])] for i in range(n)] for k, (c, t) in enumerate(TABLES[name].items())}
    return pd.DataFrame({c: pd.array(v, dtype=TABLES[name][c]) for c, v in data.items()})


def arrow_of(name: str, df: pd.DataFrame) -> pa.Table:
    """The frame as DuckDB hands it over: plain Arrow types, nulls for NA."""
    return pa.table({c: pa.array([None if pd.isna(v) else v for v in df[c].tolist()], ARROW[t])
                     for c, t in TABLES[name].items()})


def old_streamed_parquet(name: str, table: pa.Table, path, batch_rows: int) -> None:
    """The streamed Parquet as the code wrote it before one query fed both formats: one row group per batch."""
    writer = None
    for batch in table.to_batches(max_chunksize=batch_rows):
        t = pa.Table.from_pandas(assemble._typed(name, batch), preserve_index=False)
        writer = writer or pq.ParquetWriter(path, t.schema)
        writer.write_table(t.cast(writer.schema))
    writer.close()


@pytest.mark.parametrize("batch_rows", [100_000, 7])
@pytest.mark.parametrize("name", list(TABLES))
def test_write_table_gives_the_writers_bytes(name, batch_rows, tmp_path):
    df = tricky_frame(name)
    table = arrow_of(name, df)
    writers.write_csv(df, tmp_path / "ref" / f"{name}.csv")
    if batch_rows >= len(df):
        writers.write_parquet(df, tmp_path / "ref" / f"{name}.parquet")
    else:
        old_streamed_parquet(name, table, tmp_path / "ref" / f"{name}.parquet", batch_rows)
    con = duckdb.connect()
    try:
        con.register("t", table)
        assemble._write_table(con, "SELECT * FROM t", name, len(df), tmp_path / "out", ["csv", "parquet"],
                              batch_rows, writers)
    finally:
        con.close()
    for suffix in (".csv", ".parquet"):
        assert (tmp_path / "out" / f"{name}{suffix}").read_bytes() == \
            (tmp_path / "ref" / f"{name}{suffix}").read_bytes(), suffix
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{name}.csv", f"{name}.parquet"]


@pytest.fixture
def assembled(fake_extractor, tmp_path):
    """A finished run (duplicate ids, a formula, a broken record) and the parts ``assemble`` reads."""
    root = make_folder(tmp_path / "in", 12)
    write_duplicate_feed(root, second='둘째, "기사" 200억원')  # a comma and quotes for the CSV
    out = tmp_path / "out"
    run_local([root], out, workers=1)
    m = Manifest.open(out)
    current = [("_discover.parquet", "", 0, -1)] + m.current(m.done_inputs())
    m.close()
    return out, current


def parquet_bytes(out) -> dict[str, bytes]:
    return {name: (out / f"{name}.parquet").read_bytes() for name in TABLES}


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("materialize_bytes", [0, None])
def test_same_bytes_whatever_the_threads_and_the_reading(assembled, tmp_path, threads, materialize_bytes):
    out, current = assembled
    parts_dir = out / ".krnews" / "parts"
    counts = assemble.assemble(parts_dir, current, tmp_path / "a", ["csv", "parquet"], threads=threads,
                               materialize_bytes=materialize_bytes)
    assert counts["documents"] == 15 and counts["errors"] == 1
    assert read_csvs(tmp_path / "a") == read_csvs(out)
    assert parquet_bytes(tmp_path / "a") == parquet_bytes(out)
    # streamed (row groups of 3): the same CSV, and the same Parquet whichever way it was read
    assemble.assemble(parts_dir, current, tmp_path / "s", ["csv", "parquet"], threads=threads, batch_rows=3,
                      materialize_bytes=materialize_bytes)
    assemble.assemble(parts_dir, current, tmp_path / "s1", ["csv", "parquet"], threads=1, batch_rows=3,
                      materialize_bytes=0)
    assert read_csvs(tmp_path / "s") == read_csvs(out)
    assert parquet_bytes(tmp_path / "s") == parquet_bytes(tmp_path / "s1")
    for name in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "s" / f"{name}.parquet"),
                                      pd.read_parquet(out / f"{name}.parquet"))
    assert not [p for d in ("a", "s") for p in (tmp_path / d).iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_one_format_only(assembled, tmp_path, fmt):
    out, current = assembled
    assemble.assemble(out / ".krnews" / "parts", current, tmp_path / "a", [fmt], batch_rows=4)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(f"{n}.{fmt}" for n in TABLES)


@pytest.mark.parametrize("threads", [1, 2])
def test_an_error_in_one_table_surfaces_and_leaves_no_temporary_file(assembled, tmp_path, monkeypatch, threads):
    out, current = assembled
    real = assemble._typed

    def failing(name, data):
        if name == "mentions":
            raise RuntimeError("disk full")
        return real(name, data)

    monkeypatch.setattr(assemble, "_typed", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        assemble.assemble(out / ".krnews" / "parts", current, tmp_path / "a", ["csv", "parquet"], threads=threads)
    assert not (tmp_path / "a" / "mentions.csv").exists()
    assert not list((tmp_path / "a").glob(".*"))  # the folder may not even exist: mentions is written first


@pytest.mark.parametrize("raw", [
    [],
    ["a", "b"],
    ["a", "a", "a"],
    ["a", "a", "a~2"],  # an id of its own is never a suffix, even when it comes later
    ["a", "a~2", "a", "a~2"],  # a suffix on a suffix: a~2~2
    ["a~02", "a", "a", "a~1"],  # a~02 and a~1 are not suffixes the rule would give: a~2 is free
    ["b~3", "b", "b", "b", "b~2", "b"],
    ["a\n", "a\n~2", "a\n", "a\n"],  # a line break in an id
    ["x~99999999999999999999", "x", "x"],  # digits beyond BIGINT are never a suffix the rule gives
    ["c"] * 12 + ["c~5", "c~11"],
    ["d", "e", "d", "e", "e~2", "d~3", "d", "e"],
])
def test_duplicate_ids_in_sql_follow_unique_ids(raw):
    rows = pd.DataFrame({"_table": "documents", "_ord": [i // 3 for i in range(len(raw))], "_chunk": 0,
                         "_doc": [i % 3 for i in range(len(raw))], "doc_id": pd.Series(raw, dtype="string")})
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE d AS SELECT _table::VARCHAR AS _table, _ord::BIGINT AS _ord, "
                    "_chunk::BIGINT AS _chunk, _doc::BIGINT AS _doc, doc_id::VARCHAR AS doc_id FROM rows")
        con.execute(assemble._RENAMED_SQL.format(src="d"))
        renamed = {(o, d): new for o, _c, d, new in con.execute("SELECT * FROM ren").fetchall()}
    finally:
        con.close()
    got = [renamed.get((i // 3, i % 3), doc_id) for i, doc_id in enumerate(raw)]
    assert got == assemble.unique_ids(raw)
    assert len(renamed) == sum(a != b for a, b in zip(raw, assemble.unique_ids(raw)))


@pytest.mark.parametrize("failures, limit", [(1, "1GB"), (2, "default"), (3, None)])
def test_a_table_out_of_duckdbs_memory_is_written_again_with_more(assembled, tmp_path, monkeypatch, failures, limit):
    out, current = assembled
    real, calls, limits = assemble._stream_table, [], []

    def short_of_memory(con, sql, name, *args):
        if name == "documents":
            limits.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
            calls.append(name)
            if len(calls) <= failures:
                raise OSError("Out of Memory Error: failed to pin block of size 256.0 KiB (121.8 MiB/122.0 MiB used)")
        return real(con, sql, name, *args)

    monkeypatch.setattr(assemble, "_stream_table", short_of_memory)
    run = lambda: assemble.assemble(out / ".krnews" / "parts", current, tmp_path / "a", ["csv", "parquet"],
                                    tmp_dir=tmp_path / "tmp", threads=1)  # noqa: E731
    if limit is None:
        with pytest.raises(OSError, match="Out of Memory Error"):
            run()
        assert not (tmp_path / "a" / "documents.csv").exists()
        return
    run()
    assert (tmp_path / "a" / "documents.csv").read_bytes() == (out / "documents.csv").read_bytes()
    assert (tmp_path / "a" / "documents.parquet").read_bytes() == (out / "documents.parquet").read_bytes()
    con = duckdb.connect()
    shown = {}
    for name, value in (("limit", assemble.MEMORY_LIMIT), ("retry", assemble.RETRY_LIMITS[0])):
        con.execute(f"SET memory_limit='{value}'")
        shown[name] = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con.close()
    assert limits[:2] == [shown["limit"], shown["retry"]] and len(limits) == failures + 1
    if limit == "default":
        assert limits[2] not in shown.values()
