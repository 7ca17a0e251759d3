"""Load the tables of an output directory (``krnews run … --out DIR``) for review, export and inspection.

Parquet is preferred (exact dtypes); CSV (``utf-8-sig``) is the fallback, read with the schema's dtypes so both give
the same frames. A table file that is absent reads as an empty table; a missing ``documents`` table means the folder
is not an output directory at all, which is an error.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.io.schema import TABLE_NAMES, TABLES, empty_table


class ReviewError(Exception):
    """A problem with the reviewer's input (an output folder, an annotation file) that the user must fix."""


def table_path(out_dir: Path, name: str) -> Path | None:
    """The file a table is read from: ``<name>.parquet``, else ``<name>.csv``, else None."""
    for suffix in (".parquet", ".csv"):
        p = Path(out_dir) / f"{name}{suffix}"
        if p.is_file():
            return p
    return None


def restore_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Undo the CSV writer's spreadsheet guard (``'`` put before a cell starting with ``= + - @``, tab or CR).

    Without this, a mention ``-3%`` would read back as ``'-3%`` and break ``text == documents.text[start:end]``.
    A cell that really began with ``'=`` cannot be told apart in CSV; Parquet keeps the exact text.
    """
    for col in df.columns:
        if str(df[col].dtype) == "string":
            s = df[col]
            mask = s.str.match(r"'[=+\-@\t\r]").fillna(False).astype(bool)
            if mask.any():
                df.loc[mask, col] = s[mask].str.slice(1)
    return df


def read_table(out_dir: Path, name: str) -> pd.DataFrame:
    """One table with exactly the schema's columns and dtypes (extra columns dropped, missing ones empty)."""
    path = table_path(out_dir, name)
    cols = TABLES[name]
    if path is None:
        return empty_table(name)
    if path.suffix == ".parquet":
        df = pd.read_parquet(path)
    else:
        # only an empty field is missing: a title "NA" or a value "null" is text, not a gap
        df = pd.read_csv(path, encoding="utf-8-sig", dtype=cols, keep_default_na=False, na_values=[""])
        df = restore_formulas(df)
    for c, t in cols.items():
        df[c] = df[c].astype(t) if c in df.columns else pd.Series(pd.NA, index=df.index, dtype=t)
    return df[list(cols)].reset_index(drop=True)


def load_tables(out_dir: Path) -> dict[str, pd.DataFrame]:
    """Every table of the schema from ``out_dir``; raises ReviewError when it holds no documents table."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ReviewError(f"{out_dir}: no such output folder; run `krnews run INPUT --out {out_dir}` first")
    if table_path(out_dir, "documents") is None:
        raise ReviewError(
            f"{out_dir}: not a krnews output folder (neither documents.parquet nor documents.csv is there); "
            f"run `krnews run INPUT --out {out_dir}` first"
        )
    return {name: read_table(out_dir, name) for name in TABLE_NAMES}


def doc_texts(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """doc_id -> article text (a missing text reads as the empty string)."""
    docs = tables["documents"]
    return {str(d): ("" if pd.isna(t) else str(t)) for d, t in zip(docs["doc_id"], docs["text"])}


def mention_records(tables: dict[str, pd.DataFrame]) -> dict[str, list[dict]]:
    """doc_id -> the document's mentions as plain dicts sorted by offset (NA values become None)."""
    out: dict[str, list[dict]] = {}
    mentions = tables["mentions"]
    if mentions.empty:
        return out
    clean = mentions.astype(object).where(mentions.notna(), None)
    for row in clean.to_dict("records"):
        out.setdefault(str(row["doc_id"]), []).append(row)
    return out
