"""DATE: rules/date.yaml patterns + the ``date`` normalizer, with pinned publication dates so relative dates are facts.

Phrases go through the real rule machinery (``pipeline.ruleset`` compiles ``rules/date.yaml`` alone, the resolve
stage's longest-wins choice picks one mention) and then through ``normalize_date`` with a ``NormContext``.
"""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from pipeline.normalizers.dates import (DateTables, DateTablesError, carry_dates,  # registers "date" first
                                        normalize_date)
from pipeline.article import Mention
from pipeline.normalizers.base import NormContext
from pipeline.paths import BUILTIN_RULES_DIR
from pipeline.ruleset import load_ruleset
from pipeline.rule_examples import compare_value
from pipeline.stages.resolve import select_non_overlapping

MAY29 = dt.date(2024, 5, 29)   # a Wednesday; ISO week 2024-W22 runs 05-27 … 06-02
JAN10 = dt.date(2024, 1, 10)
FEB10 = dt.date(2024, 2, 10)
DEC28 = dt.date(2024, 12, 28)  # a Saturday; the next Monday opens ISO week 2025-W01
DEC31 = dt.date(2024, 12, 31)


@pytest.fixture(scope="session")
def date_rules(tmp_path_factory):
    """rules/date.yaml compiled on its own (other rule files may be half-written while we test)."""
    folder = tmp_path_factory.mktemp("date_rules")
    shutil.copy(BUILTIN_RULES_DIR / "date.yaml", folder / "date.yaml")
    ruleset = load_ruleset([folder])
    return ruleset, ruleset.files[0]


def extract(rules, text: str, published: dt.date | None):
    """(mention text, value) of every DATE the rules find in ``text``, after longest-wins and normalization."""
    ruleset, rule_file = rules
    raw = [Mention("DATE", m.start, m.end, text[m.start:m.end], "rules", m.pattern.id, m.pattern.priority, m.groups)
           for m in ruleset.find(text)]
    pairs = []
    for m in select_non_overlapping(raw):
        ctx = NormContext(text=text, start=m.start, end=m.end, groups=m.groups, published=published,
                          config=rule_file.norm_config(), rule_id=m.rule_id, label="DATE")
        m.value = normalize_date(ctx)
        if m.value is not None:
            pairs.append((m, ctx))
    carry_dates(pairs)  # the normalizer's sequence pass, as the normalize stage runs it
    return [(m.text, m.value) for m, _ in pairs]


def one(rules, phrase: str, published: dt.date | None) -> dict:
    found = extract(rules, phrase, published)
    assert [text for text, _ in found] == [phrase], f"{phrase!r} should be one whole DATE mention, got {found}"
    return found[0][1]


