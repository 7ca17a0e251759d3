"""Tables stage: one article's analysis to table rows (plain dicts keyed by the columns of ``io.schema``).

Every row's ``text`` is sliced from the article text at its ``start``/``end`` here, and nowhere else, so the
offset invariant ``text == documents.text[start:end]`` holds by construction.
"""
from __future__ import annotations

import json
import math
from typing import Any

from pipeline.article import Analysis, ReadError
from pipeline.io.schema import LABEL_TABLES, TABLES


def _json_default(o: Any):
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)


# One encoder for every row: json.dumps with options builds a new one per call, which cost more than the encoding.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=_json_default)


def normalized_json(value: dict | None) -> str:
    if value is None:
        return ""
    clean = {k: v for k, v in value.items() if v is not None and not (isinstance(v, float) and math.isnan(v))}
    return _ENCODER.encode(clean)


def assign_ids(analysis: Analysis) -> None:
    """Stable mention ids in text order (``m0001`` …), and the sentence of each mention."""
    analysis.mentions.sort(key=lambda m: (m.start, m.end, m.label, m.rule_id))
    for i, m in enumerate(analysis.mentions, 1):
        m.mention_id = f"m{i:04d}"
        m.sentence_idx = analysis.sentence_at(m.start)


def document_row(analysis: Analysis) -> dict:
    a = analysis.article
    return {
        "doc_id": a.doc_id, "path": a.path, "title": a.title,
        "published": a.published.isoformat() if a.published else None,
        "source": a.source, "author": a.author, "url": a.url,
        "encoding": a.encoding, "n_chars": len(a.text), "n_sentences": len(analysis.sentences),
        "status": analysis.status, "sha256": a.sha256,
        "listed_entities": json.dumps(a.listed, ensure_ascii=False, sort_keys=True) if a.listed else "",
        "text": a.text,
    }


def error_row(e: ReadError) -> dict:
    return {"path": e.path, "line": e.line, "stage": e.stage, "error": e.error, "message": e.message}


def quote_row(doc_id: str, text: str, q) -> dict:
    """A row of ``quotes``: the quoted words sliced at their offsets; the speaker as resolved by the quotes stage."""
    sp = q.speaker
    return {
        "doc_id": doc_id, "quote_id": q.quote_id, "start": q.start, "end": q.end, "quote": text[q.start:q.end],
        "kind": q.kind, "cue": q.cue,
        "speaker_mention_id": sp.mention.mention_id if sp is not None and sp.mention is not None else None,
        "speaker_name": sp.name if sp else None, "speaker_title": sp.title if sp else None,
        "speaker_org": sp.org if sp else None, "speaker_kind": sp.kind if sp else "unresolved",
        "speaker_start": sp.start if sp else None, "speaker_end": sp.end if sp else None,
        "sentence_idx": q.sentence_idx, "rule_id": q.rule_id,
    }


def rows_for(analysis: Analysis) -> dict[str, list[dict]]:
    """All table rows of one article (``errors`` included: stage failures of this article)."""
    text = analysis.text
    doc_id = analysis.article.doc_id
    out: dict[str, list[dict]] = {name: [] for name in TABLES}
    out["documents"].append(document_row(analysis))
    for m in analysis.mentions:
        out["mentions"].append({
            "doc_id": doc_id, "mention_id": m.mention_id, "label": m.label, "text": text[m.start:m.end],
            "start": m.start, "end": m.end, "sentence_idx": m.sentence_idx, "source": m.source,
            "rule_id": m.rule_id, "confidence": m.confidence, "normalized": normalized_json(m.value),
            "entity_id": None,  # corpus-wide: filled where the output is assembled (pipeline.entities)
        })
        table = LABEL_TABLES.get(m.label)
        if table is None or not m.in_table:
            continue
        start, end = m.extent if m.extent else (m.start, m.end)
        row = {"doc_id": doc_id, "mention_id": m.mention_id, "text": text[start:end], "start": start, "end": end}
        value = m.value or {}
        for col in TABLES[table]:
            if col not in row:
                row[col] = value.get(col)
        out[table].append(row)
    for q in analysis.quotes:
        out["quotes"].append(quote_row(doc_id, text, q))
    for e in analysis.errors:
        out["errors"].append(error_row(e))
    return out


class TablesStage:
    name = "tables"

    def __call__(self, analysis: Analysis) -> None:
        assign_ids(analysis)
