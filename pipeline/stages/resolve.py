"""Resolve stage: one mention per stretch of text.

Policy (documented in README "How mentions are merged"):
1. Among rule mentions, a longer span wins over any span it overlaps; on equal length the higher ``priority`` wins,
   then the earlier rule file and pattern (the order the rule stage emitted them). Rules are precise but partial
   (``3,659억`` also contains the number ``3,659``), and the longest reading carries the whole expression.
   The candidates a winner displaced are kept on it (``Mention.alternatives``): the normalize stage, which runs
   next, tries them in the same order when it rejects the winner, so a shape that matched without meaning never
   hides a real reading of the same text.
2. A model (ner) mention that overlaps any rule mention is dropped: rule stages own MONEY, AREA and DATE values and
   the lexicon-checked PERSON/ORG forms; the model supplies PERSON, ORG and LOCATION where rules found nothing.
3. Among model mentions, spaCy's ``ner`` already yields non-overlapping spans.
"""
from __future__ import annotations

import bisect

from pipeline.article import Analysis, Mention


class SpanIndex:
    """Non-overlapping kept mentions, sorted by start: which one overlaps a span, in O(log n).

    Articles can be megabytes long with hundreds of thousands of candidates, so no stage may compare every mention
    with every other.
    """

    def __init__(self, mentions: list[Mention] | None = None):
        self._starts: list[int] = []
        self._items: list[Mention] = []
        for m in mentions or []:
            self.add(m)

    def overlapping(self, start: int, end: int) -> Mention | None:
        i = bisect.bisect_left(self._starts, end)  # kept spans starting before `end`
        if i > 0 and self._items[i - 1].end > start:
            return self._items[i - 1]
        return None

    def add(self, m: Mention) -> None:
        i = bisect.bisect_left(self._starts, m.start)
        self._starts.insert(i, m.start)
        self._items.insert(i, m)


def select_non_overlapping(mentions: list[Mention]) -> list[Mention]:
    """Greedy choice by (length, priority, emission order); returns the kept mentions in text order."""
    order = sorted(range(len(mentions)), key=lambda i: (-mentions[i].length, -mentions[i].priority, i))
    kept: list[Mention] = []
    index = SpanIndex()
    for i in order:
        m = mentions[i]
        if m.length <= 0:
            continue
        blocker = index.overlapping(m.start, m.end)
        if blocker is not None:
            blocker.alternatives.append(m)
            continue
        kept.append(m)
        index.add(m)
    kept.sort(key=lambda m: (m.start, m.end, m.label))
    return kept


class ResolveStage:
    name = "resolve"

    def __call__(self, analysis: Analysis) -> None:
        rules = [m for m in analysis.mentions if m.source == "rules"]
        model = [m for m in analysis.mentions if m.source != "rules"]
        kept_rules = select_non_overlapping(rules)
        index = SpanIndex(kept_rules)
        kept_model = [m for m in select_non_overlapping(model) if index.overlapping(m.start, m.end) is None]
        merged = kept_rules + kept_model
        merged.sort(key=lambda m: (m.start, m.end, m.label))
        analysis.mentions = merged
