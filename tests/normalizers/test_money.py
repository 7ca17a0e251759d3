"""MONEY: rules/money.yaml found by the rule stage, valued by the ``money`` normalizer."""
from __future__ import annotations

import pytest

from pipeline.normalizers.base import NormContext, get_normalizer
from pipeline.rule_examples import compare_value

KEYS = ("amount", "currency", "approx", "min_amount", "max_amount", "qualifier")

# (text, mention, amount, currency, approx, min_amount, max_amount, qualifier)
CASES = [
    ("지난해 매출은 3,659억원이었다.", "3,659억원", 365900000000, "KRW", False, None, None, None),
    ("중견기업 A사의 기업매출 3,659억을 넘었다.", "3,659억", 365900000000, "KRW", False, None, None, None),
    ("이번 투자 유치 500억은 역대 최대다.", "500억", 50000000000, "KRW", False, None, None, None),
    ("사업비는 1조 2,000억원이다.", "1조 2,000억원", 1200000000000, "KRW", False, None, None, None),
    ("총 1조2000억 원을 들였다.", "1조2000억 원", 1200000000000, "KRW", False, None, None, None),
    ("예산 2억5000만원을 배정했다.", "2억5000만원", 250000000, "KRW", False, None, None, None),
    ("지원금 2억 5천만 원을 받았다.", "2억 5천만 원", 250000000, "KRW", False, None, None, None),
    ("통장에 1억 2345만 6789원이 입금됐다.", "1억 2345만 6789원", 123456789, "KRW", False, None, None, None),
    ("연봉 이천오백만원을 제시했다.", "이천오백만원", 25000000, "KRW", False, None, None, None),
    ("1.5조원 규모의 펀드가 조성된다.", "1.5조원", 1500000000000, "KRW", False, None, None, None),
    ("티켓은 3만 5천원이다.", "3만 5천원", 35000, "KRW", False, None, None, None),
    ("정부는 약 200억원을 편성했다.", "약 200억원", 20000000000, "KRW", True, None, None, "약"),
    ("영업이익은 200여억원으로 줄었다.", "200여억원", 20000000000, "KRW", True, 20000000000, None, "여"),
    ("손실은 200억여원에 달한다.", "200억여원", 20000000000, "KRW", True, 20000000000, None, "여"),
    ("비용은 10억 원 가량이다.", "10억 원 가량", 1000000000, "KRW", True, None, None, "가량"),
    ("배당금은 300억원 안팎이 될 전망이다.", "300억원 안팎", 30000000000, "KRW", True, None, None, "안팎"),
    ("공사비가 3~5억원 더 든다.", "3~5억원", 300000000, "KRW", False, 300000000, 500000000, "~"),
    ("수익은 100억~200억원으로 예상된다.", "100억~200억원", 10000000000, "KRW", False, 10000000000, 20000000000, "~"),
    ("보조금은 100억원부터 200억원까지 지급된다.", "100억원부터 200억원까지", 10000000000, "KRW", False,
     10000000000, 20000000000, "~"),
    ("매출은 약 1,000억~2,000억원으로 예상된다.", "약 1,000억~2,000억원", 100000000000, "KRW", True,
     100000000000, 200000000000, "~"),
    ("신규 공장에 100억원 이상을 투입한다.", "100억원 이상", 10000000000, "KRW", False, 10000000000, None, "이상"),
    ("10만원 미만의 결제는 간편하다.", "10만원 미만", 100000, "KRW", False, None, 100000, "미만"),
    ("1인당 최대 5천만원을 지원한다.", "최대 5천만원", 50000000, "KRW", False, None, 50000000, "최대"),
    ("계약 규모는 1조원대로 평가된다.", "1조원대", 1000000000000, "KRW", True, 1000000000000, 2000000000000, "대"),
    ("3천억원대 매출을 올렸다.", "3천억원대", 300000000000, "KRW", True, 300000000000, 400000000000, "대"),
    ("피해액은 수백억원에 이른다.", "수백억원", 20000000000, "KRW", True, 20000000000, 90000000000, "수"),
    ("피해는 수십억 원대에 이른다.", "수십억 원대", 2000000000, "KRW", True, 2000000000, 9000000000, "대"),
    ("시가총액은 약 500조 수준이다.", "약 500조", 500000000000000, "KRW", True, None, None, "약"),
    ("미국 기업이 10억 달러를 투자한다.", "10억 달러", 1000000000, "USD", False, None, None, None),
    ("수출액이 250만 달러를 넘었다.", "250만 달러", 2500000, "USD", False, None, None, None),
    ("수출 100억불을 달성했다.", "100억불", 10000000000, "USD", False, None, None, None),
    ("영업이익은 3억 달러 이상이다.", "3억 달러 이상", 300000000, "USD", False, 300000000, None, "이상"),
    ("펀드는 1,000만∼2,000만 달러 규모다.", "1,000만∼2,000만 달러", 10000000, "USD", False, 10000000, 20000000, "~"),
    ("인수 금액은 $250 million이다.", "$250 million", 250000000, "USD", False, None, None, None),
    ("채권 USD 1.2 billion을 발행했다.", "USD 1.2 billion", 1200000000, "USD", False, None, None, None),
    ("회사는 USD1.2bn을 조달했다.", "USD1.2bn", 1200000000, "USD", False, None, None, None),
    ("오픈AI는 $3.5bn을 추가로 조달했다.", "$3.5bn", 3500000000, "USD", False, None, None, None),
    ("인수가는 $200-300 million 수준이다.", "$200-300 million", 200000000, "USD", False, 200000000, 300000000, "~"),
    ("EIB는 €40 million을 지원한다.", "€40 million", 40000000, "EUR", False, None, None, None),
    ("유럽에서 20억 유로를 조달했다.", "20억 유로", 2000000000, "EUR", False, None, None, None),
    ("엔화로는 200억엔 가량이다.", "200억엔 가량", 20000000000, "JPY", True, None, None, "가량"),
    ("중국은 5000억 위안을 풀었다.", "5000억 위안", 500000000000, "CNY", False, None, None, None),
    ("30억 파운드에 매각됐다.", "30억 파운드", 3000000000, "GBP", False, None, None, None),
    ("입장료는 ￦1,000이다.", "￦1,000", 1000, "KRW", False, None, None, None),
    ("월급은 300만원인 것으로 알려졌다.", "300만원", 3000000, "KRW", False, None, None, None),
]


