"""Which model PERSON mentions deserve a row of ``people``: precision and recall of the evidence policy of the link
stage (``LinkStage.min_confidence``, ``min_confidence_name``) on real news that none of us wrote.

Scored against the PS spans of ``bench/data/ner_news_gold.jsonl`` (strict: the name's exact span). Every PERSON
mention of the pipeline is a candidate row; a row is kept when a rule found it, a title is attached, or its
confidence reaches the threshold for its shape (a Hangul name of surname shape, or anything else). The script
prints the policy's P/R/F1 for a grid of thresholds, so the defaults are chosen by measurement:

    .venv/bin/python bench/people_rows.py [--part dev|test|all]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOLD = Path(__file__).resolve().parent / "data" / "ner_news_gold.jsonl"


def candidates(part: str) -> tuple[list[tuple], int]:
    """(correct, from_rule, has_title, name_shape, confidence) per PERSON mention, and the number of gold PS."""
    from pipeline.article import Article
    from pipeline.extractor import Extractor

    recs = [json.loads(line) for line in open(GOLD, encoding="utf-8") if line.strip()]
    recs = [r for r in recs if part == "all" or r["part"] == part]
    ex = Extractor()
    link = next(s for s in ex.stages if getattr(s, "name", "") == "link")
    out = []
    n_gold = 0
    articles = [Article(doc_id=r["id"], text=r["text"]) for r in recs]
    for rec, res in zip(recs, ex.extract_many(articles)):
        gold = {(e["start"], e["end"]) for e in rec["entities"] if e["label"] == "PS"}
        n_gold += len(gold)
        for m in res.mentions:
            if m.label != "PERSON":
                continue
            v = m.value or {}
            if link._names_nobody(v.get("name") or m.text):
                continue  # never a row, whatever the thresholds (a surname alone, 김모, A씨)
            out.append(((m.start, m.end) in gold, m.source == "rules", bool(v.get("title")),
                        link._is_name_shape(v.get("name") or m.text), m.confidence or 0.0))
    return out, n_gold


def score(cands, n_gold, t_name: float, t_other: float) -> tuple[float, float, float]:
    kept = [c for c in cands if c[1] or c[2] or c[4] >= (t_name if c[3] else t_other)]
    tp = sum(1 for c in kept if c[0])
    p = tp / len(kept) if kept else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", default="dev", choices=("dev", "test", "all"))
    args = ap.parse_args()
    from pipeline.stages.link import LinkStage

    cands, n_gold = candidates(args.part)
    p, r, f = score(cands, n_gold, 0.0, 0.0)
    print(f"[{args.part}] {len(cands)} PERSON mentions, {n_gold} gold PS; every mention a row: P {p:.3f} R {r:.3f} "
          f"F1 {f:.3f}")
    print("t_name t_other      P      R     F1   (a row needs: rule, title, or confidence >= t)")
    for t_name in (0.0, 0.5, 0.7, 0.9):
        for t_other in (0.0, 0.8, 0.9, 0.95, 0.99, 0.995, 1.01):
            p, r, f = score(cands, n_gold, t_name, t_other)
            mark = "  <- default" if (t_name, t_other) == (LinkStage.MIN_CONFIDENCE_NAME, LinkStage.MIN_CONFIDENCE) else ""
            print(f"  {t_name:4.2f}  {t_other:5.3f}  {p:.3f}  {r:.3f}  {f:.3f}{mark}")


if __name__ == "__main__":
    main()
