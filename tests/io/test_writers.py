"""Writers: every table in both formats, the documented columns, formula neutralization in CSV only."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.io.schema import TABLES, to_frame
from pipeline.io.writers import neutralize_formulas, read_table, write_tables


def test_every_table_written_with_columns_even_when_empty(tmp_path):
    write_tables({}, tmp_path)
    for name, cols in TABLES.items():
        csv = pd.read_csv(tmp_path / f"{name}.csv", encoding="utf-8-sig")
        pq = pd.read_parquet(tmp_path / f"{name}.parquet")
        assert list(csv.columns) == list(cols)
        assert list(pq.columns) == list(cols)
        assert len(csv) == len(pq) == 0


def test_csv_has_bom_for_excel(tmp_path):
    rows = [{"doc_id": "a", "path": "a.txt", "title": "서울시 발표", "text": "서울시는"}]
    write_tables({"documents": to_frame("documents", rows)}, tmp_path, formats=["csv"])
    raw = (tmp_path / "documents.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "서울시 발표" in raw.decode("utf-8-sig")
    assert not (tmp_path / "documents.parquet").exists()


@pytest.mark.parametrize("cell, csv_cell", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
    ("+82 2 123", "'+82 2 123"),
    ("-3%", "'-3%"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("서울시", "서울시"),
    ("3=3", "3=3"),
])
def test_formula_cells_neutralized_in_csv_only(tmp_path, cell, csv_cell):
    df = to_frame("errors", [{"path": cell, "line": 1, "stage": "read", "error": "E", "message": "m"}])
    write_tables({"errors": df}, tmp_path)
    csv = pd.read_csv(tmp_path / "errors.csv", encoding="utf-8-sig", dtype=str)
    assert csv.loc[0, "path"] == csv_cell
    assert read_table(tmp_path, "errors").loc[0, "path"] == cell  # Parquet keeps the exact text


def test_neutralize_leaves_numbers_alone():
    df = to_frame("money", [{"doc_id": "d", "mention_id": "m1", "text": "-", "start": 0, "end": 1,
                             "amount": -5.0, "currency": "KRW"}])
    out = neutralize_formulas(df)
    assert out.loc[0, "amount"] == -5.0
    assert out.loc[0, "text"] == "'-"


def test_rows_sorted_deterministically():
    rows = [{"doc_id": d, "mention_id": m, "label": "DATE", "text": "x", "start": s, "end": s + 1}
            for d, m, s in [("b", "m0001", 0), ("a", "m0002", 5), ("a", "m0001", 1)]]
    df = to_frame("mentions", rows)
    assert list(zip(df.doc_id, df.start)) == [("a", 1), ("a", 5), ("b", 0)]


def test_unknown_format_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown format"):
        write_tables({}, tmp_path, formats=["xlsx"])


def test_tables_are_ordinary_files_not_private(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        import importlib

        import pipeline.io.writers as w

        importlib.reload(w)
        w.write_tables({}, tmp_path, formats=["csv"])
    finally:
        os.umask(old)
        importlib.reload(w)
    mode = stat.S_IMODE((tmp_path / "documents.csv").stat().st_mode)
    assert mode == 0o644
