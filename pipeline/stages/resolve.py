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

from pipeline.article import Analysis, Mention


def _overlaps(a: Mention, b: Mention) -> bool:
    return a.start < b.end and b.start < a.end


def select_non_overlapping(mentions: list[Mention]) -> list[Mention]:
    """Greedy choice by (length, priority, emission order); returns the kept mentions in text order."""
    order = sorted(range(len(mentions)), key=lambda i: (-mentions[i].length, -mentions[i].priority, i))
    kept: list[Mention] = []
    for i in order:
        m = mentions[i]
        if m.length <= 0:
            continue
        blocker = next((k for k in kept if m.start < k.end and k.start < m.end), None)
        if blocker is not None:
            blocker.alternatives.append(m)
            continue
        kept.append(m)
    kept.sort(key=lambda m: (m.start, m.end, m.label))
    return kept


class ResolveStage:
    name = "resolve"

    def __call__(self, analysis: Analysis) -> None:
        rules = [m for m in analysis.mentions if m.source == "rules"]
        model = [m for m in analysis.mentions if m.source != "rules"]
        kept_rules = select_non_overlapping(rules)
        kept_model = [m for m in select_non_overlapping(model)
                      if not any(_overlaps(m, r) for r in kept_rules)]
        merged = kept_rules + kept_model
        merged.sort(key=lambda m: (m.start, m.end, m.label))
        analysis.mentions = merged
