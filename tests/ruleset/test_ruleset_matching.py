"""What the compiled rules match: named lists, context windows, boundaries, token patterns, values."""
from __future__ import annotations

import datetime as dt
import pickle

import pytest
from spacy.tokens import Doc
from spacy.vocab import Vocab

from pipeline.article import Analysis, Article, Sentence
from pipeline.paths import BUILTIN_RULES_DIR
from pipeline.ruleset import load_ruleset
from pipeline.stages.rules import RuleStage


def make_doc(pieces: list[tuple[str, str, bool]]) -> Doc:
    """(form, Kiwi tag, space after) triples -> a Doc like the segment stage's."""
    return Doc(Vocab(), words=[p[0] for p in pieces], spaces=[p[2] for p in pieces], tags=[p[1] for p in pieces])


def found(ruleset, text, doc=None):
    return [(m.pattern.id, text[m.start:m.end]) for m in ruleset.find(text, doc)]


def test_named_lists_match_longest_first(write):
    d = write("unit.yaml", """
        entity: UNIT
        units: {만: 10000, 만원: 10000, 원: 1}
        tables: {currencies: {달러: USD, 미국달러: USD}}
        patterns:
          - id: unit.amount
            regex: '\\d+\\L<units>'
          - id: unit.currency
            regex: '\\d+\\L<currencies>'
        """)
    rs = load_ruleset([d])
    assert found(rs, "3만원과 5만, 7원, 10미국달러") == [
        ("unit.amount", "3만원"), ("unit.amount", "5만"), ("unit.amount", "7원"), ("unit.currency", "10미국달러")]


def test_lexicon_from_own_folder_then_builtin(write):
    write("lexicons/words.tsv", "# a comment\nform\tnote\n매출액\tsales\n매출\tsales\n\n")
    d = write("w.yaml", """
        entity: W
        lexicons: {words: words.tsv}
        patterns: [{id: w.word, regex: '\\L<words>'}]
        """)
    rs = load_ruleset([d])
    assert rs.files[0].lexicons["words"].rows == {"매출액": {"form": "매출액", "note": "sales"},
                                                  "매출": {"form": "매출", "note": "sales"}}
    assert found(rs, "매출액과 매출") == [("w.word", "매출액"), ("w.word", "매출")]
    if (BUILTIN_RULES_DIR / "lexicons" / "money_context.tsv").exists():
        d2 = write("b.yaml", """
            entity: B
            lexicons: {ctx: money_context.tsv}
            patterns: [{id: b.word, regex: '\\L<ctx>'}]
            """, folder="other")
        assert found(load_ruleset([d2]), "매출 3억") == [("b.word", "매출")]


@pytest.mark.parametrize("text,expected", [
    ("매출 3,659억 달성", ["3,659억"]),            # money word 3 characters before
    ("3,659억 매출 기록", ["3,659억"]),            # ... or right after
    ("인구 3,659억 명", []),                       # none nearby: a count
    ("매출은 지난 10년 동안 3,659억", []),         # too far before (window of 6)
    ("매출 1억, 그리고 인구 2억", ["1억"]),        # each match has its own window
])
def test_context_window(write, text, expected):
    d = write("m.yaml", """
        entity: M
        tables: {money_words: [매출, 투자]}
        patterns:
          - id: m.bare
            regex: '\\d+(?:,\\d{3})*억'
            context: {lexicon: money_words, before: 6, after: 3}
        """)
    assert [t for _, t in found(load_ruleset([d]), text)] == expected


@pytest.mark.parametrize("text,expected", [
    ("12명", ["12"]),
    ("가12명", []),          # dropped whole, never shortened to "2"
    ("12가", []),            # not_after: 가 right after
    ("12,가", ["12"]),
    ("3 12 가", ["3", "12"]),
])
def test_not_before_not_after(write, text, expected):
    d = write("n.yaml", """
        entity: N
        patterns:
          - id: n.num
            regex: '\\d+'
            not_before: '[가-힣]'
            not_after: '가'
        """)
    assert [t for _, t in found(load_ruleset([d]), text)] == expected


def test_token_pattern_with_lexicon_and_groups(write):
    write("lexicons/titles.tsv", "form\nCEO\n회장\n")
    d = write("p.yaml", """
        entity: PERSON
        lexicons: {titles: titles.tsv}
        patterns:
          - id: person.name_title
            tokens:
              - {TAG: NNP, group: name}
              - {ORTH: {IN: ["@titles", 사장]}, group: title}
            not_after: '[0-9]'
        """)
    rs = load_ruleset([d])
    text = "이재용 회장과 김철수 사장, 박영희 부장"
    doc = make_doc([("이재용", "NNP", True), ("회장", "NNG", False), ("과", "JC", True), ("김철수", "NNP", True),
                    ("사장", "NNG", False), (",", "SP", True), ("박영희", "NNP", True), ("부장", "NNG", False)])
    assert doc.text == text
    matches = rs.find(text, doc)
    assert [(text[m.start:m.end], {k: text[s:e] for k, (s, e) in m.groups.items()}) for m in matches] == [
        ("이재용 회장", {"name": "이재용", "title": "회장"}),
        ("김철수 사장", {"name": "김철수", "title": "사장"}),
    ]


