"""Korean numbers: one parser shared by every normalizer, and the generic ``number`` normalizer.

``parse_number`` reads a number as Korean news writes it: Arabic digits with thousands commas and decimals, full-width
digits, Hangul numerals, and the four-digit group units 만/억/조/경 in any mix (``1조 2,000억``, ``2억5000만``,
``이천오백만``, ``수백억``). ``parse_quantity`` adds what is written around a number: approximate markers, bounds and
ranges. Every Korean word they read comes from ``rules/lexicons/`` (numerals.tsv, numeral_units.tsv,
number_prefixes.tsv, number_suffixes.tsv, range_*.tsv); this module holds only the mechanism.

Values are exact: the parser computes with ``Decimal`` and returns an ``int`` whenever the value is whole
(``1.5조`` is ``1500000000000``), a ``float`` only for a real fraction.

>>> parse_number("1조 2,000억")
KoreanNumber(value=1200000000000, approx=False, vague=False, marker='')
>>> parse_quantity("3~5억")
Quantity(value=300000000, approx=False, vague=False, min=300000000, max=500000000, qualifier='~')
"""
from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

import regex

from pipeline.normalizers.base import NormContext, register
from pipeline.ruleset.tsv import parse_tsv
from pipeline.paths import BUILTIN_LEXICONS_DIR

Number = int | float


# ---------------------------------------------------------------------------------------------------------- data

def read_tsv(path: Path) -> dict[str, dict[str, str]]:
    """A lexicon file as ``form -> row`` (header names as keys), in the format of ``rules/README.md``."""
    return parse_tsv(path.read_text(encoding="utf-8-sig"))[1]


@functools.lru_cache(maxsize=None)
def builtin_lexicon(name: str) -> Mapping[str, Mapping[str, str]]:
    """The built-in lexicon ``rules/lexicons/<name>.tsv``, read once per process."""
    return read_tsv(BUILTIN_LEXICONS_DIR / f"{name}.tsv")


@dataclass(frozen=True)
class _Words:
    """The Korean words the parser knows, from the built-in lexicons."""

    digits: dict[str, Decimal]  # 일 … 구, and 수 (vague)
    vague: frozenset[str]
    vague_max: dict[str, Decimal]  # the largest digit a vague numeral stands for (수: 9)
    small: dict[str, Decimal]  # 십 백 천
    big: dict[str, Decimal]  # 만 억 조 경
    approx_min: frozenset[str]  # 여
    prefixes: tuple[tuple[str, str], ...]  # (form, meaning), longest form first
    suffixes: tuple[tuple[str, str], ...]
    separators: tuple[str, ...]
    openers: tuple[str, ...]
    closers: tuple[str, ...]


def _longest_first(forms) -> tuple:
    return tuple(sorted(forms, key=lambda f: (-len(f[0] if isinstance(f, tuple) else f), f)))


@functools.lru_cache(maxsize=1)
def _words() -> _Words:
    numerals = builtin_lexicon("numerals")
    units = builtin_lexicon("numeral_units")
    return _Words(
        digits={f: Decimal(r["value"]) for f, r in numerals.items()},
        vague=frozenset(f for f, r in numerals.items() if r["kind"] == "vague"),
        vague_max={f: Decimal(r.get("max") or r["value"]) for f, r in numerals.items() if r["kind"] == "vague"},
        small={f: Decimal(r["value"]) for f, r in units.items() if r["kind"] == "small"},
        big={f: Decimal(r["value"]) for f, r in units.items() if r["kind"] == "big"},
        approx_min=frozenset(f for f, r in units.items() if r["kind"] == "approx_min"),
        prefixes=_longest_first((f, r["meaning"]) for f, r in builtin_lexicon("number_prefixes").items()),
        suffixes=_longest_first((f, r["meaning"]) for f, r in builtin_lexicon("number_suffixes").items()),
        separators=_longest_first(builtin_lexicon("range_separators")),
        openers=_longest_first(builtin_lexicon("range_openers")),
        closers=_longest_first(builtin_lexicon("range_closers")),
    )


# ------------------------------------------------------------------------------------------------------- numbers

@dataclass(frozen=True)
class KoreanNumber:
    """A parsed number. ``approx``: written as approximate (200여억); ``vague``: a 수 placeholder (수백억), whose
    ``value`` is the lower bound (2백억); ``marker``: the approximate word inside the number (``여``), if any."""

    value: Number
    approx: bool = False
    vague: bool = False
    marker: str = ""


