"""The quotes stage: every example and counterexample of rules/quote.yaml, then cases of our own as tables."""
from __future__ import annotations

import pytest

from pipeline.paths import BUILTIN_RULES_DIR
from pipeline.ruleset.schema import RulesetError
from pipeline.stages.quotes import QuoteStage, example_failures, load_quote_rules

RULES = load_quote_rules([BUILTIN_RULES_DIR])


def _quotes(extractor, text):
    result = extractor.extract(text, doc_id="t")
    rows = result.rows["quotes"]
    for row in rows:  # the offset invariant holds on every row
        assert text[row["start"]:row["end"]] == row["quote"]
    return rows


@pytest.mark.parametrize("example", RULES.examples, ids=lambda e: f"{e['file']}::example-{e['index']}")
def test_rule_file_examples(extractor, example):
    _quotes(extractor, example["text"])  # the offset invariant
    assert example_failures(example, extractor) == []


@pytest.mark.parametrize("example", RULES.counterexamples, ids=lambda e: f"{e['file']}::counterexample-{e['index']}")
def test_rule_file_counterexamples(extractor, example):
    assert example_failures(example, extractor, counter=True) == []


def test_example_failures_say_what_differs(extractor):
    bad = {"text": "최은정 대표는 “좋다”고 말했다.", "expect": [{"quote": "좋다", "cue": "밝혔다",
                                                               "speaker": {"name": "박재형"}}]}
    assert example_failures(bad, extractor) == ["'좋다': cue '말했다' != '밝혔다'",
                                                "'좋다': speaker name '최은정' != '박재형'"]


CASES = [
    # speaker before, speaker id pointing at the person's mention
    ("이정우 한빛은행 대표는 “금리를 낮출 여력이 있다”고 말했다.", [("금리를 낮출 여력이 있다", "person", "이정우", "quote.direct.before")]),
    # a second mention resolved to the full person of the first
    ("이정우 한빛은행 대표는 회의를 열었다. 이 대표는 “연내 결론을 내겠다”고 밝혔다.",
     [("연내 결론을 내겠다", "person", "이정우", "quote.direct.before")]),
    # straight double quotes
    ('정민수 대표는 "주문이 두 배로 늘었다"고 전했다.', [("주문이 두 배로 늘었다", "person", "정민수", "quote.direct.before")]),
    # an organization speaking as itself
    ("한빛은행은 “대출 심사를 강화하겠다”고 밝혔다.", [("대출 심사를 강화하겠다", "organization", None, "quote.direct.before")]),
    # 측: the side speaking
    ("한빛은행 측은 “사실과 다르다”고 반박했다.", [("사실과 다르다", "organization", None, "quote.direct.before")]),
    # an indirect quote with a speaker after the clause
    ("버스 노선을 새로 짤 계획이라고 시 관계자는 말했다.", [("버스 노선을 새로 짤 계획", "official", None, "quote.indirect.after")]),
    # chained indirect clauses share their speaker
    ("정부는 공급이 부족했다며 내년에 주택을 더 짓겠다고 밝혔다.",
     [("공급이 부족했", "organization", None, "quote.indirect.before"),
      ("내년에 주택을 더 짓겠", "organization", None, "quote.indirect.before")]),
    # an unbalanced mark in one sentence does not hide the quote of the next
    ("정민수 대표는 “올해는 어렵다고 했다. 한 주민은 “길이 좁다”고 말했다.", [("길이 좁다", "anonymous", None, "quote.direct.before")]),
    # a stray closing mark
    ("정민수 대표는 ”올해가 고비”라고 말했다.", [("올해가 고비", "person", "정민수", "quote.direct.before")]),
]


@pytest.mark.parametrize("text,want", CASES, ids=[c[0][:18] for c in CASES])
def test_quotes(extractor, text, want):
    rows = _quotes(extractor, text)
    got = [(r["quote"], r["speaker_kind"], r["speaker_name"], r["rule_id"]) for r in rows]
    assert got == want