def test_token_pattern_keeps_longest_match_and_groups_span_all_tokens(write):
    d = write("t.yaml", """
        entity: T
        patterns:
          - id: t.num
            tokens: [{TAG: SN, OP: "+", group: number}, {TAG: NNB}]
        """)
    text = "1 2 3개"
    doc = make_doc([("1", "SN", True), ("2", "SN", True), ("3", "SN", False), ("개", "NNB", False)])
    [m] = load_ruleset([d]).find(text, doc)
    assert (m.start, m.end, m.groups) == (0, 6, {"number": (0, 5)})


def test_user_folder_adds_to_builtin(write):
    d = write("percent.yaml", """
        entity: PERCENT
        patterns: [{id: percent.only, regex: '\\d+%'}]
        """)
    builtin = load_ruleset([BUILTIN_RULES_DIR])
    both = load_ruleset([BUILTIN_RULES_DIR, d])
    assert [f.path for f in both.files] == [f.path for f in builtin.files] + [d / "percent.yaml"]
    assert [p.id for p in both.patterns] == [p.id for p in builtin.patterns] + ["percent.only"]
    # the same folder twice is read once
    assert [p.id for p in load_ruleset([d, d]).patterns] == ["percent.only"]


def test_stage_emits_mentions_in_pattern_order_with_priority_and_label(write, echo_normalizer):
    d = write("a.yaml", """
        entity: A
        normalizer: test_echo
        priority: 2
        units: {개: 1}
        patterns:
          - id: a.long
            regex: '(?P<number>\\d+)(?P<unit>개)'
            value: {kind: count}
          - id: a.short
            regex: '\\d+'
            priority: 5
            label: NUM
        """)
    rs = load_ruleset([d])
    text = "사과 3개와 05개. 배 7개"
    analysis = Analysis(Article("d1", text, published=dt.date(2024, 5, 29)),
                        sentences=[Sentence(0, 0, 10), Sentence(1, 11, 15)])
    RuleStage(rs)(analysis)
    rows = [(m.label, m.text, m.rule_id, m.priority, m.source) for m in analysis.mentions]
    assert rows == [
        ("A", "3개", "a.long", 2, "rules"), ("A", "05개", "a.long", 2, "rules"), ("A", "7개", "a.long", 2, "rules"),
        ("NUM", "3", "a.short", 5, "rules"), ("NUM", "05", "a.short", 5, "rules"), ("NUM", "7", "a.short", 5, "rules"),
    ]
    assert all(text[m.start:m.end] == m.text for m in analysis.mentions)
    first = analysis.mentions[0]
    assert first.groups == {"number": (3, 4), "unit": (4, 5)}
    assert rs.normalize(first, analysis) == {
        "value": "3개", "number": "3", "unit": "개", "rule_id": "a.long", "units": {"개": 1}, "lexicons": [],
        "published": dt.date(2024, 5, 29), "kind": "count"}
    assert rs.normalize(analysis.mentions[1], analysis) is None  # the normalizer rejected "05개"
    assert rs.has_normalizer("a.long") and rs.primary_key(rs.files[0]) == "value"


def test_without_normalizer_value_is_the_fixed_value_or_none(write):
    d = write("f.yaml", """
        entity: F
        patterns:
          - {id: f.fixed, regex: 'KRW', value: {currency: KRW}}
          - {id: f.plain, regex: 'USD'}
        """)
    rs = load_ruleset([d])
    analysis = Analysis(Article("d1", "KRW USD"))
    RuleStage(rs)(analysis)
    assert [rs.normalize(m, analysis) for m in analysis.mentions] == [{"currency": "KRW"}, None]
    assert not rs.has_normalizer("f.fixed")


def test_token_patterns_need_the_doc(write):
    d = write("t.yaml", """
        entity: T
        patterns: [{id: t.a, tokens: [{TAG: NNP}]}]
        """)
    with pytest.raises(ValueError, match="missing: analysis.doc"):
        RuleStage(load_ruleset([d]))(Analysis(Article("d1", "서울")))


def test_ruleset_survives_pickling(write):
    d = write("t.yaml", """
        entity: T
        patterns:
          - {id: t.tok, tokens: [{TAG: SN, OP: "+"}, {ORTH: 억}]}
          - {id: t.re, regex: '\\d+억', not_before: '[가-힣]'}
        """)
    rs = pickle.loads(pickle.dumps(load_ruleset([d])))
    text = "1 2억 가3억"
    doc = make_doc([("1", "SN", True), ("2", "SN", False), ("억", "NR", True), ("가", "NNG", False),
                    ("3", "SN", False), ("억", "NR", False)])
    assert found(rs, text, doc) == [("t.tok", "1 2억"), ("t.tok", "3억"), ("t.re", "2억")]


def test_lexicon_kiwi_tag_column_gives_user_words(write):
    write("lexicons/orgs.tsv", "form\tkiwi_tag\tkiwi_score\n국민의힘\tNNP\t1.5\n더불어민주당\tNNP\t\n무소속\t\t\n")
    d = write("o.yaml", """
        entity: ORG
        lexicons: {orgs: orgs.tsv}
        patterns: [{id: org.known, regex: '\\L<orgs>'}]
        """)
    assert load_ruleset([d]).user_words() == (("국민의힘", "NNP", 1.5), ("더불어민주당", "NNP", 0.0))