# phrase, published, value, granularity, start_date, end_date, relative
CASES = [
    # absolute: the publication date plays no part
    ("2024년 5월 29일", None, "2024-05-29", "day", "2024-05-29", "2024-05-29", False),
    ("2024년5월29일", None, "2024-05-29", "day", "2024-05-29", "2024-05-29", False),
    ("2024.5.29", None, "2024-05-29", "day", "2024-05-29", "2024-05-29", False),
    ("2024. 5. 29.", None, "2024-05-29", "day", "2024-05-29", "2024-05-29", False),
    ("2024-05-29", None, "2024-05-29", "day", "2024-05-29", "2024-05-29", False),
    ("2024/05/29", None, "2024-05-29", "day", "2024-05-29", "2024-05-29", False),
    ("2019년 3월", None, "2019-03", "month", "2019-03-01", "2019-03-31", False),
    ("2024년 2월", MAY29, "2024-02", "month", "2024-02-01", "2024-02-29", False),
    ("2019년", None, "2019", "year", "2019-01-01", "2019-12-31", False),
    ("2024년도", None, "2024", "year", "2024-01-01", "2024-12-31", False),
    ("2024년 1분기", None, "2024-Q1", "quarter", "2024-01-01", "2024-03-31", False),
    ("2024년 1·4분기", None, "2024-Q1", "quarter", "2024-01-01", "2024-03-31", False),
    ("2023년 하반기", None, "2023-H2", "half", "2023-07-01", "2023-12-31", False),
    ("2023년 2월 말", None, "2023-02", "month", "2023-02-21", "2023-02-28", False),
    ("2020년 말", None, "2020", "year", "2020-10-01", "2020-12-31", False),
    ("지난 2017년", MAY29, "2017", "year", "2017-01-01", "2017-12-31", False),
    # ’yy: the year ending in yy at most 20 years after publication
    ("’17년", MAY29, "2017", "year", "2017-01-01", "2017-12-31", False),
    ("'17년", MAY29, "2017", "year", "2017-01-01", "2017-12-31", False),
    ("‘17년", None, "2017", "year", "2017-01-01", "2017-12-31", False),
    ("’44년", MAY29, "2044", "year", "2044-01-01", "2044-12-31", False),
    ("’45년", MAY29, "1945", "year", "1945-01-01", "1945-12-31", False),
    ("’97년 12월", MAY29, "1997-12", "month", "1997-12-01", "1997-12-31", False),
    # years from the publication year
    ("올해", MAY29, "2024", "year", "2024-01-01", "2024-12-31", True),
    ("금년", MAY29, "2024", "year", "2024-01-01", "2024-12-31", True),
    ("지난해", MAY29, "2023", "year", "2023-01-01", "2023-12-31", True),
    ("작년", JAN10, "2023", "year", "2023-01-01", "2023-12-31", True),
    ("재작년", MAY29, "2022", "year", "2022-01-01", "2022-12-31", True),
    ("내년", DEC28, "2025", "year", "2025-01-01", "2025-12-31", True),
    ("내후년", MAY29, "2026", "year", "2026-01-01", "2026-12-31", True),
    ("올해 하반기", MAY29, "2024-H2", "half", "2024-07-01", "2024-12-31", True),
    ("올 상반기", MAY29, "2024-H1", "half", "2024-01-01", "2024-06-30", True),
    ("내년 1분기", MAY29, "2025-Q1", "quarter", "2025-01-01", "2025-03-31", True),
    ("올 3월", MAY29, "2024-03", "month", "2024-03-01", "2024-03-31", True),
    ("지난해 12월 31일", MAY29, "2023-12-31", "day", "2023-12-31", "2023-12-31", True),
    ("내년 초", MAY29, "2025", "year", "2025-01-01", "2025-03-31", True),
    ("올해 말", MAY29, "2024", "year", "2024-10-01", "2024-12-31", True),
    ("지난해 연말", MAY29, "2023", "year", "2023-10-01", "2023-12-31", True),
    # months from the publication month
    ("지난달", MAY29, "2024-04", "month", "2024-04-01", "2024-04-30", True),
    ("지난달", JAN10, "2023-12", "month", "2023-12-01", "2023-12-31", True),
    ("이달", MAY29, "2024-05", "month", "2024-05-01", "2024-05-31", True),
    ("이번 달", MAY29, "2024-05", "month", "2024-05-01", "2024-05-31", True),
    ("다음 달", DEC28, "2025-01", "month", "2025-01-01", "2025-01-31", True),
    ("내달", MAY29, "2024-06", "month", "2024-06-01", "2024-06-30", True),
    ("이달 초", MAY29, "2024-05", "month", "2024-05-01", "2024-05-10", True),
    ("지난달 말", JAN10, "2023-12", "month", "2023-12-21", "2023-12-31", True),
    ("다음 달 중순", MAY29, "2024-06", "month", "2024-06-11", "2024-06-20", True),
    ("지난달 29일", MAY29, "2024-04-29", "day", "2024-04-29", "2024-04-29", True),
    ("내달 5일", MAY29, "2024-06-05", "day", "2024-06-05", "2024-06-05", True),
    # days from the publication date
    ("오늘", MAY29, "2024-05-29", "day", "2024-05-29", "2024-05-29", True),
    ("어제", JAN10, "2024-01-09", "day", "2024-01-09", "2024-01-09", True),
    ("내일", DEC31, "2025-01-01", "day", "2025-01-01", "2025-01-01", True),
    ("모레", MAY29, "2024-05-31", "day", "2024-05-31", "2024-05-31", True),
    ("그제", MAY29, "2024-05-27", "day", "2024-05-27", "2024-05-27", True),
    ("그저께", MAY29, "2024-05-27", "day", "2024-05-27", "2024-05-27", True),
    # weeks: Monday to Sunday, value the ISO week
    ("이번 주", MAY29, "2024-W22", "week", "2024-05-27", "2024-06-02", True),
    ("지난주", MAY29, "2024-W21", "week", "2024-05-20", "2024-05-26", True),
    ("다음 주", MAY29, "2024-W23", "week", "2024-06-03", "2024-06-09", True),
    ("다음 주", DEC28, "2025-W01", "week", "2024-12-30", "2025-01-05", True),
    ("다음 주 화요일", MAY29, "2024-06-04", "day", "2024-06-04", "2024-06-04", True),
    ("지난주 금요일", MAY29, "2024-05-24", "day", "2024-05-24", "2024-05-24", True),
    # 지난: wholly before publication; 오는: from the publication month (day) on
    ("지난 3월", MAY29, "2024-03", "month", "2024-03-01", "2024-03-31", True),
    ("지난 3월", FEB10, "2023-03", "month", "2023-03-01", "2023-03-31", True),
    ("지난 5월", MAY29, "2023-05", "month", "2023-05-01", "2023-05-31", True),
    ("지난 2월 말", MAY29, "2024-02", "month", "2024-02-21", "2024-02-29", True),
    ("오는 7월", MAY29, "2024-07", "month", "2024-07-01", "2024-07-31", True),
    ("오는 5월", MAY29, "2024-05", "month", "2024-05-01", "2024-05-31", True),
    ("오는 3월", MAY29, "2025-03", "month", "2025-03-01", "2025-03-31", True),
    ("오는 7월 1일", MAY29, "2024-07-01", "day", "2024-07-01", "2024-07-01", True),
    ("지난 29일", MAY29, "2024-04-29", "day", "2024-04-29", "2024-04-29", True),
    ("지난 24일", MAY29, "2024-05-24", "day", "2024-05-24", "2024-05-24", True),
    ("지난 31일", MAY29, "2024-03-31", "day", "2024-03-31", "2024-03-31", True),
    ("오는 15일", MAY29, "2024-06-15", "day", "2024-06-15", "2024-06-15", True),
    ("오는 2일", DEC28, "2025-01-02", "day", "2025-01-02", "2025-01-02", True),
    ("지난 1분기", MAY29, "2024-Q1", "quarter", "2024-01-01", "2024-03-31", True),
    ("지난 2분기", MAY29, "2023-Q2", "quarter", "2023-04-01", "2023-06-30", True),
    ("오는 하반기", MAY29, "2024-H2", "half", "2024-07-01", "2024-12-31", True),
    # a bare day: the nearest within 20 days back and 10 ahead
    ("24일", MAY29, "2024-05-24", "day", "2024-05-24", "2024-05-24", True),
    ("31일", MAY29, "2024-05-31", "day", "2024-05-31", "2024-05-31", True),
    ("1일", MAY29, "2024-06-01", "day", "2024-06-01", "2024-06-01", True),
    ("8일", MAY29, "2024-06-08", "day", "2024-06-08", "2024-06-08", True),
    ("9일", MAY29, "2024-05-09", "day", "2024-05-09", "2024-05-09", True),
    ("5일", JAN10, "2024-01-05", "day", "2024-01-05", "2024-01-05", True),
    ("28일", JAN10, "2023-12-28", "day", "2023-12-28", "2023-12-28", True),
    ("3일", DEC28, "2025-01-03", "day", "2025-01-03", "2025-01-03", True),
    # no 30th within the window (February has none): the latest 30th before publication
    ("30일", dt.date(2024, 3, 5), "2024-01-30", "day", "2024-01-30", "2024-01-30", True),
    # a bare month, quarter, half: the publication year unless > 7 months ahead or > 9 months back
    ("3월", MAY29, "2024-03", "month", "2024-03-01", "2024-03-31", True),
    ("12월", MAY29, "2024-12", "month", "2024-12-01", "2024-12-31", True),
    ("12월", JAN10, "2023-12", "month", "2023-12-01", "2023-12-31", True),
    ("1월", DEC28, "2025-01", "month", "2025-01-01", "2025-01-31", True),
    ("5월 29일", MAY29, "2024-05-29", "day", "2024-05-29", "2024-05-29", True),
    ("12월 31일", JAN10, "2023-12-31", "day", "2023-12-31", "2023-12-31", True),
    ("5월 말", MAY29, "2024-05", "month", "2024-05-21", "2024-05-31", True),
    ("3분기", MAY29, "2024-Q3", "quarter", "2024-07-01", "2024-09-30", True),
    ("4분기", JAN10, "2023-Q4", "quarter", "2023-10-01", "2023-12-31", True),
    ("1분기", DEC28, "2025-Q1", "quarter", "2025-01-01", "2025-03-31", True),
    ("상반기", MAY29, "2024-H1", "half", "2024-01-01", "2024-06-30", True),
    ("하반기", JAN10, "2024-H2", "half", "2024-07-01", "2024-12-31", True),
    ("연말", MAY29, "2024", "year", "2024-10-01", "2024-12-31", True),
    # 연초/연말 alone stay in the publication year: 연말까지 in January is this December, 연초 대비 in December
    # is this January (a reader needs the verb's tense to do better; see dates.py)
    ("연말", JAN10, "2024", "year", "2024-10-01", "2024-12-31", True),
    ("연초", DEC28, "2024", "year", "2024-01-01", "2024-03-31", True),
    ("연내", MAY29, "2024", "year", "2024-01-01", "2024-12-31", True),
    # no publication date: the mention stays, its value is empty
    ("지난해", None, None, "year", None, None, True),
    ("29일", None, None, "day", None, None, True),
    ("다음 주", None, None, "week", None, None, True),
    ("5월 말", None, None, "month", None, None, True),
]


