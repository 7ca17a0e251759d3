"""NER stage: the statistical model (spaCy ``tok2vec`` + our BILUO tagger, trained on KLUE-NER) proposes PERSON, ORG
and LOCATION, each with a confidence.

The model ships inside the package (``pipeline/models/ner``, CC BY-SA 4.0, see ``pipeline/models/README.md``; rebuilt
by ``krnews train``); when it is absent the stage does nothing, so the rule stages still run. It runs on the Doc the
segment stage built (Kiwi forms, tags on ``token.tag_``, Kiwi morpheme ids in ``doc.user_data``), which is what it
was trained on. KLUE labels map to ours: PS → PERSON, OG → ORG, LC → LOCATION. The model also marks DT, QT and TI
(they stay on ``analysis.doc.ents`` and are scored by ``krnews evaluate --model-only``), but the rule stages own
dates and quantities with exact values.

**An article's arithmetic depends on that article alone.** BLAS libraries pick their kernels by the CPU and by the
shape of a product, and on some CPUs (OpenBLAS's Haswell and Zen kernels: AMD EPYC, older Intel) a row's result
depends on its place in the product. If the articles of a batch were tagged in one product, an article's scores
could change with the articles batched with it, and a resumed or incremental run (other batches) could tag a
borderline token differently from an uninterrupted one. So every article is tagged on its own (a long one in
windows that depend only on its own text), on one BLAS thread: its products have shapes and inputs that only it
determines, which gives the same bits on any kernel, in any batch (``tests/training/test_determinism.py`` checks it
under every OpenBLAS kernel the machine can run). Measured cost against batching: see ``docs/ner.md``.

**Confidence.** A mention's confidence is the mean, over its tokens, of the model's probability for the BILUO label
the decoder chose (a softmax over the tagger's scores); ``mentions.confidence`` carries it.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

import numpy

from pipeline.article import Analysis, Mention
from pipeline.paths import NER_MODEL_DIR
import pipeline.stages.segment  # noqa: F401  (registers our tokenizer, embedding and NER component for the config)
from pipeline.stages.biluo import decode, sentence_ranges, set_entities
from pipeline.stages.embed import MORPH_KEY

KLUE_TO_LABEL = {"PS": "PERSON", "OG": "ORG", "LC": "LOCATION"}
DEFAULT_MODEL = NER_MODEL_DIR
MAX_TOKENS = 5_000  # longer Docs are tagged window by window (see DocTagger.windows)


def numpy_gemm_ops():
    """thinc's ``NumpyOps`` with ``gemm`` on numpy's BLAS (OpenBLAS).

    Why: thinc multiplies with BLIS, which runs the model's products at about 30 GFLOP/s here, against 75 for
    OpenBLAS on one thread. Training keeps thinc's own ops (``krnews train`` reproduces a model byte for byte).
    """
    from thinc.api import NumpyOps

    class NumpyGemmOps(NumpyOps):
        name = "krnews-numpy-gemm"

        def gemm(self, x, y, *, out=None, trans1=False, trans2=False):
            if x.ndim != 2 or y.ndim != 2 or x.dtype != numpy.float32 or y.dtype != numpy.float32:
                return super().gemm(x, y, out=out, trans1=trans1, trans2=trans2)
            a = x.T if trans1 else x
            b = y.T if trans2 else y
            if out is None:
                return numpy.matmul(a, b)
            numpy.matmul(a, b, out=out)
            return out

    return NumpyGemmOps()


@contextmanager
def one_blas_thread():
    """BLAS on one thread inside the block: a product split over threads is split by the thread count, and a row's
    bits may depend on where a split puts it (workers already run on one thread; this covers ``Extractor`` in a
    caller's own process)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def model_available(path: Path = DEFAULT_MODEL) -> bool:
    return (path / "meta.json").exists()


def load_model(model_path: Path = DEFAULT_MODEL):
    """``spacy.load`` with the model's matrix products on numpy's BLAS (the stage and ``krnews evaluate
    --model-only`` run the same arithmetic)."""
    import spacy
    from thinc.api import get_current_ops, set_current_ops

    previous = get_current_ops()
    set_current_ops(numpy_gemm_ops())  # the model's layers take the current ops when they are built
    try:
        return spacy.load(model_path)
    finally:
        set_current_ops(previous)


class DocTagger:
    """The model applied to one Doc at a time: entities onto ``doc.ents``, and the label probabilities per token."""

    def __init__(self, nlp):
        self.nlp = nlp
        self.tok2vec = nlp.get_pipe("tok2vec") if "tok2vec" in nlp.pipe_names else None
        self.ner = nlp.get_pipe("ner")
        self.labels = list(self.ner.labels)

    def own(self, doc):
        """The Doc in the model's vocab (a Doc built on another vocab cannot name the model's labels, and the
        morpheme vectors live in the model's vocab)."""
        if doc.vocab is self.nlp.vocab:
            return doc
        from spacy.tokens import Doc

        return Doc(self.nlp.vocab).from_bytes(doc.to_bytes())

    @staticmethod
    def windows(doc, max_tokens: int | None = None) -> list[tuple[int, int]]:
        """Token ranges of at most ``max_tokens`` covering the Doc, cut at the last sentence start inside each
        window (else hard). They depend on the Doc alone; what the model sees of a token reaches only a few tokens
        either side, so a long article's windows lose nothing but context at their edges."""
        limit = max_tokens or MAX_TOKENS
        n = len(doc)
        if n <= limit:
            return [(0, n)]
        starts = [a for a, _ in (sentence_ranges(doc) or [(0, n)])]
        out = []
        start = 0
        import bisect

        while start < n:
            end = min(start + limit, n)
            if end < n:
                i = bisect.bisect_right(starts, end) - 1
                if starts[i] > start:
                    end = starts[i]
            out.append((start, end))
            start = end
        return out

    def tag(self, doc, full: bool = False) -> tuple[numpy.ndarray, numpy.ndarray]:
        """Set ``doc.ents``; return each token's probability of its decoded label (``full``: the probabilities of
        every label, (len(doc), labels)) and the decoded label index of each token, from this Doc alone, window by
        window (a long text's whole probability table would cost 100 bytes a token)."""
        n = len(doc)
        probs = numpy.zeros((n, len(self.labels)) if full else n, dtype=numpy.float32)
        path = numpy.zeros(n, dtype=numpy.int64)
        if not n:
            return probs, path
        windows = self.windows(doc)
        cut = _Windows(doc) if len(windows) > 1 else None
        with one_blas_thread():
            for a, b in windows:
                piece = doc if cut is None else cut.piece(a, b)
                if self.tok2vec is not None:
                    self.tok2vec.set_annotations([piece], self.tok2vec.predict([piece]))
                scores = numpy.asarray(self.ner.predict([piece])[0], dtype=numpy.float32)
                path[a:b] = decode([scores], self.labels, [sentence_ranges(piece)])[0]
                e = numpy.exp(scores - scores.max(axis=1, keepdims=True))
                p = e / e.sum(axis=1, keepdims=True)
                probs[a:b] = p if full else p[numpy.arange(b - a), path[a:b]]
        set_entities(doc, path, self.labels)
        return probs, path


class _Windows:
    """Window Docs of a long Doc, built from its words and arrays read once (``Span.as_doc`` reads the whole Doc's
    arrays for every window: quadratic in a long text)."""

    def __init__(self, doc):
        from spacy.attrs import SENT_START, TAG

        self.doc = doc
        self.words = [t.text for t in doc]
        self.spaces = [bool(t.whitespace_) for t in doc]
        self.attrs = [TAG, SENT_START]
        self.arr = doc.to_array(self.attrs)
        self.keys = doc.user_data.get(MORPH_KEY)

    def piece(self, a: int, b: int):
        from spacy.tokens import Doc

        piece = Doc(self.doc.vocab, words=self.words[a:b], spaces=self.spaces[a:b])
        arr = self.arr[a:b].copy()
        arr[0, 1] = 1  # a window starts a sentence
        piece.from_array(self.attrs, arr)
        if self.keys is not None:
            piece.user_data[MORPH_KEY] = self.keys[a:b]
        return piece


class NerStage:
    name = "ner"

    def __init__(self, model_path: Path | None = DEFAULT_MODEL):
        self.nlp = None
        self.tagger = None
        if model_path is not None and model_available(model_path):
            self.nlp = load_model(model_path)
            self.tagger = DocTagger(self.nlp)

    @property
    def enabled(self) -> bool:
        return self.nlp is not None

    def check_kiwi(self, kiwi) -> None:
        """The model's morpheme vectors are keyed by Kiwi morpheme ids, which belong to one kiwipiepy_model version:
        refuse to run on another (its ids name other morphemes, and the model would read the wrong vectors)."""
        if self.nlp is None:
            return
        want = (self.nlp.meta.get("krnews_vectors") or {}).get("fingerprint")
        if not want:
            return
        from pipeline.training.vectors import kiwi_fingerprint

        got = kiwi_fingerprint(kiwi)
        if [list(x) for x in got] != [list(x) for x in want]:
            source = self.nlp.meta["krnews_vectors"].get("source", "")
            raise RuntimeError(f"[E301] the NER model's morpheme vectors were built from {source}, but the installed "
                               f"Kiwi gives other morphemes for the same ids (id {want[0][0]}: expected "
                               f"{want[0][1:]}, got {got[0][1:]}...). Install the pinned kiwipiepy_model "
                               f"(make install), or retrain the model with `krnews train --rebuild-vectors`.")

    def __call__(self, analysis: Analysis) -> None:
        self.run_many([analysis])

    def run_many(self, analyses: Sequence[Analysis]) -> None:
        """Tag each article on its own (see the module docstring: why not the batch at once)."""
        if self.nlp is None:
            return
        for analysis in analyses:
            self._tag_one(analysis)

    def _tag_one(self, analysis: Analysis) -> None:
        if analysis.doc is None:
            return
        doc = self.tagger.own(analysis.doc)
        chosen, _ = self.tagger.tag(doc)
        self._mentions(analysis, doc, chosen)

    def _mentions(self, analysis: Analysis, doc, chosen: numpy.ndarray) -> None:
        """The PERSON/ORG/LOCATION mentions of ``doc.ents``, read from the token arrays (building the entity spans
        and their texts token by token cost a tenth of the stage); ``chosen``: each token's probability of its
        decoded label."""
        from spacy.attrs import ENT_IOB, ENT_TYPE, IDX, LENGTH

        analysis.doc = doc
        if not len(doc):
            return
        arr = doc.to_array([ENT_IOB, ENT_TYPE, IDX, LENGTH])  # uint64 (the type is a string hash)
        iob = arr[:, 0].astype("int64")
        begins = numpy.flatnonzero(iob == 3)  # B (spaCy's IOB codes: I=1, O=2, B=3)
        if not len(begins):
            return
        outside = numpy.append(numpy.flatnonzero(iob != 1), len(doc))  # an entity runs until the next non-I token
        lasts = outside[numpy.searchsorted(outside, begins, side="right")] - 1
        strings = doc.vocab.strings
        text = analysis.text
        for b, last in zip(begins.tolist(), lasts.tolist()):
            klue = strings[int(arr[b, 1])]
            label = KLUE_TO_LABEL.get(klue)
            if label is None:
                continue
            start, end = int(arr[b, 2]), int(arr[last, 2] + arr[last, 3])
            confidence = round(float(chosen[b:last + 1].mean()), 4)
            analysis.mentions.append(Mention(label=label, start=start, end=end, text=text[start:end],
                                             source="ner", rule_id=f"ner.{klue}", confidence=confidence))
