"""The ``money`` normalizer: a MONEY mention to amount, currency, bounds and qualifier.

The rule (``rules/money.yaml``) finds the span and names its parts: ``currency`` (the currency word after the
number: 원, 달러 …), ``currency_from`` (a currency repeated on the left end of a range: 100억원~200억원),
``cur_pre`` (a symbol or code before the number: $, USD, €) and ``scale`` (million, bn …). Everything else in
the span is the quantity, read by ``numbers.parse_quantity``. Currency words come from the ``currencies`` lexicon
(``rules/lexicons/currencies.tsv``, ISO 4217 codes), symbols and scale words from the rule file's tables
(``currency_symbols``, ``scales``), each falling back to the built-in one.

``amount`` is the value in currency units; for a range it is the lower end (``min_amount``), so a sum over a
column never counts a range twice as high as written. ``qualifier`` is the word that qualifies the amount
(이상, 미만, 대, 여, 가량, ``~`` for a range, 수 for 수백억 …), ``None`` for a plain amount.

>>> from pipeline.normalizers.base import NormContext
>>> text = "매출은 1조 2,000억원 이상이다"
>>> ctx = NormContext(text=text, start=4, end=17, groups={"currency": (13, 14)})
>>> normalize_money(ctx)["amount"], normalize_money(ctx)["qualifier"]
(1200000000000, '이상')
"""
from __future__ import annotations

import functools
from typing import Any, Mapping

from pipeline.normalizers.base import NormContext, register
from pipeline.normalizers.numbers import builtin_lexicon, lookup, multiplier, parse_quantity
from pipeline.paths import BUILTIN_RULES_DIR

# Groups that are not part of the quantity; their text is cut out before parsing the number.
CURRENCY_GROUPS = ("cur_pre", "currency_from", "currency")
SCALE_GROUP = "scale"
# a parenthesis between the number and its currency (1만7500(약 2600만원)파운드): not part of the quantity
PAREN_GROUP = "paren"


@functools.lru_cache(maxsize=None)
def builtin_tables(filename: str) -> Mapping[str, Any]:
    """The ``units`` and ``tables`` of a built-in rule file, for normalizers called without them."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load((BUILTIN_RULES_DIR / filename).read_text(encoding="utf-8")) or {}
    return {"units": data.get("units") or {}, **(data.get("tables") or {})}


def table(ctx: NormContext, name: str, filename: str) -> Mapping[str, Any]:
    """The rule file's table ``name`` (the loader puts tables next to ``units`` in ``config``), else the
    built-in one. A ``tables:`` sub-map is accepted too, for contexts built by hand."""
    found = ctx.config.get(name)
    if found is None and isinstance(ctx.config.get("tables"), Mapping):
        found = ctx.config["tables"].get(name)
    return found if found else builtin_tables(filename).get(name) or {}


def quantity_text(ctx: NormContext, skip: tuple[str, ...]) -> str:
    """The mention's text without the spans of the ``skip`` groups (currency words, scale, unit)."""
    cut = sorted(ctx.groups[g] for g in skip if g in ctx.groups)
    out, pos = [], ctx.start
    for a, b in cut:
        if a < pos or a >= ctx.end:  # a group outside the mention (``span:`` patterns) cuts nothing
            continue
        out.append(ctx.text[pos:a])
        pos = b
    out.append(ctx.text[pos:ctx.end] if pos < ctx.end else "")
    return " ".join(s.strip() for s in out if s.strip())


def currency_row(ctx: NormContext, written: str) -> Mapping[str, str] | None:
    """The row of the ``currencies`` lexicon (``rules/lexicons/currencies.tsv``: form, ISO ``code``, ``needs_unit``,
    ``factor``) for a currency word as written, from the rule file's lexicons, else the built-in one. A rule file
    may also map words to codes in a ``currencies`` table (``{냥: XAU}``), which wins."""
    own = ctx.config.get("currencies")
    if own is None and isinstance(ctx.config.get("tables"), Mapping):
        own = ctx.config["tables"].get("currencies")
    if isinstance(own, Mapping):
        code = lookup(own, written)
        if code:
            return {"code": str(code)}
    rows = ctx.lexicons.get("currencies") or builtin_lexicon("currencies")
    return lookup(rows, written)


def currency_code(ctx: NormContext) -> tuple[str | None, bool, Mapping[str, str]]:
    """(ISO code, known, lexicon row) of the first currency group present; ``(None, True, {})`` when the rule names
    none (the pattern's ``value`` then supplies it, e.g. ``{currency: KRW}`` for a bare 3,659억). Symbols and codes
    written before the amount ($, US$, €) come from the file's ``currency_symbols`` table."""
    symbols = table(ctx, "currency_symbols", "money.yaml")
    for g in CURRENCY_GROUPS:
        written = ctx.group(g)
        if written is None:
            continue
        code = lookup(symbols, written) if g == "cur_pre" else None
        if code:
            return str(code), True, {}
        row = currency_row(ctx, written)
        if row and row.get("code"):
            return row["code"], True, row
        code = lookup(symbols, written)
        return (str(code), True, {}) if code else (None, False, {})
    return None, True, {}


@register("money", primary="amount")
def normalize_money(ctx: NormContext) -> dict[str, Any] | None:
    """Amount, currency, approx, min/max and qualifier of a MONEY mention; ``None`` when it does not parse."""
    currency, known, row = currency_code(ctx)
    if not known:
        return None
    q = parse_quantity(quantity_text(ctx, CURRENCY_GROUPS + (SCALE_GROUP, PAREN_GROUP)))
    if q is None:
        return None
    # 3동 is building 3, not 3 dong: such words are money only after a large amount (2만 동, 15,000동)
    if row.get("needs_unit") == "yes" and q.value < 1000:
        return None
    if row.get("factor"):
        q = q.scaled(multiplier(row["factor"]))  # 1센트 is 0.01 USD
    scale_word = ctx.group(SCALE_GROUP)
    if scale_word is not None:
        factor = lookup(table(ctx, "scales", "money.yaml"), scale_word)
        if factor is None:
            return None
        q = q.scaled(multiplier(factor))
    return {
        "amount": q.value,
        "currency": currency,
        "approx": q.approx,
        "min_amount": q.min,
        "max_amount": q.max,
        "qualifier": q.qualifier,
    }
