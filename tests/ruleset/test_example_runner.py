"""The example runner's verdicts (Duckling-style), checked with a light extractor: rules → resolve → normalize."""
from __future__ import annotations

import datetime as dt

import pytest

from pipeline.article import Analysis, Article
from pipeline.ruleset import load_ruleset
from pipeline.rule_examples import Failure, compare_value, run_examples
from pipeline.stages.normalize import NormalizeStage
from pipeline.stages.resolve import ResolveStage
from pipeline.stages.rules import RuleStage


class LightExtractor:
    """The stages that decide what an example yields, without Kiwi or the model (regex rules only)."""

    def __init__(self, ruleset):
        self.ruleset = ruleset
        self.stages = [RuleStage(ruleset), ResolveStage(), NormalizeStage(ruleset)]

    def extract(self, text, published=None, doc_id="doc"):
        analysis = Analysis(Article(doc_id, text, published=published))
        for stage in self.stages:
            stage(analysis)
        return type("Result", (), {"analysis": analysis})()


FILE = """
    entity: QTY
    normalizer: test_echo
    patterns:
      - id: qty.count
        regex: '(?P<number>\\d+)개'
      - id: qty.bare
        regex: '\\d+'
        label: BARE
    examples:
      - text: 사과 3개
        expect: [{text: 3개, value: 3개}]
      - text: 사과 3개
        expect: [{text: 사과 3개}]
      - text: 사과 3개
        expect: [{text: 3개, value: {number: '4'}}]
      - text: 사과 한 개
        expect: [{text: 한 개}]
      - text: 올해 3개
        published: 2024-05-29
        expect: [{text: 3개, value: {published: 2024-05-29, number: '3'}}]
      - text: 사과 05개
        expect: [{text: 05개}]
    counterexamples:
      - 사과 한 개
      - 배 7
"""


def test_verdicts(write, echo_normalizer):
    d = write("qty.yaml", FILE)
    rs = load_ruleset([d])
    failures = run_examples(rs, LightExtractor(rs))
    path = f"{d}/qty.yaml"
    assert [str(f) for f in failures] == [
        f"{path}:12 qty.yaml::example-2: '사과 3개': partial match got '3개'",
        f"{path}:14 qty.yaml::example-3: '3개': value mismatch {{'number': '3'}} != {{'number': '4'}}",
        f"{path}:16 qty.yaml::example-4: '한 개': no match",
        # resolve keeps 05개 over 05, then the normalizer rejects 05개: nothing is left
        f"{path}:21 qty.yaml::example-6: '05개': no match",
        f"{path}:25 qty.yaml::counterexample-2: unexpected BARE '7'",
    ]
    assert all(isinstance(f, Failure) for f in failures)


@pytest.mark.parametrize("got,expected,primary,verdict", [
    ({"amount": 1.2e9, "currency": "KRW"}, 1200000000, "amount", None),
    ({"amount": 1.2e9 * (1 + 1e-7)}, 1200000000, "amount", None),         # relative tolerance 1e-6
    ({"amount": 1.2e9 * (1 + 1e-5)}, 1200000000, "amount", ({"amount": 1.2e9 * (1 + 1e-5)}, {"amount": 1200000000})),
    ({"amount": 5, "currency": "USD"}, {"currency": "KRW"}, "amount", ({"currency": "USD"}, {"currency": "KRW"})),
    ({"value": "2024-05-29"}, dt.date(2024, 5, 29), "value", None),         # YAML date vs ISO text
    ({"value": 1}, {"unit": "%"}, "value", ({"unit": "<missing>"}, {"unit": "%"})),
    (None, 3, "value", (None, {"value": 3})),
    (None, None, "value", None),
    ({"value": True}, 1, "value", ({"value": True}, {"value": 1})),          # a bool is not a number
])
def test_compare_value(got, expected, primary, verdict):
    assert compare_value(got, expected, primary) == verdict
