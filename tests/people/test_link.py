"""The link stage on model (ner) mentions, without the model: mentions are injected where the ner stage would add
them, then resolve, normalize, link and tables run as in the Extractor."""
from __future__ import annotations

import pytest

from pipeline.article import Analysis, Article, Mention
from pipeline.stages.tables import rows_for


def run(extractor, text, model, analysis_out=None):
    """Extract ``text`` with model mentions ``model``: (label, surface[, n[, confidence]]) at the n-th occurrence
    (default the first) with that confidence (default 0.999, a confident model)."""
    analysis = Analysis(Article("doc", text))
    extractor.segmenter(analysis)
    for stage in extractor.stages:
        stage(analysis)
        if stage.name == "rules":
            for label, surface, *rest in model:
                nth = rest[0] if rest else 0
                confidence = rest[1] if len(rest) > 1 else 0.999
                start = -1
                for _ in range(1 + nth):  # the nth occurrence (0: the first)
                    start = text.index(surface, start + 1)
                analysis.mentions.append(Mention(label, start, start + len(surface), surface, "ner",
                                                 f"ner.{label}", confidence=confidence))
    if analysis_out is not None:
        analysis_out.append(analysis)
    return rows_for(analysis)


@pytest.mark.parametrize("text,model,people", [
    # a title right after a model name
    ("젠슨 황 대표는 신제품을 공개했다.", [("PERSON", "젠슨 황")],
     [("젠슨 황 대표", "젠슨 황", "대표", None)]),
    # a model second mention takes title and organization from the fullest earlier mention; particles come off
    ("이재용 삼성전자 회장이 출국했다. 이재용은 귀국 일정을 밝히지 않았다.", [("PERSON", "이재용은")],
     [("이재용 삼성전자 회장", "이재용", "회장", "삼성전자"), ("이재용", "이재용", "회장", "삼성전자")]),
    # a model name alone
    ("마크 저커버그가 방한했다.", [("PERSON", "마크 저커버그가")], [("마크 저커버그", "마크 저커버그", None, None)]),
])
def test_model_people(extractor_rules_only, text, model, people):
    rows = run(extractor_rules_only, text, model)
    assert [(r["text"], r["name"], r["title"], r["organization"]) for r in rows["people"]] == people


@pytest.mark.parametrize("text,model,orgs", [
    ("카카오뱅크가 실적을 냈다.", [("ORG", "카카오뱅크가")], [("카카오뱅크", "카카오뱅크", None)]),
    ("‘카카오뱅크’는 실적을 냈다.", [("ORG", "‘카카오뱅크’")], [("카카오뱅크", "카카오뱅크", None)]),
    ("오픈에이아이(OpenAI)는 모델을 냈다.", [("ORG", "오픈에이아이")],
     [("오픈에이아이(OpenAI)", "오픈에이아이", "OpenAI")]),
    # inside a rule person's expression the model's organization is dropped (서울시 of 서울시장)
    ("오세훈 서울시장은 말했다.", [("ORG", "서울시")], []),
])
def test_model_orgs(extractor_rules_only, text, model, orgs):
    rows = run(extractor_rules_only, text, model)
    assert [(r["text"], r["name"], r["alias"]) for r in rows["organizations"]] == orgs


def test_second_mention_with_another_title_is_not_linked(extractor_rules_only):
    rows = run(extractor_rules_only, "이재용 삼성전자 회장이 왔다. 이재용 대표는 말했다.", [])
    assert [(r["name"], r["title"], r["organization"]) for r in rows["people"]] == [
        ("이재용", "회장", "삼성전자"), ("이재용", "대표", None)]


@pytest.mark.parametrize("text,model,people", [
    # a surname and a title refer back to the latest full name with that surname and title
    ("서울시의회 김현기 의장은 23일 합의문에 서명했다. 김 의장은 예산을 늘리겠다고 말했다.", [("PERSON", "김", 1)],
     [("서울시의회 김현기 의장", "김현기", "의장", "서울시의회"), ("김 의장", "김현기", "의장", "서울시의회")]),
    # with the title, the right one of two people with the same surname
    ("김철수 교수와 김영희 대표가 만났다. 김 교수는 웃었다.", [("PERSON", "김", 2)],
     [("김철수 교수", "김철수", "교수", None), ("김영희 대표", "김영희", "대표", None),
      ("김 교수", "김철수", "교수", None)]),
    # without a title, no guess, even with one candidate: the bare surname names nobody and gets no row
    ("김철수 교수와 김영희 대표가 만났다. 김은 웃었다.", [("PERSON", "김", 2)],
     [("김철수 교수", "김철수", "교수", None), ("김영희 대표", "김영희", "대표", None)]),
    ("김철수 교수가 왔다. 김씨는 웃었다.", [("PERSON", "김", 1)], [("김철수 교수", "김철수", "교수", None)]),
])
def test_surname_references(extractor_rules_only, text, model, people):
    rows = run(extractor_rules_only, text, model)
    assert [(r["text"], r["name"], r["title"], r["organization"]) for r in rows["people"]] == people


