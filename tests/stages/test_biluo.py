"""The BILUO tagger's decoding: constrained Viterbi against brute force, the fast path, and the Doc's entities."""
from __future__ import annotations

import itertools

import numpy
import pytest

from pipeline.stages.biluo import (biluo_labels, decode, is_well_formed, set_entities, transition_mask,
                                   viterbi)

LABELS = biluo_labels(["PS", "OG"])


def brute_force(scores: numpy.ndarray) -> tuple[int, ...]:
    allowed, first, last = transition_mask(LABELS)
    paths = (p for p in itertools.product(range(len(LABELS)), repeat=len(scores))
             if is_well_formed(numpy.array(p), allowed, first, last))
    return max(paths, key=lambda p: sum(scores[i, k] for i, k in enumerate(p)))


def test_labels_and_transitions():
    assert LABELS == ["O", "B-OG", "I-OG", "L-OG", "U-OG", "B-PS", "I-PS", "L-PS", "U-PS"]
    allowed, first, last = transition_mask(LABELS)
    ok = lambda *tags: is_well_formed(numpy.array([LABELS.index(t) for t in tags]), allowed, first, last)  # noqa: E731
    assert ok("U-PS", "O", "B-OG", "I-OG", "L-OG")
    assert not ok("B-PS", "L-OG")  # an entity ends with its own type
    assert not ok("O", "I-PS")  # nothing continues an entity that never began
    assert not ok("B-PS")  # nor is one left open at the end
    assert not ok("L-PS")


@pytest.mark.parametrize("seed", range(12))
def test_viterbi_finds_the_best_well_formed_sequence(seed):
    rng = numpy.random.default_rng(seed)
    docs = [numpy.log(rng.dirichlet(numpy.ones(len(LABELS)), size=n)) for n in (1, 3, 5, 0, 4)]
    allowed, first, last = transition_mask(LABELS)
    for scores, path in zip(docs, viterbi(docs, allowed, first, last)):
        if not len(scores):
            assert len(path) == 0
            continue
        assert tuple(int(k) for k in path) == brute_force(scores)


def test_decode_keeps_well_formed_argmax_and_repairs_the_rest():
    allowed, first, last = transition_mask(LABELS)
    one_hot = lambda tags: numpy.log(numpy.array([[0.91 if lab == t else 0.01 for lab in LABELS] for t in tags]))  # noqa: E731
    good = one_hot(["U-PS", "O", "B-OG", "L-OG"])
    bad = one_hot(["O", "I-PS", "L-PS", "O"])  # an entity without its beginning
    paths = decode([good, bad], LABELS)
    assert [LABELS[k] for k in paths[0]] == ["U-PS", "O", "B-OG", "L-OG"]
    assert is_well_formed(paths[1], allowed, first, last)
    assert [LABELS[k] for k in paths[1]] == [LABELS[k] for k in viterbi([bad], allowed, first, last)[0]]


def test_set_entities_writes_the_spans():
    import spacy

    nlp = spacy.blank("xx")
    doc = nlp.make_doc("a b c d e")
    path = numpy.array([LABELS.index(t) for t in ["U-PS", "O", "B-OG", "I-OG", "L-OG"]])
    set_entities(doc, path, LABELS)
    assert [(e.text, e.label_) for e in doc.ents] == [("a", "PS"), ("c d e", "OG")]
    assert [(e.start, e.end) for e in doc.ents] == [(0, 1), (2, 5)]
    assert doc[1].ent_iob_ == "O"


@pytest.mark.parametrize("seed", range(6))
def test_the_linear_viterbi_gives_the_paths_of_the_full_one(seed):
    from pipeline.stages.biluo import _biluo_layout, viterbi_biluo

    labels = biluo_labels(["PS", "OG", "LC", "DT", "QT", "TI"])
    assert _biluo_layout(labels) == 6 and _biluo_layout(["O", "B-X"]) is None
    rng = numpy.random.default_rng(seed)
    docs = [numpy.log(rng.dirichlet(numpy.full(len(labels), 0.3), size=n)).astype("float32")
            for n in (1, 2, 7, 40, 0, 300)]
    allowed, first, last = transition_mask(labels)
    full = viterbi(docs, allowed, first, last)
    fast = viterbi_biluo(docs, 6)
    for a, b in zip(full, fast):
        assert a.tolist() == b.tolist()


def test_decoding_goes_sentence_by_sentence():
    """An entity left open at a sentence end is repaired inside its sentence; well-formed sentences keep their
    per-token best labels."""
    labels = LABELS
    allowed, first, last = transition_mask(labels)
    one_hot = lambda tags: numpy.log(numpy.array([[0.91 if lab == t else 0.01 for lab in labels] for t in tags]))  # noqa: E731
    tags = ["U-PS", "O", "B-OG", "L-OG", "B-PS", "O", "U-OG"]  # sentences: 0–3, 4–6 (B-PS open in the second)
    path = decode([one_hot(tags)], labels, [[(0, 4), (4, 7)]])[0]
    assert [labels[k] for k in path[:4]] == tags[:4]
    second = path[4:]
    assert is_well_formed(second, allowed, first, last) and labels[second[-1]] == "U-OG"
    # a B- at the end of one sentence cannot be closed by an L- at the start of the next
    across = decode([one_hot(["O", "B-PS", "L-PS", "O"])], labels, [[(0, 2), (2, 4)]])[0]
    assert labels[across[1]] != "B-PS" and labels[across[2]] != "L-PS"


def test_sentence_ranges_of_a_doc():
    import spacy
    from spacy.tokens import Doc

    from pipeline.stages.biluo import sentence_ranges

    vocab = spacy.blank("xx").vocab
    doc = Doc(vocab, words=list("abcde"), sent_starts=[True, False, True, False, False])
    assert sentence_ranges(doc) == [(0, 2), (2, 5)]
    assert sentence_ranges(Doc(vocab, words=list("ab"))) is None
