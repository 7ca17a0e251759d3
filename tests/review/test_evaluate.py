"""Span scores: strict (exact) and lenient (overlap), per label and micro."""
from __future__ import annotations

import pytest

from pipeline.review.evaluate import flatten, score


def _doc(*spans, doc="d"):
    return {"id": doc, "text": "", "entities": [{"start": s, "end": e, "label": lab} for s, e, lab in spans]}


@pytest.mark.parametrize("gold, pred, strict, lenient", [
    # (precision, recall) strict and lenient, micro
    ([(0, 4, "ORG")], [(0, 4, "ORG")], (1, 1), (1, 1)),
    ([(0, 4, "ORG")], [(0, 2, "ORG")], (0, 0), (1, 1)),           # overlap only
    ([(0, 4, "ORG")], [(0, 4, "PERSON")], (0, 0), (0, 0)),        # right span, wrong label
    ([(0, 4, "ORG")], [(4, 6, "ORG")], (0, 0), (0, 0)),           # touching is not overlapping
    ([(0, 4, "ORG"), (5, 8, "ORG")], [(0, 8, "ORG")], (0, 0), (1, 1)),  # one long prediction covers both
    ([(0, 4, "ORG")], [], (0, 0), (0, 0)),
    ([], [(0, 4, "ORG")], (0, 0), (0, 0)),
    ([(0, 4, "ORG"), (10, 13, "MONEY")], [(0, 4, "ORG"), (20, 22, "DATE")], (0.5, 0.5), (0.5, 0.5)),
])
def test_micro_scores(gold, pred, strict, lenient):
    s = score([_doc(*gold)], [_doc(*pred)]).micro
    assert (s.strict.precision, s.strict.recall) == pytest.approx(strict)
    assert (s.lenient.precision, s.lenient.recall) == pytest.approx(lenient)


def test_per_label_and_f1():
    gold = [_doc((0, 4, "ORG"), (5, 8, "ORG"), (10, 13, "MONEY"))]
    pred = [_doc((0, 4, "ORG"), (10, 12, "MONEY"), (20, 22, "DATE"))]
    s = score(gold, pred)
    assert list(s.labels) == ["DATE", "MONEY", "ORG"]
    org = s.labels["ORG"].strict
    assert (org.precision, org.recall, org.f1) == pytest.approx((1.0, 0.5, 2 / 3))
    assert s.labels["MONEY"].strict.f1 == 0 and s.labels["MONEY"].lenient.f1 == 1
    assert s.labels["DATE"].strict.n_gold == 0 and s.labels["DATE"].strict.precision == 0
    assert s.micro.strict.as_dict()["f1"] == pytest.approx(2 * (1 / 3) * (1 / 3) / (2 / 3))
    assert s.rows()[-1][0] == "MICRO" and len(s.rows()) == 4
    assert s.as_dict()["labels"]["ORG"]["strict"]["recall"] == 0.5


def test_documents_are_kept_apart_and_flat_spans_accepted():
    gold = [_doc((0, 4, "ORG"), doc="a"), _doc((0, 4, "ORG"), doc="b")]
    pred = [{"doc_id": "a", "start": 0, "end": 4, "label": "ORG"}, {"doc_id": "c", "start": 0, "end": 4, "label": "ORG"}]
    s = score(gold, pred).micro.strict
    assert (s.tp_pred, s.n_pred, s.n_gold) == (1, 2, 2)
    assert flatten(pred + pred) == {("a", 0, 4, "ORG"), ("c", 0, 4, "ORG")}  # duplicates count once
