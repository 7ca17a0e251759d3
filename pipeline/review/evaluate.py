"""Span scores of predictions against gold annotations: per label and micro total, strict and lenient.

* strict: a prediction is right when a gold span has the same document, start, end and label.
* lenient: a prediction is right when it overlaps (shares at least one character with) a gold span of the same
  document and label; precision counts the predictions that overlap some gold span, recall the gold spans that some
  prediction overlaps. So one long prediction covering two gold spans gives precision 1/1 and recall 2/2.

Inputs are spans records (``{"id", "text", "entities": [{start, end, label, …}]}``, what ``krnews import`` writes)
or flat spans (``{"doc_id" or "id", "start", "end", "label"}``), in any mix.

>>> gold = [{"id": "d", "entities": [{"start": 0, "end": 2, "label": "ORG"}]}]
>>> score(gold, gold).micro.strict.f1
1.0
"""
from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Iterable

Span = tuple[str, int, int, str]  # doc id, start, end, label


@dataclass(frozen=True)
class PRF:
    tp_pred: int  # predictions counted right
    tp_gold: int  # gold spans found (differs from tp_pred only in lenient mode)
    n_pred: int
    n_gold: int

    @property
    def precision(self) -> float:
        return self.tp_pred / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "precision": self.precision, "recall": self.recall, "f1": self.f1}


@dataclass(frozen=True)
class LabelScore:
    strict: PRF
    lenient: PRF


@dataclass(frozen=True)
class Scores:
    labels: dict[str, LabelScore]
    micro: LabelScore

    def as_dict(self) -> dict:
        row = lambda s: {"strict": s.strict.as_dict(), "lenient": s.lenient.as_dict()}  # noqa: E731
        return {"labels": {k: row(v) for k, v in self.labels.items()}, "micro": row(self.micro)}

    def rows(self) -> list[tuple]:
        """(label, n_gold, n_pred, strict P, R, F1, lenient P, R, F1) per label, then MICRO; for tables."""
        out = []
        for name, s in [*self.labels.items(), ("MICRO", self.micro)]:
            out.append((name, s.strict.n_gold, s.strict.n_pred, s.strict.precision, s.strict.recall, s.strict.f1,
                        s.lenient.precision, s.lenient.recall, s.lenient.f1))
        return out


def flatten(spans: Iterable[dict]) -> set[Span]:
    """Spans records or flat spans to a set of (doc, start, end, label); duplicates count once."""
    out: set[Span] = set()
    for item in spans:
        if "entities" in item:
            doc = str(item.get("id", item.get("doc_id")))
            for e in item["entities"]:
                out.add((doc, int(e["start"]), int(e["end"]), str(e["label"])))
        else:
            doc = str(item.get("doc_id", item.get("id")))
            out.add((doc, int(item["start"]), int(item["end"]), str(item["label"])))
    return out


def _overlapping(spans: set[Span], others: set[Span]) -> int:
    """How many of ``spans`` overlap at least one of ``others`` with the same document and label."""
    index: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for doc, s, e, lab in others:
        index[(doc, lab)].append((s, e))
    starts: dict[tuple[str, str], list[int]] = {}
    max_len: dict[tuple[str, str], int] = {}
    for key, lst in index.items():
        lst.sort()
        starts[key] = [s for s, _ in lst]
        max_len[key] = max(e - s for s, e in lst)
    hits = 0
    for doc, s, e, lab in spans:
        key = (doc, lab)
        if key not in index:
            continue
        lst, st = index[key], starts[key]
        # candidates start before e and no earlier than s - (longest other span)
        lo, hi = bisect_left(st, s - max_len[key]), bisect_left(st, e)
        if any(os_ < e and s < oe for os_, oe in lst[lo:hi]):
            hits += 1
    return hits


def _score(gold: set[Span], pred: set[Span]) -> LabelScore:
    tp = len(gold & pred)
    strict = PRF(tp, tp, len(pred), len(gold))
    lenient = PRF(_overlapping(pred, gold), _overlapping(gold, pred), len(pred), len(gold))
    return LabelScore(strict, lenient)


def score(gold_spans: list[dict], pred_spans: list[dict]) -> Scores:
    """Per-label and micro precision/recall/F1, strict (exact span and label) and lenient (overlap and label)."""
    gold, pred = flatten(gold_spans), flatten(pred_spans)
    labels = sorted({s[3] for s in gold} | {s[3] for s in pred})
    per = {lab: _score({s for s in gold if s[3] == lab}, {s for s in pred if s[3] == lab}) for lab in labels}
    return Scores(per, _score(gold, pred))
