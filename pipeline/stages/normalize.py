"""Normalize stage: each rule mention gets its value from the normalizer its rule file names.

A normalizer may reject a mention by returning ``None`` (``3동`` read as Vietnamese dong after a small number, a
range that goes down, ``2월 30일``); the mention is then dropped, because a rule matched the shape but the meaning
is not there. Whether a bare ``3,659억`` is money is decided by the rules, not here: money.yaml reads a bare 억 as
won unless a count shows (``money.bare_eok``) and a bare 조 or 만 only near a money word (rules/README.md).
Mentions without a normalizer (model mentions, files with no ``normalizer:``) pass through with ``value = None``.

A normalizer may also declare a ``sequence`` pass, run once per article over its kept mentions in text order: the
date normalizer gives 11월 29일 the year of 2012년 10월 26일과 before it (``dates.carry_dates``).

When a rule mention is rejected, the candidates it displaced in the resolve stage (``Mention.alternatives``) are
resolved among themselves by the same policy and tried in its place, as long as they overlap nothing already kept.
"""
from __future__ import annotations

from pipeline.article import Analysis, Mention
from pipeline.stages.resolve import SpanIndex, select_non_overlapping

MAX_FALLBACK_DEPTH = 4


class NormalizeStage:
    name = "normalize"

    def __init__(self, ruleset):
        self.ruleset = ruleset

    def _accept(self, m: Mention, analysis: Analysis) -> bool:
        value = self.ruleset.normalize(m, analysis)
        if value is None and self.ruleset.has_normalizer(m.rule_id):
            return False
        m.value = value
        return True

    def __call__(self, analysis: Analysis) -> None:
        kept: list[Mention] = []
        rejected: list[Mention] = []
        for m in analysis.mentions:
            if m.source != "rules" or self._accept(m, analysis):
                kept.append(m)
            elif m.alternatives:
                rejected.append(m)
        index = SpanIndex(kept) if rejected else None
        depth = 0
        while rejected and depth < MAX_FALLBACK_DEPTH:
            depth += 1
            again: list[Mention] = []
            for loser in rejected:
                alts = loser.alternatives  # rule candidates first, then the model's (see the resolve stage)
                for alt in (select_non_overlapping([a for a in alts if a.source == "rules"])
                            + select_non_overlapping([a for a in alts if a.source != "rules"])):
                    if index.overlapping(alt.start, alt.end) is not None:
                        continue
                    if self._accept(alt, analysis):
                        kept.append(alt)
                        index.add(alt)
                    elif alt.alternatives:
                        again.append(alt)
            rejected = again
        kept.sort(key=lambda m: (m.start, m.end, m.label))
        self._sequences(kept, analysis)
        analysis.mentions = kept

    def _sequences(self, kept: list[Mention], analysis: Analysis) -> None:
        """Each normalizer's ``sequence`` pass over its mentions, in text order (dates of a list share a year)."""
        groups: dict[str, tuple[object, list]] = {}
        if not hasattr(self.ruleset, "normalizer_for"):
            return
        for m in kept:
            if m.source != "rules" or m.value is None:
                continue
            normalizer = self.ruleset.normalizer_for(m.rule_id)
            if normalizer is None or getattr(normalizer, "sequence", None) is None:
                continue
            groups.setdefault(normalizer.name, (normalizer, []))[1].append(m)
        for normalizer, mentions in groups.values():
            normalizer.sequence([(m, self.ruleset.context(m, analysis)) for m in mentions])
