"""News structures that say what a name is (issue 11, point 5), through the whole Extractor.

- a list closed by 등 N개 기업/기관/업체/… makes every item an organization (``org.list_closed``);
- a ·-list keeps every item when one of them is an organization (``org.dot_list_before``/``org.dot_list_after``),
  and when all are one-syllable names of states (한·중·일: ``org.state_list``);
- a quoted name after a descriptor (컨소시엄인 독일 ‘…’, AI 연구기관 ‘…’) is an organization with its alias
  (``org.quoted_after_descriptor``);
- a title fused to an armed service (공군참모총장) gives the service as organization (titles.tsv ``fuse``);
- a title after a short organization name takes the full name written before it (서울대학교 AI연구원 장병탁 원장).

Rules only: the organizations and people rows must be exactly the expected ones, in text order. With the model
(when installed) the expected rows must be among the rows: rule mentions win over the model's where they overlap.
The structures live in rules/org.yaml, rules/person.yaml and their lexicons; nothing here is Korean-specific code.
"""
from __future__ import annotations

import pytest

from pipeline.stages.ner import model_available

CASES = [
    # (sentence, organizations rows (name, alias), people rows (name, title, organization))
    # -- lists closed by 등 + a list head
    ("이번 실증에는 웨이브라이프스타일테크, 네이션에이, 에임퓨처 등 3개 기업이 참여한다.",
     [("웨이브라이프스타일테크", None), ("네이션에이", None), ("에임퓨처", None)], []),
    ("다온랩스(Daon Labs), 미르텍 등 2개 업체가 계약을 따냈다.",
     [("다온랩스", "Daon Labs"), ("미르텍", None)], []),
    ("별빛소프트 등 5개사가 입찰에 참여했다.", [("별빛소프트", None)], []),
    ("한결해운 등 계열사 7곳이 조사를 받았다.", [("한결해운", None)], []),
    ("한결해운 등 계열사의 자료를 살폈다.", [], []),
    ("해든재단, 푸른숲연대 등 시민단체들은 성명을 냈다.", [("해든재단", None), ("푸른숲연대", None)], []),
    ("가람전자·나래통신·다솜제약 등 국내 기업들이 기술을 공유한다.",
     [("가람전자", None), ("나래통신", None), ("다솜제약", None)], []),
    ("또한, 가온바이오, 누리소프트 등 2개 기업이 뒤를 이었다.", [("가온바이오", None), ("누리소프트", None)], []),
    ("일정을 바꾸고, 누리소프트 등 2개 기업과 협의했다.", [("누리소프트", None)], []),
    ("회의를 미루는 등 회사에 손해를 끼쳤다.", [], []),
    ("사과, 배, 감 등 3개 품목의 값이 올랐다.", [], []),
    # -- ·-lists with an organization among their items
    ("롯데·신세계·현대백화점이 할인 행사를 연다.", [("롯데", None), ("신세계", None), ("현대백화점", None)], []),
    ("롯데·신세계·현대·갤러리아·AK플라자·대구백화점이 매출을 공개했다.",
     [("롯데", None), ("신세계", None), ("현대", None), ("갤러리아", None), ("AK플라자", None), ("대구백화점", None)],
     []),
    ("가온은행·한빛건설·누리상사가 함께 출자했다.", [("가온은행", None), ("한빛건설", None), ("누리상사", None)], []),
    ("교육·연구 시설이 부족하다.", [], []),
    # -- ·-lists of one-syllable state names: each state an organization, as KLUE labels them
    ("미·중 갈등이 깊어졌다.", [("미", None), ("중", None)], []),
    ("한·중·일 세 나라 장관이 만났다.", [("한", None), ("중", None), ("일", None)], []),
    ("초·중·고 학생이 늘었다.", [], []),
    ("중·고등학교 교사들이 모였다.", [], []),
    ("격리자는 가온병원 12명·나래병원 8명이다.", [("가온병원", None), ("나래병원", None)], []),
    ("새누리당 서청원·민주당 이석현 의원이 참석했다.", [("더불어민주당", "민주당")],
     [("이석현", "의원", "더불어민주당")]),
    # -- quoted names after a descriptor
    ("연구 컨소시엄인 독일 ‘사이버밸리(Cyber Valley)’와 협약을 맺었다.", [("사이버밸리", "Cyber Valley")], []),
    ("캐나다 AI 연구기관 ‘이바도(IVADO)’가 공동 연구에 나선다.", [("이바도", "IVADO")], []),
    ("의료 스타트업 ‘온케어’가 투자를 유치했다.", [("온케어", None)], []),
    ("연예 기획사 ‘하늘빛엔터테인먼트(이하 하늘빛)’는 입장을 냈다.", [("하늘빛엔터테인먼트", "하늘빛")], []),
    ("해양 보호단체 '푸른바다 지킴이'는 성명을 냈다.", [("푸른바다 지킴이", None)], []),
    ("그는 회사 ‘살리기’에 나섰다.", [], []),
    ("업체 측은 ‘사실무근’이라고 밝혔다.", [], []),
    # -- a title fused to an armed service
    ("이영수 공군참모총장이 축사를 했다.", [], [("이영수", "참모총장", "공군")]),
    ("박정우 해군참모총장과 김하늘 합참의장이 만났다.", [],
     [("박정우", "참모총장", "해군"), ("김하늘", "의장", "합동참모본부")]),
    ("이영수 공군 참모총장이 말했다.", [("공군", None)], [("이영수", "참모총장", "공군")]),
    # -- a title after a short organization name takes the full name before it
    ("서울대학교 AI연구원 장병탁 원장은 말했다.", [("서울대학교 AI연구원", None)],
     [("장병탁", "원장", "서울대학교 AI연구원")]),
    ("KAIST AI대학원 정송 원장이 발표했다.", [("KAIST AI대학원", None)], [("정송", "원장", "KAIST AI대학원")]),
    ("이수진 KAIST 데이터과학대학원 원장이 축사를 했다.", [("KAIST 데이터과학대학원", None)],
     [("이수진", "원장", "KAIST 데이터과학대학원")]),
    ("한국전자통신연구원 방승찬 원장은 협약식에 참석했다.", [("한국전자통신연구원", None)],
     [("방승찬", "원장", "한국전자통신연구원")]),
]


