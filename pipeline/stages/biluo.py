"""``krnews_biluo_ner``: a spaCy NER component that tags every token with a BILUO label at once.

Why not spaCy's ``ner`` (a transition-based parser): its greedy loop takes one step per token, and each step costs
about 12 µs here whatever the model's size (it validates every action and re-enters the interpreter lock): the
loop alone cost as much as the token encoder, and the two together 1.6× Kiwi's own time. A tagger reads the same encoder output
with one matrix product for all the tokens of a batch, and a constrained Viterbi pass over the batch turns the
per-token scores into well-formed entities (an ``I-``/``L-`` only after a ``B-``/``I-`` of the same type, and no
entity left open at the end of a sentence: entities do not cross sentence boundaries).

It is spaCy's ``Tagger`` with three things changed: the gold labels are the BILUO tags of the reference entities
(``Example.get_aligned_ner``; tokens whose gold is unknown are left out of the loss), the labels are collected from
the entity types of the training data, and the annotations are ``doc.ents`` instead of ``token.tag``. Scores during
training are spaCy's NER scores (``ents_f``).
"""
from __future__ import annotations

from itertools import islice
from typing import Iterable, Sequence

import numpy
from spacy.language import Language
from spacy.pipeline.tagger import Tagger
from spacy.tokens import Doc
from spacy.training import validate_examples
from thinc.api import SequenceCategoricalCrossentropy

FACTORY = "krnews_biluo_ner"
_NEG = -1e9  # score of a forbidden transition
# Longest stretch the Viterbi pass decodes at once: a "sentence" longer than this (text without sentence ends) is
# decoded in pieces of this many tokens, so the pass never pads to, nor steps through, an unbounded sequence. Real
# sentences are far shorter (the longest of the 15k corpus sentences has about 250 forms).
MAX_DECODE = 512


def biluo_labels(entity_types: Iterable[str]) -> list[str]:
    """``O`` then ``B-``, ``I-``, ``L-``, ``U-`` of every type, in a fixed order."""
    return ["O"] + [f"{m}-{t}" for t in sorted(set(entity_types)) for m in "BILU"]


def transition_mask(labels: Sequence[str]) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """(allowed[prev, next], allowed_first, allowed_last) for BILUO sequences over ``labels``."""
    n = len(labels)
    kind = [lab.split("-", 1)[0] if lab != "O" else "O" for lab in labels]
    typ = [lab.split("-", 1)[1] if lab != "O" else "" for lab in labels]
    allowed = numpy.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(n):
            if kind[i] in ("B", "I"):  # inside an entity: continue it or close it
                allowed[i, j] = kind[j] in ("I", "L") and typ[j] == typ[i]
            else:  # outside: stay out, or start an entity
                allowed[i, j] = kind[j] in ("O", "B", "U")
    first = numpy.array([k in ("O", "B", "U") for k in kind])
    last = numpy.array([k in ("O", "L", "U") for k in kind])
    return allowed, first, last


def _batch_viterbi(scores: Sequence[numpy.ndarray], first: numpy.ndarray, last: numpy.ndarray,
                   step) -> list[numpy.ndarray]:
    """The frame both Viterbi passes share: the Docs of a batch padded to the longest, ``step`` (best scores so far
    → for every label, the best score and index of an allowed previous label) run position by position, then each
    Doc's path traced back. ``first``/``last``: the labels a sequence may start/end with."""
    out = [numpy.zeros((0,), dtype="int32") for _ in scores]
    live = [i for i, s in enumerate(scores) if len(s)]
    if not live:
        return out
    n_labels = len(first)
    lengths = numpy.array([len(scores[i]) for i in live])
    steps = int(lengths.max())
    emit = numpy.zeros((len(live), steps, n_labels), dtype="float32")
    for row, i in enumerate(live):
        emit[row, :lengths[row]] = scores[i]
    best = emit[:, 0] + numpy.where(first, 0.0, _NEG).astype("float32")
    back = numpy.zeros((len(live), steps, n_labels), dtype="int32")
    for t in range(1, steps):
        prev_best, back[:, t] = step(best)
        going = (t < lengths)[:, None]  # a finished Doc keeps its scores
        best = numpy.where(going, prev_best + emit[:, t], best)
    end = numpy.where(last, 0.0, _NEG).astype("float32")
    for row, i in enumerate(live):
        n = int(lengths[row])
        path = numpy.empty(n, dtype="int32")
        path[-1] = int((best[row] + end).argmax())
        for t in range(n - 1, 0, -1):
            path[t - 1] = back[row, t, path[t]]
        out[i] = path
    return out


