"""Normalize stage: each rule mention gets its value from the normalizer its rule file names.

A normalizer may reject a mention by returning ``None`` (a bare ``3,659억`` far from any money word, say); the
mention is then dropped, because a rule matched the shape but the meaning is not there. Mentions without a
normalizer (model mentions, files with no ``normalizer:``) pass through with ``value = None``.
"""
from __future__ import annotations

from pipeline.article import Analysis


class NormalizeStage:
    name = "normalize"

    def __init__(self, ruleset):
        self.ruleset = ruleset

    def __call__(self, analysis: Analysis) -> None:
        kept = []
        for m in analysis.mentions:
            if m.source == "rules":
                value = self.ruleset.normalize(m, analysis)
                if value is None and self.ruleset.has_normalizer(m.rule_id):
                    continue
                m.value = value
            kept.append(m)
        analysis.mentions = kept
