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

from pipeline.io.schema import TABLES, empty_table

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "parquet")
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
    """Write every table (all eight, empty ones included) in each format; returns the paths written."""
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


def read_table(out_dir: str | Path, name: str) -> pd.DataFrame:
    """Read one table back (Parquet when present, else CSV) with the schema's dtypes."""
    out = Path(out_dir)
    pq = out / f"{name}.parquet"
    if pq.exists():
        df = pd.read_parquet(pq)
    else:
        df = pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False,
                         na_values=[""])
    for col, dtype in TABLES[name].items():
        if dtype == "boolean" and df[col].dtype == object:
            df[col] = df[col].map({"True": True, "False": False, True: True, False: False})
        df[col] = df[col].astype(dtype)
    return df[list(TABLES[name])]