@pytest.mark.parametrize("text,mention,amount,currency,approx,lo,hi,qualifier", CASES)
def test_money(rule_mentions, text, mention, amount, currency, approx, lo, hi, qualifier):
    found = [m for m in rule_mentions("money.yaml", text) if m.label == "MONEY"]
    assert [m.text for m in found] == [mention]
    value = found[0].value
    assert {k: value[k] for k in KEYS} == dict(zip(KEYS, (amount, currency, approx, lo, hi, qualifier)))
    assert isinstance(value["amount"], int)  # whole amounts are exact ints


@pytest.mark.parametrize("text,mentions", [
    ("자산이 100억원에서 200억원으로 늘었다.", ["100억원", "200억원"]),  # a change, two amounts
    ("매출 1조 2,000억, 영업이익 3,000억을 기록했다.", ["1조 2,000억", "3,000억"]),
    ("은행에서 100억원 대출을 받았다.", ["100억원"]),  # 대출 is a loan, not the band 대
    ("양사는 계약 규모 1조원의 계약을 맺었다.", ["1조원"]),  # 계약 ends in 약, which is not "about" here
    ("1만원권과 5만원권을 발행한다.", ["1만원", "5만원"]),
    ("보조금은 100억원부터 지급한다.", ["100억원"]),
])
def test_money_spans(rule_mentions, text, mentions):
    assert [m.text for m in rule_mentions("money.yaml", text) if m.label == "MONEY"] == mentions


