"""People and organizations, sentence by sentence: the rows of the ``people`` and ``organizations`` tables.

Each case is a whole sentence (or a short article) run through the Extractor; the people rows must be exactly the
expected (name, title, organization) in text order, and the organizations rows exactly the expected (name, alias).
With the statistical model (when it is installed) the expected rows must be among the rows.
"""
from __future__ import annotations

import pytest

from pipeline.stages.ner import model_available

P = "people"
O = "organizations"

CASES = [
    # (sentence, people rows (name, title, organization), organizations rows (name, alias))
    ("오세훈 서울시장은 이날 기자회견을 열었다.", [("오세훈", "시장", "서울시")], []),
    ("전성수 서초구청장이 현장을 찾았다.", [("전성수", "구청장", "서초구")], []),
    ("김동연 경기도지사는 예산안을 발표했다.", [("김동연", "도지사", "경기도")], []),
    ("정은경 질병관리청장은 브리핑에서 말했다.", [("정은경", "청장", "질병관리청")], []),
    ("한국전자통신연구원 방승찬 원장은 협약식에 참석했다.", [("방승찬", "원장", "한국전자통신연구원")],
     [("한국전자통신연구원", None)]),
    ("이재용 삼성전자 회장이 출국했다.", [("이재용", "회장", "삼성전자")], [("삼성전자", None)]),
    ("엔비디아 코리아 정소영 대표가 발표를 맡았다.", [("정소영", "대표", "엔비디아 코리아")],
     [("엔비디아 코리아", None)]),
    ("서울시의회 김현기 의장, 서울시교육청 조희연 교육감이 참석했다.",
     [("김현기", "의장", "서울시의회"), ("조희연", "교육감", "서울시교육청")],
     [("서울시의회", None), ("서울시교육청", None)]),
    ("조희연 서울시교육감은 입장문을 냈다.", [("조희연", "교육감", "서울시교육청")], []),
    ("박형준 부산시장과 만났다.", [("박형준", "시장", "부산시")], []),
    ("홍길동 한국은행 총재는 금리를 동결했다.", [("홍길동", "총재", "한국은행")], [("한국은행", None)]),
    ("이창용 한은 총재는 기자간담회에서 말했다.", [("이창용", "총재", "한국은행")], [("한국은행", "한은")]),
    ("김철수 서울대 교수 연구팀이 논문을 냈다.", [("김철수", "교수", "서울대학교")], [("서울대학교", "서울대")]),
    ("최태원 SK그룹 회장이 참석했다.", [("최태원", "회장", "SK그룹")], [("SK그룹", None)]),
    ("이영수 대표는 신제품을 소개했다.", [("이영수", "대표", None)], []),
    ("이영수 씨는 경찰에 신고했다.", [("이영수", None, None)], []),
    ("오세훈 전 서울시장이 출마를 선언했다.", [("오세훈", "시장", "서울시")], []),
    ("원희룡 국토교통부장관은 현장을 점검했다.", [("원희룡", "장관", "국토교통부")], []),
    ("김철수 서울시의원이 조례안을 발의했다.", [("김철수", "시의원", "서울시의회")], []),
    # second mentions link back to the fullest earlier one; surname-only references (오 시장) are left out
    ("오세훈 서울시장은 10일 회견을 열었다. 오세훈 시장은 이어 오 시장 측 입장을 밝혔다.",
     [("오세훈", "시장", "서울시"), ("오세훈", "시장", "서울시")], []),
    # an affiliation carries across a comma list
    ("삼성전자 이재용 회장, 한종희 부회장이 참석했다.",
     [("이재용", "회장", "삼성전자"), ("한종희", "부회장", "삼성전자")], [("삼성전자", None)]),
    # organizations and their aliases
    ("마이크로소프트(MS)는 새 모델을 공개했다.", [], [("마이크로소프트", "MS")]),
    ("한국전자통신연구원(ETRI)이 개발했다.", [], [("한국전자통신연구원", "ETRI")]),
    ("밀라(MILA) AI 연구소와 협력한다.", [], [("밀라 AI 연구소", "MILA")]),
    ("국민의힘은 논평을 냈다.", [], [("국민의힘", None)]),
    ("서울대학교 AI연구원이 문을 열었다.", [], [("서울대학교 AI연구원", None)]),
    ("공군 AI신기술 융합센터를 방문했다.", [], [("공군 AI신기술 융합센터", None)]),
    ("서울 AI 허브에 입주했다.", [], [("서울 AI 허브", None)]),
    ("질병관리청은 주의를 당부했다.", [], [("질병관리청", None)]),
    ("'삼성전자'가 실적을 발표했다.", [], [("삼성전자", None)]),
    # no person, no organization
    ("서울시장 선거가 내년에 치러진다.", [], []),
    ("기자회견장에는 취재진이 몰렸다.", [], []),
    ("주식 시장과 부동산 시장이 크게 흔들렸다.", [], []),
    ("이번 시장 개편으로 가격이 내렸다.", [], []),
    ("사업 대표 자격으로 참석했다.", [], []),
    ("정부 관계자는 이렇게 설명했다.", [], []),
    ("참가 신청은 다음 주까지 받는다.", [], []),
    ("국민의힘 지도부는 일부 연구원과 만났다.", [], [("국민의힘", None)]),
]


