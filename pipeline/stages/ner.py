"""NER stage: the statistical model (spaCy ``tok2vec`` + our BILUO tagger, trained on KLUE-NER) proposes PERSON, ORG
and LOCATION.

The model ships inside the package (``pipeline/models/ner``, CC BY-SA 4.0, see ``pipeline/models/README.md``; rebuilt
by ``krnews train``); when it is absent the stage does nothing, so the rule stages still run. It runs on the Doc the
segment stage built (Kiwi forms, tags on ``token.tag_``), which is what it was trained on. KLUE labels map to ours:
PS → PERSON, OG → ORG, LC → LOCATION. The model also marks DT, QT and TI (they stay on ``analysis.doc.ents`` and
are scored by ``krnews evaluate --model-only``), but the rule stages own dates and quantities with exact values.

The Extractor hands the stage a whole batch (``run_many``): the model runs over the batch's Docs together. Any
spaCy NER model with our tokenizer loads here, the transition-based ``ner`` of earlier versions included.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from pipeline.article import Analysis, Mention
from pipeline.paths import NER_MODEL_DIR
import pipeline.stages.segment  # noqa: F401  (registers our tokenizer and NER component for the model's config)

KLUE_TO_LABEL = {"PS": "PERSON", "OG": "ORG", "LC": "LOCATION"}
DEFAULT_MODEL = NER_MODEL_DIR
MAX_TOKENS = 5_000  # longer Docs are tagged window by window (see NerStage._by_windows)
GEMM_BLOCK = 256  # rows per matrix product in BlockGemmOps


def block_gemm_ops():
    """thinc's ``NumpyOps`` with ``gemm`` on numpy's BLAS (OpenBLAS), in blocks of ``GEMM_BLOCK`` rows.

    Why: thinc multiplies with BLIS, which runs the model's products (15,000 token rows × 96 or 160 columns) at
    about 30 GFLOP/s here, against 75 for OpenBLAS on one thread: the model's time falls by about a third.
    Why in blocks: OpenBLAS picks its kernels by the matrix's shape (a few rows take another path), so a token's
    scores could differ in the last bits with the other articles of its batch, and a resumed or incremental run
    could then tag a borderline token differently from an uninterrupted one. Every product here is made of whole
    blocks of the same shape (the last one padded with zeros), so a row's result depends on that row alone, as it
    does with BLIS (tests/stages/test_ner_stage.py checks it). Training keeps thinc's own ops.
    """
    import numpy
    from thinc.api import NumpyOps

    class BlockGemmOps(NumpyOps):
        name = "krnews-block-gemm"

        def gemm(self, x, y, *, out=None, trans1=False, trans2=False):
            if x.ndim != 2 or y.ndim != 2 or x.dtype != numpy.float32 or y.dtype != numpy.float32:
                return super().gemm(x, y, out=out, trans1=trans1, trans2=trans2)
            a = x.T if trans1 else x
            b = y.T if trans2 else y
            rows = a.shape[0]
            if out is None:
                out = numpy.empty((rows, b.shape[1]), dtype=numpy.float32)
            whole = rows - rows % GEMM_BLOCK
            for i in range(0, whole, GEMM_BLOCK):
                numpy.matmul(a[i:i + GEMM_BLOCK], b, out=out[i:i + GEMM_BLOCK])
            if whole < rows:
                pad = numpy.zeros((GEMM_BLOCK, a.shape[1]), dtype=numpy.float32)
                pad[:rows - whole] = a[whole:]
                out[whole:] = (pad @ b)[:rows - whole]
            return out

    return BlockGemmOps()


def model_available(path: Path = DEFAULT_MODEL) -> bool:
    return (path / "meta.json").exists()


def load_model(model_path: Path = DEFAULT_MODEL):
    """``spacy.load`` with the model's matrix products on ``block_gemm_ops`` (the stage and ``krnews evaluate
    --model-only`` run the same arithmetic)."""
    import spacy
    from thinc.api import get_current_ops, set_current_ops

    previous = get_current_ops()
    set_current_ops(block_gemm_ops())  # the model's layers take the current ops when they are built
    try:
        return spacy.load(model_path)
    finally:
        set_current_ops(previous)


class NerStage:
    name = "ner"

    def __init__(self, model_path: Path | None = DEFAULT_MODEL):
        self.nlp = None
        if model_path is not None and model_available(model_path):
            self.nlp = load_model(model_path)

    @property
    def enabled(self) -> bool:
        return self.nlp is not None

    def __call__(self, analysis: Analysis) -> None:
        self.run_many([analysis])

    def run_many(self, analyses: Sequence[Analysis]) -> None:
        """Tag the articles of a batch together: the model's transition loop advances every Doc of the batch at
        once, which costs about a third less than one Doc at a time."""
        if self.nlp is None:
            return
        todo = [(a, self._doc_for(a)) for a in analyses]
        todo = [(a, doc) for a, doc in todo if doc is not None]
        short = [doc for _, doc in todo if len(doc) <= MAX_TOKENS]
        if short:
            for _, proc in self.nlp.pipeline:
                short = list(proc.pipe(short, batch_size=len(short)))
        tagged = iter(short)
        for analysis, doc in todo:
            if len(doc) <= MAX_TOKENS:
                doc = next(tagged)
            else:
                self._by_windows(doc)
            self._mentions(analysis, doc)

    def _doc_for(self, analysis: Analysis):
        doc = analysis.doc
        if doc is None:
            return None
        if doc.vocab is not self.nlp.vocab:  # a Doc from another vocab cannot name the model's labels otherwise
            for label in self.nlp.get_pipe("ner").labels:
                doc.vocab.strings.add(label)
        return doc

    def _mentions(self, analysis: Analysis, doc) -> None:
        """The PERSON/ORG/LOCATION mentions of ``doc.ents``, read from the token arrays (building the entity spans
        and their texts token by token cost a tenth of the stage)."""
        import numpy
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
            analysis.mentions.append(Mention(label=label, start=start, end=end, text=text[start:end],
                                             source="ner", rule_id=f"ner.{klue}"))

    def _by_windows(self, doc) -> None:
        """A very long Doc is tagged in windows of whole sentences: the model's memory grows with the Doc (4.5 GB
        for a 1 MB article at once), while what it sees of a token reaches only a few tokens either side."""
        ents = []
        start = 0
        sent_starts = [s.start for s in doc.sents] + [len(doc)]
        while start < len(doc):
            end = start + MAX_TOKENS
            cut = max((b for b in sent_starts if start < b <= end), default=end)
            window = doc[start:cut].as_doc()
            for _, proc in self.nlp.pipeline:
                window = proc(window)
            base = doc[start].idx
            for ent in window.ents:
                span = doc.char_span(base + ent.start_char, base + ent.end_char, label=ent.label_)
                if span is not None:
                    ents.append(span)
            start = cut
        doc.set_ents(ents, default="outside")