@dataclass(frozen=True)
class _Parsed:
    value: Decimal
    approx: bool
    vague: bool
    marker: str
    vague_step: Decimal | None  # the place value the 수 stands in (10^10 for 수백억), for the upper bound
    last_big: Decimal | None  # the smallest big unit written (억 in 2억5000만 → 만), for 3~5억


_TOKEN = regex.compile(r"\d+(?:[.,]\d+)*|\S")


def fold(s: str) -> str:
    """NFKC, so full-width digits and signs read as ASCII (１２３ → 123, ～ → ~)."""
    return unicodedata.normalize("NFKC", s)


def to_number(d: Decimal) -> Number:
    """``int`` when whole, else ``float``: exact values stay exact (no 1.2e12 float drift)."""
    return int(d) if d == d.to_integral_value() else float(d)


def parse_literal(lit: str) -> Decimal | None:
    """Digits with separators. A comma followed by exactly three digits groups thousands (3,659); a single comma
    followed by anything else is a decimal comma (12,5 is 12.5)."""
    parts = lit.split(",")
    if len(parts) > 1:
        tail = parts[-1].split(".")[0]
        if all(len(p) == 3 for p in parts[1:-1]) and len(tail) == 3 and parts[0]:
            lit = "".join(parts)
        elif len(parts) == 2 and "." not in lit:
            lit = f"{parts[0]}.{parts[1]}"
        else:
            return None
    if lit.count(".") > 1:
        return None
    try:
        return Decimal(lit)
    except ArithmeticError:
        return None


def _parse(s: str) -> _Parsed | None:
    """The state machine behind ``parse_number``: digits and Hangul digits fill a slot, small units (십 백 천)
    close a slot inside a four-digit group, big units (만 억 조 경) close a group. Units must come in descending
    order (천 before 백, 억 before 만); anything else is not a number."""
    w = _words()
    tokens = _TOKEN.findall(fold(s))
    if not tokens:
        return None
    total = Decimal(0)
    section = Decimal(0)  # the current four-digit group
    cur: Decimal | None = None  # a digit slot waiting for its unit
    last_small: Decimal | None = None
    last_big: Decimal | None = None
    approx = vague = False
    marker = ""
    vague_state = 0  # 0 none, 1 the 수 slot is pending, 2 consumed by a small unit, 3 done
    vague_step: Decimal | None = None
    seen = arabic = cur_is_word = False
    for tok in tokens:
        if tok[0].isdigit():
            if cur is not None:
                return None
            cur = parse_literal(tok)
            if cur is None:
                return None
            arabic, cur_is_word = True, False
        elif tok in w.digits:
            if cur is not None:
                return None
            cur, cur_is_word = w.digits[tok], True
            if tok in w.vague:
                if vague:
                    return None
                vague = approx = True
                vague_state = 1
        elif tok in w.small:
            unit = w.small[tok]
            if last_small is not None and unit >= last_small:
                return None
            if vague_state == 1:
                vague_step, vague_state = unit, 2
            section += (Decimal(1) if cur is None else cur) * unit
            cur, last_small = None, unit
        elif tok in w.big:
            unit = w.big[tok]
            if last_big is not None and unit >= last_big:
                return None
            group = section + (cur if cur is not None else Decimal(0))
            if cur is None and section == 0:
                if seen:
                    return None  # 100억만: this 만 is the particle "only", Korean never writes 1억만 for 1억 1만
                group = Decimal(1)  # a bare 만 (만 원) is ten thousand
            if vague_state in (1, 2):
                vague_step, vague_state = (vague_step or Decimal(1)) * unit, 3
            total += group * unit
            section, cur, last_small, last_big = Decimal(0), None, None, unit
        elif tok in w.approx_min:
            if not seen or marker:
                return None
            approx, marker = True, tok
            continue
        else:
            return None
        seen = True
    if vague_state == 1 and cur is not None:
        return None  # 수 alone, with no unit to say what it counts
    if arabic and cur is not None and cur_is_word:
        return None  # 3억이: after Arabic digits a last Hangul "digit" is a particle (이, 일 …), not 2
    if vague_state == 2:
        vague_state = 3
    total += section + (cur if cur is not None else Decimal(0))
    return _Parsed(total, approx, vague, marker, vague_step, last_big)


