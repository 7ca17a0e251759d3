"""The output tables: columns, dtypes and sort keys, declared once for every writer and reader.

``entities`` is built across the whole output folder at assembly (``pipeline.entities``), never per article.
``LABEL_TABLES`` says which mention label feeds which value table; a label of a user's rule file that is not listed
(PERCENT, say) appears in ``mentions`` only, with its normalized value as JSON.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a DataFrame is built: the extraction workers never need it
    import pandas as pd

# column -> pandas dtype. "string" is pandas' nullable string, "Int64"/"Float64"/"boolean" nullable numbers.
TABLES: dict[str, dict[str, str]] = {
    "documents": {
        "doc_id": "string", "path": "string", "title": "string", "published": "string", "source": "string",
        "author": "string", "url": "string", "encoding": "string", "n_chars": "Int64", "n_sentences": "Int64",
        "status": "string", "sha256": "string", "listed_entities": "string", "text": "string",
    },
    "mentions": {
        "doc_id": "string", "mention_id": "string", "label": "string", "text": "string", "start": "Int64",
        "end": "Int64", "sentence_idx": "Int64", "source": "string", "rule_id": "string", "confidence": "Float64",
        "normalized": "string", "entity_id": "string",
    },
    "money": {
        "doc_id": "string", "mention_id": "string", "text": "string", "start": "Int64", "end": "Int64",
        "amount": "Float64", "currency": "string", "approx": "boolean", "min_amount": "Float64",
        "max_amount": "Float64", "qualifier": "string",
    },
    "areas": {
        "doc_id": "string", "mention_id": "string", "text": "string", "start": "Int64", "end": "Int64",
        # value_m2: the exact conversion (1평 = 400/121 m²), not rounded, as the nearest float64 (normalizers/area.py)
        "value_m2": "Float64", "unit": "string", "approx": "boolean",
    },
    "dates": {
        "doc_id": "string", "mention_id": "string", "text": "string", "start": "Int64", "end": "Int64",
        "value": "string", "granularity": "string", "start_date": "string", "end_date": "string",
        "relative": "boolean",
    },
    "people": {
        "doc_id": "string", "mention_id": "string", "text": "string", "start": "Int64", "end": "Int64",
        "name": "string", "title": "string", "organization": "string",
    },
    "organizations": {
        "doc_id": "string", "mention_id": "string", "text": "string", "start": "Int64", "end": "Int64",
        "name": "string", "alias": "string",
    },
    "entities": {
        "entity_id": "string", "label": "string", "name": "string", "aliases": "string", "titles": "string",
        "organizations": "string", "n_docs": "Int64", "n_mentions": "Int64", "first_published": "string",
        "last_published": "string",
    },
    "quotes": {
        "doc_id": "string", "quote_id": "string", "start": "Int64", "end": "Int64", "quote": "string",
        "kind": "string", "cue": "string", "speaker_mention_id": "string", "speaker_name": "string",
        "speaker_title": "string", "speaker_org": "string", "speaker_kind": "string", "speaker_start": "Int64",
        "speaker_end": "Int64", "sentence_idx": "Int64", "rule_id": "string",
    },
    "errors": {
        "path": "string", "line": "Int64", "stage": "string", "error": "string", "message": "string",
    },
}

SORT_KEYS: dict[str, list[str]] = {
    "documents": ["doc_id"],
    "mentions": ["doc_id", "start", "end", "label", "mention_id"],
    "errors": ["path", "line", "stage", "error", "message"],
    "quotes": ["doc_id", "start", "end", "quote_id"],
    "entities": ["label", "name", "entity_id"],
}
for _name in ("money", "areas", "dates", "people", "organizations"):
    SORT_KEYS[_name] = ["doc_id", "start", "end", "mention_id"]

LABEL_TABLES: dict[str, str] = {
    "MONEY": "money",
    "AREA": "areas",
    "DATE": "dates",
    "PERSON": "people",
    "ORG": "organizations",
}

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)


def empty_table(name: str) -> "pd.DataFrame":
    import pandas as pd

    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in TABLES[name].items()})


def to_frame(name: str, rows: list[dict]) -> "pd.DataFrame":
    """Rows (dicts) to a DataFrame with exactly the documented columns, dtypes and deterministic order."""
    import pandas as pd

    cols = TABLES[name]
    if not rows:
        return empty_table(name)
    df = pd.DataFrame.from_records(rows, columns=list(cols))
    for c, t in cols.items():
        df[c] = df[c].astype(t)
    df = df.sort_values(SORT_KEYS[name], kind="mergesort", na_position="first").reset_index(drop=True)
    return df
