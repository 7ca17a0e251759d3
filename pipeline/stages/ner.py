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


def model_available(path: Path = DEFAULT_MODEL) -> bool:
    return (path / "meta.json").exists()


class NerStage:
    name = "ner"

    def __init__(self, model_path: Path | None = DEFAULT_MODEL):
        self.nlp = None
        if model_path is not None and model_available(model_path):
            import spacy

            self.nlp = spacy.load(model_path)

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
        analysis.doc = doc
        for ent in doc.ents:
            label = KLUE_TO_LABEL.get(ent.label_)
            if label is None:
                continue
            analysis.mentions.append(Mention(label=label, start=ent.start_char, end=ent.end_char,
                                             text=ent.text, source="ner", rule_id=f"ner.{ent.label_}"))

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
