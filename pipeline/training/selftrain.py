"""Self-training on unlabeled news: a teacher labels the shared corpus, the shipped model learns from gold + those labels.

KLUE-NER gives us 4,504 labeled training sentences; the shared corpus (``news_sentences.tsv``) holds about 12,000
more news sentences with no labels (11,435 of them are KLUE's own train split, unlabeled). The recipe:

1. **Teachers**: one or more models trained on the gold train split only (wider than the shipped one: their cost
   does not matter, they never ship).
2. **Pseudo-labels**: every corpus sentence is tagged by the teachers (their per-token probabilities averaged, then
   the same constrained decoding as the stage). A token the teachers are not sure of (the decoded label's averaged
   probability under ``min_prob``) is marked *missing*, and so is every token of an entity that holds one: the
   student is taught only what the teachers agree on, and nothing about the rest.
3. **Student**: the shipped configuration, trained on the gold train split plus the pseudo-labeled sentences.

Excluded from the corpus: the KLUE-NER dev sentences (our training and validation data: a validation sentence must
never be taught, even with machine labels), and the sentences of the evaluation sets in ``bench/data`` (the
real-news NER gold set is drawn from this corpus).

The pseudo-labels are written as a spans JSONL (KLUE format, ``"source": "pseudo"``) so that a student can be
retrained from them without the teachers: ``krnews train`` reads ``pipeline/training/pseudo.spans.jsonl.gz``.
"""
from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Iterable, Sequence

import numpy

from pipeline.paths import KLUE_SPANS, NEWS_CORPUS, REPO_DIR

BENCH_DATA = REPO_DIR / "bench" / "data"
PSEUDO_SPANS = Path(__file__).resolve().parent / "pseudo.spans.jsonl.gz"
ENTITY_LABELS = ("PS", "OG", "LC", "DT", "QT", "TI")


def corpus_sentences(corpus: Path = NEWS_CORPUS, klue: Path = KLUE_SPANS,
                     exclude_files: Sequence[Path] = ()) -> list[tuple[str, str]]:
    """(id, text) of the corpus sentences a teacher may label: not KLUE-NER dev text, not in an evaluation set."""
    banned: set[str] = set()
    with open(klue, encoding="utf-8") as fh:
        banned.update(json.loads(line)["text"].strip() for line in fh if line.strip())
    for path in exclude_files or default_exclusions():
        banned.update(_texts_of(path))
    out, seen = [], set()
    with open(corpus, encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE), 2):
            text = (row.get("text") or "").strip()
            if not text or row.get("source") == "klue-ner-dev" or text in banned or text in seen:
                continue
            seen.add(text)
            out.append((f"corpus:{line}", text))
    return out


def default_exclusions() -> list[Path]:
    return sorted(p for p in BENCH_DATA.glob("*.jsonl")) if BENCH_DATA.is_dir() else []


def _texts_of(path: Path) -> Iterable[str]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                if "text" in rec:
                    yield rec["text"].strip()


class Ensemble:
    """Teachers applied to one Doc: averaged token probabilities, decoded as the stage decodes."""

    def __init__(self, model_dirs: Sequence[Path]):
        from pipeline.stages.ner import DocTagger, load_model

        self.taggers = [DocTagger(load_model(Path(d))) for d in model_dirs]
        labels = self.taggers[0].labels
        if any(t.labels != labels for t in self.taggers):
            raise ValueError("the teachers do not share one label set")
        self.labels = labels
        self.nlp = self.taggers[0].nlp

    def label(self, text: str, min_prob: float) -> dict:
        """A spans record: entities the teachers agree on, and the character ranges they are unsure of."""
        from pipeline.stages.biluo import decode, sentence_ranges

        doc = self.nlp.make_doc(text)
        if not len(doc):
            return {"text": text, "entities": [], "missing": []}
        probs = numpy.mean([t.tag(t.own(doc) if t.nlp is self.nlp else t.nlp.make_doc(text), full=True)[0]
                            for t in self.taggers], axis=0)
        path = decode([numpy.log(probs + 1e-9)], self.labels, [sentence_ranges(doc)])[0]
        chosen = probs[numpy.arange(len(path)), path]
        entities, missing = [], []
        i = 0
        while i < len(doc):
            lab = self.labels[path[i]]
            j = i + 1
            if lab.startswith("B-"):  # the path is well formed: an L- of the same type closes the entity
                while self.labels[path[j]][0] != "L":
                    j += 1
                j += 1
            start, end = doc[i].idx, doc[j - 1].idx + len(doc[j - 1])
            sure = bool((chosen[i:j] >= min_prob).all())
            if lab != "O" and sure:
                entities.append({"start": start, "end": end, "label": lab[2:], "text": text[start:end]})
            elif not sure and not doc[i].is_space:
                missing.append([start, end])
            i = j
        return {"text": text, "entities": entities, "missing": missing}


def pseudo_label(model_dirs: Sequence[Path], out: Path = PSEUDO_SPANS, min_prob: float = 0.9,
                 limit: int = 0, log=print) -> dict:
    """Tag the corpus with the teachers and write the pseudo-labeled spans JSONL (gzip when ``out`` ends in .gz)."""
    teachers = Ensemble(model_dirs)
    sentences = corpus_sentences()
    if limit:
        sentences = sentences[:limit]
    counts = {"sentences": 0, "entities": 0, "missing_spans": 0}
    opener = gzip.open if str(out).endswith(".gz") else open
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with opener(out, "wt", encoding="utf-8") as fh:
        for n, (sid, text) in enumerate(sentences):
            rec = teachers.label(text, min_prob)
            rec = {"id": sid + "-pseudo", "source": "pseudo", **rec}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            counts["sentences"] += 1
            counts["entities"] += len(rec["entities"])
            counts["missing_spans"] += len(rec["missing"])
            if log and n and n % 2000 == 0:
                log(f"{n:,} sentences labeled")
    return counts


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Pseudo-label the shared corpus with teacher models (docs/ner.md).")
    ap.add_argument("teachers", nargs="+", type=Path, help="model folders (trained on the gold train split only)")
    ap.add_argument("--out", type=Path, default=PSEUDO_SPANS)
    ap.add_argument("--min-prob", type=float, default=0.9)
    args = ap.parse_args()
    print(pseudo_label(args.teachers, out=args.out, min_prob=args.min_prob))
