"""krnews against Duckling on Korean news phrases: dates and money, each resolved against its publication date.

``bench/data/phrases.tsv`` (the development set, written alongside the rules) and ``phrases_heldout.tsv`` (written
blind to the rules, scored 98.3 % before the two fixes it prompted) hold the phrases (written for this project): ``phrase``, ``published``, ``dimension``
(``date`` or ``money``) and ``expected`` — a date value in the ``dates.value`` format (2024-05-29, 2024-05, 2024,
2024-Q3, 2024-H2, 2024-W23) or an amount with its ISO currency (``365900000000 KRW``). A system scores a phrase
when any value it extracts for that dimension equals the expected one. Duckling's time values are read at their
grain (day → 2024-05-29, month → 2024-05, quarter → 2024-Q3, week → 2024-W23); it has no half-year grain.

    .venv/bin/pip install pyduckling-native-phihos   # bench-only (make bench installs the [bench] extra)
    .venv/bin/python bench/duckling_compare.py [--errors]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PHRASES = Path(__file__).resolve().parent / "data" / "phrases.tsv"
# written by an engineer who had not seen the rule files, to measure what the development set cannot
HELDOUT = Path(__file__).resolve().parent / "data" / "phrases_heldout.tsv"
KST = "Asia/Seoul"
DIMENSIONS = ("date", "money")
DUCKLING_DIMS = {"date": "time", "money": "amount-of-money"}
# Duckling writes some currencies as symbols
DUCKLING_UNITS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₩": "KRW"}


@dataclass(frozen=True)
class Phrase:
    line: int
    text: str
    published: dt.date
    dimension: str
    expected: str


def read_phrases(path: Path = PHRASES) -> list[Phrase]:
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE), 2):
            if row["dimension"] not in DIMENSIONS:
                raise SystemExit(f"{path}:{line}: dimension must be one of {DIMENSIONS}, got {row['dimension']!r}")
            out.append(Phrase(line, row["phrase"], dt.date.fromisoformat(row["published"]), row["dimension"],
                              row["expected"].strip()))
    return out


def same(got: str, expected: str, dimension: str) -> bool:
    if dimension == "date":
        return got == expected
    try:
        amount, currency = got.split()
        want_amount, want_currency = expected.split()
        return currency == want_currency and math.isclose(float(amount), float(want_amount), rel_tol=1e-9)
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------------- krnews

class Krnews:
    name = "krnews"

    def __init__(self):
        from pipeline import Extractor

        self.extractor = Extractor(ner=False)  # DATE and MONEY come from the rule stage alone

    def values(self, phrase: Phrase) -> list[str]:
        rows = self.extractor.extract(phrase.text, published=phrase.published, doc_id=f"l{phrase.line}").rows
        if phrase.dimension == "date":
            return [r["value"] for r in rows.get("dates", []) if r.get("value")]
        return [f"{r['amount']} {r['currency']}" for r in rows.get("money", [])
                if r.get("amount") is not None and r.get("currency")]


# -------------------------------------------------------------------------------------------------- duckling

class Duckling:
    name = "Duckling"

    def __init__(self):
        try:
            import duckling
        except ImportError:
            raise SystemExit("Duckling is not installed: .venv/bin/pip install pyduckling-native-phihos") from None
        self.d = duckling
        self.zones = duckling.load_time_zones("/usr/share/zoneinfo")
        lang = duckling.parse_lang("KO")
        self.locale = duckling.parse_locale("KO_KR", duckling.default_locale_lang(lang))
        self.dims = {k: duckling.parse_dimensions([v]) for k, v in DUCKLING_DIMS.items()}

    def values(self, phrase: Phrase) -> list[str]:
        d = self.d
        # noon KST on the publication day: the reference time of a news reader
        noon = dt.datetime.combine(phrase.published, dt.time(12), dt.timezone(dt.timedelta(hours=9)))
        context = d.Context(d.parse_ref_time(self.zones, KST, int(noon.timestamp())), self.locale)
        results = d.parse(phrase.text, context, self.dims[phrase.dimension], False)
        out = []
        for r in results:
            if r.get("dim") != DUCKLING_DIMS[phrase.dimension]:
                continue
            v = r.get("value") or {}
            if v.get("type") == "interval":  # read an interval at its start (its end when open-ended)
                v = v.get("from") or v.get("to") or {}
            value = time_value(v) if phrase.dimension == "date" else money_value(v)
            if value:
                out.append(value)
        return out


def time_value(v: dict) -> str | None:
    """A Duckling time value at its grain, in the ``dates.value`` format."""
    if "value" not in v:
        return None
    t = dt.datetime.fromisoformat(v["value"].replace("Z", "+00:00"))
    grain = v.get("grain", "day")
    if grain == "year":
        return f"{t.year:04d}"
    if grain == "quarter":
        return f"{t.year:04d}-Q{(t.month - 1) // 3 + 1}"
    if grain == "month":
        return f"{t.year:04d}-{t.month:02d}"
    if grain == "week":
        y, w, _ = t.date().isocalendar()
        return f"{y:04d}-W{w:02d}"
    return t.date().isoformat()  # day, hour, minute, second: the date


def _utf8(s: str) -> str:
    """The bindings hand back UTF-8 bytes read as Latin-1 (£ arrives as Â£); undo that."""
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def money_value(v: dict) -> str | None:
    if v.get("value") is None or not v.get("unit"):
        return None
    unit = _utf8(v["unit"])
    return f"{float(v['value'])} {DUCKLING_UNITS.get(unit, unit)}"


# ------------------------------------------------------------------------------------------------------ main

def compare(path: Path, systems: list, show_errors: bool) -> tuple[dict[str, int], int, str]:
    """Score every system on one phrase file; prints its table and returns (hits per system, phrases, counts)."""
    phrases = read_phrases(path)
    hits = {s.name: {dim: 0 for dim in DIMENSIONS} for s in systems}
    seconds = {s.name: 0.0 for s in systems}
    misses: list[str] = []
    for p in phrases:
        for s in systems:
            t = time.perf_counter()
            got = s.values(p)
            seconds[s.name] += time.perf_counter() - t
            if any(same(g, p.expected, p.dimension) for g in got):
                hits[s.name][p.dimension] += 1
            else:
                misses.append(f"{s.name:>8}  line {p.line:<4} {p.dimension:<5} {p.text}  "
                              f"(published {p.published}) expected {p.expected}, got {got or 'nothing'}")

    counts = {dim: sum(p.dimension == dim for p in phrases) for dim in DIMENSIONS}
    names = [s.name for s in systems]
    print(f"== {path.name}")
    print(f"{'dimension':<10}{'phrases':>8}" + "".join(f"{n:>12}" for n in names))
    for dim in DIMENSIONS:
        print(f"{dim:<10}{counts[dim]:>8}" + "".join(f"{hits[n][dim] / max(1, counts[dim]):>12.1%}" for n in names))
    total = {n: sum(hits[n].values()) for n in names}
    print(f"{'all':<10}{len(phrases):>8}" + "".join(f"{total[n] / max(1, len(phrases)):>12.1%}" for n in names))
    print(f"{'ms/phrase':<10}{'':>8}" + "".join(f"{1000 * seconds[n] / max(1, len(phrases)):>12.1f}" for n in names))
    if show_errors and misses:
        print()
        print("\n".join(misses))
    print()
    return total, len(phrases), f"{counts['date']} dates, {counts['money']} money"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phrases", type=Path, nargs="+", default=[PHRASES, HELDOUT],
                        help="phrase files (default: the development set and the held-out set)")
    parser.add_argument("--errors", action="store_true", help="list every phrase a system got wrong")
    args = parser.parse_args(argv)

    systems = [Krnews(), Duckling()]
    parts = []
    for path in args.phrases:
        total, n, counts = compare(path, systems, args.errors)
        a, b = (s.name for s in systems)
        parts.append(f"{path.stem} ({n}: {counts}) {a} {total[a] / n:.1%} vs {b} {total[b] / n:.1%}")
    print("summary: exact values, each phrase read against its publication date: " + "; ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