def viterbi(scores: Sequence[numpy.ndarray], allowed: numpy.ndarray, first: numpy.ndarray,
            last: numpy.ndarray) -> list[numpy.ndarray]:
    """The best well-formed label sequence of each Doc, from per-token log-probabilities (one array per Doc),
    decoded for all the Docs of the batch together, for any ``transition_mask``."""
    trans = numpy.where(allowed, 0.0, _NEG).astype("float32")

    def step(best):
        cand = best[:, :, None] + trans[None]  # (docs, prev, next)
        return cand.max(axis=1), cand.argmax(axis=1)

    return _batch_viterbi(scores, first, last, step)


def _biluo_layout(labels: Sequence[str]) -> int | None:
    """The number of entity types when ``labels`` are in ``biluo_labels`` order (O, then B I L U of each type)."""
    if not labels or labels[0] != "O" or (len(labels) - 1) % 4:
        return None
    n = (len(labels) - 1) // 4
    for k in range(n):
        typ = labels[1 + 4 * k][2:]
        if [labels[1 + 4 * k + m] for m in range(4)] != [f"{x}-{typ}" for x in "BILU"]:
            return None
    return n


def viterbi_biluo(scores: Sequence[numpy.ndarray], n_types: int) -> list[numpy.ndarray]:
    """``viterbi`` for labels in ``biluo_labels`` order, in time linear in the number of labels: outside an entity
    the best previous label is one of O/L/U whatever comes next, inside it is the B or I of the same type, so each
    step needs two maxima instead of a labels × labels table. Same paths as ``viterbi`` (ties go to the lower
    label index in both)."""
    n_labels = 1 + 4 * n_types
    b_idx = numpy.arange(n_types) * 4 + 1
    i_idx, l_idx, u_idx = b_idx + 1, b_idx + 2, b_idx + 3
    out_idx = numpy.sort(numpy.concatenate([[0], l_idx, u_idx]))  # labels an entity-free step may follow
    starts = numpy.concatenate([[0], b_idx, u_idx])  # labels that follow O/L/U
    first = numpy.zeros(n_labels, dtype=bool)
    first[starts] = True
    last = numpy.zeros(n_labels, dtype=bool)
    last[out_idx] = True

    def step(best):
        docs = numpy.arange(len(best))
        outs = best[:, out_idx]
        o_arg = outs.argmax(axis=1)
        b, i = best[:, b_idx], best[:, i_idx]
        take_b = b >= i
        prev_best = numpy.empty_like(best)
        prev_arg = numpy.empty(best.shape, dtype="int32")
        prev_best[:, starts] = outs[docs, o_arg][:, None]
        prev_arg[:, starts] = out_idx[o_arg][:, None]
        for idx in (i_idx, l_idx):
            prev_best[:, idx] = numpy.where(take_b, b, i)
            prev_arg[:, idx] = numpy.where(take_b, b_idx, i_idx)
        return prev_best, prev_arg

    return _batch_viterbi(scores, first, last, step)


def _log_softmax(x: numpy.ndarray) -> numpy.ndarray:
    x = x - x.max(axis=1, keepdims=True)
    return x - numpy.log(numpy.exp(x).sum(axis=1, keepdims=True))


def is_well_formed(path: numpy.ndarray, allowed: numpy.ndarray, first: numpy.ndarray, last: numpy.ndarray) -> bool:
    if not len(path):
        return True
    return bool(first[path[0]] and last[path[-1]] and allowed[path[:-1], path[1:]].all())


def decode(scores: Sequence[numpy.ndarray], labels: Sequence[str],
           sentences: Sequence[Sequence[tuple[int, int]] | None] | None = None) -> list[numpy.ndarray]:
    """Label ids per Doc, decoded sentence by sentence (no entity crosses a sentence boundary, nor a cut of a
    sentence longer than ``MAX_DECODE`` tokens).

    ``sentences`` gives each Doc's sentences as (start, end) token ranges (None: the Doc is one piece). A sentence
    keeps its per-token best labels when they already form well-formed entities (they are then also its best
    well-formed sequence); the other sentences of the whole batch go through the constrained Viterbi together.
    """
    allowed, first, last = transition_mask(labels)
    paths = [s.argmax(axis=1) if len(s) else numpy.zeros((0,), dtype="int64") for s in scores]
    redo: list[tuple[int, int, int]] = []
    for i, path in enumerate(paths):
        pieces = (sentences[i] if sentences is not None and sentences[i] else None) or [(0, len(path))]
        if len(pieces) == 1 and len(path) <= MAX_DECODE and is_well_formed(path, allowed, first, last):
            continue
        pieces = [(c, min(c + MAX_DECODE, b)) for a, b in pieces for c in range(a, b, MAX_DECODE)]
        redo.extend((i, a, b) for a, b in pieces if b > a and not is_well_formed(path[a:b], allowed, first, last))
    if redo:
        n_types = _biluo_layout(labels)
        logp = [_log_softmax(scores[i][a:b]) for i, a, b in redo]
        fixed = viterbi_biluo(logp, n_types) if n_types else viterbi(logp, allowed, first, last)
        for (i, a, b), path in zip(redo, fixed):
            paths[i][a:b] = path
    return paths


