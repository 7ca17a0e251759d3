"""The entity registry (pipeline/entities.py): clustering decisions as tables, ids from content."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.entities import build_entities, entity_id


def _frames(rows):
    """rows: (doc_id, label, text, value dict or None); mention ids numbered per document."""
    seen: dict[str, int] = {}
    out = []
    for doc, label, text, value in rows:
        seen[doc] = seen.get(doc, 0) + 1
        out.append({"doc_id": doc, "mention_id": f"m{seen[doc]:04d}", "label": label, "text": text,
                    "normalized": json.dumps(value, ensure_ascii=False) if value else ""})
    docs = sorted(seen)
    published = {d: f"2024-01-{i + 1:02d}" for i, d in enumerate(docs)}
    return pd.DataFrame(out), pd.DataFrame({"doc_id": docs, "published": [published[d] for d in docs]})


def _person(name, title=None, org=None):
    return {"name": name, "title": title, "organization": org}


CASES = [
    # 동명이인: two organizations, two people
    ([("a", "PERSON", "김민수", _person("김민수", "대표", "한빛전자")),
      ("b", "PERSON", "김민수", _person("김민수", "과장", "서울시"))],
     [("김민수", "한빛전자"), ("김민수", "서울시")]),
    # one organization across articles: one person, whatever the title
    ([("a", "PERSON", "김민수", _person("김민수", "대표", "한빛전자")),
      ("b", "PERSON", "김민수", _person("김민수", "대표", "한빛전자"))],
     [("김민수", "한빛전자"), ("김민수", "한빛전자")]),
    # an article with no organization joins the person whose title it shares
    ([("a", "PERSON", "김민수", _person("김민수", "대표", "한빛전자")),
      ("b", "PERSON", "김민수", _person("김민수", "과장", "서울시")),
      ("c", "PERSON", "김민수", _person("김민수", "과장"))],
     [("김민수", "한빛전자"), ("김민수", "서울시"), ("김민수", "서울시")]),
    # … and with two candidates and no title to tell them apart, it is a person of its own
    ([("a", "PERSON", "김민수", _person("김민수", "대표", "한빛전자")),
      ("b", "PERSON", "김민수", _person("김민수", "과장", "서울시")),
      ("c", "PERSON", "김민수", _person("김민수"))],
     [("김민수", "한빛전자"), ("김민수", "서울시"), ("김민수", "")]),
    # a surname alone, or a model's span 김 대표: the one full name of that surname in the article, never alone
    ([("a", "PERSON", "김민수", _person("김민수", "대표", "한빛전자")),
      ("a", "PERSON", "김 대표", _person("김 대표")),
      ("b", "PERSON", "김", _person("김", "대표"))],
     [("김민수", "한빛전자"), ("김민수", "한빛전자"), None]),
    # organizations: an alias is the organization it stands for; locations by their text
    ([("a", "ORG", "마이크로소프트(MS)", {"name": "마이크로소프트", "alias": "MS"}),
      ("b", "ORG", "MS", {"name": "MS"}),
      ("b", "LOCATION", "인천", None)],
     [("마이크로소프트", ""), ("마이크로소프트", ""), ("인천", "")]),
]


@pytest.mark.parametrize("rows,want", CASES, ids=["namesakes", "same-org", "title-joins", "no-guess", "surname",
                                                  "alias-location"])
def test_clusters(rows, want):
    mentions, documents = _frames(rows)
    entities, ids = build_entities(mentions, documents)
    by_mention = dict(zip(zip(ids["doc_id"], ids["mention_id"]), ids["entity_id"]))
    got = []
    for (_, row), (_, label, _, _) in zip(mentions.iterrows(), rows):
        eid = by_mention.get((row["doc_id"], row["mention_id"]))
        if eid is None:
            got.append(None)
            continue
        ent = entities[entities["entity_id"] == eid].iloc[0]
        key = ent["organizations"] if label == "PERSON" and pd.notna(ent["organizations"]) else ""
        got.append((ent["name"], key if label == "PERSON" else ""))
    # a person's organizations column lists what its articles wrote: compare the cluster's key organization
    assert [g if g is None else (g[0], g[1].split(" | ")[0] if g[1] else "") for g in got] == want


def test_entity_columns_and_dates():
    mentions, documents = _frames([("a", "ORG", "한은", {"name": "한국은행"}),
                                   ("b", "ORG", "한국은행", {"name": "한국은행"}),
                                   ("b", "ORG", "한국은행", {"name": "한국은행"})])
    entities, _ = build_entities(mentions, documents)
    row = entities.iloc[0]
    assert (row["entity_id"], row["name"], row["aliases"], row["n_docs"], row["n_mentions"], row["first_published"],
            row["last_published"]) == (entity_id("ORG", "한국은행"), "한국은행", "한은", 2, 3, "2024-01-01",
                                       "2024-01-02")


def test_ids_do_not_depend_on_order_or_other_entities():
    rows = [("a", "PERSON", "김민수", _person("김민수", "대표", "한빛전자")), ("b", "ORG", "한빛전자", {"name": "한빛전자"})]
    first, _ = build_entities(*_frames(rows))
    more, _ = build_entities(*_frames(list(reversed(rows)) + [("c", "ORG", "서울시", {"name": "서울시"})]))
    assert set(first["entity_id"]) <= set(more["entity_id"])
    assert entity_id("PERSON", "김민수", "한빛전자") in set(first["entity_id"])


def test_result_tables_carry_entity_ids(extractor):
    tables = extractor.extract("이재용 삼성전자 회장은 20일 출국했다.", doc_id="t").tables()
    m = tables["mentions"]
    person = m[m["label"] == "PERSON"].iloc[0]
    assert person["entity_id"] == entity_id("PERSON", "이재용", "삼성전자")
    ents = tables["entities"].set_index("entity_id")
    assert (ents.loc[person["entity_id"], "name"], ents.loc[person["entity_id"], "titles"]) == ("이재용", "회장")


@pytest.mark.slow
def test_ids_stable_across_incremental_runs(tmp_path):
    """A re-run that adds an article keeps the ids of the entities it does not touch; mentions carry them."""
    from pipeline.engines.local import run_local

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("이재용 삼성전자 회장은 20일 출국했다.", encoding="utf-8")
    (src / "b.txt").write_text("한국은행은 기준금리를 동결했다. 이창용 한국은행 총재가 설명했다.", encoding="utf-8")
    out = tmp_path / "out"
    run_local([src], out, workers=1, formats=["parquet"])
    before = pd.read_parquet(out / "entities.parquet").set_index("entity_id")
    (src / "c.txt").write_text("김민수 한빛전자 대표는 신제품을 공개했다.", encoding="utf-8")
    run_local([src], out, workers=1, formats=["parquet"])
    after = pd.read_parquet(out / "entities.parquet").set_index("entity_id")
    assert set(before.index) < set(after.index)
    assert entity_id("PERSON", "김민수", "한빛전자") in after.index
    mentions = pd.read_parquet(out / "mentions.parquet")
    people = mentions[mentions["label"] == "PERSON"]
    assert people["entity_id"].notna().all() and set(people["entity_id"]) <= set(after.index)


@pytest.mark.parametrize("orgs,same", [
    (("국방부", "국방"), True),  # one contains the other: one person
    (("철도노조위원회", "노조위원회"), True),
    (("국방부", "동아일보"), False),  # 동명이인
])
def test_organizations_that_contain_one_another_agree(orgs, same):
    rows = [(f"d{i}", "PERSON", "김병관", _person("김병관", "장관", o)) for i, o in enumerate(orgs)]
    mentions, documents = _frames(rows)
    _, ids = build_entities(mentions, documents)
    assert (ids["entity_id"].nunique() == 1) == same


def test_withheld_names_are_one_person_per_article():
    rows = [("a", "PERSON", "김모", _person("김모")), ("a", "PERSON", "김모", _person("김모")),
            ("b", "PERSON", "김모", _person("김모"))]
    mentions, documents = _frames(rows)
    _, ids = build_entities(mentions, documents)
    assert list(ids.sort_values(["doc_id", "mention_id"])["entity_id"]) == [
        entity_id("PERSON", "김모", "doc:a"), entity_id("PERSON", "김모", "doc:a"), entity_id("PERSON", "김모", "doc:b")]
