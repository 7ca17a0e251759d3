"""Entity clustering of people across a corpus: B³ precision and recall on ``bench/data/entities_ambiguous_gold.jsonl``.

The gold set labels, for 41 names of the shared corpus (12 of them ambiguous: namesakes such as 김진태 the lawmaker,
김진태 the prosecutor and 김진태 the lawyer, or withheld names such as 김모, one person per article), which person each
PERSON mention found by the pipeline is (see ``bench/data/entities_ambiguous_gold.README.md``). Every sentence of
``news_sentences.tsv`` is an article of its own. B³ (Bagga and Baldwin 1998) over the labeled mentions: for each
mention, the share of its system cluster that is its person (precision) and the share of its person that is in its
system cluster (recall), averaged; a mention with no ``entity_id`` is a cluster of its own.

    krnews run corpus.jsonl --out OUT          # one record per sentence: {"id": "news_sentences:N", "text": …}
    .venv/bin/python bench/entities_b3.py OUT [--rebuild]

``--rebuild`` clusters the folder's mentions with the current ``pipeline.entities`` instead of reading the
``mentions.entity_id`` the run wrote.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOLD = Path(__file__).resolve().parent / "data" / "entities_ambiguous_gold.jsonl"


def b3(gold: dict, system: dict) -> tuple[float, float]:
    """gold, system: mention -> cluster label. Returns (precision, recall) averaged over the gold mentions."""
    g_members, s_members = defaultdict(set), defaultdict(set)
    for m, c in gold.items():
        g_members[c].add(m)
        s_members[system[m]].add(m)
    p = r = 0.0
    for m in gold:
        g, s = g_members[gold[m]], s_members[system[m]]
        both = len(g & s)
        p += both / len(s)
        r += both / len(g)
    n = max(1, len(gold))
    return p / n, r / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="an output folder of `krnews run` over the corpus sentences")
    ap.add_argument("--rebuild", action="store_true", help="cluster again with the current pipeline.entities")
    args = ap.parse_args()
    import pandas as pd

    mentions = pd.read_parquet(args.out / "mentions.parquet")
    if args.rebuild:
        from pipeline.entities import build_entities

        _, ids = build_entities(mentions, pd.read_parquet(args.out / "documents.parquet"))
        mentions = mentions.drop(columns=["entity_id"]).merge(ids, on=["doc_id", "mention_id"], how="left")
    eid = {(d, int(s), int(e)): x for d, s, e, x, lab in zip(mentions["doc_id"], mentions["start"], mentions["end"],
                                                            mentions["entity_id"], mentions["label"])
           if lab == "PERSON"}
    recs = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    gold, system = {}, {}
    for rec in recs:
        for m in rec["mentions"]:
            key = (m["doc_id"], m["start"], m["end"])
            gold[key] = (rec["name"], m["person"])
            found = eid.get(key)
            system[key] = found if isinstance(found, str) and found else ("single", key)
    amb = {k for rec in recs if rec["ambiguous"] for k in ((m["doc_id"], m["start"], m["end"]) for m in rec["mentions"])}
    for what, keys in (("all names", set(gold)), ("ambiguous names", amb)):
        g = {k: gold[k] for k in keys}
        p, r = b3(g, system)
        n_names = len({gold[k][0] for k in keys})
        print(f"{what}: {n_names} names, {len(keys)} mentions, {len(set(g.values()))} people: "
              f"B³ P {p:.3f} R {r:.3f} F1 {2 * p * r / (p + r) if p + r else 0:.3f}")


if __name__ == "__main__":
    main()
