"""Load the tables of an output directory (``krnews run … --out DIR``) for review, export and inspection.

Each table is read by ``pipeline.io.writers.read_table`` (Parquet preferred, CSV with the formula guard undone); a
missing ``documents`` table means the folder is not an output directory at all, which is an error.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.io.schema import TABLE_NAMES
from pipeline.io.writers import read_table, table_path


class ReviewError(Exception):
    """A problem with the reviewer's input (an output folder, an annotation file) that the user must fix."""


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
