"""Writers: the same rows as CSV (``utf-8-sig``, so Excel on Korean Windows shows Hangul) and Parquet.

Writes are atomic (a temporary file in the same folder, then ``os.replace``), so a killed run never leaves half a
table. In CSV only, a text cell a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab
or carriage return) is prefixed with ``'``; Parquet keeps the exact text.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable

import pandas as pd

from pipeline.io import FORMATS  # noqa: F401  (re-exported: the formats a run can write)
from pipeline.io.schema import TABLES, empty_table

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_UMASK = os.umask(0)
os.umask(_UMASK)


def neutralize_formulas(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if str(out[col].dtype) in ("string", "object", "str"):
            s = out[col]
            mask = s.notna() & s.astype("string").str.startswith(FORMULA_PREFIXES).fillna(False)
            if mask.any():
                out.loc[mask, col] = "'" + s[mask].astype("string")
    return out


def atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; tables are ordinary files for the user's tools
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_csv(df: pd.DataFrame, path: Path) -> None:
    safe = neutralize_formulas(df)
    atomic_write(path, lambda tmp: safe.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n"))


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False, engine="pyarrow"))


def write_tables(tables: dict[str, pd.DataFrame], out_dir: str | Path,
                 formats: Iterable[str] = FORMATS) -> list[Path]:
    """Write every table (empty ones included) in each format; returns the paths written."""
    out = Path(out_dir)
    formats = list(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format(s) {unknown}; choose from {list(FORMATS)}")
    written = []
    for name in TABLES:
        df = tables.get(name)
        if df is None:
            df = empty_table(name)
        if "csv" in formats:
            write_csv(df, out / f"{name}.csv")
            written.append(out / f"{name}.csv")
        if "parquet" in formats:
            write_parquet(df, out / f"{name}.parquet")
            written.append(out / f"{name}.parquet")
    return written


def table_path(out_dir: str | Path, name: str) -> Path | None:
    """The file a table is read from: ``<name>.parquet``, else ``<name>.csv``, else None."""
    for suffix in (".parquet", ".csv"):
        p = Path(out_dir) / f"{name}{suffix}"
        if p.is_file():
            return p
    return None


def restore_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Undo ``neutralize_formulas`` on a table read back from CSV (a mention ``-3%`` reads as ``'-3%`` otherwise and
    breaks ``text == documents.text[start:end]``). A cell that really began with ``'=`` cannot be told apart in CSV;
    Parquet keeps the exact text."""
    for col in df.columns:
        if str(df[col].dtype) == "string":
            s = df[col]
            mask = (s.str.startswith("'") & s.str.slice(1).str.startswith(FORMULA_PREFIXES)).fillna(False)
            mask = mask.astype(bool)
            if mask.any():
                df.loc[mask, col] = s[mask].str.slice(1)
    return df


def read_table(out_dir: str | Path, name: str) -> pd.DataFrame:
    """One table back from an output folder (Parquet when present, else CSV) with exactly the schema's columns and
    dtypes; a table file that is absent reads as an empty table."""
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