def _str(v):
    return v if isinstance(v, str) else None


def _orgs(result):
    return [(r.name, _str(r.alias)) for r in result.tables()["organizations"].itertuples()]


def _people(result):
    return [(r.name, _str(r.title), _str(r.organization)) for r in result.tables()["people"].itertuples()]


@pytest.mark.parametrize("text,orgs,people", CASES, ids=[c[0][:24] for c in CASES])
def test_rules_only(extractor_rules_only, text, orgs, people):
    result = extractor_rules_only.extract(text)
    assert _orgs(result) == orgs
    assert _people(result) == people


@pytest.mark.slow
@pytest.mark.skipif(not model_available(), reason="the NER model is not installed")
@pytest.mark.parametrize("text,orgs,people", CASES, ids=[c[0][:24] for c in CASES])
def test_with_model(extractor, text, orgs, people):
    result = extractor.extract(text)
    got_orgs, got_people = _orgs(result), _people(result)
    assert all(o in got_orgs for o in orgs), got_orgs
    assert all(p in got_people for p in people), got_people


@pytest.mark.parametrize("text,rule_ids", [
    ("웨이브라이프스타일테크, 네이션에이, 에임퓨처 등 3개 기업", ["org.list_closed"] * 3),
    ("롯데·신세계·현대백화점", ["org.known", "org.dot_list_before", "org.dot_list_after"]),
    # the name, then its alias as a mention of its own (no second organizations row)
    ("캐나다 AI 연구기관 ‘이바도(IVADO)’가", ["org.quoted_after_descriptor", "org.quoted_after_descriptor+alias"]),
])
def test_each_item_is_its_own_mention(extractor_rules_only, text, rule_ids):
    """One pattern, many mentions: the match is the item, the list around it only looked at."""
    result = extractor_rules_only.extract(text)
    orgs = [m for m in result.rows["mentions"] if m["label"] == "ORG"]
    assert [m["rule_id"] for m in orgs] == rule_ids
    assert all(text[m["start"]:m["end"]] == m["text"] for m in orgs)
