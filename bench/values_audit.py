"""Recall audit of values on the shared news corpus (issue 12): which amounts and areas does krnews not see?

Every number followed by 억, 조 or 만, every Hangul numeral amount before 원 (천원, 삼천만 원), and every number
followed by a currency word (``rules/lexicons/currencies.tsv``) or an area unit (``rules/area.yaml`` units and the
squared-unit characters ㎡ ㎢ ㏊ …) in ``corpus/news_sentences.tsv`` (``pipeline.paths.NEWS_CORPUS``) is a
*trigger*. A trigger that no MONEY, AREA or QUANTITY mention overlaps is a miss; misses are classified by what
surrounds them (a counter after the number, a currency after a parenthesis, a bare amount with or without a money
or count word before it …), counted per class and shown with examples, so the next miss is found by a program.
A QUANTITY that overlaps a bare 억/조 amount while its counter, written after a space, is not one of the counters
that make such an amount a count (``lexicons/counters.tsv``) is listed too (class ``quantity-hides``, e.g. ``3,694억
등``): a counter that is really a word of its own would hide money.

Every class left is a form not extracted on purpose; the reason is written in the rule file or lexicon named:

==========================  ==================================================================================
bare-만, bare-만:*            money.yaml header: a bare 만 is a count almost every time (관객 900만, 조회 수 20만)
bare-억조:*                   money.yaml header and money.bare_jo_marked: a plain N조 is an article of law or a group
counter-after                 quantity.yaml: 10만명당 (a rate's base), 3.1 만세운동, 211만8525 조회 (a number split)
unit-letter-or-%              counters_quantity.tsv: kW, t, kWh are measures with a scale of their own, not counts
currency:other                money.yaml (pounds of weight: 220파운드(약 99kg)), currencies.tsv (3동 is a building)
area:other                    area.yaml: 평 starting a word (2018 평창, 4·3평화공원) is no unit
hangul-amount                 money.yaml money.hangul_unit_won: 만원 관중 is a full house
==========================  ==================================================================================

    .venv/bin/python bench/values_audit.py [--examples 8] [--limit N] [--out misses.tsv]

The Extractor runs without the model (values come from rules alone) over the sentences with a trigger only,
in batches of 64 sentences (one Kiwi call per batch).
"""
from __future__ import annotations

import argparse
import collections
import csv
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import regex

from pipeline.article import Article
from pipeline.normalizers.numbers import builtin_lexicon
from pipeline.paths import BUILTIN_RULES_DIR, NEWS_CORPUS

LABELS = ("MONEY", "AREA", "QUANTITY")
NUM = r"\d+(?:[,.]\d+)*"
# squared-unit characters of Unicode's CJK compatibility block written in news for areas
SQUARE_UNITS = "㎡㎢㏊㎟㎠㎦"


def _alternation(forms) -> str:
    return "|".join(regex.escape(f) for f in sorted(forms, key=len, reverse=True))


def _area_units() -> list[str]:
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load((BUILTIN_RULES_DIR / "area.yaml").read_text(encoding="utf-8"))
    return sorted(set(data.get("units") or {}) | set(SQUARE_UNITS) | {"에이커"})


def triggers() -> dict[str, regex.Pattern]:
    currencies = _alternation(builtin_lexicon("currencies"))
    areas = _alternation(_area_units())
    units = r"(?:[십백천]?(?:만|억|조)여?\s?)*"
    return {
        "big-unit": regex.compile(rf"(?<![0-9A-Za-z.,]){NUM}\s?(?:여\s?)?[십백천]?\s?(?:억|조|만)"),
        "hangul": regex.compile(r"(?<![가-힣])[일이삼사오육칠팔구수십백천]*[십백천만억조]\s?원(?![가-힣])"),
        "currency": regex.compile(rf"(?<![0-9A-Za-z.,]){NUM}\s?{units}(?:\([^()]{{0,30}}\))?\s?(?:{currencies})"
                                  r"(?![가-힣A-Za-z])"),
        "area": regex.compile(rf"(?<![0-9A-Za-z.,]){NUM}\s?{units}(?:{areas})(?![A-Za-z])"),
    }


@dataclass(frozen=True)
class Miss:
    cls: str
    trigger: str
    line: int
    text: str
    start: int
    end: int

    def shown(self, width: int = 30) -> str:
        a, b = max(0, self.start - width), min(len(self.text), self.end + width)
        return f"{self.text[a:self.start]}[{self.text[self.start:self.end]}]{self.text[self.end:b]}"


