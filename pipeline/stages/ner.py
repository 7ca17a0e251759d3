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

from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

import numpy

from pipeline.article import Analysis, Mention, ReadError
from pipeline.paths import NER_MODEL_DIR
import pipeline.stages.segment  # noqa: F401  (registers our tokenizer, embedding and NER component for the config)
from pipeline.stages.biluo import decode, sentence_ranges, set_entities
from pipeline.stages.embed import MORPH_KEY

KLUE_TO_LABEL = {"PS": "PERSON", "OG": "ORG", "LC": "LOCATION"}
DEFAULT_MODEL = NER_MODEL_DIR
MAX_TOKENS = 5_000  # longer Docs are tagged window by window (see DocTagger.windows)
# A window whose content equals one of the last REPEAT_CACHE distinct windows of the Doc takes that window's labels
# and probabilities (each window is computed from its own content alone, so they are the same bits): text that
# repeats itself costs the model its distinct windows only.
REPEAT_CACHE = 16
# At most this many model mentions of one (label, text) in an article: a word repeated with no sentence end (garbage,
# a keyword dump) can make the model read it as a name hundreds of thousands of times, and every later stage and
# table pays for each. The article keeps the first ones and gets an errors row (stage ner, ``mention_limit``) that
# says how many were dropped; its status stays ok. No news article names one thing a thousand times.
MAX_SAME_MENTIONS = 1_000


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
        return DocTagger._cut(n, [a for a, _ in (sentence_ranges(doc) or [(0, n)])], limit)

    @staticmethod
    def _cut(n: int, starts: list[int], limit: int) -> list[tuple[int, int]]:
        """Windows of at most ``limit`` of ``n`` tokens, cut at the last sentence start inside each (else hard)."""
        if n <= limit:
            return [(0, n)]
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
        if not n:
            return self._run(doc, None, [], 0, full)
        windows = self.windows(doc)
        probs, path = self._run(doc, _Windows(doc) if len(windows) > 1 else None, windows, n, full)
        set_entities(doc, path, self.labels)
        return probs, path

    def tag_arrays(self, words: list[str], spaces: list[bool], arr: numpy.ndarray, keys: numpy.ndarray | None,
                   full: bool = False) -> tuple[numpy.ndarray, numpy.ndarray]:
        """``tag`` for a Doc that is never built whole (``segment.doc_arrays`` gives what it would hold): the same
        windows, the same window Docs, so the same probabilities and labels; no entities are set anywhere."""
        n = len(words)
        cut = _Windows.from_arrays(self.nlp.vocab, words, spaces, arr, keys)
        starts = numpy.flatnonzero(arr[:, 1] == 1).tolist() if n else []
        if not starts or starts[0] != 0:
            starts.insert(0, 0)
        return self._run(None, cut, self._cut(n, starts, MAX_TOKENS) if n else [], n, full)

    def _run(self, doc, cut, windows, n: int, full: bool) -> tuple[numpy.ndarray, numpy.ndarray]:
        probs = numpy.zeros((n, len(self.labels)) if full else n, dtype=numpy.float32)
        path = numpy.zeros(n, dtype=numpy.int64)
        if not n:
            return probs, path
        recent: OrderedDict[tuple, tuple] = OrderedDict()  # window content -> (path, probs) of its last windows
        with one_blas_thread():
            for a, b in windows:
                key = cut.key(a, b) if cut is not None else None
                if key in recent:  # the same window content gives the same arithmetic: reuse it
                    recent.move_to_end(key)
                    path[a:b], probs[a:b] = recent[key]
                    continue
                piece = doc if cut is None else cut.piece(a, b)
                if self.tok2vec is not None:
                    self.tok2vec.set_annotations([piece], self.tok2vec.predict([piece]))
                scores = numpy.asarray(self.ner.predict([piece])[0], dtype=numpy.float32)
                path[a:b] = decode([scores], self.labels, [sentence_ranges(piece)])[0]
                e = numpy.exp(scores - scores.max(axis=1, keepdims=True))
                p = e / e.sum(axis=1, keepdims=True)
                probs[a:b] = p if full else p[numpy.arange(b - a), path[a:b]]
                if key is not None:
                    recent[key] = (path[a:b].copy(), probs[a:b].copy())
                    if len(recent) > REPEAT_CACHE:
                        recent.popitem(last=False)
        return probs, path