def sentence_ranges(doc: Doc) -> list[tuple[int, int]] | None:
    """(start, end) token ranges of the Doc's sentences, or None when it has no sentence boundaries."""
    from spacy.attrs import SENT_START

    if not len(doc) or not doc.has_annotation("SENT_START"):
        return None
    starts = numpy.flatnonzero(doc.to_array(SENT_START) == 1).tolist()
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return list(zip(starts, starts[1:] + [len(doc)]))


def set_entities(doc: Doc, path: numpy.ndarray, labels: Sequence[str]) -> None:
    """Write a well-formed BILUO label sequence as the Doc's entities (every token gets an IOB value)."""
    from spacy.attrs import ENT_IOB, ENT_TYPE

    if not len(doc):
        return
    doc.from_array([ENT_IOB, ENT_TYPE], entity_arrays(path, labels, doc.vocab.strings))


def entity_arrays(path: numpy.ndarray, labels: Sequence[str], strings) -> numpy.ndarray:
    """(ENT_IOB, ENT_TYPE) per token of a well-formed BILUO label sequence, as ``Doc.from_array`` takes them (the
    type as its hash in ``strings``)."""
    iob = numpy.array([2] + [3 if lab[0] in "BU" else 1 for lab in labels[1:]], dtype="uint64")  # O=2 B=3 I=1
    types = numpy.array([0] + [strings.add(lab[2:]) for lab in labels[1:]], dtype="uint64")
    return numpy.stack([iob[path], types[path]], axis=1)


class BiluoTagger(Tagger):
    """spaCy's ``Tagger`` trained on BILUO tags and writing ``doc.ents`` (see the module docstring)."""

    def predict(self, docs):
        if not any(len(doc) for doc in docs):
            return [numpy.zeros((len(doc), len(self.labels)), dtype="float32") for doc in docs]
        return [numpy.asarray(s) for s in self.model.predict(docs)]

    def set_annotations(self, docs, batch_scores):
        labels = self.labels
        for doc, path in zip(docs, decode(batch_scores, labels, [sentence_ranges(doc) for doc in docs])):
            set_entities(doc, path, labels)

    def get_loss(self, examples, scores):
        validate_examples(examples, "BiluoTagger.get_loss")
        loss_func = SequenceCategoricalCrossentropy(names=self.labels, normalize=False)
        # None (no gold: misaligned or marked missing) is left out of the loss
        truths = [[tag if tag in self._label_set() else None for tag in eg.get_aligned_ner()] for eg in examples]
        d_scores, loss = loss_func(scores, truths)
        if self.model.ops.xp.isnan(loss):
            raise ValueError(f"{self.name}: the loss became NaN")
        return float(loss), d_scores

    def _label_set(self) -> frozenset:
        cached = getattr(self, "_labels_cache", None)
        if cached is None or cached[0] != len(self.labels):
            cached = (len(self.labels), frozenset(self.labels))
            self._labels_cache = cached
        return cached[1]

    def initialize(self, get_examples, *, nlp=None, labels=None):
        if labels is None:
            types = {ent.label_ for eg in get_examples() for ent in eg.reference.ents}
            labels = biluo_labels(types)
        for label in labels:
            self.add_label(label)
        docs, golds = [], []
        for eg in islice(get_examples(), 10):
            docs.append(eg.x)
            tags = eg.get_aligned_ner()
            golds.append(self.model.ops.asarray(
                [[1.0 if lab == tag else 0.0 for lab in self.labels] for tag in tags], dtype="float32"))
        self.model.initialize(X=docs, Y=golds)


@Language.factory(
    FACTORY,
    assigns=["doc.ents", "token.ent_iob", "token.ent_type"],
    default_config={
        "model": {
            "@architectures": "spacy.Tagger.v2",
            "nO": None,
            "normalize": False,
            "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 64, "upstream": "*"},
        },
        "scorer": {"@scorers": "spacy.ner_scorer.v1"},
    },
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_biluo_ner(nlp: Language, name: str, model, scorer):
    return BiluoTagger(nlp.vocab, model, name, scorer=scorer)