def test_second_mention_resolves_to_the_full_person(extractor):
    """이 대표 after 이정우 한빛은행 대표: the speaker's mention (the model's 이, or the first mention when no
    mention was found there) carries the full person; the speaker's offsets cover the name as written."""
    import json

    text = "이정우 한빛은행 대표는 회의를 열었다. 이 대표는 “연내 결론을 내겠다”고 밝혔다."
    result = extractor.extract(text, doc_id="t")
    row = result.rows["quotes"][0]
    mention = next(m for m in result.rows["mentions"] if m["mention_id"] == row["speaker_mention_id"])
    assert (json.loads(mention["normalized"])["name"], row["speaker_org"],
            text[row["speaker_start"]:row["speaker_end"]]) == ("이정우", "한빛은행", "이")


def test_quote_ids_and_sentences(extractor):
    text = "정민수 대표는 “첫째”라며 “둘째”라고 말했다.\n한 주민은 “셋째 말”이라고 말했다."
    rows = extractor.extract(text, doc_id="t").rows["quotes"]
    assert [(r["quote_id"], r["sentence_idx"]) for r in rows] == [("q0001", 0), ("q0002", 0), ("q0003", 1)]


@pytest.mark.parametrize("body,message", [
    ("stage: quotes\nmarks: [{open: x}]\nlexicons: {}\n", "a mark needs 'open' and 'close'"),
    ("stage: quotes\nlexicons: {cuez: quote_cues.tsv}\n", "unknown lexicon 'cuez' (did you mean 'cues'?)"),
    ("stage: quotes\nlexicons: {cues: nowhere.tsv}\n", "file 'nowhere.tsv' not found"),
    ("stage: quotes\nmarkz: []\n", "unknown key 'markz'"),
])
def test_rule_file_errors(tmp_path, body, message):
    (tmp_path / "quote.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(RulesetError) as err:
        load_quote_rules([tmp_path])
    assert message in str(err.value) and "quote.yaml" in str(err.value)


def test_entity_loader_skips_stage_files():
    from pipeline.ruleset import load_ruleset

    names = [rf.name for rf in load_ruleset([BUILTIN_RULES_DIR]).files]
    assert "quote.yaml" not in names and "person.yaml" in names


def test_no_quote_file_disables_the_stage(tmp_path):
    assert not QuoteStage(load_quote_rules([tmp_path])).enabled


LOOSE = [
    # a person by shape in a speaker's place: the organization has no suffix the person rules know
    ("박서연 리벨로직 대표는 “칩을 처음 공급한다”고 말했다.", ("person", "박서연", "대표", "리벨로직")),
    ("연구를 이끈 김지훈 한빛대 물리학과 교수는 “결과가 놀랍다”고 말했다.", ("person", "김지훈", "교수", "한빛대 물리학과")),
    # a clause before the title is no organization: the shape is refused, the speaker stays unresolved
    ("사업을 맡은 대표는 “어렵다”고 말했다.", ("unresolved", None, None, None)),
]


@pytest.mark.parametrize("text,want", LOOSE, ids=[c[0][:12] for c in LOOSE])
def test_speaker_by_shape(extractor, text, want):
    row = _quotes(extractor, text)[0]
    assert (row["speaker_kind"], row["speaker_name"], row["speaker_title"], row["speaker_org"]) == want


FORMS = [
    # marks of one family pair freely: "…” as news text writes them
    ('정민수 대표는 "주문이 늘었다”고 말했다.', [("주문이 늘었다", "direct", "말했다", "person", "정민수")]),
    # a mark left open is closed by a later mark before a quotative ending
    ('정민수 대표는 "주문이 늘었다\'고 말했다.', [("주문이 늘었다", "direct", "말했다", "person", "정민수")]),
    # a connective ending is the cue of its own quote; the verb is the last one's
    ("정민수 대표는 “첫째다”라며 “둘째다”라고 말했다.",
     [("첫째다", "direct", "라며", "person", "정민수"), ("둘째다", "direct", "말했다", "person", "정민수")]),
    # an adnominal ending before a speech noun
    ("한빛은행은 “규정을 지켰다”는 입장을 밝혔다.", [("규정을 지켰다", "direct", "밝혔다", "organization", None)]),
    ("한빛은행은 대출을 줄이겠다는 방침이다.", [("대출을 줄이겠", "indirect", "방침이다", "organization", None)]),
    # the last connective clause reports speech by itself when a speaker stands before it
    ("주민들은 소음이 심하다며 공사 중단을 요구했다.", [("소음이 심하", "indirect", "다며", "anonymous", None)]),
    ("정민수 대표는 일정이 겹쳤다며 행사에 불참했다.", [("일정이 겹쳤", "indirect", "다며", "person", "정민수")]),
    # dates and connectives opening a reported clause belong to the reporting sentence
    ("한빛은행은 이날 지점 10곳을 닫겠다고 밝혔다.", [("지점 10곳을 닫겠", "indirect", "밝혔다", "organization", None)]),
    # the sentence's topic phrase when nothing else is known: a name by shape, a surname before a noun, 씨
    ("허민준은 “다시 뛰겠다”고 말했다.", [("다시 뛰겠다", "direct", "말했다", "person", "허민준")]),
    ("박 후보는 “끝까지 가겠다”고 말했다.", [("끝까지 가겠다", "direct", "말했다", "person", "박")]),
    ("이어 다인 씨는 “고마웠다”고 전했다.", [("고마웠다", "direct", "전했다", "person", "다인")]),
    # a demonstrative before a noun is a back-reference, not the surname 이
    ("이 농장은 “닭이 죽었다”고 신고했다.", [("닭이 죽었다", "direct", "신고했다", "unresolved", None)]),
    # an anonymous source by its prefix; a side attached to its name
    ("한 측근은 “건강하시다”고 전했다.", [("건강하시다", "direct", "전했다", "anonymous", None)]),
    ("홈플러스측은 “검토 중”이라고 밝혔다.", [("검토 중", "direct", "밝혔다", "organization", None)]),
    # a topic after a verb's ending is what the quote is about, not who says it
    ("이어 수출에 대해서는 “곧 나아진다”고 답했다.", [("곧 나아진다", "direct", "답했다", "unresolved", None)]),
    # a second reported clause of a sentence keeps the sentence's speaker
    ("한빛은행 측은 금리가 내렸다고 전하면서 현재는 대출이 늘고 있다고 밝혔다.",
     [("금리가 내렸", "indirect", "전하면서", "organization", None),
      ("대출이 늘고 있", "indirect", "밝혔다", "organization", None)]),
    # a subject right before the quote, a parenthesis inside the phrase
    ("골동품 업자 조민호(45)씨가 '그림을 도난당했다'고 주장했다.",
     [("그림을 도난당했다", "direct", "주장했다", "person", "조민호")]),
    # a nominalized copula before a speech verb; a 하- form of a speech verb
    ("정민수 대표는 “실수로 벌어진 일”임을 강조했다.", [("실수로 벌어진 일", "direct", "강조했다", "person", "정민수")]),
    ("한빛은행은 '전산 오류'라고 해명하고 사과했다.", [("전산 오류", "direct", "해명하고", "organization", None)]),
    # the verb after a direct quote closes no indirect clause of its own (…”고 말했다고 한다)
    ("정민수 대표는 “늦었다”고 말했다고 한다.", [("늦었다", "direct", "말했다고", "person", "정민수")]),
]


@pytest.mark.parametrize("text,want", FORMS, ids=[c[0][:16] for c in FORMS])
def test_forms(extractor, text, want):
    rows = _quotes(extractor, text)
    assert [(r["quote"], r["kind"], r["cue"], r["speaker_kind"], r["speaker_name"]) for r in rows] == want


@pytest.mark.parametrize("text,n", [
    ("“가 ”나 ‘다 " * 300, 0),  # marks that never pair at the top level
    ("“" * 500 + "고 말했다", 0),  # openings only
    ("정부는 늘리겠다고 밝혔고 " * 300, 299),  # one stretch with no sentence end, read in pieces
])
def test_pathological_marks_and_stretches(text, n):
    """Degenerate inputs (see bench/pathological.py for their time) give plain answers, never an error."""
    from pipeline.article import Analysis, Article, Sentence

    stage = QuoteStage(RULES)
    analysis = Analysis(article=Article(doc_id="p", text=text))
    analysis.sentences = [Sentence(0, 0, len(text))]
    stage(analysis)
    assert len(analysis.quotes) == n
    assert all(0 <= q.start < q.end <= len(text) for q in analysis.quotes)
