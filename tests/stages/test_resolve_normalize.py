"""Resolve policy and the normalize fallback, on hand-made mentions (no Kiwi needed)."""
from __future__ import annotations

import pytest

from pipeline.article import Analysis, Article, Mention
from pipeline.stages.normalize import NormalizeStage
from pipeline.stages.resolve import ResolveStage, select_non_overlapping


def m(label, start, end, source="rules", priority=0, rule_id=None):
    return Mention(label=label, start=start, end=end, text="", source=source, priority=priority,
                   rule_id=rule_id or f"{label.lower()}.r{start}_{end}")


@pytest.mark.parametrize("mentions, expected", [
    ([m("MONEY", 0, 8), m("NUM", 0, 5)], [("MONEY", 0, 8)]),                       # longer wins
    ([m("A", 0, 4, priority=1), m("B", 2, 6, priority=5)], [("B", 2, 6)]),          # equal length: priority
    ([m("A", 0, 4), m("B", 2, 6)], [("A", 0, 4)]),                                  # then emission order
    ([m("A", 0, 4), m("B", 4, 8)], [("A", 0, 4), ("B", 4, 8)]),                     # touching is no overlap
])
def test_select_non_overlapping(mentions, expected):
    assert [(x.label, x.start, x.end) for x in select_non_overlapping(mentions)] == expected


def test_model_mention_overlapping_a_rule_is_dropped():
    a = Analysis(Article("d", "x" * 20))
    a.mentions = [m("ORG", 0, 6, source="ner"), m("DATE", 4, 8), m("PERSON", 10, 13, source="ner")]
    ResolveStage()(a)
    assert [(x.label, x.source) for x in a.mentions] == [("DATE", "rules"), ("PERSON", "ner")]


class FakeRuleset:
    """Rejects the rule ids in ``reject``; every rule has a normalizer."""

    def __init__(self, reject):
        self.reject = set(reject)

    def normalize(self, mention, analysis):
        return None if mention.rule_id in self.reject else {"value": mention.rule_id}

    def has_normalizer(self, rule_id):
        return True


def test_rejected_winner_gives_way_to_what_it_displaced():
    a = Analysis(Article("d", "x" * 20))
    long_, short1, short2 = m("PERSON", 0, 10, rule_id="p.long"), m("PERSON", 0, 3, rule_id="p.a"), \
        m("ORG", 5, 9, rule_id="o.b")
    a.mentions = [long_, short1, short2]
    ResolveStage()(a)
    assert [x.rule_id for x in a.mentions] == ["p.long"]
    NormalizeStage(FakeRuleset({"p.long"}))(a)
    assert [(x.rule_id, x.value) for x in a.mentions] == [("p.a", {"value": "p.a"}), ("o.b", {"value": "o.b"})]


def test_fallback_never_overlaps_a_kept_mention():
    a = Analysis(Article("d", "x" * 20))
    a.mentions = [m("A", 0, 10, rule_id="a.big"), m("B", 8, 12, rule_id="b.mid"), m("C", 11, 14, rule_id="c.ok")]
    ResolveStage()(a)
    NormalizeStage(FakeRuleset({"a.big"}))(a)
    # b.mid (8-12) was displaced by a.big; once a.big is rejected it may not come back over the kept c.ok
    assert [(x.rule_id, x.start, x.end) for x in a.mentions] == [("c.ok", 11, 14)]
