"""Korean numbers: ``parse_number``, ``parse_quantity`` and the generic ``number`` normalizer."""
from __future__ import annotations

import pytest

from pipeline.normalizers.base import NormContext, get_normalizer
from pipeline.normalizers.numbers import (KoreanNumber, Quantity, builtin_lexicon, parse_literal, parse_number,
                                          parse_quantity)

# (text, value, approx, vague)
NUMBERS = [
    ("0", 0, False, False),
    ("7", 7, False, False),
    ("3,659", 3659, False, False),
    ("1,234,567", 1234567, False, False),
    ("12.5", 12.5, False, False),
    ("0.75", 0.75, False, False),
    ("12,5", 12.5, False, False),
    ("1,234.5", 1234.5, False, False),
    ("１２３", 123, False, False),
    ("１，０００", 1000, False, False),
    ("3,659억", 365900000000, False, False),
    ("1조 2,000억", 1200000000000, False, False),
    ("1조2000억", 1200000000000, False, False),
    ("2억5000만", 250000000, False, False),
    ("2억 5000만", 250000000, False, False),
    ("3만 5천", 35000, False, False),
    ("3만5천", 35000, False, False),
    ("1억 2345만 6789", 123456789, False, False),
    ("이천오백만", 25000000, False, False),
    ("1.5조", 1500000000000, False, False),
    ("1.25억", 125000000, False, False),
    ("5천만", 50000000, False, False),
    ("십만", 100000, False, False),
    ("백만", 1000000, False, False),
    ("천만", 10000000, False, False),
    ("삼십이", 32, False, False),
    ("삼천사백오십육", 3456, False, False),
    ("일억", 100000000, False, False),
    ("십억", 1000000000, False, False),
    ("오조 삼천억", 5300000000000, False, False),
    ("1경", 10000000000000000, False, False),
    ("67조4000억", 67400000000000, False, False),
    ("5백억", 50000000000, False, False),
    ("2천5백만", 25000000, False, False),
    ("3억5천만", 350000000, False, False),
    ("１조 ２천억", 1200000000000, False, False),
    ("수백억", 20000000000, True, True),   # 수 = 2 to 9: the lower bound
    ("수십만", 200000, True, True),
    ("수억", 200000000, True, True),
    ("수천억", 200000000000, True, True),
    ("수조", 2000000000000, True, True),
    ("십수억", 1200000000, True, True),
    ("200여억", 20000000000, True, False),
    ("200억여", 20000000000, True, False),
    ("100여", 100, True, False),
    ("4만여", 40000, True, False),
    ("1천여억", 100000000000, True, False),
]


@pytest.mark.parametrize("text,value,approx,vague", NUMBERS)
def test_parse_number(text, value, approx, vague):
    n = parse_number(text)
    assert n is not None
    assert (n.value, n.approx, n.vague) == (value, approx, vague)
    assert type(n.value) is type(value)  # whole values are ints: no float drift for 1조 2,000억


@pytest.mark.parametrize("text", [
    "", " ", "abc", "수", "여", "여100",
    "3억이",      # the subject particle after 억, not 2
    "100억만",    # 만 "only" after 억: big units must descend
    "백천",       # small units must descend too
    "12 34",      # two numbers side by side
    "삼사",       # two digits without a unit
    "1.2.3",
    "1,23,4",
    "200여여억",
    "수수억",     # one 수 per number
    "1만 2억",    # big units out of order
    "٣x",
    "5억 이상",   # markers belong to parse_quantity
])
def test_parse_number_rejects(text):
    assert parse_number(text) is None


@pytest.mark.parametrize("text,value", [
    ("3,659", 3659), ("1,000", 1000), ("12,5", 12.5), ("0,5", 0.5), ("1234,567", 1234567), ("1,000.25", 1000.25),
    ("10", 10), ("1,2,3", None), ("1.2.3", None),
])
def test_parse_literal_commas(text, value):
    got = parse_literal(text)
    assert (None if got is None else float(got)) == value


def test_parse_number_result_type():
    assert parse_number("2억5000만") == KoreanNumber(250000000, approx=False, vague=False, marker="")
    assert parse_number("200여억").marker == "여"