@pytest.mark.parametrize("phrase,published,value,granularity,start,end,relative", CASES,
                         ids=[f"{c[0]}@{c[1]}" for c in CASES])
def test_date_value(date_rules, phrase, published, value, granularity, start, end, relative):
    got = one(date_rules, phrase, published)
    assert (got["value"], got["granularity"], got["start_date"], got["end_date"], got["relative"]) == \
        (value, granularity, start, end, relative)


@pytest.mark.parametrize("phrase,part", [
    ("5월 말", "late"), ("이달 초", "early"), ("다음 달 중순", "mid"), ("6월 하순", "late"), ("내년 초", "early"),
    ("올해 중반", "mid"), ("연말", "late"), ("5월 초순", "early"),
])
def test_part_keeps_unit_and_names_part(date_rules, phrase, part):
    got = one(date_rules, phrase, MAY29)
    assert got["part"] == part and got["granularity"] in ("month", "year")


@pytest.mark.parametrize("phrase", ["5월", "2024년 5월 29일", "연내", "올해", "지난 3월"])
def test_no_part_key_without_a_part(date_rules, phrase):
    assert "part" not in one(date_rules, phrase, MAY29)


@pytest.mark.parametrize("phrase,value,time", [
    ("어제 오후 2시 30분", "2024-05-28", "14:30"),
    ("29일 오전 10시", "2024-05-29", "10:00"),
    ("2024년 5월 29일 오후 3시", "2024-05-29", "15:00"),
    ("오늘 밤 11시", "2024-05-29", "23:00"),
    ("지난 24일 새벽 3시 반", "2024-05-24", "03:30"),
    ("2024.5.29 15시", "2024-05-29", "15:00"),
    ("오늘 오후 12시", "2024-05-29", "12:00"),
    ("내일 오전 12시", "2024-05-30", "00:00"),
    ("오는 7월 1일 오후 2시", "2024-07-01", "14:00"),
    ("2024년 5월 29일(수) 오전 9시 30분", "2024-05-29", "09:30"),
])
def test_time_of_day_rides_on_the_date(date_rules, phrase, value, time):
    got = one(date_rules, phrase, MAY29)
    assert (got["value"], got["granularity"], got["time"]) == (value, "day", time)


