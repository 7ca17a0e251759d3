"""Export the pipeline's mentions as pre-annotations for Label Studio or doccano, or as our spans JSONL.

Offsets: Python (and ``spans``) count code points; the browser front ends of Label Studio and doccano count UTF-16
code units (JavaScript's ``String.length``), so a character outside the BMP (emoji, 𝟘) counts 2 there. Exports to
both tools therefore carry UTF-16 offsets by default (``offsets="codepoints"`` switches that off), and the importer
converts back. See docs/reviewing.md for the evidence behind that choice.

>>> export(Path("outputs"), "label-studio")  # doctest: +SKIP
PosixPath('outputs/annotations.label-studio.json')
"""
from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

from pipeline.review.offsets import UNITS, OffsetMap
from pipeline.review.report import ordered_labels
from pipeline.review.tables import ReviewError, doc_texts, load_tables, mention_records

FORMATS = ("label-studio", "doccano", "spans")
# the unit each format's offsets are counted in, unless the caller says otherwise
DEFAULT_UNITS = {"label-studio": "utf16", "doccano": "utf16", "spans": "codepoints"}
DEFAULT_NAMES = {"label-studio": "annotations.label-studio.json", "doccano": "annotations.doccano.jsonl",
                 "spans": "annotations.spans.jsonl"}
MODEL_VERSION = "krnews"


def spans_records(tables) -> list[dict]:
    """Every document with text as a spans record ``{"id", "text", "entities": [{start, end, label, text}]}``.

    Mentions whose offsets do not fit the text are left out (the tables' invariant makes that a no-op); documents
    without text (failed reads) are left out, there is nothing to annotate.
    """
    texts = doc_texts(tables)
    mentions = mention_records(tables)
    records = []
    for doc_id, text in texts.items():
        if not text:
            continue
        entities = []
        for m in mentions.get(doc_id, []):
            s, e = m["start"], m["end"]
            if s is None or e is None or not 0 <= s < e <= len(text) or m["label"] is None:
                continue
            entities.append({"start": int(s), "end": int(e), "label": str(m["label"]), "text": text[s:e],
                             "_id": m.get("mention_id")})
        entities.sort(key=lambda x: (x["start"], x["end"], x["label"]))
        records.append({"id": doc_id, "text": text, "entities": entities})
    return records


def _strip(entity: dict) -> dict:
    return {k: v for k, v in entity.items() if not k.startswith("_")}


def to_label_studio(records: list[dict], unit: str = "utf16") -> list[dict]:
    """Label Studio tasks with the mentions as ``predictions`` (a reviewer accepts or fixes them)."""
    tasks = []
    for rec in records:
        omap = OffsetMap(rec["text"])
        result = []
        for i, ent in enumerate(rec["entities"], 1):
            result.append({
                "id": ent.get("_id") or f"r{i:04d}", "from_name": "label", "to_name": "text", "type": "labels",
                "value": {"start": omap.convert(ent["start"], unit, to_python=False),
                          "end": omap.convert(ent["end"], unit, to_python=False),
                          "text": ent["text"], "labels": [ent["label"]]},
            })
        tasks.append({"data": {"text": rec["text"], "doc_id": rec["id"]},
                      "predictions": [{"model_version": MODEL_VERSION, "result": result}]})
    return tasks


def to_doccano(records: list[dict], unit: str = "utf16") -> list[dict]:
    """doccano sequence-labelling JSONL lines ``{"text", "label": [[start, end, LABEL]], "doc_id"}``."""
    lines = []
    for rec in records:
        omap = OffsetMap(rec["text"])
        label = [[omap.convert(e["start"], unit, to_python=False), omap.convert(e["end"], unit, to_python=False),
                  e["label"]] for e in rec["entities"]]
        lines.append({"text": rec["text"], "label": label, "doc_id": rec["id"]})
    return lines


def label_studio_config(labels: list[str]) -> str:
    """A Label Studio labeling config whose names match the export (``label`` → ``text``)."""
    items = "\n".join(f"    <Label value={quoteattr(lab)}/>" for lab in labels)
    return ('<View>\n  <Labels name="label" toName="text">\n' + items + '\n  </Labels>\n'
            '  <Text name="text" value="$text"/>\n</View>\n')


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def export(out_dir: Path, fmt: str, dest: Path | None = None, offsets: str | None = None) -> Path:
    """Write the mentions of ``out_dir`` in format ``fmt`` to ``dest`` (default ``OUT_DIR/annotations.<fmt>…``).

    ``offsets`` overrides the unit (``utf16`` or ``codepoints``). For Label Studio a matching labeling config is
    written next to the tasks (``<dest>.config.xml``). Returns ``dest``.
    """
    if fmt not in FORMATS:
        raise ReviewError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    unit = offsets or DEFAULT_UNITS[fmt]
    if unit not in UNITS:
        raise ReviewError(f"unknown offset unit {unit!r}; choose one of {', '.join(UNITS)}")
    if fmt == "spans" and unit != "codepoints":
        raise ReviewError("spans JSONL always counts code points (Python offsets); drop --offsets")
    out_dir = Path(out_dir)
    tables = load_tables(out_dir)
    records = spans_records(tables)
    dest = Path(dest) if dest is not None else out_dir / DEFAULT_NAMES[fmt]
    dest.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "label-studio":
        dest.write_text(json.dumps(to_label_studio(records, unit), ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")
        labels = ordered_labels(tables["mentions"]["label"].dropna().unique())
        dest.with_name(dest.name + ".config.xml").write_text(label_studio_config(labels), encoding="utf-8")
    elif fmt == "doccano":
        _write_jsonl(dest, to_doccano(records, unit))
    else:
        _write_jsonl(dest, [{**r, "entities": [_strip(e) for e in r["entities"]]} for r in records])
    return dest