# (text, value, approx, min, max, qualifier)
QUANTITIES = [
    ("200억", 20000000000, False, None, None, None),
    ("약 200억", 20000000000, True, None, None, "약"),
    ("약200억", 20000000000, True, None, None, "약"),
    ("대략 30만", 300000, True, None, None, "대략"),
    ("200억여", 20000000000, True, 20000000000, None, "여"),
    ("200여억", 20000000000, True, 20000000000, None, "여"),
    ("200억 가량", 20000000000, True, None, None, "가량"),
    ("200억가량", 20000000000, True, None, None, "가량"),
    ("200억 안팎", 20000000000, True, None, None, "안팎"),
    ("200억 내외", 20000000000, True, None, None, "내외"),
    ("200억 정도", 20000000000, True, None, None, "정도"),
    ("200억 남짓", 20000000000, True, 20000000000, None, "남짓"),
    ("100억 이상", 10000000000, False, 10000000000, None, "이상"),
    ("100억 초과", 10000000000, False, 10000000000, None, "초과"),
    ("100억 이하", 10000000000, False, None, 10000000000, "이하"),
    ("100억 미만", 10000000000, False, None, 10000000000, "미만"),
    ("최대 5천만", 50000000, False, None, 50000000, "최대"),
    ("최소 1억", 100000000, False, 100000000, None, "최소"),
    ("약 100억 이상", 10000000000, True, 10000000000, None, "이상"),
    ("1조대", 1000000000000, True, 1000000000000, 2000000000000, "대"),
    ("3,000억대", 300000000000, True, 300000000000, 400000000000, "대"),
    ("1조 2천억대", 1200000000000, True, 1200000000000, 1300000000000, "대"),
    ("수백억", 20000000000, True, 20000000000, 90000000000, "수"),
    ("수십억대", 2000000000, True, 2000000000, 9000000000, "대"),
    ("3~5억", 300000000, False, 300000000, 500000000, "~"),
    ("3억~5억", 300000000, False, 300000000, 500000000, "~"),
    ("3 ~ 5억", 300000000, False, 300000000, 500000000, "~"),
    ("3천~5천억", 300000000000, False, 300000000000, 500000000000, "~"),
    ("100억~200억", 10000000000, False, 10000000000, 20000000000, "~"),
    ("1,000만∼2,000만", 10000000, False, 10000000, 20000000, "~"),
    ("1,000만～2,000만", 10000000, False, 10000000, 20000000, "~"),
    ("5000만~1억", 50000000, False, 50000000, 100000000, "~"),
    ("200-300", 200, False, 200, 300, "~"),
    ("100억부터 200억까지", 10000000000, False, 10000000000, 20000000000, "~"),
    ("100억에서 200억 사이", 10000000000, False, 10000000000, 20000000000, "~"),
    ("약 1,000억~2,000억", 100000000000, True, 100000000000, 200000000000, "~"),
    ("200억까지", 20000000000, False, None, 20000000000, "까지"),
]


@pytest.mark.parametrize("text,value,approx,lo,hi,qualifier", QUANTITIES)
def test_parse_quantity(text, value, approx, lo, hi, qualifier):
    q = parse_quantity(text)
    assert q is not None
    assert (q.value, q.approx, q.min, q.max, q.qualifier) == (value, approx, lo, hi, qualifier)


@pytest.mark.parametrize("text", [
    "", "약", "이상", "5~3억",        # a range must go up
    "100억에서 200억",               # 에서 without 까지/사이 is a change, not a range
    "~5억", "3~", "억울",
])
def test_parse_quantity_rejects(text):
    assert parse_quantity(text) is None


@pytest.mark.parametrize("factor,expected", [(1, 1), (0.01, 0.01), ("400/121", 400 / 121), ("1000000", 1000000)])
def test_multiplier(factor, expected):
    from pipeline.normalizers.numbers import multiplier

    assert float(multiplier(factor)) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("key,expected", [("m2", 1), ("m²", 1), ("Million", 6), ("MILLION", 6), ("bn", None)])
def test_lookup_folds_width_and_case(key, expected):
    from pipeline.normalizers.numbers import lookup

    assert lookup({"m2": 1, "million": 6}, key) == expected