def parse_number(s: str) -> KoreanNumber | None:
    """Parse a Korean number (no markers around it), or ``None``.

    >>> parse_number("2억5000만").value
    250000000
    >>> parse_number("수백억")
    KoreanNumber(value=20000000000, approx=True, vague=True, marker='')
    >>> parse_number("200여억")
    KoreanNumber(value=20000000000, approx=True, vague=False, marker='여')
    """
    p = _parse(s)
    if p is None:
        return None
    return KoreanNumber(to_number(p.value), p.approx, p.vague, p.marker)


# ---------------------------------------------------------------------------------------------------- quantities

@dataclass(frozen=True)
class Quantity:
    """A number with what is written around it.

    ``value`` is the number itself, or the lower end of a range. ``min``/``max`` are the bounds the words give
    (``None`` when open): 이상/초과 and 여/남짓 give a floor, 이하/미만 a ceiling, a range both, 대 (1조원대) the
    band up to the next step of the last written digit, 수 (수백억) the band up to the next power of ten.
    ``qualifier`` is the word that says the most about the value (range ``~`` > 대 > bounds > 여 > 가량 … > 수).
    """

    value: Number
    approx: bool = False
    vague: bool = False
    min: Number | None = None
    max: Number | None = None
    qualifier: str | None = None

    def scaled(self, factor: Decimal | int) -> "Quantity":
        """The same quantity times ``factor`` (a currency scale such as million), exactly."""
        f = Decimal(factor)

        def mul(x: Number | None) -> Number | None:
            return None if x is None else to_number(Decimal(str(x)) * f)

        return Quantity(mul(self.value), self.approx, self.vague, mul(self.min), mul(self.max), self.qualifier)


# meaning -> rank for the qualifier (lower says more)
_RANK = {"range": 0, "band": 1, "min": 2, "max": 2, "approx_min": 3, "approx": 4, "vague": 5}


def _strip_prefixes(t: str, found: list[tuple[str, str]]) -> str:
    w = _words()
    changed = True
    while changed:
        changed = False
        for form, meaning in w.prefixes:
            if t.startswith(form):
                found.append((form, meaning))
                t, changed = t[len(form):].lstrip(), True
                break
    return t


def _strip_suffixes(t: str, found: list[tuple[str, str]], closers: list[str]) -> str:
    w = _words()
    changed = True
    while changed:
        changed = False
        for form, meaning in w.suffixes:
            if t.endswith(form) and len(t) > len(form):
                found.append((form, meaning))
                t, changed = t[:-len(form)].rstrip(), True
                break
        else:
            for form in w.closers:
                if t.endswith(form) and len(t) > len(form):
                    closers.append(form)
                    t, changed = t[:-len(form)].rstrip(), True
                    break
    return t


def _split_range(t: str, has_closer: bool) -> tuple[str, str, str] | None:
    """``(left, right, separator)`` where both sides parse; openers (부터, 에서) only count with a closer."""
    w = _words()
    forms = list(w.separators) + (list(w.openers) if has_closer else [])
    for m in regex.finditer("|".join(regex.escape(f) for f in _longest_first(forms)), t):
        left, right = t[:m.start()].strip(), t[m.end():].strip()
        if left and right and _parse(left) is not None and _parse(_strip_prefixes(right, [])) is not None:
            return left, right, m.group()
    return None


