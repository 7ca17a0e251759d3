"""What the statistical NER stage costs: Extractor throughput with and without it, timed in one process.

Articles are consecutive groups of 15 sentences of the shared unlabeled corpus (``/work/shared/corpus``). Both
extractors are built first and warmed up on a few articles, then each runs over the same articles, alternately,
``--repeat`` times; the best time of each is kept (the machine is shared, the best is the least disturbed).

    python bench/ner_cost.py [--articles 300] [--repeat 2]
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

CORPUS = Path("/work/shared/corpus/news_sentences.tsv")
SENTENCES_PER_ARTICLE = 15


def build_articles(n: int, path: Path = CORPUS):
    from pipeline.article import Article

    with open(path, encoding="utf-8", newline="") as fh:
        sentences = [row["text"] for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]
    articles = []
    for i in range(n):
        chunk = sentences[i * SENTENCES_PER_ARTICLE:(i + 1) * SENTENCES_PER_ARTICLE]
        if len(chunk) < SENTENCES_PER_ARTICLE:
            break
        articles.append(Article(doc_id=f"bench-{i:04d}", text=" ".join(chunk)))
    return articles


def run_once(extractor, articles) -> tuple[float, int, float]:
    """Seconds for all articles, NER mentions found, and seconds spent inside the ner stage."""
    t0 = time.perf_counter()
    n_ner = 0
    ner_s = 0.0
    for result in extractor.extract_many(articles):
        n_ner += sum(m.source == "ner" for m in result.mentions)
        ner_s += result.analysis.timings.get("ner", 0.0)
    return time.perf_counter() - t0, n_ner, ner_s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)

    from pipeline import Extractor

    articles = build_articles(args.articles)
    chars = sum(len(a.text) for a in articles)
    with_ner, without_ner = Extractor(), Extractor(ner=False)
    if not with_ner.ner.enabled:
        print("ner_cost: no model in pipeline/models/ner (run `krnews train`)", file=sys.stderr)
        return 1
    for ex in (with_ner, without_ner):  # warm-up: Kiwi's and spaCy's first calls
        run_once(ex, articles[:5])
    best = {"with": float("inf"), "without": float("inf")}
    n_ner = ner_s = 0.0
    for _ in range(args.repeat):
        secs, n_ner, ner_s_run = run_once(with_ner, articles)
        if secs < best["with"]:
            best["with"], ner_s = secs, ner_s_run
        best["without"] = min(best["without"], run_once(without_ner, articles)[0])
    n = len(articles)
    print(f"ner_cost: {n} articles ({chars / 1000:.0f}k chars), best of {args.repeat}: "
          f"with NER {n / best['with']:.1f} art/s ({best['with']:.1f} s, ner stage {ner_s:.1f} s, "
          f"{int(n_ner)} ner mentions kept), without {n / best['without']:.1f} art/s ({best['without']:.1f} s); "
          f"NER makes the pipeline {best['with'] / best['without']:.2f}x slower")
    return 0


if __name__ == "__main__":
    sys.exit(main())