def test_quantity_scaled_is_exact():
    q = parse_quantity("1.2").scaled(1000000000)
    assert q == Quantity(1200000000, False, False, None, None, None)
    assert type(q.value) is int


# -- the number normalizer --------------------------------------------------------------------------------------

def _ctx(text: str, number: tuple[int, int] | None, unit: tuple[int, int] | None, units=None) -> NormContext:
    groups = {k: v for k, v in (("number", number), ("unit", unit)) if v is not None}
    return NormContext(text=text, start=0, end=len(text), groups=groups,
                       config={} if units is None else {"units": units})


@pytest.mark.parametrize("text,number,unit,units,expected", [
    ("12.5%", (0, 4), (4, 5), {"%": 1}, {"value": 12.5, "unit": "%"}),
    ("12,5%", (0, 4), (4, 5), {"%": 1}, {"value": 12.5, "unit": "%"}),
    ("3,659명", (0, 5), (5, 6), {"명": 1}, {"value": 3659, "unit": "명"}),
    ("3만명", (0, 2), (2, 3), {"명": 1}, {"value": 30000, "unit": "명"}),
    ("15bp", (0, 2), (2, 4), {"bp": 0.01}, {"value": 0.15, "unit": "bp"}),
    ("2km", (0, 1), (1, 3), {"km": 1000}, {"value": 2000, "unit": "km"}),
    ("2km", (0, 1), (1, 3), None, {"value": 2, "unit": "km"}),          # no units table: multiplier 1
    ("42", (0, 2), None, None, {"value": 42, "unit": None}),
])
def test_number_normalizer(text, number, unit, units, expected):
    assert get_normalizer("number").fn(_ctx(text, number, unit, units)) == expected


def test_number_normalizer_rejects_what_does_not_parse():
    assert get_normalizer("number").fn(_ctx("1.2.3%", (0, 5), (5, 6), {"%": 1})) is None


def test_number_normalizer_primary_key():
    assert get_normalizer("number").primary == "value"


PERCENT_FILE = r'''entity: PERCENT
normalizer: number
units: {"%": 1, "％": 1, "퍼센트": 1, "프로": 1}
patterns:
  - id: percent.number_unit
    regex: '(?P<number>\d+(?:[.,]\d+)*)\s?(?P<unit>%|％|퍼센트|프로)'
examples:
  - text: 영업이익이 전년보다 12.5% 증가했다.
    expect: [{text: "12.5%", value: 12.5}]
'''


def test_user_percent_file_works_unchanged(tmp_path):
    from pipeline.article import Analysis, Article
    from pipeline.ruleset import load_ruleset
    from pipeline.stages.normalize import NormalizeStage
    from pipeline.stages.resolve import ResolveStage
    from pipeline.stages.rules import RuleStage

    (tmp_path / "percent.yaml").write_text(PERCENT_FILE, encoding="utf-8")
    ruleset = load_ruleset([tmp_path])
    analysis = Analysis(Article("t", "영업이익이 전년보다 12.5% 증가했고 점유율은 30 퍼센트다."))
    for stage in (RuleStage(ruleset), ResolveStage(), NormalizeStage(ruleset)):
        stage(analysis)
    assert [(m.text, m.value) for m in analysis.mentions] == [
        ("12.5%", {"value": 12.5, "unit": "%"}),
        ("30 퍼센트", {"value": 30, "unit": "퍼센트"}),
    ]


# -- the data files ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,column,allowed", [
    ("numerals", "kind", {"digit", "vague"}),
    ("numeral_units", "kind", {"small", "big", "approx_min"}),
    ("number_prefixes", "meaning", {"approx", "min", "max"}),
    ("number_suffixes", "meaning", {"approx", "approx_min", "min", "max", "band"}),
])
def test_lexicon_columns(name, column, allowed):
    rows = builtin_lexicon(name)
    assert rows, name
    for form, row in rows.items():
        assert row[column] in allowed, (name, form)
        if row.get("kind") in ("digit", "vague", "small", "big"):
            assert int(row["value"]) > 0, (name, form)


def test_big_units_are_powers_of_ten_thousand():
    big = sorted(int(r["value"]) for r in builtin_lexicon("numeral_units").values() if r["kind"] == "big")
    assert big == [10 ** (4 * i) for i in range(1, len(big) + 1)]