def _people(result):
    df = result.tables()[P]
    return [(r.name, r.title if isinstance(r.title, str) else None,
             r.organization if isinstance(r.organization, str) else None) for r in df.itertuples()]


def _orgs(result):
    df = result.tables()[O]
    return [(r.name, r.alias if isinstance(r.alias, str) else None) for r in df.itertuples()]


@pytest.mark.parametrize("text,people,orgs", CASES, ids=[c[0][:24] for c in CASES])
def test_rules_only(extractor_rules_only, text, people, orgs):
    result = extractor_rules_only.extract(text)
    assert _people(result) == people
    assert _orgs(result) == orgs


@pytest.mark.slow
@pytest.mark.skipif(not model_available(), reason="the NER model is not installed")
@pytest.mark.parametrize("text,people,orgs", CASES, ids=[c[0][:24] for c in CASES])
def test_with_model(extractor, text, people, orgs):
    result = extractor.extract(text)
    got_people, got_orgs = _people(result), _orgs(result)
    assert all(p in got_people for p in people), got_people
    assert all(o in got_orgs for o in orgs), got_orgs


@pytest.mark.parametrize("text,row_text,mention_text", [
    ("오세훈 서울시장은 말했다.", "오세훈 서울시장", "오세훈"),
    ("한국전자통신연구원 방승찬 원장은 말했다.", "한국전자통신연구원 방승찬 원장", "방승찬"),
    ("이재용 삼성전자 회장이 출국했다.", "이재용 삼성전자 회장", "이재용"),
    ("이영수 씨는 신고했다.", "이영수 씨", "이영수"),
])
def test_row_spans_the_expression_mention_the_name(extractor_rules_only, text, row_text, mention_text):
    result = extractor_rules_only.extract(text)
    row = result.rows[P][0]
    assert (row["text"], text[row["start"]:row["end"]]) == (row_text, row_text)
    person = [m for m in result.rows["mentions"] if m["label"] == "PERSON"]
    assert [(m["text"], text[m["start"]:m["end"]]) for m in person] == [(mention_text, mention_text)]


def test_fused_organization_is_no_org_mention(extractor_rules_only):
    result = extractor_rules_only.extract("오세훈 서울시장과 정은경 질병관리청장이 만났다.")
    assert [m.label for m in result.mentions] == ["PERSON", "PERSON"]


@pytest.mark.parametrize("text,form", [
    ("국민의힘은 논평을 냈다.", "국민의힘"),
    ("한국전자통신연구원과 협약했다.", "한국전자통신연구원"),
])
def test_known_organizations_stay_one_token(extractor_rules_only, text, form):
    forms = [(f.text, f.tag) for f in extractor_rules_only.extract(text).analysis.forms]
    assert (form, "NNP") in forms


def test_user_words_come_from_lexicons_with_kiwi_tag(extractor_rules_only):
    words = dict((f, (t, s)) for f, t, s in extractor_rules_only.ruleset.user_words())
    assert words["국민의힘"] == ("NNP", 0.0)
    assert "한은" not in words  # also an ordinary word: no kiwi_tag in organizations.tsv
    assert all(" " not in f for f in words)
