"""AREA: rules/area.yaml found by the rule stage, valued by the ``area`` normalizer."""
from __future__ import annotations

import pytest

from pipeline.normalizers.base import NormContext, get_normalizer
from fractions import Fraction

from pipeline.rule_examples import compare_value


def pyeong(n) -> float:
    """n 평 in m², exactly (400/121 m² each) and then as the nearest float64: what value_m2 holds."""
    return float(Fraction(str(n)) * Fraction(400, 121))


# (text, mention, value_m2, unit, approx)
CASES = [
    ("부지 3만㎡를 조성한다.", "3만㎡", 30000, "㎡", False),
    ("이 공장은 500평 규모다.", "500평", pyeong(500), "평", False),
    ("토지는 1만 2천㎡에 이른다.", "1만 2천㎡", 12000, "㎡", False),
    ("연면적은 10만 5천㎡다.", "10만 5천㎡", 105000, "㎡", False),
    ("면적은 약 3.3㎢다.", "약 3.3㎢", 3300000, "㎢", True),
    ("산림 20ha가 탔다.", "20ha", 200000, "ha", False),
    ("밭 0.5ha에서 딸기를 키운다.", "0.5ha", 5000, "ha", False),
    ("연면적 150제곱미터 이하의 주택", "150제곱미터 이하", 150, "제곱미터", False),
    ("3만평의 농지를 보유했다.", "3만평", pyeong(30000), "평", False),
    ("약 200평 남짓한 공터", "약 200평 남짓", pyeong(200), "평", True),
    ("전용 84m²가 대부분이다.", "84m²", 84, "m²", False),
    ("주차장은 2,500m2로 늘어난다.", "2,500m2", 2500, "m2", False),
    ("섬의 면적은 45.5제곱킬로미터다.", "45.5제곱킬로미터", 45500000, "제곱킬로미터", False),
    ("농지 1,200헥타르를 수용한다.", "1,200헥타르", 12000000, "헥타르", False),
    ("30평형 아파트가 들어선다.", "30평", pyeong(30), "평", False),
    ("30평대 아파트가 인기다.", "30평대", pyeong(30), "평", True),
    ("부지는 4만여㎡ 규모다.", "4만여㎡", 40000, "㎡", True),
    ("개발제한구역 수천평이 풀렸다.", "수천평", pyeong(2000), "평", True),
    ("1,000평방미터에 공장이 선다.", "1,000평방미터", 1000, "평방미터", False),
    ("땅은 1천평 가량이다.", "1천평 가량", pyeong(1000), "평", True),
    ("예정지는 12.5km²다.", "12.5km²", 12500000, "km²", False),
    ("호수 면적은 2.5평방킬로미터다.", "2.5평방킬로미터", 2500000, "평방킬로미터", False),
    ("1평은 약 3.3㎡다.", "1평", pyeong(1), "평", False),
    ("매장은 500평가량이다.", "500평가량", pyeong(500), "평", True),
    ("공원은 １２０㎡로 작다.", "１２０㎡", 120, "㎡", False),
    # issue 12: squared-unit characters, acres, per-unit prices, type letters, a spaced 여, ranges
    ("임야 35㏊가 탔다.", "35㏊", 350000, "㏊", False),
    ("신도시는 4.2㎞²다.", "4.2㎞²", 4200000, "㎞²", False),
    ("목장 35에이커를 샀다.", "35에이커", float(Fraction("141639.974784")), "에이커", False),
    ("목장 2 acres를 샀다.", "2 acres", float(Fraction("8093.7128448")), "acres", False),
    ("3.3㎡당 분양가는 3,000만원이다.", "3.3㎡", 3.3, "㎡", False),
    ("3.3m²당 995만 원에 분양된다.", "3.3m²", 3.3, "m²", False),
    ("전용 76㎡A 175가구가 나온다.", "76㎡", 76, "㎡", False),
    ("매립지 13만 여㎡를 판다.", "13만 여㎡", 130000, "㎡", True),
    ("매장은 32평~62평이다.", "32평~62평", pyeong(32), "평", False),
    ("매장은 32~62평이다.", "32~62평", pyeong(32), "평", False),
    ("전용 59~84㎡ 아파트", "59~84㎡", 59, "㎡", False),
    ("면적 1,000㎡-2,000㎡", "1,000㎡-2,000㎡", 1000, "㎡", False),
    ("1만6천500평의 부지", "1만6천500평", pyeong(16500), "평", False),
]


