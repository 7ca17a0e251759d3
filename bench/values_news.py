"""Values on real news (issue 12): krnews and Duckling on the spans of a hand-checked gold set, exact values.

The gold set (``bench/data/values_news_gold.jsonl``, see ``values_news_gold.README.md`` beside it for its sources,
licence and conventions) holds one span of a real news sentence a line::

    {"id", "source", "sentence", "published": "YYYY-MM-DD", "start", "end", "text", "klue_span",
     "kind": "money" | "area" | "date" | "none", "value": {...}, "note"}

with ``value`` = ``{"amount": "365900000000", "currency": "KRW", "approx": false}`` (money; ``amount_high`` for a
range), ``{"m2": "1652.892561983471" or "200000/121", "unit", "approx"}`` (area) or ``{"value": "2024-H2"}`` (date:
YYYY, YYYY-MM, YYYY-MM-DD, YYYY-Qn, YYYY-Hn, YYYY-Www). Each sentence is extracted once with its publication date;
the mention of the gold kind (MONEY, AREA, DATE) that overlaps the gold span most is compared:

* money: amount (exactly, as decimals), ISO currency and ``approx``;
* area: square metres within a relative 1e-6;
* date: ``value``;
* none (a negative: a number that is no value): correct when no MONEY, AREA or DATE mention overlaps the span.

Duckling (``pyduckling-native-phihos``, the ``bench`` extra) parses the same sentences with the publication day,
noon KST, as its reference time; its entity of the matching dimension that overlaps the span most is compared the
same way. A gold item that is the right end of a range which krnews reads as one mention (``50만원에서
[500만원]까지``) is compared with that mention's ``max_amount``. Duckling has no notion of an approximate amount and no area dimension for Korean, so money is also
scored on amount and currency alone for both systems (column ``amt+cur``), and Duckling scores no area.

    .venv/bin/python bench/values_news.py [--gold FILE] [--misses] [--no-duckling]
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script from anywhere: duckling_compare beside it
GOLD = Path(__file__).resolve().parent / "data" / "values_news_gold.jsonl"
KINDS = ("money", "area", "date", "none")
LABEL = {"money": "MONEY", "area": "AREA", "date": "DATE"}
KST = dt.timezone(dt.timedelta(hours=9))


@dataclass(frozen=True)
class Item:
    line: int
    id: str
    sentence: str
    published: dt.date | None
    start: int
    end: int
    text: str
    kind: str
    value: dict
    note: str = ""


class GoldError(ValueError):
    pass


def read_gold(path: Path) -> list[Item]:
    """The gold items; every problem of the file is reported at once, with its line."""
    items, problems = [], []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            d = json.loads(raw)
            kind = d["kind"]
            if kind not in KINDS:
                raise GoldError(f"kind must be one of {KINDS}, got {kind!r}")
            s, e, sent = int(d["start"]), int(d["end"]), d["sentence"]
            if sent[s:e] != d["text"]:
                raise GoldError(f"sentence[{s}:{e}] is {sent[s:e]!r}, not the text {d['text']!r}")
            pub = dt.date.fromisoformat(d["published"]) if d.get("published") else None
            items.append(Item(n, str(d.get("id", n)), sent, pub, s, e, d["text"], kind, d.get("value") or {},
                              d.get("note") or ""))
        except (KeyError, ValueError, TypeError) as exc:
            problems.append(f"{path}:{n}: {type(exc).__name__}: {exc}")
    if problems:
        raise GoldError("\n".join(problems))
    return items


# ---------------------------------------------------------------------------------------------------- scoring

def decimal(x) -> Decimal | None:
    if x is None:
        return None
    try:
        return Decimal(str(x))
    except InvalidOperation:
        return None


def fraction(x) -> Fraction | None:
    try:
        return Fraction(str(x))
    except (ValueError, ZeroDivisionError):
        return None


def money_ok(got: dict | None, want: dict, approx: bool = True) -> bool:
    if not got:
        return False
    ok = decimal(got.get("amount")) == decimal(want.get("amount")) and got.get("currency") == want.get("currency")
    return ok and (not approx or bool(got.get("approx")) == bool(want.get("approx")))


def area_ok(got: dict | None, want: dict) -> bool:
    if not got or got.get("value_m2") is None:
        return False
    g, w = fraction(got["value_m2"]), fraction(want.get("m2"))
    return g is not None and w is not None and abs(g - w) <= abs(w) * Fraction(1, 10**6)


def date_ok(got: dict | None, want: dict) -> bool:
    return bool(got) and got.get("value") is not None and got.get("value") == want.get("value")


def correct(kind: str, got: dict | None, want: dict, approx: bool = True) -> bool:
    if kind == "money":
        return money_ok(got, want, approx)
    if kind == "area":
        return area_ok(got, want)
    return date_ok(got, want)


def best_overlap(spans: list[tuple[int, int, dict]], start: int, end: int) -> dict | None:
    """The value of the span overlapping [start, end) most (the earliest on a tie), or None."""
    best, size = None, 0
    for s, e, v in spans:
        o = min(e, end) - max(s, start)
        if o > size:
            best, size = v, o
    return best


def right_end(spans: list[tuple[int, int, dict]], it: Item) -> dict | None:
    """A gold item that is the right end of a range krnews reads as one mention (50만원에서 [500만원]까지): the
    mention's upper bound stands for it. Only for money and areas with both bounds, and a gold span that starts
    after the mention does."""
    if it.kind not in ("money", "area"):
        return None
    for s, e, v in spans:
        if s < it.start < e and it.end <= e and v.get("qualifier") == "~":
            if it.kind == "money" and v.get("max_amount") is not None:
                return {**v, "amount": v["max_amount"]}
            if it.kind == "area" and v.get("max_m2") is not None:
                return {**v, "value_m2": v["max_m2"]}
    return None


# ---------------------------------------------------------------------------------------------------- systems

class Krnews:
    name = "krnews"

    def __init__(self):
        from pipeline import Extractor

        self.extractor = Extractor(ner=False)  # values come from the rule stage alone

    def run(self, items: list[Item]) -> dict[tuple[str, dt.date | None], dict[str, list]]:
        from pipeline.article import Article

        keys = list(dict.fromkeys((it.sentence, it.published) for it in items))
        arts = [Article(doc_id=f"s{i}", text=s, published=p) for i, (s, p) in enumerate(keys)]
        out = {}
        for key, result in zip(keys, self.extractor.extract_many(arts, batch_size=64)):
            by_label = collections.defaultdict(list)
            for m in result.mentions:
                by_label[m.label].append((m.start, m.end, m.value or {}))
            out[key] = by_label
        return out


class Duckling:
    name = "Duckling"
    DIMS = {"time": "DATE", "amount-of-money": "MONEY"}
    UNITS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₩": "KRW"}

    def __init__(self):
        import duckling

        self.d = duckling
        self.zones = duckling.load_time_zones("/usr/share/zoneinfo")
        lang = duckling.parse_lang("KO")
        self.locale = duckling.parse_locale("KO_KR", duckling.default_locale_lang(lang))
        self.dims = duckling.parse_dimensions(list(self.DIMS))

    def run(self, items: list[Item]) -> dict[tuple[str, dt.date | None], dict[str, list]]:
        from duckling_compare import _utf8, time_value  # bench/ is on sys.path (see the top of this file)

        out = {}
        for it in items:
            key = (it.sentence, it.published)
            if key in out:
                continue
            day = it.published or dt.date(2025, 1, 1)
            noon = dt.datetime.combine(day, dt.time(12), KST)
            ctx = self.d.Context(self.d.parse_ref_time(self.zones, "Asia/Seoul", int(noon.timestamp())), self.locale)
            by_label = collections.defaultdict(list)
            for r in self.d.parse(it.sentence, ctx, self.dims, False):
                label = self.DIMS.get(r.get("dim"))
                v = r.get("value") or {}
                if v.get("type") == "interval":
                    v = v.get("from") or v.get("to") or {}
                if label == "DATE":
                    value = {"value": time_value(v)}
                elif label == "MONEY" and v.get("value") is not None and v.get("unit"):
                    unit = _utf8(v["unit"])
                    value = {"amount": v["value"], "currency": self.UNITS.get(unit, unit), "approx": None}
                else:
                    continue
                by_label[label].append((r["start"], r["end"], value))
            out[key] = by_label
        return out


# ---------------------------------------------------------------------------------------------------- report

def score(items: list[Item], found, system: str) -> tuple[dict, list[str]]:
    hits = collections.Counter()
    misses = []
    for it in items:
        by_label = found[(it.sentence, it.published)]
        if it.kind == "none":
            hit = not any(s < it.end and it.start < e for lab in LABEL.values() for s, e, _ in by_label.get(lab, []))
            got = [(lab, v) for lab in LABEL.values() for s, e, v in by_label.get(lab, []) if s < it.end and it.start < e]
        else:
            got = right_end(by_label.get(LABEL[it.kind], []), it) or \
                best_overlap(by_label.get(LABEL[it.kind], []), it.start, it.end)
            hit = correct(it.kind, got, it.value)
            if it.kind == "money" and correct("money", got, it.value, approx=False):
                hits["money_amt"] += 1
        if hit:
            hits[it.kind] += 1
        else:
            misses.append(f"{system:>8} {it.kind:<5} line {it.line:<4} {it.sentence[max(0, it.start - 20):it.start]}"
                          f"[{it.text}]{it.sentence[it.end:it.end + 15]}  want {json.dumps(it.value, ensure_ascii=False)}"
                          f"  got {json.dumps(got, ensure_ascii=False, default=str)}")
    return hits, misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--misses", action="store_true", help="list every span a system got wrong")
    parser.add_argument("--no-duckling", action="store_true")
    args = parser.parse_args(argv)
    try:
        items = read_gold(args.gold)
    except GoldError as exc:
        print(exc, file=sys.stderr)
        return 2
    systems = [Krnews()]
    if not args.no_duckling:
        try:
            systems.append(Duckling())
        except ImportError:
            print("Duckling is not installed (pip install pyduckling-native-phihos): krnews only", file=sys.stderr)
    counts = collections.Counter(it.kind for it in items)
    results = {s.name: score(items, s.run(items), s.name) for s in systems}
    names = [s.name for s in systems]
    print(f"== {args.gold.name}: {len(items)} spans, {len({it.sentence for it in items})} sentences")
    print(f"{'kind':<9}{'spans':>6}" + "".join(f"{n:>12}" for n in names))
    for kind in KINDS:
        if counts[kind]:
            print(f"{kind:<9}{counts[kind]:>6}" + "".join(
                f"{results[n][0][kind]:>6} {results[n][0][kind] / counts[kind]:>5.1%}" for n in names))
    if counts["money"]:
        print(f"{'amt+cur':<9}{counts['money']:>6}" + "".join(
            f"{results[n][0]['money_amt']:>6} {results[n][0]['money_amt'] / counts['money']:>5.1%}" for n in names))
    total = len(items)
    print(f"{'all':<9}{total:>6}" + "".join(
        f"{sum(results[n][0][k] for k in KINDS):>6} {sum(results[n][0][k] for k in KINDS) / max(1, total):>5.1%}"
        for n in names))
    if args.misses:
        for n in names:
            print()
            print("\n".join(results[n][1]))
    print("summary: exact values on real news (" + f"{total} spans): " + "; ".join(
        f"{n} {sum(results[n][0][k] for k in KINDS) / max(1, total):.1%}" for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
