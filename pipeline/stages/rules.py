"""Rule stage: every match of every rule-file pattern becomes a ``Mention`` (source ``rules``).

Overlaps are kept; the resolve stage picks among them (longest, then ``priority``, then the order emitted here:
rule files in load order, patterns in file order, matches in text order).

>>> from pipeline.article import Analysis, Article
>>> from pipeline.ruleset import load_ruleset
>>> analysis = Analysis(Article("a1", "영업이익이 12.5% 증가했다."))
>>> RuleStage(load_ruleset(["my_rules"]))(analysis)          # doctest: +SKIP
>>> [(m.label, m.text, m.rule_id) for m in analysis.mentions]  # doctest: +SKIP
[('PERCENT', '12.5%', 'percent.number_unit')]
"""
from __future__ import annotations

from pipeline.article import Analysis, Mention


class RuleStage:
    name = "rules"

    def __init__(self, ruleset):
        self.ruleset = ruleset

    def __call__(self, analysis: Analysis) -> None:
        if analysis.doc is None and self.ruleset.has_token_patterns:
            raise ValueError("rules: token patterns need the segment stage's Doc "
                             "(fulfilled: text / missing: analysis.doc); run segment first")
        text = analysis.text
        for m in self.ruleset.find(text, analysis.doc):
            start, end, extent = m.start, m.end, None
            span = m.pattern.spec.span
            if span and span in m.groups and m.groups[span] != (m.start, m.end):
                # `span: name`: the mention is the group (a person's name), the row covers the whole match
                (start, end), extent = m.groups[span], (m.start, m.end)
            analysis.mentions.append(Mention(
                label=m.pattern.label, start=start, end=end, text=text[start:end], source="rules",
                rule_id=m.pattern.id, priority=m.pattern.priority, groups=m.groups, extent=extent,
                confidence=m.pattern.confidence))
