"""Import corrected annotations (Label Studio JSON, doccano JSONL, spans JSONL) back to spans JSONL.

Every span is checked against its article before anything is written: offsets are converted back to code points, a
span must lie inside the text and not split a surrogate pair, and when the file carries the span's text (Label
Studio, spans) the article must read exactly that text at those offsets. All problems are collected and reported
together; nothing is written unless every span is good or the caller passes ``skip_bad=True``.

>>> import_annotations(Path("export.json"))  # doctest: +SKIP
ImportResult(dest=PosixPath('export.spans.jsonl'), fmt='label-studio', records=[...], problems=[])
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from pipeline.review.export import DEFAULT_UNITS
from pipeline.review.offsets import UNITS, OffsetMap
from pipeline.review.tables import ReviewError

IMPORT_FORMATS = ("auto", "label-studio", "doccano", "spans")


@dataclass(frozen=True)
class Problem:
    """One refused span (or task), located so the reviewer can find it in the tool."""

    path: str
    where: str  # "task 3 (doc_id 'econ-001')" or "line 7 (doc_id …)"
    span: str  # "#2 [10:14 MONEY '3억원']", or "" for the whole task
    message: str

    def __str__(self) -> str:
        span = f" span {self.span}" if self.span else ""
        return f"{self.path}: {self.where}{span}: {self.message}"


class AnnotationError(ReviewError):
    """Spans that do not fit their article; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = f"{len(problems)} bad span(s), nothing was written (pass --skip-bad to write the good ones):"
        super().__init__("\n".join([head, *(f"  {p}" for p in problems)]))


@dataclass
class ImportResult:
    dest: Path | None
    fmt: str
    records: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # spans skipped with skip_bad=True


@dataclass(frozen=True)
class RawSpan:
    """A span as the file states it, before conversion."""

    start: Any
    end: Any
    label: Any
    text: str | None  # the span's text when the format carries it
    name: str  # for messages
    malformed: str = ""  # why the item is not a span at all


@dataclass
class RawDoc:
    doc_id: str
    text: Any
    spans: list[RawSpan]
    where: str


# ---------------------------------------------------------------------------------------------------------------
# reading the three formats