class Classifier:
    """What surrounds a missed trigger, in words from the rule lexicons."""

    def __init__(self):
        self.counters = _alternation(builtin_lexicon("counters_quantity"))
        self.currencies = _alternation(builtin_lexicon("currencies"))
        self.money_words = _alternation(builtin_lexicon("money_context"))
        try:
            self.count_words = _alternation(builtin_lexicon("count_context"))
        except FileNotFoundError:
            self.count_words = "(?!)"
        self.areas = _alternation(_area_units())

    def __call__(self, trigger: str, text: str, start: int, end: int) -> str:
        after, before = text[end:end + 40], text[max(0, start - 15):start]
        if trigger == "hangul":
            return "hangul-amount"
        if trigger == "area":
            if regex.match(r"\s?당", after):
                return "area:per-unit(당)"
            if regex.match(r"[A-Za-z]", after):
                return "area:type-letter"
            return "area:other"
        if trigger == "currency":
            if "(" in text[start:end]:
                return "currency:after-parenthesis"
            return "currency:other"
        # big-unit
        if regex.match(r"\s?여\s?만", text[end - 1:end + 3]) or regex.search(r"여\s만", text[start:end + 2]):
            return "approx-with-space"
        if regex.match(rf"\s?(?:{self.counters})", after):
            return "counter-after"
        if regex.match(r"\s?\([^()]{0,30}\)\s?(?:" + self.currencies + ")", after):
            return "currency:after-parenthesis"
        if regex.match(rf"\s?(?:[십백천만억조]\s?)*(?:{self.currencies})", after):
            return "currency:unknown-word"
        if regex.match(rf"\s?(?:{self.areas})", after):
            return "area:unit"
        if regex.match(r"[A-Za-z%]", after):
            return "unit-letter-or-%"
        if regex.match(r"\s?(?:에|의|이다)", after) and text[end - 1] == "만" and regex.search(r"[년일월주]\s?$",
                                                                                             text[start:end - 1]):
            return "duration(만에)"
        if text[end - 1] == "만":
            return "bare-만" + (":count-word" if regex.search(self.count_words, before) else
                               ":money-word" if regex.search(self.money_words, before) else "")
        if regex.search(self.count_words, before):
            return "bare-억조:count-word"
        if regex.search(self.money_words, before):
            return "bare-억조:money-word"
        return "bare-억조:no-context-word"


def read_corpus(path: Path) -> list[tuple[int, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(i, row["text"].strip()) for i, row in enumerate(reader, 2) if (row.get("text") or "").strip()]


def audit(sentences: list[tuple[int, str]], batch: int = 64) -> tuple[list[Miss], int]:
    from pipeline import Extractor

    trig = triggers()
    found = []
    for line, text in sentences:
        hits = [(name, m.start(), m.end()) for name, rx in trig.items() for m in rx.finditer(text)]
        if hits:
            found.append((line, text, hits))
    ex = Extractor(ner=False)
    classify = Classifier()
    misses: list[Miss] = []
    n_triggers = 0
    money_counters = set(builtin_lexicon("counters"))  # counters that make an 억 amount a count (1억 명)
    arts = (Article(doc_id=f"l{line}", text=text) for line, text, _ in found)
    for (line, text, hits), result in zip(found, ex.extract_many(arts, batch_size=batch)):
        spans = [(m.label, m.start, m.end, m.extent, m.groups) for m in result.mentions if m.label in LABELS]
        for name, a, b in hits:
            n_triggers += 1
            over = [s for s in spans if s[1] < b and a < s[2]]
            if not over:
                misses.append(Miss(classify(name, text, a, b), name, line, text, a, b))
                continue
            for label, s, e, _, groups in over:
                unit = groups.get("unit")
                if label == "QUANTITY" and name == "big-unit" and unit and text[unit[0] - 1] == " " \
                        and text[a:b][-1] in "억조" and text[unit[0]:unit[1]] not in money_counters:
                    misses.append(Miss(f"quantity-hides:{text[unit[0]:unit[1]]}", name, line, text, a, e))
    return misses, n_triggers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=NEWS_CORPUS)
    parser.add_argument("--examples", type=int, default=6, help="examples shown per class")
    parser.add_argument("--limit", type=int, default=0, help="read only the first N sentences")
    parser.add_argument("--out", type=Path, help="write every miss as TSV (class, line, trigger, in context)")
    args = parser.parse_args(argv)

    sentences = read_corpus(args.corpus)
    if args.limit:
        sentences = sentences[:args.limit]
    t = time.perf_counter()
    misses, n = audit(sentences)
    seconds = time.perf_counter() - t
    by_class: dict[str, list[Miss]] = collections.defaultdict(list)
    for m in misses:
        by_class[m.cls].append(m)
    print(f"{len(sentences)} sentences, {n} triggers, {len(misses)} misses ({seconds:.0f} s)")
    for cls, items in sorted(by_class.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        print(f"\n== {cls}: {len(items)}")
        for m in items[:args.examples]:
            print(f"  line {m.line:<6} {m.shown()}")
    print(f"\nsummary: {n} amount/currency/area triggers in {len(sentences)} corpus sentences, {len(misses)} with no "
          f"MONEY, AREA or QUANTITY, in {len(by_class)} classes")
    if args.out:
        with args.out.open("w", encoding="utf-8") as f:
            f.write("class\tline\ttrigger\tcontext\n")
            for m in misses:
                f.write(f"{m.cls}\t{m.line}\t{m.trigger}\t{m.shown()}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