@pytest.mark.parametrize("text,model,want", [
    # the model's summed confidence decides between its own readings of one string
    ("폴란드가 이겼다. 폴란드 대표팀은 강했다. 폴란드 국민은 기뻐했다.",
     [("PERSON", "폴란드", 0, 0.55), ("LOCATION", "폴란드", 1, 0.9), ("LOCATION", "폴란드", 2, 0.8)],
     ["LOCATION", "LOCATION", "LOCATION"]),
    # a rule's reading beats the model's: the rule read 김민수 as a person (a title follows it) in one sentence
    ("김민수 대표는 웃었다. 김민수의 회사는 컸다.", [("ORG", "김민수", 1, 0.97)], ["PERSON", "PERSON"]),
    # a lexicon beats the model even with no rule mention of the string: 서울 is a place stem of org_places.tsv
    ("서울에 눈이 왔다.", [("PERSON", "서울", 0, 0.99)], ["LOCATION"]),
    # one reading per article, not per corpus: a string read once keeps the model's label
    ("보스턴이 우승했다.", [("ORG", "보스턴", 0, 0.7)], ["ORG"]),
])
def test_one_reading_per_surface_form(extractor_rules_only, text, model, want):
    out = []
    run(extractor_rules_only, text, model, out)
    surface = model[0][1]
    got = [m.label for m in out[0].mentions if m.text == surface and m.label in ("PERSON", "ORG", "LOCATION")]
    assert got == want


@pytest.mark.parametrize("text,model,people,mentions", [
    # a Hangul name of surname shape needs a fairly sure model (LinkStage.MIN_CONFIDENCE_NAME)
    ("김민수가 골을 넣었다.", [("PERSON", "김민수", 0, 0.95)], ["김민수"], ["김민수"]),
    ("김민수가 골을 넣었다.", [("PERSON", "김민수", 0, 0.5)], [], ["김민수"]),
    # a title after it is evidence
    ("젠슨 황 대표가 왔다.", [("PERSON", "젠슨 황", 0, 0.3)], ["젠슨 황"], ["젠슨 황"]),
    # a foreign name needs a confident model; an unsure one stays a mention only
    ("트럼프가 연설했다.", [("PERSON", "트럼프", 0, 0.999)], ["트럼프"], ["트럼프"]),
    ("트럼프가 연설했다.", [("PERSON", "트럼프", 0, 0.95)], [], ["트럼프"]),
    # a surname alone names nobody: a mention, no row; 김모 likewise
    ("김 선수가 골을 넣었다.", [("PERSON", "김 선수", 0, 0.999)], [], ["김 선수"]),
    ("김모 씨가 체포됐다.", [], [], ["김"]),
    # a common word the model guessed, not name-shaped: a mention with its confidence, no people row
    ("기자회견장에는 취재진이 몰렸다.", [("PERSON", "기자회견장", 0, 0.6)], [], ["기자회견장"]),
    # a second mention of a person with evidence takes the title of the first, and so its row
    ("젠슨 황 대표가 왔다. 젠슨 황은 웃었다.", [("PERSON", "젠슨 황", 0, 0.3), ("PERSON", "젠슨 황", 1, 0.3)],
     ["젠슨 황", "젠슨 황"], ["젠슨 황", "젠슨 황"]),
])
def test_people_rows_need_evidence(extractor_rules_only, text, model, people, mentions):
    rows = run(extractor_rules_only, text, model)
    assert [r["name"] for r in rows["people"]] == people
    person_mentions = [r for r in rows["mentions"] if r["label"] == "PERSON"]
    assert [r["text"] for r in person_mentions] == mentions
    assert all(r["confidence"] is not None for r in person_mentions)
