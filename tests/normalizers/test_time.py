"""TIME: rules/time.yaml found by the rule stage, read to ``HH:MM`` by the ``time`` normalizer (pipeline/normalizers/
dates.py, the same ``time_of_day`` as a DATE's attached time)."""
from __future__ import annotations

import pytest

from pipeline.normalizers.base import NormContext, get_normalizer
from pipeline.normalizers.dates import DateTablesError, normalize_time

# (text, mention, value, end of a range or None)
CASES = [
    ("이날 오후 2시 회의가 열렸다.", "오후 2시", "14:00", None),
    ("오후 2시 30분께 도착했다.", "오후 2시 30분", "14:30", None),
    ("오후2시에 모였다.", "오후2시", "14:00", None),
    ("14시 30분 마감", "14시 30분", "14:30", None),
    ("새벽 3시께 불이 났다.", "새벽 3시", "03:00", None),
    ("오전 10시부터 접수한다.", "오전 10시", "10:00", None),
    ("오전 12시 정각", "오전 12시", "00:00", None),       # 오전 12시 is the start of the day
    ("아침 7시 반에 연다.", "아침 7시 반", "07:30", None),
    ("저녁 8시 15분쯤 끝났다.", "저녁 8시 15분", "20:15", None),
    ("밤 11시 넘어 귀가했다.", "밤 11시", "23:00", None),
    ("낮 12시 기준 기온", "낮 12시", "12:00", None),
    ("첫차는 5시 30분에 출발한다.", "5시 30분", "05:30", None),
    ("0시를 기해 발효됐다.", "0시", "00:00", None),
    ("정오에 시작한다.", "정오", "12:00", None),
    ("자정까지 이어졌다.", "자정", "00:00", None),
    ("오후 1시∼3시 30분 사이", "오후 1시∼3시 30분", "13:00", "15:30"),   # the end takes the start's 오후
    ("오후 11시~새벽 4시에 공사한다.", "오후 11시~새벽 4시", "23:00", "04:00"),
    ("오전 9시-11시 점검", "오전 9시-11시", "09:00", "11:00"),
]


@pytest.mark.parametrize("text,mention,value,end", CASES)
def test_time(rule_mentions, text, mention, value, end):
    found = [m for m in rule_mentions("time.yaml", text) if m.label == "TIME"]
    assert [m.text for m in found] == [mention]
    expected = {"value": value} if end is None else {"value": value, "end": end}
    assert found[0].value == expected


@pytest.mark.parametrize("text", [
    "시장은 시청에서 회견을 열었다.",
    "그는 2시간 동안 기다렸다.",          # a duration, not a time of day
    "1시간 30분 만에 끝났다.",
    "3시즌까지 제작됐다.",
    "24시 편의점이 문을 닫았다.",         # open around the clock
    "도내 3시 5군이 나섰다.",             # three cities, five counties
    "하천의 자정작용이 약해졌다.",
    "정오표를 붙였다.",
    "오후 내내 비가 내렸다.",             # a half of the day alone has no HH:MM
    "어젯밤 11시 넘어 귀가했다.",         # 밤 glued to 어젯: no TIME rather than 11:00
    "1∼2시간 걸린다.",
    "12.5시 방향",
])
def test_not_a_time(rule_mentions, text):
    assert [m.text for m in rule_mentions("time.yaml", text) if m.label == "TIME"] == []


AMPM = {"오전": "am", "오후": "pm", "밤": "pm", "새벽": "am"}


def _ctx(text: str, **groups: tuple[int, int]) -> NormContext:
    return NormContext(text=text, start=0, end=len(text), groups=groups,
                       config={"ampm": AMPM, "named_times": {"정오": "12:00", "자정": "00:00"}})


@pytest.mark.parametrize("ctx,expected", [
    (_ctx("오후 2시", ampm=(0, 2), hour=(3, 4)), {"value": "14:00"}),
    (_ctx("오후 12시", ampm=(0, 2), hour=(3, 5)), {"value": "12:00"}),
    (_ctx("오전 12시", ampm=(0, 2), hour=(3, 5)), {"value": "00:00"}),
    (_ctx("15시 5분", hour=(0, 2), minute=(4, 5)), {"value": "15:05"}),
    (_ctx("3시 반", hour=(0, 1), halfhour=(3, 4)), {"value": "03:30"}),
    (_ctx("정오", named=(0, 2)), {"value": "12:00"}),
    (_ctx("밤 10시~새벽 1시", ampm=(0, 1), hour=(2, 4), ampm2=(6, 8), hour2=(9, 10)),
     {"value": "22:00", "end": "01:00"}),
    (_ctx("오후 1시~3시", ampm=(0, 2), hour=(3, 4), hour2=(6, 7)), {"value": "13:00", "end": "15:00"}),
    (_ctx("25시", hour=(0, 2)), None),                         # no such hour: rejected
    (_ctx("3시 75분", hour=(0, 1), minute=(3, 5)), None),
    (_ctx("한밤 3시", ampm=(0, 2), hour=(3, 4)), None),         # a half-of-day word the table lacks
    (_ctx("3시"), None),                                       # no hour group: nothing to read
])
def test_normalize_time(ctx, expected):
    assert normalize_time(ctx) == expected


def test_time_normalizer_is_registered():
    normalizer = get_normalizer("time")
    assert (normalizer.fn, normalizer.primary) == (normalize_time, "value")


def test_named_time_must_be_hh_mm():
    ctx = NormContext(text="정오", start=0, end=2, groups={"named": (0, 2)}, config={"named_times": {"정오": 720}})
    with pytest.raises(DateTablesError, match=r"named_times: '정오' must map to a quoted 'HH:MM'.*got 720"):
        normalize_time(ctx)