@pytest.mark.parametrize("text,mentions", [
    # the date survives words that are not part of it
    ("29일 3시간 동안 회의했다", ["29일"]),
    ("29일부터 31일까지 열린다", ["29일", "31일"]),
    ("올해 말한 대로", ["올해"]),
    ("5월 말께 발표한다", ["5월 말"]),
    ("29일자 신문", ["29일"]),
    ("오는 7일(금) 개막한다", ["오는 7일(금)"]),
    ("지난 24일(현지시간) 발표했다", ["지난 24일"]),
    ("다음 주부터 적용된다", ["다음 주"]),
])
def test_span_is_the_date_only(date_rules, text, mentions):
    assert [t for t, _ in extract(date_rules, text, MAY29)] == mentions


@pytest.mark.parametrize("text", [
    "이번 사업에는 120억원이 투입된다.",
    "공사는 3일간 진행된다.",
    "3년 동안 2개월마다 점검한다.",
    "5일 만에 복구됐다.",
    "30일 이내에 신고해야 한다.",
    "10일 동안 머물렀다.",
    "지난 3일간 비가 내렸다.",
    "지난 10일 동안 논의했다.",
    "3일째 파업이 이어졌다.",
    "7일 연속 상승했다.",
    "2분기 연속 적자를 냈다.",
    "직원들이 일일이 확인했다.",
    "청년내일채움공제 가입자가 늘었다.",
    "오늘날 청년들은 힘들다.",
    "어제오늘 일이 아니다.",
    "그제서야 알았다.",
    "문의 010-1234-5678, 02-2024-0529.",
    "1,000일 넘게 준비했다.",
    "한국이 일본을 3-1로 이겼다.",
    "금리는 2.5% 올랐다.",
    "월급과 연간 소득이 늘었다.",
    "연말정산 환급금이 늘었다.",
    "식당은 연중무휴로 운영된다.",
    "이번 달성률은 높았다.",
    "다음 달러 강세가 예상된다.",
    "이번 주주총회에서 의결됐다.",
    "이 약은 1일 3회 복용한다.",
    "1990년대 이후 2000년생이 늘었다.",
    "올 것이 왔다.",
    "응답하라 1988을 봤다.",          # a year inside a title, after a word: nothing shows it is a date
    "2000 명이 모였다.",
])
def test_not_a_date(date_rules, text):
    assert extract(date_rules, text, MAY29) == []