def _load_json_or_lines(path: Path) -> tuple[Any, list[tuple[int, Any]] | None]:
    """The whole file as JSON, or (None, [(line number, object)]) when it is JSON Lines."""
    raw = path.read_text(encoding="utf-8-sig")
    try:
        return json.loads(raw), None
    except json.JSONDecodeError:
        pass
    lines = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            lines.append((n, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise ReviewError(f"{path}:{n}: not JSON ({exc.msg} at column {exc.colno}); expected Label Studio "
                              "JSON, doccano JSONL or spans JSONL") from None
    return None, lines


def detect_format(obj: Any, lines: list[tuple[int, Any]] | None, path: Path) -> str:
    """Label Studio when the file is a JSON list of tasks with ``data``; else by the keys of the first line."""
    if lines is None:
        if isinstance(obj, dict) and "data" in obj:
            return "label-studio"
        if isinstance(obj, list) and obj and all(isinstance(t, dict) for t in obj) and "data" in obj[0]:
            return "label-studio"
        lines = [(1, obj)] if isinstance(obj, dict) else []
    first = next((o for _, o in lines if isinstance(o, dict)), None)
    if first is not None:
        ents = first.get("entities")
        if "label" in first or "labels" in first or (ents and isinstance(ents[0], dict) and "start_offset" in ents[0]):
            return "doccano"
        if "entities" in first:
            return "spans"
    raise ReviewError(f"{path}: cannot tell the format: expected a Label Studio JSON list of tasks "
                      "({\"data\": {\"text\"}, …}), doccano JSONL ({\"text\", \"label\"}) or spans JSONL "
                      "({\"id\", \"text\", \"entities\"}); pass --format")


def _as_lines(obj: Any, lines: list[tuple[int, Any]] | None) -> list[tuple[int, Any]]:
    if lines is not None:
        return lines
    if isinstance(obj, list):
        return list(enumerate(obj, 1))
    return [(1, obj)]


def _label_studio_docs(obj: Any) -> Iterator[RawDoc]:
    tasks = obj if isinstance(obj, list) else [obj]
    for i, task in enumerate(tasks, 1):
        if not isinstance(task, dict):
            yield RawDoc(f"task-{i}", None, [], f"task {i}")
            continue
        data = task.get("data") or {}
        doc_id = str(data.get("doc_id") or data.get("id") or task.get("id") or f"task-{i}")
        # a human's annotation wins over the model's predictions, even an empty one (the human removed them all)
        annotations = [a for a in (task.get("annotations") or task.get("completions") or [])
                       if isinstance(a, dict) and not a.get("was_cancelled")]
        if annotations:
            result = annotations[-1].get("result") or []
        else:
            predictions = [p for p in task.get("predictions") or [] if isinstance(p, dict)]
            result = (predictions[-1].get("result") or []) if predictions else []
        spans = []
        for j, item in enumerate(result, 1):
            if not isinstance(item, dict) or item.get("type", "labels") != "labels":
                continue  # relations, choices, text areas: not spans
            value = item.get("value") or {}
            labels = value.get("labels")
            labels = labels if isinstance(labels, list) and labels else [None]
            for label in labels:
                spans.append(RawSpan(value.get("start"), value.get("end"), label, value.get("text"),
                                     f"#{j}" + (f" (id {item['id']})" if item.get("id") else "")))
        yield RawDoc(doc_id, data.get("text"), spans, f"task {i} (doc_id {doc_id!r})")


def _doccano_docs(lines: list[tuple[int, Any]]) -> Iterator[RawDoc]:
    for n, row in lines:
        if not isinstance(row, dict):
            yield RawDoc(f"line-{n}", None, [], f"line {n}")
            continue
        doc_id = str(row.get("doc_id") or row.get("id") or f"line-{n}")
        spans = []
        raw = row.get("label", row.get("labels"))
        for j, item in enumerate(raw or [], 1):
            if isinstance(item, (list, tuple)) and len(item) == 3:
                spans.append(RawSpan(item[0], item[1], item[2], None, f"#{j}"))
            else:
                spans.append(RawSpan(None, None, None, None, f"#{j}",
                                     f"expected [start, end, LABEL], got {json.dumps(item, ensure_ascii=False)}"))
        for j, ent in enumerate(row.get("entities") or [], 1):  # doccano's relation-project export
            ent = ent if isinstance(ent, dict) else {}
            spans.append(RawSpan(ent.get("start_offset"), ent.get("end_offset"), ent.get("label"), None,
                                 f"entity #{j}"))
        yield RawDoc(doc_id, row.get("text"), spans, f"line {n} (doc_id {doc_id!r})")


def _spans_docs(lines: list[tuple[int, Any]]) -> Iterator[RawDoc]:
    for n, row in lines:
        if not isinstance(row, dict):
            yield RawDoc(f"line-{n}", None, [], f"line {n}")
            continue
        doc_id = str(row.get("id") or row.get("doc_id") or f"line-{n}")
        spans = [RawSpan(e.get("start"), e.get("end"), e.get("label"), e.get("text"), f"#{j}")
                 if isinstance(e, dict) else RawSpan(None, None, None, None, f"#{j}", f"expected an object, got {e!r}")
                 for j, e in enumerate(row.get("entities") or [], 1)]
        yield RawDoc(doc_id, row.get("text"), spans, f"line {n} (id {doc_id!r})")


# ---------------------------------------------------------------------------------------------------------------
# checking


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _check_span(sp: RawSpan, text: str, omap: OffsetMap, unit: str) -> tuple[dict | None, str]:
    """(entity, "") for a good span, (None, why) for a bad one."""
    if sp.malformed:
        return None, sp.malformed
    if not _is_int(sp.start) or not _is_int(sp.end):
        return None, f"start/end must be integers, got {sp.start!r}/{sp.end!r}"
    if not isinstance(sp.label, str) or not sp.label:
        return None, f"no label (got {sp.label!r})"
    # the declared unit first; then the other one, for tool versions that count the other way. Without the span's
    # text nothing tells the units apart, so only the declared one is tried.
    units = (unit,) if sp.text is None else (unit, *(x for x in UNITS if x != unit))
    tried = []
    for u in units:
        s, e = omap.convert(sp.start, u, to_python=True), omap.convert(sp.end, u, to_python=True)
        if s is None or e is None:
            tried.append(f"{u}: splits a surrogate pair (half an emoji)")
            continue
        if not 0 <= s < e <= len(text):
            tried.append(f"{u}: outside the text (length {len(text)})" if s < e else f"{u}: empty or reversed")
            continue
        if sp.text is not None and text[s:e] != sp.text:
            tried.append(f"{u}: the article reads {text[s:e]!r}")
            continue
        return {"start": s, "end": e, "label": sp.label, "text": text[s:e]}, ""
    what = f"text {sp.text!r} does not match the article" if sp.text is not None else "offsets do not fit the article"
    return None, f"{what} ({'; '.join(tried)})"


def _describe(sp: RawSpan) -> str:
    if sp.malformed:
        return sp.name
    text = f" {sp.text!r}" if sp.text is not None else ""
    return f"{sp.name} [{sp.start}:{sp.end} {sp.label}{text}]"


def read_annotations(path: Path, fmt: str = "auto", offsets: str | None = None
                     ) -> tuple[list[dict], list[Problem], str]:
    """(spans records, problems, detected format) of an annotation file; writes nothing."""
    path = Path(path)
    if fmt not in IMPORT_FORMATS:
        raise ReviewError(f"unknown import format {fmt!r}; choose one of {', '.join(IMPORT_FORMATS)}")
    if not path.is_file():
        raise ReviewError(f"{path}: no such file")
    obj, lines = _load_json_or_lines(path)
    if fmt == "auto":
        fmt = detect_format(obj, lines, path)
    unit = offsets or DEFAULT_UNITS[fmt]
    if unit not in UNITS:
        raise ReviewError(f"unknown offset unit {unit!r}; choose one of {', '.join(UNITS)}")
    if fmt == "label-studio":
        if lines is not None:
            raise ReviewError(f"{path}: Label Studio export must be one JSON document (a list of tasks)")
        docs = _label_studio_docs(obj)
    elif fmt == "doccano":
        docs = _doccano_docs(_as_lines(obj, lines))
    else:
        docs = _spans_docs(_as_lines(obj, lines))

    records, problems, seen = [], [], set()
    for doc in docs:
        if not isinstance(doc.text, str):
            problems.append(Problem(str(path), doc.where, "", "no article text (expected a string under 'text')"))
            continue
        if doc.doc_id in seen:
            problems.append(Problem(str(path), doc.where, "", f"doc id {doc.doc_id!r} appears twice"))
            continue
        seen.add(doc.doc_id)
        omap = OffsetMap(doc.text)
        entities = {}
        for sp in doc.spans:
            ent, why = _check_span(sp, doc.text, omap, unit)
            if ent is None:
                problems.append(Problem(str(path), doc.where, _describe(sp), why))
            else:
                entities[(ent["start"], ent["end"], ent["label"])] = ent
        records.append({"id": doc.doc_id, "text": doc.text, "entities": [entities[k] for k in sorted(entities)]})
    return records, problems, fmt


def default_dest(path: Path) -> Path:
    """``export.json`` → ``export.spans.jsonl`` next to it."""
    stem = path.name
    for suffix in (".jsonl", ".json"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return path.with_name(f"{stem}.spans.jsonl")


def import_annotations(path: Path, dest: Path | None = None, format: str = "auto", *, skip_bad: bool = False,
                       offsets: str | None = None) -> ImportResult:
    """Read an annotation file, check every span against its article, write spans JSONL to ``dest``.

    Raises AnnotationError listing every bad span (and writes nothing) unless ``skip_bad``; then the bad spans are
    left out and returned in ``ImportResult.problems``.
    """
    path = Path(path)
    dest = Path(dest) if dest is not None else default_dest(path)
    if dest.resolve() == path.resolve():
        raise ReviewError(f"{dest}: refusing to overwrite the file being imported; choose another --out")
    records, problems, fmt = read_annotations(path, format, offsets)
    if problems and not skip_bad:
        raise AnnotationError(problems)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", encoding="utf-8", newline="\n") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return ImportResult(dest, fmt, records, problems)
