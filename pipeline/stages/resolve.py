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
   The dropped model mention is kept among the rule mention's alternatives, after the rule candidates: when the
   normalizer rejects the rule reading (최관석 형사과장: no title the lexicon knows), the model's reading of the
   same text comes back instead of nothing.
3. One exception to 2: a model ORG that covers one or more rule ORGs whole and is longer reads the longer name
   (대법원 1부, 오바마 행정부, 경기도 시흥경찰서 수사본부, where the rules see 대법원, 행정부, 수사본부): rules
   know names, the model knows where a composed name ends. Measured on the real-news gold (bench/ner_news.py):
   the pipeline's ORG F1 rises to the model's.
4. Among model mentions, spaCy's ``ner`` already yields non-overlapping spans.
"""
from __future__ import annotations

import bisect
import itertools

from pipeline.article import Analysis, Mention
from pipeline.stages.link import LIST_SEPARATOR


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


def _yield_to_longer_model_orgs(rules: list[Mention], model: list[Mention], text: str = "") -> list[Mention]:
    """Rule mentions (in text order, non-overlapping) without the ORGs that a longer model ORG covers whole, when
    every rule mention the model ORG overlaps is such an ORG and no other rule expression (오세훈 서울시장: the
    person's extent) reaches into it. Rule ORGs joined by a comma or ·  (한·중·일) are a list, not parts of one
    name: they stay."""
    starts = [r.start for r in rules]
    others = sorted(r.extent or (r.start, r.end) for r in rules if r.label != "ORG")
    other_starts = [a for a, _ in others]
    other_reach = list(itertools.accumulate((b for _, b in others), max))
    dropped: set[int] = set()
    for m in model:
        if m.label != "ORG":
            continue
        j = bisect.bisect_left(other_starts, m.end)
        if j > 0 and other_reach[j - 1] > m.start:
            continue
        k = bisect.bisect_left(starts, m.end) - 1
        inside = []
        while k >= 0 and rules[k].end > m.start:
            inside.append(k)
            k -= 1
        inside.sort()
        if any(LIST_SEPARATOR.fullmatch(text, rules[a].end, rules[b].start) for a, b in zip(inside, inside[1:])):
            continue
        if inside and all(rules[k].label == "ORG" and m.start <= rules[k].start and rules[k].end <= m.end
                          and rules[k].length < m.length for k in inside):
            dropped.update(inside)
    return [r for k, r in enumerate(rules) if k not in dropped] if dropped else rules


class ResolveStage:
    name = "resolve"

    def __call__(self, analysis: Analysis) -> None:
        rules = [m for m in analysis.mentions if m.source == "rules"]
        model = [m for m in analysis.mentions if m.source != "rules"]
        kept_rules = select_non_overlapping(rules)
        chosen_model = select_non_overlapping(model)
        kept_rules = _yield_to_longer_model_orgs(kept_rules, chosen_model, analysis.text)
        index = SpanIndex(kept_rules)
        kept_model = []
        for m in chosen_model:
            blocker = index.overlapping(m.start, m.end)
            if blocker is None:
                kept_model.append(m)
            else:
                blocker.alternatives.append(m)
        merged = kept_rules + kept_model
        merged.sort(key=lambda m: (m.start, m.end, m.label))
        analysis.mentions = merged