def test_invalid_calendar_date_is_rejected(date_rules):
    assert extract(date_rules, "2월 30일 개최", MAY29) == []
    assert extract(date_rules, "2023년 2월 29일", MAY29) == []


def test_without_publication_relative_date_is_kept_empty(date_rules):
    got = one(date_rules, "올해 하반기", None)
    assert got == {"value": None, "granularity": "half", "start_date": None, "end_date": None, "relative": True}


# --- the rule file: its examples, and every word of its tables ---------------------------------------------------

def _rule_file_examples():
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load((BUILTIN_RULES_DIR / "date.yaml").read_text(encoding="utf-8"))
    return [(i, ex) for i, ex in enumerate(data.get("examples") or [], 1)], \
        [(i, ex) for i, ex in enumerate(data.get("counterexamples") or [], 1)]


EXAMPLES, COUNTEREXAMPLES = _rule_file_examples()


def test_rule_file_has_enough_examples():
    assert len(EXAMPLES) >= 25 and len(COUNTEREXAMPLES) >= 8


@pytest.mark.parametrize("index", [i for i, _ in EXAMPLES], ids=lambda i: f"example-{i}")
def test_rule_file_example(date_rules, index):
    ex = date_rules[1].examples[index - 1]
    found = extract(date_rules, ex.text, ex.published)
    assert [t for t, _ in found] == [e.text for e in ex.expect]
    for (text, value), expected in zip(found, ex.expect):
        assert compare_value(value, expected.value, "value") is None, text


