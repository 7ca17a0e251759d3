"""Typed values that flow between stages.

Everything here carries character offsets into ``Article.text`` (the NFC-normalized article text); pandas only
appears at the table boundary (``pipeline.stages.tables``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple


@dataclass
class Article:
    """One article as read from disk (or given to ``Extractor.extract``)."""

    doc_id: str
    text: str
    path: str = ""
    title: str = ""
    published: dt.date | None = None
    encoding: str = ""
    url: str = ""
    source: str = ""  # the outlet (언론사)
    line: int | None = None  # 1-based line number of a JSONL record, row number of a table row
    sha256: str = ""
    author: str = ""  # the byline (기고자)
    listed: dict[str, list[str]] = field(default_factory=dict)  # label -> names a table lists (BigKinds 인물 …)
    excluded: str = ""  # why the table marks this row as not to analyse (BigKinds 분석제외 여부), else ""


@dataclass(frozen=True)
class ReadError:
    """A problem with one input (a file, or one JSONL line); becomes a row of the ``errors`` table."""

    path: str
    line: int | None
    stage: str
    error: str
    message: str


@dataclass(frozen=True)
class Sentence:
    idx: int
    start: int
    end: int


class Form(NamedTuple):
    """A surface piece of the text at Kiwi morpheme boundaries (one spaCy token). A named tuple: an article has
    thousands, and building them is on the hot path."""

    text: str
    tag: str  # Kiwi tag(s), e.g. "NNP" or "XSV+EP"; "SP" for whitespace, "UNK" for text Kiwi skipped
    start: int
    end: int
    sentence_idx: int
    morph: int = -1  # Kiwi id of the first morpheme (the key of its pretrained vector; -1 for none)


@dataclass
class Mention:
    """A span found by a stage.

    ``start``/``end`` cover the entity itself (for PERSON: the name only, as in KLUE). ``extent`` is the span of
    the whole expression that a table row covers when it differs (오세훈 서울시장 for the name 오세훈).
    ``groups`` are the named groups of the rule that fired, as (start, end) offsets into the article text.
    ``value`` is filled by the normalize stage with the columns of the label's table.
    """

    label: str
    start: int
    end: int
    text: str
    source: str  # "rules" or "ner"
    rule_id: str = ""
    priority: int = 0
    groups: dict[str, tuple[int, int]] = field(default_factory=dict)
    value: dict[str, Any] | None = None
    extent: tuple[int, int] | None = None
    sentence_idx: int = -1
    mention_id: str = ""
    confidence: float | None = None  # the model's (mean token probability) or the rule file's stated confidence
    in_table: bool = True  # False: a mentions row only, no row in its label's table (a PERSON without evidence)
    # candidates this mention displaced in the resolve stage; tried in its place if the normalizer rejects it
    alternatives: list["Mention"] = field(default_factory=list, repr=False, compare=False)

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass
class Speaker:
    """Who said a quotation. ``kind``: person (a named person), official (an unnamed official of ``org``:
    관계자, 대변인), organization (``org`` speaking as itself), anonymous (한 시민, 업계에서는) or unresolved.
    ``start``/``end`` cover the speaker as written in this article (a second mention 오 시장 included);
    ``mention`` is the PERSON/ORG mention it resolves to (the full first mention for 오 시장), if any."""

    kind: str
    start: int | None = None
    end: int | None = None
    name: str | None = None
    title: str | None = None
    org: str | None = None
    mention: Mention | None = field(default=None, repr=False, compare=False)


@dataclass
class Quote:
    """A quotation: ``start``/``end`` cover the quoted words without the marks (direct) or the reported clause
    (indirect); ``cue`` is the speech verb's dictionary form (말하다) when one is written."""

    start: int
    end: int
    kind: str  # direct | indirect
    rule_id: str
    cue: str | None = None
    speaker: Speaker | None = None
    sentence_idx: int = -1
    quote_id: str = ""


@dataclass
class Analysis:
    """The working state of one article as it goes through the stages."""

    article: Article
    sentences: list[Sentence] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    doc: Any = None  # spacy.tokens.Doc over forms, built by the segment stage when a stage reads it (NER, token rules)
    mentions: list[Mention] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)
    status: str = "ok"
    timings: dict[str, float] = field(default_factory=dict)
    _sentence_starts: list[int] | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        return self.article.text

    def sentence_at(self, offset: int) -> int:
        """Index of the sentence containing ``offset`` (the nearest preceding one between sentences)."""
        import bisect

        starts = self._sentence_starts
        if starts is None or len(starts) != len(self.sentences):
            starts = self._sentence_starts = [s.start for s in self.sentences]
        i = bisect.bisect_right(starts, offset) - 1
        return self.sentences[i].idx if i >= 0 else (0 if self.sentences else -1)