@pytest.mark.parametrize("text", [
    "서울의 인구는 약 940만 명이다.",
    "국내 인구 5천만 명 시대가 저문다.",
    "이 영상은 조회수 1억 회를 넘었다.",
    "누적 투자자는 1억 명을 넘어섰다.",
    "매출 증가로 주식 2억 주를 새로 발행했다.",
    "스마트폰 판매량은 누적 10억 대를 돌파했다.",
    "전국 360여개 매장에서 100여 명이 일한다.",
    "수출 물량은 7배 늘었다.",
    "신입 사원 3만 5천 명을 뽑는다.",
    "그는 억울하다며 원장에게 원인을 따졌다.",
    "조원태 회장은 연구원 10명과 만났다.",
    "수원시는 1만 가구를 공급한다.",
    "일제 강점기 위안부 피해자 240명이 등록됐다.",
    "우주의 나이는 138억 년이다.",
    "이 조사 원칙은 3억 년 전 화석에도 적용된다.",
    "구원 투수가 만원 관중 앞에서 던졌다.",
    "사원 1천 명이 억 단위 성과급을 받았다.",
])
def test_not_money(rule_mentions, text):
    assert [m.text for m in rule_mentions("money.yaml", text) if m.label == "MONEY"] == []


def test_money_yaml_examples(rule_mentions):
    """Every example of money.yaml through rule → resolve → normalize (the full-pipeline run is in tests/ruleset)."""
    ruleset = rule_mentions.ruleset("money.yaml")
    rule_file = ruleset.files[0]
    assert len(rule_file.examples) >= 20 and len(rule_file.counterexamples) >= 8
    failures = []
    for ex in rule_file.examples:
        found = {m.text: m for m in rule_mentions("money.yaml", ex.text)}
        for exp in ex.expect:
            if exp.text not in found:
                failures.append((ex.index, exp.text, "no match", sorted(found)))
            elif (mm := compare_value(found[exp.text].value, exp.value, "amount")) is not None:
                failures.append((ex.index, exp.text, mm))
    for ex in rule_file.counterexamples:
        if found := rule_mentions("money.yaml", ex.text):
            failures.append((f"counterexample-{ex.index}", [m.text for m in found]))
    assert failures == []


# -- the normalizer on hand-built contexts ---------------------------------------------------------------------

def _ctx(text: str, **groups: str) -> NormContext:
    """A context over the whole ``text`` with each named group at the first occurrence of its text."""
    return NormContext(text=text, start=0, end=len(text),
                       groups={g: (text.index(s), text.index(s) + len(s)) for g, s in groups.items()})


def test_money_without_config_uses_builtin_tables():
    money = get_normalizer("money")
    assert money.primary == "amount"
    assert money.fn(_ctx("$3.5bn", cur_pre="$", scale="bn"))["amount"] == 3500000000
    assert money.fn(_ctx("10억 엔화", currency="엔화"))["currency"] == "JPY"


def test_money_scale_words_ignore_case():
    assert get_normalizer("money").fn(_ctx("$250 Million", cur_pre="$", scale="Million"))["amount"] == 250000000


def test_money_accepts_a_tables_submap():
    ctx = NormContext(text="5 냥", start=0, end=3, groups={"currency": (2, 3)},
                      config={"tables": {"currencies": {"냥": "XAU"}}})
    assert get_normalizer("money").fn(ctx)["currency"] == "XAU"


def test_money_rule_file_tables_win():
    ctx = NormContext(text="5 냥", start=0, end=3, groups={"currency": (2, 3)}, config={"currencies": {"냥": "XAU"}})
    assert get_normalizer("money").fn(ctx)["currency"] == "XAU"


@pytest.mark.parametrize("text,groups", [
    ("5 냥", {"currency": "냥"}),                 # a currency the tables do not know
    ("$5 zillion", {"cur_pre": "$", "scale": "zillion"}),
    ("3억이원", {"currency": "원"}),               # the number does not parse
    ("5~3억원", {"currency": "원"}),               # a range that goes down
])
def test_money_rejects(text, groups):
    assert get_normalizer("money").fn(_ctx(text, **groups)) is None


def test_money_without_currency_group_leaves_currency_to_the_rule():
    value = get_normalizer("money").fn(_ctx("3,659억"))
    assert value == {"amount": 365900000000, "currency": None, "approx": False, "min_amount": None,
                     "max_amount": None, "qualifier": None}
