"""``span: NAME`` in a rule file: the mention covers that group, the table row the whole match (``extent``)."""
from __future__ import annotations

import textwrap

import pytest

from pipeline.article import Analysis, Article
from pipeline.ruleset import RulesetError, load_ruleset
from pipeline.stages.rules import RuleStage

@pytest.fixture
def write(tmp_path):
    def _write(name: str, text: str):
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return tmp_path

    return _write


FILE = """
    entity: PERSON
    patterns:
      - id: who.title
        span: {span}
        regex: '(?P<name>[가-힣]{{3}}) (?P<title>대표)'
"""


def test_span_sets_mention_and_extent(write):
    rs = load_ruleset([write("who.yaml", FILE.format(span="name"))])
    analysis = Analysis(Article("a", "오늘 이영수 대표는"))
    RuleStage(rs)(analysis)
    [m] = analysis.mentions
    assert (m.text, m.start, m.end, m.extent) == ("이영수", 3, 6, (3, 9))


@pytest.mark.parametrize("span,message", [
    ("nme", "span 'nme' is not a named group of the pattern (did you mean 'name'?) (groups: name, title)"),
    ("[1]", "'span' must name a group of the pattern, got a list"),
])
def test_span_errors(write, span, message):
    d = write("who.yaml", FILE.format(span=span))
    with pytest.raises(RulesetError) as err:
        load_ruleset([d])
    assert [p.message for p in err.value.problems] == [message]
    assert err.value.problems[0].line == 4