def test_value_m2_is_exact_not_rounded():
    """value_m2 * 121 / 400 gives back the pyeong as written (1,652.89 m², the old rounding, gives 499.9985)."""
    ctx = NormContext(text="500평", start=0, end=4, groups={"unit": (3, 4)})
    value = get_normalizer("area").fn(ctx)["value_m2"]
    assert value * 121 / 400 == 500.0
    assert value == float(Fraction(200000, 121))


@pytest.mark.parametrize("text,mention,value_m2,unit,approx", CASES)
def test_area(rule_mentions, text, mention, value_m2, unit, approx):
    found = [m for m in rule_mentions("area.yaml", text) if m.label == "AREA"]
    assert [m.text for m in found][:1] == [mention]
    assert found[0].value == {"value_m2": value_m2, "unit": unit, "approx": approx}


@pytest.mark.parametrize("text", [
    "이번 평가에서 평균 3.5점을 받았다.",
    "평택시는 평화공원을 만든다.",
    "그는 평생 평범하게 살았다.",
    "1등급 평가를 받은 단지는 2곳이다.",
    "평당 가격이 1억원을 넘었다.",
    "그는 2평가 체계를 도입했다.",
    "방문객 3만 명이 평양냉면 축제를 찾았다.",
    "응답자의 40%가 평소 운동을 한다.",
    "100미터 달리기에서 12초를 기록했다.",
    "5평면도와 3평론집을 냈다.",
    "이사 온 지 일평생이다.",
])
def test_not_area(rule_mentions, text):
    assert [m.text for m in rule_mentions("area.yaml", text) if m.label == "AREA"] == []


def test_area_yaml_examples(rule_mentions):
    """Every example of area.yaml through rule → resolve → normalize (the full-pipeline run is in tests/ruleset)."""
    rule_file = rule_mentions.ruleset("area.yaml").files[0]
    assert len(rule_file.examples) >= 20 and len(rule_file.counterexamples) >= 8
    failures = []
    for ex in rule_file.examples:
        found = {m.text: m for m in rule_mentions("area.yaml", ex.text)}
        for exp in ex.expect:
            if exp.text not in found:
                failures.append((ex.index, exp.text, "no match", sorted(found)))
            elif (mm := compare_value(found[exp.text].value, exp.value, "value_m2")) is not None:
                failures.append((ex.index, exp.text, mm))
    for ex in rule_file.counterexamples:
        if found := rule_mentions("area.yaml", ex.text):
            failures.append((f"counterexample-{ex.index}", [m.text for m in found]))
    assert failures == []


def _ctx(text: str, unit: str, config=None) -> NormContext:
    i = text.rindex(unit)
    return NormContext(text=text, start=0, end=len(text), groups={"unit": (i, i + len(unit))}, config=config or {})


@pytest.mark.parametrize("text,unit,value_m2", [
    ("121평", "평", 400),          # 1평 = 400/121 ㎡
    ("1평", "평", pyeong(1)),
    ("500평", "평", pyeong(500)),
    ("3에이커", "에이커", 12140.5692672),
    ("1㏊", "㏊", 10000),
    ("1ha", "ha", 10000),
    ("1㎢", "㎢", 1000000),
    ("2.5m²", "m²", 2.5),
])
def test_area_factors(text, unit, value_m2):
    area = get_normalizer("area")
    assert area.primary == "value_m2"
    assert area.fn(_ctx(text, unit))["value_m2"] == value_m2


def test_area_rule_file_units_win():
    assert get_normalizer("area").fn(_ctx("3 마지기", "마지기", {"units": {"마지기": 661}}))["value_m2"] == 1983


@pytest.mark.parametrize("text,unit", [("3 마지기", "마지기"), ("3억이㎡", "㎡")])
def test_area_rejects(text, unit):
    assert get_normalizer("area").fn(_ctx(text, unit)) is None
