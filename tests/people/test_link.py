"""The link stage on model (ner) mentions, without the model: mentions are injected where the ner stage would add
them, then resolve, normalize, link and tables run as in the Extractor."""
from __future__ import annotations

import pytest

from pipeline.article import Analysis, Article, Mention
from pipeline.stages.tables import rows_for


def run(extractor, text, model):
    """Extract ``text`` with model mentions ``model``: (label, surface[, n]) at the n-th occurrence (default first)."""
    analysis = Analysis(Article("doc", text))
    extractor.segmenter(analysis)
    for stage in extractor.stages:
        stage(analysis)
        if stage.name == "rules":
            for label, surface, *nth in model:
                start = -1
                for _ in range(1 + (nth[0] if nth else 0)):  # the nth occurrence (0: the first)
                    start = text.index(surface, start + 1)
                analysis.mentions.append(Mention(label, start, start + len(surface), surface, "ner",
                                                 f"ner.{label}"))
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
    # without a title and with two candidates, no guess
    ("김철수 교수와 김영희 대표가 만났다. 김은 웃었다.", [("PERSON", "김", 2)],
     [("김철수 교수", "김철수", "교수", None), ("김영희 대표", "김영희", "대표", None), ("김", "김", None, None)]),
])
def test_surname_references(extractor_rules_only, text, model, people):
    rows = run(extractor_rules_only, text, model)
    assert [(r["text"], r["name"], r["title"], r["organization"]) for r in rows["people"]] == people
