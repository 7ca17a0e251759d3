"""The lexicon file format (``rules/lexicons/*.tsv``), parsed in one place for the loader and the normalizers.

UTF-8 (a BOM is tolerated), a header line naming the columns, the first column the surface form, ``#`` comments and
blank lines skipped, cells NFC-normalized; the first row of a repeated form wins.
"""
from __future__ import annotations

import unicodedata


def parse_tsv(text: str) -> tuple[list[str] | None, dict[str, dict[str, str]]]:
    """``(columns, form -> row)``; ``columns`` is None when the file has no header line."""
    columns: list[str] | None = None
    rows: dict[str, dict[str, str]] = {}
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cells = [unicodedata.normalize("NFC", c.strip()) for c in raw.split("\t")]
        if columns is None:
            columns = cells
            continue
        cells += [""] * (len(columns) - len(cells))
        if cells[0] and cells[0] not in rows:
            rows[cells[0]] = dict(zip(columns, cells))
    return columns, rows
