"""Score extraction against gold spans (KLUE-NER labels): per label and micro, strict and lenient.

Two ways to predict: the whole pipeline (``Extractor``: rules + model + resolve, our labels mapped back to KLUE's)
or the bare model (``--model-only``: the spaCy pipeline in ``pipeline/models/ner``, its six KLUE labels as they are).

Matching: *strict* counts a prediction as correct when a gold span of the same label has exactly its offsets;
*lenient* when it overlaps a gold span of the same label (a gold span is found when some same-label prediction
overlaps it). The scorer is the project's one, ``pipeline.review.evaluate.score`` (also used by ``krnews review``);
this module adds the predictors, the KLUE label mapping and the table.

>>> gold = [GoldSpan("s1", 0, 3, "PS")]
>>> pred = [GoldSpan("s1", 0, 2, "PS")]
>>> s = score(gold, pred)
>>> (s.micro.strict.f1, s.micro.lenient.f1)
(0.0, 1.0)
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, NamedTuple, Sequence

from pipeline.review.evaluate import Scores
from pipeline.review.evaluate import score as review_score
from pipeline.training.data import read_spans

KLUE_LABELS = ("PS", "OG", "LC", "DT", "QT", "TI")
# Our mention labels → KLUE's. KLUE has one QT for every quantity, money and area included.
LABEL_TO_KLUE = {
    "PERSON": "PS", "ORG": "OG", "LOCATION": "LC", "DATE": "DT", "TIME": "TI",
    "MONEY": "QT", "AREA": "QT", "QUANTITY": "QT", "PERCENT": "QT",
}


class GoldSpan(NamedTuple):
    """A labelled character span of one sentence (gold or predicted)."""

    doc: str
    start: int
    end: int
    label: str


def score(gold: Iterable[GoldSpan], pred: Iterable[GoldSpan]) -> Scores:
    """Per label and micro, strict and lenient: ``pipeline.review.evaluate.score`` (one scorer for the project)."""
    flat = lambda spans: [{"doc_id": s.doc, "start": s.start, "end": s.end, "label": s.label} for s in spans]  # noqa: E731
    return review_score(flat(gold), flat(pred))


Predictor = Callable[[Sequence[dict]], list[list[GoldSpan]]]


def pipeline_predictor(ner: bool = True) -> Predictor:
    """Predictions of the whole ``Extractor`` (after resolve), our labels mapped to KLUE's (unmapped ones dropped)."""
    from pipeline.article import Article
    from pipeline.extractor import Extractor

    extractor = Extractor(ner=ner)

    def predict(records: Sequence[dict]) -> list[list[GoldSpan]]:
        # Article built directly, not through Extractor.extract: no NFC step, so offsets stay those of the gold text
        # (KLUE has a few sentences with loose conjoining jamo, which NFC would compose and shift).
        articles = [Article(doc_id=r["id"], text=r["text"]) for r in records]
        out = []
        for rec, result in zip(records, extractor.extract_many(articles)):
            out.append([GoldSpan(rec["id"], m.start, m.end, LABEL_TO_KLUE[m.label])
                        for m in result.mentions if m.label in LABEL_TO_KLUE])
        return out

    return predict


def model_predictor(model_path: Path | None = None) -> Predictor:
    """Predictions of the bare NER model over our tokenizer, with its own KLUE labels."""
    from pipeline.stages.ner import DEFAULT_MODEL, DocTagger, load_model

    nlp = load_model(model_path or DEFAULT_MODEL)
    tagger = DocTagger(nlp)  # the NER stage's own arithmetic, one Doc at a time

    def predict(records: Sequence[dict]) -> list[list[GoldSpan]]:
        out = []
        for rec in records:
            doc = nlp.make_doc(rec["text"])
            tagger.tag(doc)
            out.append([GoldSpan(rec["id"], e.start_char, e.end_char, e.label_) for e in doc.ents])
        return out

    return predict


def evaluate_records(records: Sequence[dict], predict: Predictor, batch_size: int = 64) -> Scores:
    """Score ``predict`` on gold records (spans JSONL records), batch by batch."""
    gold: list[GoldSpan] = []
    pred: list[GoldSpan] = []
    for i in range(0, len(records), batch_size):
        batch = records[i:i + batch_size]
        for rec, spans in zip(batch, predict(batch)):
            gold.extend(GoldSpan(rec["id"], e["start"], e["end"], e["label"]) for e in rec["entities"])
            pred.extend(spans)
    return score(gold, pred)


def load_gold(path: str | Path, limit: int = 0, source: str | None = None) -> list[dict]:
    """Gold records of a spans JSONL file, optionally only one ``source`` (``wikitree``, ``nsmc``) and the first N."""
    records = [r for r in read_spans(path) if source is None or r.get("source") == source]
    return records[:limit] if limit else records


def render(scores: Scores, title: str):
    """A rich table: per label and micro, strict then lenient P/R/F1."""
    from rich.table import Table

    table = Table(title=title)
    for col in ("label", "gold", "pred", "strict P", "strict R", "strict F1", "lenient P", "lenient R", "lenient F1"):
        table.add_column(col, justify="left" if col == "label" else "right")

    def row(name: str, s, style: str | None = None) -> None:
        table.add_row(name, str(s.strict.n_gold), str(s.strict.n_pred),
                      *(f"{v * 100:.1f}" for v in (s.strict.precision, s.strict.recall, s.strict.f1,
                                                   s.lenient.precision, s.lenient.recall, s.lenient.f1)),
                      style=style)

    order = [lab for lab in KLUE_LABELS if lab in scores.labels] + sorted(set(scores.labels) - set(KLUE_LABELS))
    for lab in order:
        row(lab, scores.labels[lab])
    row("micro", scores.micro, style="bold")
    return table
