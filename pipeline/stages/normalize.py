"""Normalize stage: each rule mention gets its value from the normalizer its rule file names.

A normalizer may reject a mention by returning ``None`` (a bare ``3,659억`` far from any money word, say); the
mention is then dropped, because a rule matched the shape but the meaning is not there. Mentions without a
normalizer (model mentions, files with no ``normalizer:``) pass through with ``value = None``.

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
        analysis.mentions = kept
