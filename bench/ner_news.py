"""People, organizations and places on real news that none of us wrote: krnews against ``bench/data/ner_news_gold.jsonl``.

The gold set (650 sentences of the shared corpus, KLUE news text, labeled PS/OG/LC by two annotators who saw none of
our code; see ``bench/data/ner_news_gold.README.md``) is split in two: ``dev`` (325 sentences, the ones we may read
errors on) and ``test`` (325, figures only). The script scores the whole pipeline (the ``mentions`` PERSON, ORG,
LOCATION, mapped to PS, OG, LC) and the bare model, strict (exact span) and lenient (overlap), per part.

    .venv/bin/python bench/ner_news.py [--part dev|test|all] [--model DIR] [--errors]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOLD = Path(__file__).resolve().parent / "data" / "ner_news_gold.jsonl"
LABELS = ("PS", "OG", "LC")


def records(part: str) -> list[dict]:
    with open(GOLD, encoding="utf-8") as fh:
        recs = [json.loads(line) for line in fh if line.strip()]
    return [r for r in recs if part == "all" or r["part"] == part]


def restrict(predict):
    def run(batch):
        return [[s for s in spans if s.label in LABELS] for spans in predict(batch)]
    return run


def errors(recs, predict) -> None:
    for rec, spans in zip(recs, predict(recs)):
        text = rec["text"]
        gold = {(e["start"], e["end"], e["label"]) for e in rec["entities"]}
        pred = {(s.start, s.end, s.label) for s in spans}
        for s, e, lab in sorted(gold - pred):
            print(f"FN {lab} {text[s:e]!r} | {text[max(0, s - 20):e + 20]}")
        for s, e, lab in sorted(pred - gold):
            print(f"FP {lab} {text[s:e]!r} | {text[max(0, s - 20):e + 20]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", default="all", choices=("dev", "test", "all"))
    ap.add_argument("--model", type=Path, default=None, help="score this model folder (model-only row)")
    ap.add_argument("--errors", action="store_true", help="list the pipeline's misses (dev part only)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    from pipeline.training.evaluate import evaluate_records, model_predictor, pipeline_predictor

    recs = records(args.part)
    rows = {}
    for name, predict in (("pipeline", pipeline_predictor()), ("model only", model_predictor(args.model))):
        predict = restrict(predict)
        if args.errors and name == "pipeline":
            errors([r for r in recs if r["part"] == "dev"], predict)
        scores = evaluate_records(recs, predict)
        rows[name] = scores.as_dict()
        cells = []
        for lab in LABELS:
            s = scores.labels[lab].strict
            cells.append(f"{lab} {s.f1 * 100:5.1f} (P {s.precision * 100:4.1f} R {s.recall * 100:4.1f})")
        m = scores.micro
        print(f"{name:10} [{args.part}, {len(recs)} sentences]  " + "  ".join(cells)
              + f"  micro strict {m.strict.f1 * 100:.1f} lenient {m.lenient.f1 * 100:.1f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
