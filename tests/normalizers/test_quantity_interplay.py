"""QUANTITY and TIME next to MONEY, AREA and DATE, through the whole rule pipeline (``Extractor(ner=False)``):
resolve keeps the longest span, so money stays money, dates keep their times, and counts become QUANTITY with
exact values."""
from __future__ import annotations

import datetime as dt

import pytest

LABELS = ("QUANTITY", "TIME", "MONEY", "AREA", "DATE")
MAY29 = dt.date(2024, 5, 29)

# the value key each label is checked by
PRIMARY = {"QUANTITY": "value", "TIME": "value", "MONEY": "amount", "AREA": "value_m2", "DATE": "value"}


@pytest.mark.parametrize("text,expected", [
    # money stays money; a count beside it is a QUANTITY
    ("이 회사의 매출은 3,659억원, 직원은 1,200명이다.",
     [("MONEY", "3,659억원", 365900000000), ("QUANTITY", "1,200명", 1200)]),
    ("업계는 계약 규모를 1조원대로 본다.", [("MONEY", "1조원대", 1000000000000)]),
    ("투자 유치 500억과 채용 300명을 발표했다.",
     [("MONEY", "500억", 50000000000), ("QUANTITY", "300명", 300)]),
    # a bare 억/만 amount followed by a counter is a count, even after a money word
    ("매출 성장에 힘입어 누적 판매가 10억 대를 넘었다.", [("QUANTITY", "10억 대", 1000000000)]),
    ("국내 인구 5천만 명 시대가 저문다.", [("QUANTITY", "5천만 명", 50000000)]),
    ("이 영상은 조회 수 1억 회를 넘었다.", [("QUANTITY", "1억 회", 100000000)]),
    ("공연 티켓 3만 5천원짜리를 3만 5천 명이 샀다.",
     [("MONEY", "3만 5천원", 35000), ("QUANTITY", "3만 5천 명", 35000)]),
    # areas and counts side by side
    ("30평형 아파트 500가구가 들어선다.", [("AREA", "30평", 30 * 400 / 121), ("QUANTITY", "500가구", 500)]),
    ("부지 3만㎡에 공장 2곳을 짓는다.", [("AREA", "3만㎡", 30000), ("QUANTITY", "2곳", 2)]),
    # dates keep their times; a time alone is a TIME
    ("행사는 29일 오후 2시 30분 열리며 300명이 참석한다.",
     [("DATE", "29일 오후 2시 30분", "2024-05-29"), ("QUANTITY", "300명", 300)]),
    ("이날 오후 2시 30분 회의에 12개국이 참석했다.",
     [("TIME", "오후 2시 30분", "14:30"), ("QUANTITY", "12개국", 12)]),
    ("지난 3일 밤 11시께 차량 3대가 부딪쳤다.",
     [("DATE", "지난 3일 밤 11시", "2024-05-03"), ("QUANTITY", "3대", 3)]),
    ("2019년 출범 이후 40여 차례 회의를 열었다.",
     [("DATE", "2019년", "2019"), ("QUANTITY", "40여 차례", 40)]),
    # durations are neither counts nor times of day
    ("3개월 동안 2시간씩 교육을 받았다.", []),
])
def test_interplay(extractor_rules_only, text, expected):
    result = extractor_rules_only.extract(text, published=MAY29)
    got = [(m.label, m.text, m.value[PRIMARY[m.label]]) for m in result.mentions if m.label in LABELS]
    assert got == expected


def test_date_keeps_its_time(extractor_rules_only):
    result = extractor_rules_only.extract("회의는 29일 오후 2시 30분 열린다.", published=MAY29)
    [date] = [m for m in result.mentions if m.label in LABELS]
    assert (date.label, date.value["value"], date.value["time"]) == ("DATE", "2024-05-29", "14:30")


@pytest.mark.parametrize("text,mention,value", [
    ("전국 360여개 매장", "360여개", {"value": 360, "unit": "개", "approx": True}),
    ("직원 100여 명이 일한다.", "100여 명", {"value": 100, "unit": "명", "approx": True}),
    ("수출 물량은 7배 늘었다.", "7배", {"value": 7, "unit": "배"}),             # exact: no approx key
    ("환자 수백 명이 찾았다.", "수백 명", {"value": 200, "unit": "명", "approx": True}),
    ("보유 주식 100만 주를 팔았다.", "100만 주", {"value": 1000000, "unit": "주"}),
])
def test_quantity_values(extractor_rules_only, text, mention, value):
    found = [m for m in extractor_rules_only.extract(text).mentions if m.label == "QUANTITY"]
    assert [(m.text, m.value) for m in found] == [(mention, value)]


@pytest.mark.parametrize("text", [
    "명예훼손 소송과 개발 사업",
    "건설 경기 침체로 회의를 미뤘다.",
    "배터리 대표 기업의 세계 시장 점유율",
    "위원들은 점검 결과를 공개했다.",
    "3주 동안 준비해 창립 10주년 행사를 열었다.",   # weeks are not shares
    "참석자는 30~40명으로 예상된다.",                # a range: nothing rather than half of it
    "금리 인상 폭은 0.25%p로 예상된다.",              # percentages belong to a PERCENT file
])
def test_no_quantity(extractor_rules_only, text):
    assert [m.text for m in extractor_rules_only.extract(text).mentions if m.label == "QUANTITY"] == []
