"""DATE mentions → exact periods, read against the publication date the way a news reader does; TIME mentions (a
time of day written alone, ``rules/time.yaml``) → ``HH:MM``, read by the same ``time_of_day``.

The rule file (``rules/date.yaml``) finds the expression and names its parts as regex groups; this module turns
the groups into a period. Every Korean word and its meaning (올해 → year offset 0, 하반기 → H2, 말 → late) comes
from the file's ``tables``; this module holds only the mechanism.

The value has the columns of the ``dates`` table plus two optional keys:

``value``        ``YYYY-MM-DD`` (day), ``YYYY-Www`` (ISO week), ``YYYY-MM`` (month), ``YYYY-Qn`` (quarter),
                 ``YYYY-Hn`` (half) or ``YYYY`` (year); None when a relative date has no publication date
``granularity``  day | week | month | quarter | half | year
``start_date``   first day of the period (ISO); for a part (5월 말) the first day of the part
``end_date``     last day of the period (ISO)
``relative``     True when the publication date was needed to place it (지난해, 29일, 5월 29일, 3분기)
``part``         early | mid | late for 초/중순/말 of a month or a year: the granularity and ``value`` stay those of
                 the month or year (2024-05, month) and ``start_date``/``end_date`` narrow to the part
``time``         ``HH:MM`` when a time of day is attached (오후 2시 30분)

How a news reader places what the text leaves out (the numbers are in ``tables.resolution``):

* 지난 3월 / 지난 29일 / 지난 1분기: the latest such period wholly before the publication date (2024-02-10: 2023-03).
* 오는 7월 / 오는 15일 / 오는 하반기: the first such period from the publication month (day, quarter) on.
* a bare day (24일): news uses it for the recent past and the near schedule, so the 24th nearest to publication
  within ``bare_day_window`` days (-20 … +10); failing that, the latest one before publication.
* 연초/연말/연중 alone: the publication year (연초 대비 in a December article is this year's start).
* a bare month, quarter or half (12월, 3분기): the publication year, unless its start falls more than
  ``bare_month_window[1]`` months after publication (12월 in January: last year) or more than
  ``-bare_month_window[0]`` months before it (1월 in December: next year).
* ’17년: the year ending in 17 at most ``two_digit_year_ahead`` years after publication (2017, and ’50 → 1950).
* weeks run Monday to Sunday (ISO): 다음 주 is ``2024-W23``; 지난주 금요일 is a day.

>>> import datetime as dt
>>> from pipeline.normalizers.base import NormContext
>>> ctx = NormContext(text="지난 3월", start=0, end=5, groups={"dir": (0, 2), "month": (3, 4)},
...                   published=dt.date(2024, 2, 10))
>>> normalize_date(ctx)["value"]
'2023-03'
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass, replace
from typing import Any, Mapping

from pipeline.normalizers.base import NormContext, register
from pipeline.paths import BUILTIN_RULES_DIR

RULE_FILE = BUILTIN_RULES_DIR / "date.yaml"

# tables the normalizer reads, and the meaning type of each form
WORD_TABLES: dict[str, type] = {
    "relative_years": int, "year_prefixes": int, "relative_months": int, "relative_weeks": int,
    "relative_days": int, "directions": str, "halves": int, "parts": str, "year_parts": str, "ampm": str,
    "weekdays": int, "anchored_years": int, "anchored_days": int,
}
CHOICES: dict[str, tuple[str, ...]] = {
    "directions": ("past", "future"), "parts": ("early", "mid", "late"),
    "year_parts": ("early", "mid", "late", "whole"), "ampm": ("am", "pm"),
}
RESOLUTION_KEYS = ("bare_day_window", "bare_month_window", "two_digit_year_ahead", "two_digit_year_reference")


class DateTablesError(ValueError):
    """A ``tables`` entry of a DATE rule file that the normalizer cannot read (says which and what to write)."""


# ------------------------------------------------------------------------------------------------- tables

@dataclass(frozen=True)
class DateTables:
    """The DATE tables, checked once: Korean form → meaning, with spaces ignored when looking up."""

    words: Mapping[str, Mapping[str, Any]]
    part_ranges: Mapping[str, Mapping[str, tuple[int, int]]]
    day_window: tuple[int, int]
    month_window: tuple[int, int]
    two_digit_ahead: int
    two_digit_reference: int

    def meaning(self, table: str, form: str | None) -> Any:
        if form is None:
            return None
        words = self.words[table]
        return words.get(form, words.get("".join(form.split())))

    @classmethod
    def from_config(cls, config: Mapping[str, Any], where: str = "tables") -> "DateTables":
        """Read the tables of a rule file's normalizer config (``{"units": …, **tables}``).

        A table the file does not define comes from the built-in ``rules/date.yaml``, so a user's own DATE file
        may add patterns and only the words it changes.
        """
        fallback = _builtin_config() if any(k not in config for k in (*WORD_TABLES, "part_ranges", "resolution")) \
            else {}
        get = lambda name: config.get(name, fallback.get(name))  # noqa: E731
        problems: list[str] = []
        words: dict[str, dict[str, Any]] = {}
        for name, kind in WORD_TABLES.items():
            table = get(name) or {}
            if not isinstance(table, Mapping):
                problems.append(f"{where}.{name} must map Korean forms to meanings, got {type(table).__name__}")
                continue
            checked: dict[str, Any] = {}
            for form, meaning in table.items():
                ok = isinstance(meaning, kind) and not isinstance(meaning, bool)
                if ok and name in CHOICES:
                    ok = meaning in CHOICES[name]
                if not ok:
                    want = " | ".join(CHOICES[name]) if name in CHOICES else f"an {kind.__name__}"
                    problems.append(f"{where}.{name}: '{form}' must map to {want}, got {meaning!r}")
                    continue
                checked[str(form)] = meaning
                checked.setdefault("".join(str(form).split()), meaning)
            words[name] = checked
        ranges: dict[str, dict[str, tuple[int, int]]] = {}
        raw_ranges = get("part_ranges") or {}
        for unit in ("month", "year"):
            unit_ranges = raw_ranges.get(unit, {}) if isinstance(raw_ranges, Mapping) else {}
            ranges[unit] = {}
            for part in CHOICES["parts"]:
                span = unit_ranges.get(part) if isinstance(unit_ranges, Mapping) else None
                if not (isinstance(span, list) and len(span) == 2 and all(isinstance(x, int) for x in span)):
                    problems.append(f"{where}.part_ranges.{unit}.{part} must be [first, last], got {span!r}")
                    continue
                ranges[unit][part] = (span[0], span[1])
        res = get("resolution") or {}
        missing = [k for k in RESOLUTION_KEYS if k not in res]
        if missing:
            problems.append(f"{where}.resolution is missing {', '.join(missing)}")
        if problems:
            raise DateTablesError("DATE tables: " + "; ".join(problems))
        return cls(words, ranges, tuple(res["bare_day_window"]), tuple(res["bare_month_window"]),
                   int(res["two_digit_year_ahead"]), int(res["two_digit_year_reference"]))


@functools.lru_cache(maxsize=1)
def _builtin_config() -> dict[str, Any]:
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(RULE_FILE.read_text(encoding="utf-8"))
    return dict(data.get("tables") or {})


_TABLES_CACHE: dict[tuple[int, ...], tuple[Any, DateTables]] = {}


def date_tables(config: Mapping[str, Any]) -> DateTables:
    """``DateTables`` for a normalizer config, parsed once per rule file (keyed by the identity of its tables)."""
    key = tuple(id(config.get(name)) for name in (*WORD_TABLES, "part_ranges", "resolution"))
    hit = _TABLES_CACHE.get(key)
    if hit is None:
        # keep the table objects alive with the entry so their ids are not reused by other tables
        hit = ([config.get(name) for name in (*WORD_TABLES, "part_ranges", "resolution")],
               DateTables.from_config(config))
        _TABLES_CACHE[key] = hit
    return hit[1]


# ------------------------------------------------------------------------------------------------- periods

@dataclass(frozen=True)
class Period:
    value: str
    granularity: str
    start: dt.date
    end: dt.date
    part: str | None = None


class NotADate(ValueError):
    """The shape of a date that is none (2월 30일): the mention is rejected."""


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise NotADate(f"{year}-{month}-{day}") from exc


def day_period(d: dt.date) -> Period:
    return Period(d.isoformat(), "day", d, d)


def month_period(year: int, month: int, part: str | None = None, tables: DateTables | None = None) -> Period:
    start, end = dt.date(year, month, 1), dt.date(year, month, _last_day(year, month))
    if part is not None and tables is not None:
        first, last = tables.part_ranges["month"][part]
        start, end = dt.date(year, month, min(first, end.day)), dt.date(year, month, min(last, end.day))
    return Period(f"{year:04d}-{month:02d}", "month", start, end, part)


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    return Period(f"{year:04d}-Q{quarter}", "quarter", dt.date(year, first, 1),
                  dt.date(year, first + 2, _last_day(year, first + 2)))


def half_period(year: int, half: int) -> Period:
    first = 6 * (half - 1) + 1
    return Period(f"{year:04d}-H{half}", "half", dt.date(year, first, 1),
                  dt.date(year, first + 5, _last_day(year, first + 5)))


def year_period(year: int, part: str | None = None, tables: DateTables | None = None) -> Period:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if part is not None and tables is not None:
        first, last = tables.part_ranges["year"][part]
        start, end = dt.date(year, first, 1), dt.date(year, last, _last_day(year, last))
    return Period(f"{year:04d}", "year", start, end, part)


def week_period(monday: dt.date) -> Period:
    iso_year, iso_week, _ = monday.isocalendar()
    return Period(f"{iso_year:04d}-W{iso_week:02d}", "week", monday, monday + dt.timedelta(days=6))


def _shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def _months_between(a: dt.date, b: dt.date) -> int:
    """Whole calendar months from a's month to b's month."""
    return (b.year - a.year) * 12 + (b.month - a.month)


# ------------------------------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class Parts:
    """The named groups of one DATE match, as text (None when the group did not take part)."""

    year: str | None = None
    year2: str | None = None
    rel_year: str | None = None
    rel_month: str | None = None
    rel_week: str | None = None
    rel_day: str | None = None
    dir: str | None = None
    month: str | None = None
    day: str | None = None
    weekday: str | None = None
    quarter: str | None = None
    half: str | None = None
    part: str | None = None
    year_part: str | None = None
    ampm: str | None = None
    hour: str | None = None
    minute: str | None = None
    halfhour: str | None = None
    anchor_year: str | None = None  # 이듬해: a year counted from the date before it in the sentence
    anchor_day: str | None = None  # 다음 날: a day counted from the date before it

    @classmethod
    def of(cls, ctx: NormContext) -> "Parts":
        return cls(**{name: ctx.group(name) for name in cls.__dataclass_fields__})

    def granularity(self) -> str:
        """The granularity the expression names, known before (or without) a publication date."""
        if self.day or self.rel_day or self.weekday:
            return "day"
        if self.rel_week:
            return "week"
        if self.month or self.rel_month:
            return "month"
        if self.quarter:
            return "quarter"
        if self.half:
            return "half"
        return "year"


def _two_digit_year(yy: int, published: dt.date | None, tables: DateTables) -> int:
    # ’17년 is how news abbreviates 2017년; the century is the one that does not put the year far in the future
    limit = (published.year if published else tables.two_digit_reference) + tables.two_digit_ahead
    return limit - (limit - yy) % 100


class _Resolver:
    def __init__(self, parts: Parts, tables: DateTables, published: dt.date | None):
        self.p, self.t, self.pub = parts, tables, published

    # the part (early/mid/late) a group names, for a month or a year
    def part(self) -> str | None:
        return self.t.meaning("parts", self.p.part)

    def within_year(self, year: int) -> Period:
        p = self.p
        if p.month:
            return self.within_month(year, int(p.month))
        if p.quarter:
            return quarter_period(year, int(p.quarter))
        if p.half:
            return half_period(year, self.t.meaning("halves", p.half))
        if p.year_part:
            part = self.t.meaning("year_parts", p.year_part)
            return year_period(year, None if part == "whole" else part, self.t)
        return year_period(year, self.part(), self.t)

    def within_month(self, year: int, month: int) -> Period:
        if self.p.day:
            return day_period(_date(year, month, int(self.p.day)))
        return month_period(year, month, self.part(), self.t)

    # -- 지난 / 오는 ----------------------------------------------------------------------------------------------
    def directed(self, direction: str) -> Period:
        p, pub = self.p, self.pub
        past = direction == "past"
        if p.month or p.quarter or p.half:
            periods = [self.within_year(y) for y in range(pub.year - 5, pub.year + 6) if self._exists(y)]

            def edge(c: Period) -> dt.date:  # a day against the publication day, a month against its month …
                return pub if c.granularity == "day" else self._period_start_of_pub(c.granularity)

            if past:  # wholly before publication
                return max((c for c in periods if c.end < edge(c)), key=lambda c: c.start)
            return min((c for c in periods if c.start >= edge(c)), key=lambda c: c.start)
        day = int(p.day)
        step = -1 if past else 1
        year, month = pub.year, pub.month
        for _ in range(14):
            if day <= _last_day(year, month):
                d = dt.date(year, month, day)
                if (past and d < pub) or (not past and d >= pub):
                    return day_period(d)
            year, month = _shift_month(year, month, step)
        raise NotADate(f"day {day}")

    def _exists(self, year: int) -> bool:
        try:
            self.within_year(year)
            return True
        except NotADate:
            return False

    def _period_start_of_pub(self, granularity: str) -> dt.date:
        """The first day of the publication's own month, quarter or half: 지난 3월 must end before it."""
        pub = self.pub
        if granularity == "month":
            return pub.replace(day=1)
        if granularity == "quarter":
            return dt.date(pub.year, 3 * ((pub.month - 1) // 3) + 1, 1)
        return dt.date(pub.year, 1 if pub.month <= 6 else 7, 1)

    # -- bare day, bare month ------------------------------------------------------------------------------------
    def bare_day(self) -> Period:
        pub, day = self.pub, int(self.p.day)
        lo, hi = self.t.day_window
        candidates = []
        for by in (-1, 0, 1):
            year, month = _shift_month(pub.year, pub.month, by)
            if day <= _last_day(year, month):
                d = dt.date(year, month, day)
                offset = (d - pub).days
                if lo <= offset <= hi:
                    candidates.append((abs(offset), offset > 0, d))  # nearest; on a tie the past
        if candidates:
            return day_period(min(candidates)[2])
        return self.directed("past")  # no such day near publication (30일 in early March): the latest one

    def bare_in_year(self) -> Period:
        """A month, quarter, half or 연초/연말 without a year: the publication year unless that is too far off."""
        pub = self.pub
        p = self.p
        if p.year_part and not (p.month or p.quarter or p.half):
            # 연초/연말/연중 alone name a part of the publication year (연초 대비 in December: this January)
            return self.within_year(pub.year)
        lo, hi = self.t.month_window
        period = self.within_year(pub.year)
        ahead = _months_between(pub, period.start)
        if ahead > hi:
            return self.within_year(pub.year - 1)
        if ahead < lo:
            return self.within_year(pub.year + 1)
        return period

    # -- everything ---------------------------------------------------------------------------------------------
    def resolve(self) -> tuple[Period | None, bool]:
        """(period, relative); the period is None when it needs a publication date that is unknown."""
        p, t, pub = self.p, self.t, self.pub
        if p.anchor_year or p.anchor_day:
            return None, True  # placed by carry_dates from the date before it, if there is one
        if p.year or p.year2:
            year = int(p.year) if p.year else _two_digit_year(int(p.year2), pub, t)
            return self.within_year(year), False
        if pub is None:
            return None, True
        if p.rel_year:
            offset = t.meaning("relative_years", p.rel_year)
            if offset is None:
                offset = t.meaning("year_prefixes", p.rel_year)
            return self.within_year(pub.year + offset), True
        if p.rel_month:
            year, month = _shift_month(pub.year, pub.month, t.meaning("relative_months", p.rel_month))
            return self.within_month(year, month), True
        if p.rel_week:
            monday = pub - dt.timedelta(days=pub.weekday()) + dt.timedelta(weeks=t.meaning("relative_weeks", p.rel_week))
            if p.weekday:
                return day_period(monday + dt.timedelta(days=t.meaning("weekdays", p.weekday))), True
            return week_period(monday), True
        if p.rel_day:
            return day_period(pub + dt.timedelta(days=t.meaning("relative_days", p.rel_day))), True
        if p.dir:
            return self.directed(t.meaning("directions", p.dir)), True
        if p.day and not p.month:
            return self.bare_day(), True
        return self.bare_in_year(), True


def time_of_day(parts: Parts, tables: DateTables) -> str | None:
    """``HH:MM`` of an attached time (오후 2시 30분 → 14:30, 밤 11시 → 23:00, 15시 → 15:00)."""
    if parts.hour is None:
        return None
    hour = int(parts.hour)
    minute = 30 if parts.halfhour else int(parts.minute or 0)
    ampm = tables.meaning("ampm", parts.ampm)
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 24 or minute > 59:
        raise NotADate(f"{parts.hour}시 {parts.minute}분")
    return f"{hour % 24:02d}:{minute:02d}"


def _has_unknown_word(parts: Parts, tables: DateTables) -> bool:
    """A word group whose form is in none of the tables (a user's pattern with a form the tables lack)."""
    checks = (("anchor_year", "anchored_years"), ("anchor_day", "anchored_days"), ("rel_month", "relative_months"), ("rel_week", "relative_weeks"), ("rel_day", "relative_days"),
              ("dir", "directions"), ("half", "halves"), ("part", "parts"), ("year_part", "year_parts"),
              ("weekday", "weekdays"), ("ampm", "ampm"))
    for group, table in checks:
        if getattr(parts, group) is not None and tables.meaning(table, getattr(parts, group)) is None:
            return True
    if parts.rel_year is not None:
        return tables.meaning("relative_years", parts.rel_year) is None and \
            tables.meaning("year_prefixes", parts.rel_year) is None
    return False


_SENTENCE_END = re.compile(r"[.!?。]\s|\n")


def _list_gap(config: Mapping[str, Any]) -> "re.Pattern[str]":
    """What may stand between two dates of one list or range (``tables.list_connectors``: 과, 부터, ·, ~ …)."""
    forms = config.get("list_connectors") or _builtin_config().get("list_connectors") or []
    alternation = "|".join(re.escape(str(f)) for f in sorted(forms, key=len, reverse=True)) or "(?!)"
    return re.compile(rf"\s*(?:{alternation})?\s*")


def _placed(value: Mapping[str, Any]) -> tuple[int, int | None, dt.date | None] | None:
    """(year, month, day) a resolved value states, as far as its granularity goes."""
    v, gran = value.get("value"), value.get("granularity")
    if not v or not value.get("start_date"):
        return None
    start = dt.date.fromisoformat(value["start_date"])
    if gran == "day":
        return start.year, start.month, start
    if gran == "month":
        return start.year, start.month, None
    return int(str(v)[:4]), None, None


def carry_dates(items: list[tuple[Any, NormContext]]) -> None:
    """Dates that take what they leave out from the date before them in the same sentence.

    * In a list or range (only ``tables.list_connectors`` between them: 과, 부터, ``·``, ``~`` …), a date without
      a year takes the year of the one before, and a bare day its month too: 2012년 10월 26일과 11월 29일 →
      2012-11-29; 5월 17일부터 19일까지; 지난 8∼10월 → 10월 of the year of 지난 8월. An end before its start moves
      on by a month (a day) or a year (a month): 30일부터 2일까지.
    * 이듬해 (the following year) and 다음 날 (the following day) count from the nearest date before them in the
      sentence, whatever stands between (2008년 교제를 시작해 이듬해 5월 → 2009-05); with none they keep no value.

    A year stated in the text or read from a relative word (지난해, 올해) is never overridden.
    """
    prev = None  # (mention, ctx, placed)
    for m, ctx in items:
        if ctx is None or m.value is None:
            continue
        if prev is not None and _SENTENCE_END.search(ctx.text, prev[0].end, m.start):
            prev = None
        tables = date_tables(ctx.config)
        parts = Parts.of(ctx)
        value = None
        if prev is not None:
            _, pctx, (year, month, day) = prev
            if parts.anchor_year:
                value = _value(replace(parts, anchor_year=None, year=str(year + tables.meaning(
                    "anchored_years", parts.anchor_year))), tables, ctx.published)
            elif parts.anchor_day and day is not None:
                d = day + dt.timedelta(days=tables.meaning("anchored_days", parts.anchor_day))
                value = _value(replace(parts, anchor_day=None), tables, ctx.published, day_period(d))
            elif _list_gap(ctx.config).fullmatch(ctx.text, prev[0].end, m.start) and not (
                    parts.year or parts.year2 or parts.rel_year or parts.rel_month or parts.rel_week
                    or parts.rel_day or parts.dir or parts.weekday):
                value = _carried(parts, tables, ctx.published, year, month, day)
        if value is not None:
            m.value = value
        placed = _placed(m.value)
        prev = (m, ctx, placed) if placed is not None else prev


def _carried(parts: Parts, tables: DateTables, published: dt.date | None, year: int, month: int | None,
             start: dt.date | None) -> dict[str, Any] | None:
    """A date without a year in a list: the year (and for a bare day the month) of the date before it."""
    if parts.month or parts.quarter or parts.half:
        value = _value(replace(parts, year=str(year)), tables, published)
        if value and start is not None and value.get("end_date") and value["end_date"] < start.isoformat():
            value = _value(replace(parts, year=str(year + 1)), tables, published)
        return value
    if parts.day and month is not None:
        value = _value(replace(parts, year=str(year), month=str(month)), tables, published)
        if value and start is not None and value.get("start_date") and value["start_date"] < start.isoformat():
            y, mo = _shift_month(year, month, 1)
            value = _value(replace(parts, year=str(y), month=str(mo)), tables, published)
        if value:
            value["granularity"] = "day"
        return value
    return None


@register("date", primary="value", sequence=carry_dates)
def normalize_date(ctx: NormContext) -> dict[str, Any] | None:
    """The period a DATE mention names; None rejects a shape that is no date (2월 30일, 올 alone)."""
    tables = date_tables(ctx.config)
    parts = Parts.of(ctx)
    if _has_unknown_word(parts, tables):
        return None
    # 올 is 올해 only with what follows it (올 하반기); alone it is a verb (올 것이다)
    if parts.rel_year and tables.meaning("relative_years", parts.rel_year) is None and not (
            parts.month or parts.quarter or parts.half or parts.part or parts.year_part):
        return None
    return _value(parts, tables, ctx.published)


def _value(parts: Parts, tables: DateTables, published: dt.date | None,
           period: "Period | None" = None) -> dict[str, Any] | None:
    """The value columns of a date from its parts (or from a period already placed)."""
    try:
        if period is None:
            period, relative = _Resolver(parts, tables, published).resolve()
        else:
            relative = True
        time = time_of_day(parts, tables)
    except NotADate:
        return None
    out: dict[str, Any] = {
        "value": period.value if period else None,
        "granularity": period.granularity if period else parts.granularity(),
        "start_date": period.start.isoformat() if period else None,
        "end_date": period.end.isoformat() if period else None,
        "relative": relative,
    }
    part = period.part if period else tables.meaning("parts", parts.part)
    if part:
        out["part"] = part
    if time:
        out["time"] = time
    return out


# ------------------------------------------------------------------------------------------------- times of day

_HH_MM = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")


def _named_time(config: Mapping[str, Any], form: str) -> str:
    """The ``HH:MM`` a time word means (정오 → 12:00), from the file's ``named_times`` table."""
    named = config.get("named_times") or {}
    meaning = named.get(form, named.get("".join(form.split())))
    if not (isinstance(meaning, str) and _HH_MM.fullmatch(meaning)):
        raise DateTablesError(f"TIME tables: tables.named_times: '{form}' must map to a quoted 'HH:MM' "
                              f"(00:00 to 23:59), got {meaning!r}")
    return meaning


@register("time", primary="value")
def normalize_time(ctx: NormContext) -> dict[str, Any] | None:
    """A time of day written alone (``rules/time.yaml``): ``value`` is ``HH:MM``, and ``end`` too for a range
    (오후 1시∼3시 30분; the end takes the start's 오전/오후 unless it has its own). The groups are those of a DATE
    time (``ampm``, ``hour``, ``minute``, ``halfhour``), read by the same ``time_of_day``; ``named`` is a word of
    the ``named_times`` table (정오, 자정). None rejects a shape that is no time (25시, 오후 3시 70분).

    >>> ctx = NormContext(text="오후 2시 30분", start=0, end=9,
    ...                   groups={"ampm": (0, 2), "hour": (3, 4), "minute": (6, 8)}, config={"ampm": {"오후": "pm"}})
    >>> normalize_time(ctx)
    {'value': '14:30'}
    """
    named = ctx.group("named")
    if named is not None:
        return {"value": _named_time(ctx.config, named)}
    tables = date_tables(ctx.config)
    parts = Parts.of(ctx)
    end_parts = Parts(ampm=ctx.group("ampm2") or parts.ampm, hour=ctx.group("hour2"), minute=ctx.group("minute2"),
                      halfhour=ctx.group("halfhour2"))
    if _has_unknown_word(parts, tables) or _has_unknown_word(end_parts, tables):
        return None
    try:
        start, end = time_of_day(parts, tables), time_of_day(end_parts, tables)
    except NotADate:
        return None
    if start is None:
        return None
    return {"value": start} if end is None else {"value": start, "end": end}