def parse_quantity(s: str) -> Quantity | None:
    """Parse a number with its markers: ``약 200억``, ``200억 가량``, ``100억 이상``, ``3~5억``, ``100억부터
    200억까지``, ``1조대``. In a range a unit written only on the right end applies to both (3~5억 is 3억~5억).

    >>> parse_quantity("100억 이상")
    Quantity(value=10000000000, approx=False, vague=False, min=10000000000, max=None, qualifier='이상')
    """
    t = fold(s).strip()
    if not t:
        return None
    found: list[tuple[str, str]] = []
    closers: list[str] = []
    t = _strip_prefixes(t, found)
    tail: list[tuple[str, str]] = []
    t = _strip_suffixes(t, tail, closers)
    found += reversed(tail)

    split = _split_range(t, bool(closers))
    if split is not None:
        left_s, right_s, _sep = split
        right_s = _strip_prefixes(right_s, found)
        left, right = _parse(left_s), _parse(right_s)
        if left is None or right is None:
            return None
        lo = left.value
        if left.last_big is None and right.last_big is not None and (
                regex.fullmatch(r"[\d.,]+", fold(left_s)) or lo * right.last_big <= right.value):
            # 3~5억, 3천~5천억: the right end's unit distributes; to a left end written with a unit word only when
            # that keeps it below the right one (5백 달러에서 1만 달러까지 is 500 to 10,000)
            lo *= right.last_big
        if lo > right.value:
            return None
        approx = left.approx or right.approx or any(m in ("approx", "approx_min", "band") for _, m in found)
        hi = right.value
        if right.vague:  # 수십만-수백만: the right end reaches 9백만
            form = min(_words().vague)
            hi += (_words().vague_max[form] - _words().digits[form]) * (right.vague_step or Decimal(1))
        return Quantity(to_number(lo), approx, left.vague or right.vague, to_number(lo), to_number(hi), "~")
    if closers and not found:
        found.append((closers[0], "max"))  # 200억까지 alone: "up to"

    p = _parse(t)
    if p is None:
        return None
    value = p.value
    lo: Decimal | None = None
    hi: Decimal | None = None
    approx = p.approx
    candidates: list[tuple[int, int, str]] = []  # (rank, -position, word)
    if p.vague:
        form = min(_words().vague)  # the vague numeral as written (수)
        span = _words().vague_max[form] - _words().digits[form]
        lo, hi = value, value + span * (p.vague_step or Decimal(1))
        candidates.append((_RANK["vague"], 0, form))
    if p.marker:
        lo = value
        candidates.append((_RANK["approx_min"], 0, p.marker))
    for pos, (form, meaning) in enumerate(found, start=1):
        if meaning in ("approx", "approx_min", "band"):
            approx = True
        if meaning in ("min", "approx_min"):
            lo = value
        elif meaning == "max":
            hi = value
        elif meaning == "band" and not p.vague:  # 수십억원대 keeps the band of its 수: 10억 up to 100억
            lo, hi = value, value + _band_step(value)
        candidates.append((_RANK.get(meaning, 9), -pos, form))
    qualifier = min(candidates)[2] if candidates else None
    return Quantity(to_number(value), approx, p.vague,
                    None if lo is None else to_number(lo), None if hi is None else to_number(hi), qualifier)


def _band_step(value: Decimal) -> Decimal:
    """The place value of the last non-zero digit: 1조 → 1조, 3,000억 → 1,000억, 1.5조 → 1,000억 (1조원대 is
    1조 up to 2조, 3,000억원대 is 3,000억 up to 4,000억)."""
    if value == 0:
        return Decimal(1)
    exp = value.normalize().as_tuple().exponent
    return Decimal(1).scaleb(int(exp))


# ----------------------------------------------------------------------------------------------- the normalizer

def multiplier(x: Any) -> Decimal:
    """A multiplier from a rule file (int, float or a ``"400/121"`` string), as an exact Decimal where possible."""
    if isinstance(x, str) and "/" in x:
        num, den = x.split("/", 1)
        return Decimal(num.strip()) / Decimal(den.strip())
    return Decimal(str(x))


def lookup(table: Mapping[str, Any], key: str) -> Any:
    """``table[key]``, trying the key as written, then NFKC-folded and case-folded (m² = m2, USD = usd)."""
    if key in table:
        return table[key]
    folded = fold(key).casefold()
    for k, v in table.items():
        if fold(str(k)).casefold() == folded:
            return v
    return None


@register("number", primary="value")
def normalize_number(ctx: NormContext) -> dict[str, Any] | None:
    """A number times the multiplier of its unit (``units:`` of the rule file; 1 when absent).

    ``approx: True`` is added only when the number itself says so (``360여``, ``수백``), so values of exact numbers
    keep their two keys.

    >>> ctx = NormContext(text="360여개", start=0, end=5, groups={"number": (0, 4), "unit": (4, 5)})
    >>> normalize_number(ctx)
    {'value': 360, 'unit': '개', 'approx': True}
    """
    raw = ctx.group("number")
    unit = ctx.group("unit")
    parsed = parse_number(raw if raw is not None else ctx.surface)
    if parsed is None:
        return None
    factor = lookup(ctx.config.get("units") or {}, unit) if unit is not None else None
    value = Decimal(str(parsed.value)) * multiplier(1 if factor is None else factor)
    out: dict[str, Any] = {"value": to_number(value), "unit": unit}
    if parsed.approx:
        out["approx"] = True
    return out
