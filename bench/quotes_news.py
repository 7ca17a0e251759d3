"""Quotations and their speakers on real news none of us wrote: krnews against ``bench/data/quotes_news_gold.jsonl``.

The gold set (281 sentences of KLUE dev WIKITREE news and the shared corpus, 268 quotations, annotated blind; see
``bench/data/quotes_news_gold.README.md``) is split in two halves by a hash of the sentence id: ``dev`` (errors may be
read there, to fix general mechanisms) and ``test`` (figures only). Each sentence is extracted as an article of its
own, so a second mention (오 시장) or a pronoun has no earlier sentence to resolve against.

Quote detection, as the Gender Gap Tracker and Citron report it: a predicted quotation matches a gold one of its
sentence when their overlap is at least 0.3 (0.8) of the longer of the two spans, one to one, best overlap first;
``exact`` needs the same offsets. Precision, recall and F1 at each threshold.

Speaker accuracy, over the quotations matched at 0.3: the speaker is right when the predicted speaker's span overlaps
the gold speaker's span, or, for a gold speaker with no span (unresolved), when the prediction has no speaker span
either. ``kind`` accuracy compares speaker_kind; ``cue`` compares the cue word as written.

    .venv/bin/python bench/quotes_news.py [--part dev|test|all] [--errors] [--json FILE]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOLD = Path(__file__).resolve().parent / "data" / "quotes_news_gold.jsonl"
THRESHOLDS = (0.3, 0.8)


def part_of(rec_id: str) -> str:
    return "dev" if int(hashlib.sha1(rec_id.encode("utf-8")).hexdigest(), 16) % 2 == 0 else "test"


def records(part: str) -> list[dict]:
    with open(GOLD, encoding="utf-8") as fh:
        recs = [json.loads(line) for line in fh if line.strip()]
    return [r for r in recs if part == "all" or part_of(r["id"]) == part]


def predict(recs: list[dict]) -> list[list[dict]]:
    from pipeline import Extractor
    from pipeline.article import Article

    ex = Extractor()
    arts = [Article(doc_id=r["id"], text=r["text"]) for r in recs]
    return [res.rows["quotes"] for res in ex.extract_many(arts)]


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / max(a[1] - a[0], b[1] - b[0], 1)


def match(gold: list[dict], pred: list[dict], threshold: float | None) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index), best overlap first; ``None`` means exact offsets."""
    cands = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if threshold is None:
                if (g["start"], g["end"]) == (p["start"], p["end"]):
                    cands.append((1.0, i, j))
            else:
                o = overlap((g["start"], g["end"]), (p["start"], p["end"]))
                if o >= threshold:
                    cands.append((o, i, j))
    used_g, used_p, pairs = set(), set(), []
    for o, i, j in sorted(cands, key=lambda c: (-c[0], c[1], c[2])):
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            pairs.append((i, j))
    return pairs


def speaker_right(g: dict, p: dict) -> bool:
    gs = g["speaker"]
    ps, pe = p.get("speaker_start"), p.get("speaker_end")
    if gs.get("start") is None:
        return ps is None
    return ps is not None and overlap((gs["start"], gs["end"]), (ps, pe)) > 0


def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp}


def score(recs: list[dict], preds: list[list[dict]]) -> dict:
    n_gold = sum(len(r["quotes"]) for r in recs)
    n_pred = sum(len(p) for p in preds)
    out: dict = {"sentences": len(recs), "gold": n_gold, "predicted": n_pred}
    for name, th in (("overlap_0.3", 0.3), ("overlap_0.8", 0.8), ("exact", None)):
        tp = sum(len(match(r["quotes"], p, th)) for r, p in zip(recs, preds))
        out[name] = prf(tp, n_pred, n_gold)
    matched = [(r["quotes"][i], p[j]) for r, p in zip(recs, preds) for i, j in match(r["quotes"], p, 0.3)]
    n = len(matched) or 1
    out["speaker_accuracy"] = sum(speaker_right(g, q) for g, q in matched) / n
    out["speaker_kind_accuracy"] = sum(g["speaker"]["kind"] == q["speaker_kind"] for g, q in matched) / n
    out["kind_accuracy"] = sum(g["kind"] == q["kind"] for g, q in matched) / n
    out["cue_accuracy"] = sum((g.get("cue") or "") == (q.get("cue") or "") for g, q in matched) / n
    for kind in ("direct", "indirect"):
        gold_k = [(r, [g for g in r["quotes"] if g["kind"] == kind]) for r in recs]
        tp = sum(len(match(gk, p, 0.3)) for (r, gk), p in zip(gold_k, preds))
        out[f"recall_0.3_{kind}"] = tp / max(1, sum(len(gk) for _, gk in gold_k))
    return out


def show_errors(recs: list[dict], preds: list[list[dict]]) -> None:
    for r, p in zip(recs, preds):
        pairs = match(r["quotes"], p, 0.3)
        gi = {i for i, _ in pairs}
        pj = {j for _, j in pairs}
        lines = []
        for i, g in enumerate(r["quotes"]):
            if i not in gi:
                lines.append(f"  MISSED {g['kind']} {g['quote'][:60]!r} speaker={g['speaker']['kind']}")
        for j, q in enumerate(p):
            if j not in pj:
                lines.append(f"  EXTRA  {q['kind']} {q['quote'][:60]!r} {q['rule_id']}")
        for i, j in pairs:
            g, q = r["quotes"][i], p[j]
            if not speaker_right(g, q):
                gs = g["speaker"]
                got = r["text"][q["speaker_start"]:q["speaker_end"]] if q["speaker_start"] is not None else None
                want = r["text"][gs["start"]:gs["end"]] if gs.get("start") is not None else None
                lines.append(f"  SPEAKER want {gs['kind']} {want!r} got {q['speaker_kind']} {got!r} ({q['rule_id']})")
        if lines:
            print(f"{r['id']}: {r['text'][:150]}")
            print("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", default="all", choices=("dev", "test", "all"))
    ap.add_argument("--errors", action="store_true", help="print the errors (of the dev part only)")
    ap.add_argument("--json", type=Path, help="also write the scores as JSON here")
    args = ap.parse_args()
    parts = ("dev", "test") if args.part == "all" else (args.part,)
    recs_all = records("all")
    preds_all = predict(recs_all)
    by_id = {r["id"]: p for r, p in zip(recs_all, preds_all)}
    results = {}
    for part in (*parts, "all") if args.part == "all" else parts:
        recs = [r for r in recs_all if part == "all" or part_of(r["id"]) == part]
        preds = [by_id[r["id"]] for r in recs]
        results[part] = score(recs, preds)
        s = results[part]
        print(f"{part}: {s['sentences']} sentences, {s['gold']} gold quotations, {s['predicted']} predicted")
        for name in ("overlap_0.3", "overlap_0.8", "exact"):
            m = s[name]
            print(f"  {name:12s} P {m['p']:.3f}  R {m['r']:.3f}  F1 {m['f1']:.3f}")
        print(f"  speaker accuracy {s['speaker_accuracy']:.3f}  speaker kind {s['speaker_kind_accuracy']:.3f}  "
              f"quote kind {s['kind_accuracy']:.3f}  cue {s['cue_accuracy']:.3f}  "
              f"recall@0.3 direct {s['recall_0.3_direct']:.3f} indirect {s['recall_0.3_indirect']:.3f}")
    if args.errors:
        dev = [r for r in recs_all if part_of(r["id"]) == "dev"]
        show_errors(dev, [by_id[r["id"]] for r in dev])
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