class _Windows:
    """Window Docs of a long Doc, built from its words and arrays read once (``Span.as_doc`` reads the whole Doc's
    arrays for every window: quadratic in a long text)."""

    def __init__(self, doc):
        from spacy.attrs import ORTH, SPACY

        text_arr = doc.to_array([ORTH, SPACY])  # Token objects for a long Doc cost seconds
        strings = doc.vocab.strings
        seen: dict[int, str] = {}
        words = [seen[o] if o in seen else seen.setdefault(o, strings[o]) for o in text_arr[:, 0].tolist()]
        self._set(doc.vocab, words, [bool(x) for x in text_arr[:, 1].tolist()], None,
                  doc.user_data.get(MORPH_KEY))
        self.arr = doc.to_array(self.attrs)

    @classmethod
    def from_arrays(cls, vocab, words: list[str], spaces: list[bool], arr: numpy.ndarray, keys) -> "_Windows":
        self = cls.__new__(cls)
        self._set(vocab, words, spaces, arr, keys)
        return self

    def _set(self, vocab, words, spaces, arr, keys) -> None:
        from spacy.attrs import SENT_START, TAG

        self.vocab = vocab
        self.words = words
        self.spaces = spaces
        self.attrs = [TAG, SENT_START]
        self.arr = arr
        self.keys = keys

    def key(self, a: int, b: int) -> tuple:
        """What the model reads of the window [a, b): equal keys, equal windows (see ``piece``)."""
        keys = b"" if self.keys is None else numpy.asarray(self.keys[a:b]).tobytes()
        return (tuple(self.words[a:b]), tuple(self.spaces[a:b]), self.arr[a + 1:b].tobytes(),
                int(self.arr[a, 0]), keys)

    def piece(self, a: int, b: int):
        from spacy.tokens import Doc

        piece = Doc(self.vocab, words=self.words[a:b], spaces=self.spaces[a:b])
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
            if analysis.forms:  # a very long article (see segment.WHOLE_DOC_FORMS): windows from its forms
                self._tag_forms(analysis)
            return
        doc = self.tagger.own(analysis.doc)
        chosen, _ = self.tagger.tag(doc)
        from spacy.attrs import ENT_IOB, ENT_TYPE, IDX, LENGTH

        analysis.doc = doc
        if len(doc):
            self._mentions(analysis, doc.to_array([ENT_IOB, ENT_TYPE, IDX, LENGTH]), doc.vocab.strings, chosen)

    def _tag_forms(self, analysis: Analysis) -> None:
        from pipeline.stages.biluo import entity_arrays
        from pipeline.stages.segment import doc_arrays

        vocab = self.nlp.vocab
        words, spaces, arr, keys = doc_arrays(vocab, analysis.text, analysis.forms)
        chosen, path = self.tagger.tag_arrays(words, spaces, arr, keys)
        del arr, keys
        lengths = numpy.fromiter((len(w) for w in words), dtype=numpy.int64, count=len(words))
        ends = numpy.cumsum(lengths + numpy.fromiter(spaces, dtype=numpy.int64, count=len(spaces)))
        del words, spaces
        table = numpy.empty((len(path), 4), dtype="uint64")
        table[:, :2] = entity_arrays(path, self.tagger.labels, vocab.strings)
        table[:, 2] = numpy.concatenate([[0], ends[:-1]])
        table[:, 3] = lengths
        self._mentions(analysis, table, vocab.strings, chosen)

    def _mentions(self, analysis: Analysis, arr: numpy.ndarray, strings, chosen: numpy.ndarray) -> None:
        """The PERSON/ORG/LOCATION mentions of a tagged text, read from its token arrays (ENT_IOB, ENT_TYPE, IDX,
        LENGTH: building the entity spans and their texts token by token cost a tenth of the stage); ``chosen``:
        each token's probability of its decoded label."""
        if not len(arr):
            return
        iob = arr[:, 0].astype("int64")
        begins = numpy.flatnonzero(iob == 3)  # B (spaCy's IOB codes: I=1, O=2, B=3)
        if not len(begins):
            return
        outside = numpy.append(numpy.flatnonzero(iob != 1), len(arr))  # an entity runs until the next non-I token
        lasts = outside[numpy.searchsorted(outside, begins, side="right")] - 1
        text = analysis.text
        same: dict[tuple[str, str], int] = {}
        for b, last in zip(begins.tolist(), lasts.tolist()):
            klue = strings[int(arr[b, 1])]
            label = KLUE_TO_LABEL.get(klue)
            if label is None:
                continue
            start, end = int(arr[b, 2]), int(arr[last, 2] + arr[last, 3])
            seen = same[label, text[start:end]] = same.get((label, text[start:end]), 0) + 1
            if seen > MAX_SAME_MENTIONS:
                continue
            confidence = round(float(chosen[b:last + 1].mean()), 4)
            analysis.mentions.append(Mention(label=label, start=start, end=end, text=text[start:end],
                                             source="ner", rule_id=f"ner.{klue}", confidence=confidence))
        over = sorted(((n, key) for key, n in same.items() if n > MAX_SAME_MENTIONS), key=lambda x: (-x[0], x[1]))
        for n, (label, form) in over:
            analysis.errors.append(ReadError(
                path=analysis.article.path or analysis.article.doc_id, line=analysis.article.line, stage="ner",
                error="mention_limit", message=f"the model read {form!r} as {label} {n:,} times in this article; "
                f"the first {MAX_SAME_MENTIONS:,} are mentions, the other {n - MAX_SAME_MENTIONS:,} were dropped "
                "(text that repeats a word this often is not prose)"))