@pytest.mark.parametrize("index", [i for i, _ in COUNTEREXAMPLES], ids=lambda i: f"counterexample-{i}")
def test_rule_file_counterexample(date_rules, index):
    ex = date_rules[1].counterexamples[index - 1]
    assert extract(date_rules, ex.text, ex.published) == []


# each word table: a phrase that uses the form, and the mention that must come out of it
TABLE_TEMPLATES = {
    "relative_years": ("{} 실적이 늘었다", "{}"),
    "year_prefixes": ("{} 하반기에", "{} 하반기"),
    "relative_months": ("{} 회의가 열렸다", "{}"),
    "relative_weeks": ("{} 회의가 열렸다", "{}"),
    "relative_days": ("{} 회의가 열렸다", "{}"),
    "directions": ("{} 3월에", "{} 3월"),
    "halves": ("{} 실적", "{}"),
    "parts": ("5월 {}에", "5월 {}"),
    "year_parts": ("{}에", "{}"),
    "ampm": ("29일 {} 3시에", "29일 {} 3시"),
    "weekdays": ("다음 주 {}에", "다음 주 {}"),
}


def _yaml_tables() -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load((BUILTIN_RULES_DIR / "date.yaml").read_text(encoding="utf-8"))["tables"]


def date_rules_forms(name: str) -> list[str]:
    return list(_yaml_tables()[name])


@pytest.mark.parametrize("table,form", [(n, f) for n in TABLE_TEMPLATES for f in date_rules_forms(n)])
def test_every_table_form_is_found_and_read(date_rules, table, form):
    text_t, mention_t = TABLE_TEMPLATES[table]
    found = extract(date_rules, text_t.format(form), MAY29)
    assert [t for t, _ in found] == [mention_t.format(form)]
    assert found[0][1]["value"] is not None


def test_every_table_is_known_to_the_normalizer():
    from pipeline.normalizers.dates import RESOLUTION_KEYS, WORD_TABLES

    tables = _yaml_tables()
    assert set(tables) == set(WORD_TABLES) | {"part_ranges", "resolution", "particles", "duration_words",
                                                   "weekday_notes", "list_connectors", "year_suffixes",
                                                   "not_event_words"}
    assert set(tables["resolution"]) == set(RESOLUTION_KEYS)


@pytest.mark.parametrize("config,message", [
    ({"relative_years": {"올해": "this"}}, "relative_years: '올해' must map to an int"),
    ({"parts": {"말": "end"}}, "parts: '말' must map to early | mid | late"),
    ({"part_ranges": {"month": {"early": [1, 10]}, "year": {}}}, "part_ranges.month.mid must be [first, last]"),
    ({"resolution": {"bare_day_window": [-20, 10]}}, "resolution is missing bare_month_window"),
])
def test_bad_tables_say_which_entry(config, message):
    with pytest.raises(DateTablesError, match=message.replace("[", r"\[").replace("|", r"\|")):
        DateTables.from_config(config)
