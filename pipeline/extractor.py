"""The Extractor: loads Kiwi, the rule files and the model once, then runs the stages over articles.

>>> from pipeline import Extractor
>>> ex = Extractor()
>>> result = ex.extract("서울시는 올해 하반기 사업비 1조 2,000억원을 투입한다.", published="2024-05-29", doc_id="a1")
>>> sorted(result.tables())[:3]
['areas', 'dates', 'documents']
"""
from __future__ import annotations

import datetime as dt
import hashlib
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from pipeline.article import Analysis, Article, ReadError
from pipeline.io.readers import as_date as _as_date
from pipeline.io.schema import TABLES, to_frame
from pipeline.paths import BUILTIN_RULES_DIR
from pipeline.stages.link import LinkStage
from pipeline.stages.ner import NerStage
from pipeline.stages.normalize import NormalizeStage
from pipeline.stages.quotes import QuoteStage, load_quote_rules
from pipeline.stages.resolve import ResolveStage
from pipeline.stages.rules import RuleStage
from pipeline.stages.segment import Segmenter, blank_nlp
from pipeline.stages.tables import TablesStage, rows_for

if TYPE_CHECKING:  # only Result.tables builds DataFrames; the batch workers never do, and need not import pandas
    import pandas as pd



@dataclass
class Result:
    """The extraction of one article: its analysis and the table rows it yields."""

    analysis: Analysis
    rows: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def mentions(self):
        return self.analysis.mentions

    def tables(self) -> dict[str, "pd.DataFrame"]:
        """The same tables the CLI writes (every table, with its documented columns, even when empty)."""
        from pipeline.entities import with_entities

        return with_entities({name: to_frame(name, self.rows.get(name, [])) for name in TABLES})


class Extractor:
    """Runs segment → rules → ner → resolve → normalize → link → quotes → tables over articles.

    ``rules_dir`` adds a user's rule folder to the built-in one; ``ner=False`` skips the statistical stage;
    ``threads`` is Kiwi's own thread count for batches (0 = Kiwi's default of one thread per call).
    """

    def __init__(self, rules_dir: str | Path | Sequence[str | Path] | None = None, *, ner: bool = True,
                 threads: int = 0):
        from pipeline.ruleset import load_ruleset

        dirs = [BUILTIN_RULES_DIR]
        if rules_dir:
            extra = [rules_dir] if isinstance(rules_dir, (str, Path)) else list(rules_dir)
            dirs += [Path(d) for d in extra]
        self.ruleset = load_ruleset(dirs)  # raises RulesetError listing every problem, before any work
        self.ner = NerStage() if ner else NerStage(model_path=None)
        vocab = self.ner.nlp.vocab if self.ner.enabled else blank_nlp().vocab
        self.segmenter = Segmenter(vocab=vocab, num_workers=threads,
                                   user_words=tuple(getattr(self.ruleset, "user_words", lambda: ())()),
                                   build_doc=self.ruleset.has_token_patterns or self.ner.enabled,
                                   whole_doc=self.ruleset.has_token_patterns)
        self.ner.check_kiwi(self.segmenter.kiwi)
        # The one place where the stages are composed.
        self.stages = [
            RuleStage(self.ruleset),
            self.ner,
            ResolveStage(),
            NormalizeStage(self.ruleset),
            LinkStage(self.ruleset),
            QuoteStage(load_quote_rules(dirs)),
            TablesStage(),
        ]

    def extract(self, text: str, published: str | dt.date | None = None, doc_id: str = "doc",
                title: str = "", path: str = "") -> Result:
        """Extract from one text. ``published`` (YYYY-MM-DD) anchors relative dates."""
        import unicodedata

        text = unicodedata.normalize("NFC", text)
        article = Article(doc_id=doc_id, text=text, path=path, title=title, published=_as_date(published),
                          sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
        return next(iter(self.extract_many([article])))

    def extract_many(self, articles: Iterable[Article], batch_size: int = 32,
                     on_stage: Callable[[str], None] | None = None) -> Iterator[Result]:
        """Extract from articles in batches (Kiwi runs once per batch); results come back in input order.

        ``on_stage(name)`` is called as each stage starts on a batch (the batch engines' supervisor uses it to
        name the stage an article was in when it ran out of time or its worker died)."""
        batch: list[Article] = []
        for article in articles:
            batch.append(article)
            if len(batch) >= batch_size:
                yield from self._run_batch(batch, on_stage)
                batch = []
        if batch:
            yield from self._run_batch(batch, on_stage)

    def _run_batch(self, articles: list[Article], on_stage=None) -> list[Result]:
        analyses = [Analysis(article=a) for a in articles]
        if on_stage is not None:
            on_stage(self.segmenter.name)
        t0 = time.perf_counter()
        try:
            self.segmenter.segment_many(analyses)
        except Exception:  # one bad text must not sink the batch: retry one by one
            for a in analyses:
                self._guard(a, self.segmenter)
        share = (time.perf_counter() - t0) / max(1, len(analyses))
        for a in analyses:
            a.timings["segment"] = share
        for stage in self.stages:
            if on_stage is not None:
                on_stage(stage.name)
            live = [a for a in analyses if a.status == "ok"]
            many = getattr(stage, "run_many", None)
            if many is not None and len(live) > 1:
                t = time.perf_counter()
                try:
                    many(live)
                except Exception:  # one bad article must not sink the batch: redo one by one, guarded
                    for a in live:
                        a.mentions = [m for m in a.mentions if m.source != stage.name]
                        self._guard(a, stage)
                share = (time.perf_counter() - t) / len(live)
                for a in live:
                    a.timings[stage.name] = share
                continue
            for a in live:
                t = time.perf_counter()
                if self._guard(a, stage):
                    a.timings[stage.name] = time.perf_counter() - t
        return [Result(a, rows_for(a)) for a in analyses]

    @staticmethod
    def _guard(analysis: Analysis, stage) -> bool:
        try:
            stage(analysis)
            return True
        except Exception as exc:  # recorded as an errors row; the document keeps status "failed"
            analysis.status = "failed"
            analysis.mentions = []
            analysis.quotes = []
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            analysis.errors.append(ReadError(
                path=analysis.article.path or analysis.article.doc_id, line=analysis.article.line,
                stage=stage.name, error=type(exc).__name__,
                message=f"{exc} (at {Path(tb.filename).name}:{tb.lineno})"))
            return False
