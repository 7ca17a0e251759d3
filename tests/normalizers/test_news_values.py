"""The forms issue 12 found in real news, through the whole rule pipeline (``Extractor(ner=False)``), in sentences
written for these tests: bare 억 amounts (the reverse policy), marked 조, ISO 4217 currencies, a currency after a
parenthesis, 여 with a space, Hangul units, counts that must not be money, dates of lists, event-name years."""
from __future__ import annotations

import datetime as dt

import pytest

JUNE15 = dt.date(2019, 6, 15)


def values(extractor, text, label, published=JUNE15):
    return [(m.text, m.value) for m in extractor.extract(text, published=published).mentions if m.label == label]


# (text, mention, amount, currency, approx)
MONEY = [
    # bare 억: money unless a count shows (money.bare_eok)
    ("부동산은 매가 57억에 팔렸다.", "57억", 5700000000, "KRW", False),
    ("그는 연봉 5억을 받는다.", "5억", 500000000, "KRW", False),
    ("228억 가치의 기술이전을 이뤘다.", "228억", 22800000000, "KRW", False),
    ("방송사에는 5억 민사소송을 걸겠다고 했다.", "5억", 500000000, "KRW", False),
    ("그는 1,400여억을 챙겼다.", "1,400여억", 140000000000, "KRW", True),
    ("앞서 그는 50억 대 세금 포탈 혐의를 받았다.", "50억 대", 5000000000, "KRW", True),
    # 조 with a marker or decimals (money.bare_jo_marked); a QUANTITY of 등 never hides it
    ("구조조정 실탄은 최소 7조가 필요하다.", "최소 7조", 7000000000000, "KRW", False),
    ("이번 거래는 2.3조로 평가된다.", "2.3조", 2300000000000, "KRW", False),
    ("투자유치 3,694억 등의 성과를 냈다.", "3,694억", 369400000000, "KRW", False),
    # currencies (rules/lexicons/currencies.tsv)
    ("그는 연봉 3000만 스위스프랑을 받는다.", "3000만 스위스프랑", 30000000, "CHF", False),
    ("브라질 정부는 2억 헤알을 풀었다.", "2억 헤알", 200000000, "BRL", False),
    ("이 건물은 50억 홍콩달러에 팔렸다.", "50억 홍콩달러", 5000000000, "HKD", False),
    ("벌금은 100만 루블이다.", "100만 루블", 1000000, "RUB", False),
    ("벌금 2천 루피를 냈다.", "2천 루피", 2000, "INR", False),
    ("입장료는 5천 바트다.", "5천 바트", 5000, "THB", False),
    ("쌀국수 한 그릇은 2만 동이다.", "2만 동", 20000, "VND", False),
    ("보상금은 10만 링깃이다.", "10만 링깃", 100000, "MYR", False),
    ("빵값이 1만 리라로 올랐다.", "1만 리라", 10000, "TRY", False),
    ("광산은 500만 랜드에 팔렸다.", "500만 랜드", 5000000, "ZAR", False),
    ("숙박비는 2천 싱가포르달러다.", "2천 싱가포르달러", 2000, "SGD", False),
    ("기금은 5천만 캐나다 달러다.", "5천만 캐나다 달러", 50000000, "CAD", False),
    ("투자액은 1억 호주달러다.", "1억 호주달러", 100000000, "AUD", False),
    ("공장에 30억 대만달러를 들였다.", "30억 대만달러", 3000000000, "TWD", False),
    ("상금은 2천 뉴질랜드달러다.", "2천 뉴질랜드달러", 2000, "NZD", False),
    ("이 우표는 1센트짜리다.", "1센트", 0.01, "USD", False),
    ("팁으로 5백 달러에서 1만 달러까지 냈다.", "5백 달러에서 1만 달러까지", 500, "USD", False),
    # a currency after a parenthesis; 여 with a space; markers
    ("그는 주급 1만7500(약 2600만원)파운드를 받는다.", "1만7500", 17500, "GBP", False),
    ("공사비는 11억6000여 만원이다.", "11억6000여 만원", 1160000000, "KRW", True),
    ("피해액은 6000여 만 원이다.", "6000여 만 원", 60000000, "KRW", True),
    ("그는 1억 여원의 손해배상을 청구했다.", "1억 여원", 100000000, "KRW", True),
    ("기준선을 5천500만원선으로 올렸다.", "5천500만원선", 55000000, "KRW", True),
    ("주가는 9달러 가까이 빠졌다.", "9달러 가까이", 9, "USD", True),
    ("1만8천∼1만9천원 대 치킨이 나왔다.", "1만8천∼1만9천원 대", 18000, "KRW", True),
    # Hangul amounts
    ("김밥은 천원이다.", "천원", 1000, "KRW", False),
    ("만원 이하 제품을 모았다.", "만원 이하", 10000, "KRW", False),
    ("계약금은 삼천만 원이다.", "삼천만 원", 30000000, "KRW", False),
    ("도박에 수억 원을 걸었다.", "수억 원", 200000000, "KRW", True),
    # a bare 만 next to a word always about money (money.bare_man)
    ("이 상가는 월 2,500만 임대수익을 올린다.", "2,500만", 25000000, "KRW", False),
    ("그는 연봉 3,000만을 받는다.", "3,000만", 30000000, "KRW", False),
]


