"""Precision audit of the people table on real news (issue 11): are the rows people, with the right name, title and
organization? Two steps, so that the judging is blind to the code:

    .venv/bin/python bench/people_audit.py sample   # writes bench/data/people_audit_sample.jsonl
    (a judge who has not seen the code fills bench/data/people_audit_judged.jsonl, see its README)
    .venv/bin/python bench/people_audit.py score    # precision and the kinds of misses

``sample`` runs the Extractor over sentences of the shared corpus drawn with a fixed seed, each sentence an article
of its own, until 300 of them have given people rows, and draws 200 of those rows with a fixed seed. The corpus
holds sentences, not articles, and consecutive sentences come from different stories: the first round
(``people_audit_r1_*``, 15 consecutive sentences an article) let second mentions link across stories (강씨 became
an actor named earlier), which no real article does. Each sampled row carries its context (the row's sentence) and what krnews wrote: name, title, organization.
``score`` counts a row right when the judge says it is a person, its name is written right (boundaries too), and
its title and organization are right where given (a missing title or organization is not a miss; a wrong one is).
"""
from __future__ import annotations

import argparse
import collections
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

DATA = Path(__file__).resolve().parent / "data"
SAMPLE = DATA / "people_audit_sample.jsonl"
JUDGED = DATA / "people_audit_judged.jsonl"
SEED = 20261213  # round 2; round 1 used 20261203
N_ARTICLES = 300
N_ROWS = 200


def sample() -> None:
    from _corpus import sentences

    from pipeline.extractor import Extractor

    rng = random.Random(SEED)
    pool = sentences()
    order = rng.sample(range(len(pool)), len(pool))
    ex = Extractor()
    rows = []
    with_people = 0
    for i in order:
        if with_people == N_ARTICLES:
            break
        text = pool[i]
        result = ex.extract(text, doc_id=f"corpus-sentence-{i:05d}")
        analysis = result.analysis
        with_people += bool(result.rows["people"])
        for r in result.rows["people"]:
            sent = analysis.sentences[analysis.sentence_at(r["start"])]
            rows.append({"doc_id": r["doc_id"], "mention_id": r["mention_id"], "text": r["text"],
                         "name": r["name"], "title": r["title"], "organization": r["organization"],
                         "sentence": text[sent.start:sent.end]})
    picked = sorted(rng.sample(range(len(rows)), min(N_ROWS, len(rows))))
    with open(SAMPLE, "w", encoding="utf-8") as f:
        for k in picked:
            f.write(json.dumps({"id": f"p{k:05d}", **rows[k]}, ensure_ascii=False) + "\n")
    print(f"{len(rows)} people rows in {with_people} articles (sentences) with people; {len(picked)} drawn into "
          f"{SAMPLE}")


def score() -> None:
    want = {json.loads(line)["id"]: json.loads(line) for line in open(SAMPLE, encoding="utf-8") if line.strip()}
    judged = [json.loads(line) for line in open(JUDGED, encoding="utf-8") if line.strip()]
    missing = set(want) - {j["id"] for j in judged}
    if missing:
        print(f"{len(missing)} sampled rows not judged yet")
    kinds = collections.Counter()
    right = 0
    for j in judged:
        if not j["person"]:
            kinds["not a person"] += 1
        elif not j["name_ok"]:
            kinds["a person, name written wrong"] += 1
        elif j.get("title_ok") is False:
            kinds["title wrong"] += 1
        elif j.get("organization_ok") is False:
            kinds["organization wrong"] += 1
        else:
            right += 1
    n = len(judged)
    print(f"people rows right: {right}/{n} = {right / n:.1%} (target 95%)")
    for kind, count in kinds.most_common():
        print(f"  {kind}: {count}")
        for j in [j for j in judged if _kind(j) == kind][:8]:
            row = want.get(j["id"], {})
            print(f"     {row.get('text')!r} → {row.get('name')} / {row.get('title')} / {row.get('organization')}"
                  f"  ({j.get('note', '')})")


def _kind(j: dict) -> str:
    if not j["person"]:
        return "not a person"
    if not j["name_ok"]:
        return "a person, name written wrong"
    if j.get("title_ok") is False:
        return "title wrong"
    if j.get("organization_ok") is False:
        return "organization wrong"
    return "right"


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("sample", "score"))
    step = ap.parse_args().step
    sample() if step == "sample" else score()
