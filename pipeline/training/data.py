"""KLUE-NER spans JSONL → spaCy ``DocBin``, tokenized by our Kiwi tokenizer, with a fixed train/validation split.

Split: a sentence goes to validation when ``int(sha1(id), 16) % 10 == 0`` (about 10 %), whatever its source, so
news (``-wikitree``) and movie reviews (``-nsmc``) are both in each part and the split never changes with file order.

Alignment: KLUE spans are character spans; a model over Kiwi forms can only mark whole forms. Most spans fall on
form boundaries (a name glued to a particle is split by Kiwi: 박|씨|의). When they do not, Kiwi has merged an
entity edge with its neighbour (11개|국 read as 11|개국, 고아라도 as 고아|라도), and we:

1. trim whitespace KLUE sometimes includes at a span edge (`` 퇴계로 2가``);
2. keep the span when it is aligned (``exact``);
3. otherwise widen it to whole forms (``expanded``) when the widened span at most doubles the entity and touches no
   other entity: 11개 → 11개국, 마크 러팔로 → 마크 러팔로랑, 북 → 북측;
4. otherwise narrow it to the forms inside (``contracted``) when that leaves something (no case in KLUE dev
   reaches this step, the rule is here for other gold files);
5. otherwise the entity is ``lost`` (패트 inside the single form 패트와매트, 4 inside 4.4.4.); its forms are marked
   *missing* rather than ``O``, so the model is not taught that they are not an entity.

>>> from pipeline.training.data import split_of
>>> split_of("klue-ner-v1_dev_00000-wikitree")
'train'
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from pipeline.paths import KLUE_SPANS

DEFAULT_SOURCE = KLUE_SPANS
VALIDATION_BUCKET = 0  # sha1(id) % 10 == VALIDATION_BUCKET → validation
MAX_EXPANSION = 2.0  # an expanded span may be at most this many times the entity's length …
MAX_EXTRA_CHARS = 1  # … and at most this many characters longer (11개 → 11개국, not 한국 → 한국시각)

OUTCOMES = ("exact", "trimmed", "expanded", "contracted", "lost")


def split_of(sentence_id: str) -> str:
    """``"dev"`` (validation) or ``"train"`` for a sentence id, by a hash of the id: fixed and order-free."""
    bucket = int(hashlib.sha1(sentence_id.encode("utf-8")).hexdigest(), 16) % 10
    return "dev" if bucket == VALIDATION_BUCKET else "train"


def read_spans(path: str | Path) -> Iterator[dict]:
    """Records of a spans JSONL file: ``{"id", "source", "text", "entities": [{"start", "end", "label", "text"}]}``."""
    import gzip

    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: not JSON ({exc.msg})") from None
            if "text" not in rec:
                raise ValueError(f"{path}:{lineno}: a record needs 'text' (and 'entities')")
            rec.setdefault("id", f"{Path(path).stem}:{lineno}")
            rec.setdefault("entities", [])
            rec.setdefault("source", rec["id"].rsplit("-", 1)[-1] if "-" in rec["id"] else "")
            yield rec


@dataclass
class AlignmentStats:
    """How many gold entities kept their span, and how many were changed or lost by alignment to Kiwi forms."""

    outcomes: Counter = field(default_factory=Counter)  # outcome → count
    by_label: Counter = field(default_factory=Counter)  # (label, outcome) → count
    examples: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # outcome → (label, gold, ours)

    def add(self, label: str, outcome: str, gold: str, ours: str, keep_examples: int = 8) -> None:
        self.outcomes[outcome] += 1
        self.by_label[label, outcome] += 1
        if outcome not in ("exact",):
            ex = self.examples.setdefault(outcome, [])
            if len(ex) < keep_examples:
                ex.append((label, gold, ours))

    def update(self, other: "AlignmentStats") -> None:
        self.outcomes.update(other.outcomes)
        self.by_label.update(other.by_label)
        for k, v in other.examples.items():
            self.examples.setdefault(k, []).extend(v[: max(0, 8 - len(self.examples.get(k, [])))])

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    def as_dict(self) -> dict:
        return {"total": self.total, "outcomes": {k: self.outcomes.get(k, 0) for k in OUTCOMES},
                "by_label": {f"{lab}/{out}": n for (lab, out), n in sorted(self.by_label.items())},
                "examples": self.examples}


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def align_entities(doc: Doc, entities: Iterable[dict], stats: AlignmentStats | None = None) -> tuple[list[Span], list[Span]]:
    """Gold character spans → (entity spans on ``doc``'s tokens, spans to mark missing), by the policy above."""
    stats = stats if stats is not None else AlignmentStats()
    ents = sorted(({"start": e["start"], "end": e["end"], "label": e["label"]} for e in entities),
                  key=lambda e: (e["start"], e["end"]))
    text = doc.text
    kept: list[Span] = []
    missing: list[Span] = []
    for i, e in enumerate(ents):
        gold = text[e["start"]:e["end"]]
        start, end = _trim(text, e["start"], e["end"])
        label = e["label"]
        if start >= end:
            stats.add(label, "lost", gold, "")
            continue
        span = doc.char_span(start, end, label)
        outcome = "exact" if (start, end) == (e["start"], e["end"]) else "trimmed"
        if span is None:
            others = [o for j, o in enumerate(ents) if j != i]
            wide = doc.char_span(start, end, label, alignment_mode="expand")
            narrow = doc.char_span(start, end, label, alignment_mode="contract")
            wide_ok = (wide is not None and len(wide.text) <= MAX_EXPANSION * (end - start)
                       and len(wide.text) - (end - start) <= MAX_EXTRA_CHARS
                       and not any(o["start"] < wide.end_char and wide.start_char < o["end"] for o in others))
            if wide_ok:
                span, outcome = wide, "expanded"
            elif narrow is not None and len(narrow) > 0:
                span, outcome = narrow, "contracted"
            else:
                stats.add(label, "lost", gold, wide.text if wide is not None else "")
                if wide is not None:
                    missing.append(wide)
                continue
        if kept and span.start < kept[-1].end:  # two gold spans on one form: keep the first
            stats.add(label, "lost", gold, span.text)
            continue
        stats.add(label, outcome, gold, span.text)
        kept.append(span)
    # A missing stretch must not cover a kept entity nor another missing stretch (two entities in one form).
    clean: list[Span] = []
    for m in missing:
        if not any(o.start < m.end and m.start < o.end for o in kept + clean):
            clean.append(m)
    return kept, clean


def make_example_doc(nlp: Language, record: dict, stats: AlignmentStats | None = None) -> Doc:
    """The reference ``Doc`` for one record: our tokenizer's forms (with Kiwi tags) and the aligned entities."""
    doc = nlp.make_doc(record["text"])
    kept, missing = align_entities(doc, record["entities"], stats)
    for start, end in record.get("missing", ()):  # pseudo-labels: stretches the teachers were unsure of
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None and not any(k.start < span.end and span.start < k.end for k in kept + missing):
            missing.append(span)
    doc.set_ents(kept, missing=missing, default="outside")
    doc.user_data["id"] = record["id"]
    return doc


def to_docbin(nlp: Language, records: Iterable[dict], stats: AlignmentStats | None = None) -> DocBin:
    db = DocBin(attrs=["ORTH", "TAG", "ENT_IOB", "ENT_TYPE", "SENT_START"], store_user_data=True)
    for rec in records:
        db.add(make_example_doc(nlp, rec, stats))
    return db


@dataclass
class BuiltCorpus:
    train: Path
    dev: Path
    val_spans: Path
    counts: dict[str, Counter]  # split → Counter(source) of sentences
    alignment: dict[str, AlignmentStats]  # split → stats


def build_corpus(out_dir: str | Path, source: str | Path = DEFAULT_SOURCE, limit: int = 0,
                 val_spans: str | Path | None = None, tokenizer: str | None = None,
                 extra_train: Iterable[str | Path] = ()) -> BuiltCorpus:
    """Write ``train.spacy``, ``dev.spacy`` and ``alignment.json`` into ``out_dir``, and the validation sentences
    as spans JSONL to ``val_spans`` (default ``out_dir/klue-val.spans.jsonl``) for ``krnews evaluate``.

    ``limit`` keeps the first N records of the source (for tests); the split is the same whatever the limit.
    ``tokenizer`` is the registered name of the tokenizer the model reads (the config's ``nlp.tokenizer``; default
    ours, ``krnews.KiwiTokenizer``). ``extra_train``: spans JSONL files (gzip allowed) added to the train part only,
    e.g. the pseudo-labeled corpus of ``pipeline.training.selftrain``.
    """
    from pipeline.stages.segment import blank_nlp

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    nlp = blank_nlp(tokenizer)
    parts: dict[str, list[dict]] = {"train": [], "dev": []}
    for n, rec in enumerate(read_spans(source)):
        if limit and n >= limit:
            break
        parts[split_of(rec["id"])].append(rec)
    for path in extra_train:
        parts["train"].extend(read_spans(path))
    stats = {name: AlignmentStats() for name in parts}
    paths = {}
    for name, recs in parts.items():
        path = out / f"{name}.spacy"
        to_docbin(nlp, recs, stats[name]).to_disk(path)
        paths[name] = path
    val_spans = Path(val_spans) if val_spans is not None else out / "klue-val.spans.jsonl"
    val_spans.parent.mkdir(parents=True, exist_ok=True)
    with open(val_spans, "w", encoding="utf-8") as fh:
        for rec in parts["dev"]:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    counts = {name: Counter(r.get("source", "") for r in recs) for name, recs in parts.items()}
    report = {name: {"sentences": dict(counts[name]), "alignment": stats[name].as_dict()} for name in parts}
    (out / "alignment.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return BuiltCorpus(paths["train"], paths["dev"], val_spans, counts, stats)