@pytest.mark.parametrize("text,mention,amount,currency,approx", MONEY)
def test_money_in_news(extractor_rules_only, text, mention, amount, currency, approx):
    found = dict(values(extractor_rules_only, text, "MONEY"))
    assert mention in found, found
    v = found[mention]
    assert (v["amount"], v["currency"], v["approx"]) == (amount, currency, approx)


def test_amount_in_the_parenthesis_stays_money(extractor_rules_only):
    found = dict(values(extractor_rules_only, "그는 주급 1만7500(약 2600만원)파운드를 받는다.", "MONEY"))
    assert found["약 2600만원"]["amount"] == 26000000 and found["약 2600만원"]["currency"] == "KRW"


@pytest.mark.parametrize("text", [
    "두 선수는 준결승 1조에서 맞붙었다.",          # a group
    "헌법재판소법 47조 3항은 위헌으로 결정됐다.",    # an article of law
    "방송심의규정 제9조를 위반했다.",
    "영상은 조회수 1억을 넘었다.",                  # a count before it
    "뮤직비디오가 10억 뷰를 돌파했다.",             # a counter after it
    "빅뱅 이후 2억 년이 지났다.",
    "iOS 기기 2억대에 새 버전이 깔렸다.",
    "영화는 관객 900만을 넘었다.",                  # a bare 만 is a count
    "한류 팬이 928만 규모에 이른다.",                # 규모 goes with counts too
    "시장 규모는 약 150만대라는 점을 봐야 한다.",
    "그는 220파운드(약 99kg)를 들어 올렸다.",       # pounds of weight
    "그는 230파운드 바벨도 들었다.",
    "대명 5동 주민센터가 문을 닫았다.",             # 동 after a small number is a building
    "6천 명의 만원 관중이 들어찼다.",               # a full house
    "페소화는 약세다.",
    "매출 3백만 페소를 올렸다.",                    # 페소 alone names no single currency
])
def test_not_money(extractor_rules_only, text):
    assert values(extractor_rules_only, text, "MONEY") == []


@pytest.mark.parametrize("text,published,expected", [
    ("2012년 10월 26일과 11월 29일 발사됐다.", JUNE15, [("2012년 10월 26일", "2012-10-26"), ("11월 29일", "2012-11-29")]),
    ("축제는 5월 17일부터 19일까지 열린다.", dt.date(2013, 4, 20), [("5월 17일", "2013-05-17"), ("19일", "2013-05-19")]),
    ("행사는 30일부터 2일까지다.", dt.date(2019, 6, 25), [("30일", "2019-06-30"), ("2일", "2019-07-02")]),
    ("단속은 지난 8∼10월 벌어졌다.", JUNE15, [("지난 8", "2018-08"), ("10월", "2018-10")]),
    ("이달 21-24일 조사했다.", JUNE15, [("이달 21", "2019-06-21"), ("24일", "2019-06-24")]),
    ("그는 2008년 교제를 시작해 이듬해 결혼했다.", JUNE15, [("2008년", "2008"), ("이듬해", "2009")]),
    ("그는 이듬해 결혼했다.", JUNE15, [("이듬해", None)]),           # nothing to count from
    ("2015 서울모터쇼가 열렸다.", JUNE15, [("2015", "2015")]),
    ("2014 브라질 월드컵 보너스가 정해졌다.", JUNE15, [("2014", "2014")]),
    ("그는 2016 S/S 컬렉션에 섰다.", JUNE15, [("2016", "2016")]),
    ("류현진은 2014시즌을 잘 마쳤다.", JUNE15, [("2014시즌", "2014")]),
    ("유로 2016 예선에서 승점이 깎였다.", JUNE15, [("2016", "2016")]),
    ("2017학년도 수능이 끝났다.", JUNE15, [("2017학년도", "2017")]),
    ("애플은 2012년형 맥북을 냈다.", JUNE15, [("2012년형", "2012")]),
    ("그는 1915년 1월 1일생이다.", JUNE15, [("1915년 1월 1일", "1915-01-01")]),
    ("제도는 ’08년 도입됐다.", JUNE15, [("’08년", "2008")]),
    ("징역 2년6월을 선고했다.", JUNE15, []),
    ("2000 명이 모였다.", JUNE15, []),
    ("2010년 1월사이 8차례 만났다.", JUNE15, [("2010년 1월", "2010-01")]),
    ("2010년말과 비교했다.", JUNE15, [("2010년말", "2010")]),
])
def test_dates_in_news(extractor_rules_only, text, published, expected):
    got = [(t, v["value"]) for t, v in values(extractor_rules_only, text, "DATE", published)]
    assert got == expected
