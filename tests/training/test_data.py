"""Conversion of KLUE spans to spaCy Docs over Kiwi forms: entities kept, alignment outcomes counted."""
from __future__ import annotations

import json

import pytest

from pipeline.training.data import AlignmentStats, align_entities, build_corpus, make_example_doc, split_of


@pytest.fixture(scope="module")
def nlp():
    from pipeline.stages.segment import blank_nlp

    return blank_nlp()


def ent(text: str, surface: str, label: str, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return {"start": start, "end": start + len(surface), "label": label, "text": surface}


def rec(text: str, *ents: tuple) -> dict:
    return {"id": "t", "source": "wikitree", "text": text, "entities": [ent(text, *e) for e in ents]}


@pytest.mark.parametrize("record, expected", [
    # a name glued to a particle or 씨 is split by Kiwi: the span is kept as it is
    (rec("경찰은 관리한 박씨의 딸(32)과 16명을 입건했다.", ("경찰", "OG"), ("박", "PS"), ("32", "QT"), ("16명", "QT")),
     [("경찰", "OG"), ("박", "PS"), ("32", "QT"), ("16명", "QT")]),
    (rec("오세훈 서울시장은 29일 한국전자통신연구원을 방문했다.", ("오세훈", "PS"), ("29일", "DT"),
         ("한국전자통신연구원", "OG")),
     [("오세훈", "PS"), ("29일", "DT"), ("한국전자통신연구원", "OG")]),
])
def test_aligned_entities_are_kept(nlp, record, expected):
    stats = AlignmentStats()
    doc = make_example_doc(nlp, record, stats)
    assert [(e.text, e.label_) for e in doc.ents] == expected
    assert stats.outcomes["exact"] == len(expected) and stats.total == len(expected)


def test_whitespace_at_an_edge_is_trimmed(nlp):
    text = "서울 중구 퇴계로 2가에서"
    record = {"id": "t", "text": text, "entities": [{"start": 5, "end": 12, "label": "LC"}]}  # " 퇴계로 2가"
    stats = AlignmentStats()
    doc = make_example_doc(nlp, record, stats)
    assert [(e.text, e.label_) for e in doc.ents] == [("퇴계로 2가", "LC")]
    assert stats.outcomes == {"trimmed": 1}


@pytest.mark.parametrize("text, surface, label, ours", [
    # Kiwi reads 11개국 as 11 | 개국: the quantity widens to the whole form (at most twice the entity)
    ("세계 11개국 정상이 모였다.", "11개", "QT", "11개국"),
    # 서울시장 is one form: the organization 서울시 can only be marked with its title
    ("오세훈 서울시장은 29일 방문했다.", "서울시", "OG", "서울시장"),
])
def test_entity_inside_a_longer_form_is_expanded(nlp, text, surface, label, ours):
    doc = nlp.make_doc(text)
    stats = AlignmentStats()
    kept, missing = align_entities(doc, [ent(text, surface, label)], stats)
    assert stats.outcomes == {"expanded": 1}
    assert [(s.text, s.label_) for s in kept] == [(ours, label)] and missing == []


def test_two_entities_in_one_form_are_lost_and_marked_missing(nlp):
    text = "남북 정상이 만났다."
    doc = nlp.make_doc(text)
    assert doc.char_span(0, 1) is None  # the premise: Kiwi keeps 남북 whole
    stats = AlignmentStats()
    kept, missing = align_entities(doc, [ent(text, "남", "OG"), ent(text, "북", "OG")], stats)
    assert stats.outcomes == {"lost": 2} and kept == []
    assert [s.text for s in missing] == ["남북"]
    doc.set_ents(kept, missing=missing, default="outside")
    assert doc[0].ent_iob_ == "" and doc[1].ent_iob_ == "O"  # missing (not taught as "no entity"), then outside


@pytest.mark.parametrize("sentence_id, split", [
    ("klue-ner-v1_dev_00000-wikitree", "train"),
    ("klue-ner-v1_dev_00003-wikitree", split_of("klue-ner-v1_dev_00003-wikitree")),
])
def test_split_is_a_fixed_function_of_the_id(sentence_id, split):
    assert split_of(sentence_id) == split in ("train", "dev")


def test_split_is_about_ten_percent():
    ids = [f"klue-ner-v1_dev_{i:05d}-wikitree" for i in range(5000)]
    share = sum(split_of(i) == "dev" for i in ids) / len(ids)
    assert 0.08 < share < 0.12


def test_build_corpus_writes_docbins_and_validation_spans(tmp_path):
    from spacy.tokens import DocBin

    from pipeline.stages.segment import blank_nlp

    src = tmp_path / "gold.jsonl"
    records = [rec("오세훈 서울시장은 29일 방문했다.", ("오세훈", "PS"), ("29일", "DT")) | {"id": f"s{i}"}
               for i in range(30)]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    built = build_corpus(tmp_path / "corpus", src, val_spans=tmp_path / "val.jsonl")
    n_dev = sum(split_of(f"s{i}") == "dev" for i in range(30))
    assert sum(built.counts["dev"].values()) == n_dev
    assert len((tmp_path / "val.jsonl").read_text(encoding="utf-8").splitlines()) == n_dev
    docs = list(DocBin().from_disk(built.train).get_docs(blank_nlp().vocab))
    assert len(docs) == 30 - n_dev
    assert [(e.text, e.label_) for e in docs[0].ents] == [("오세훈", "PS"), ("29일", "DT")]
    assert docs[0][0].tag_  # Kiwi tags travel with the Doc
    assert built.alignment["train"].outcomes["exact"] == 2 * (30 - n_dev)


@pytest.mark.parametrize("text, surface, label, outcome, kept", [
    # one character more at most: 11개 may stand for the form 11개국 …
    ("세계 11개국 정상이 모였다.", "11개", "QT", "expanded", "11개국"),
    # … but 서울 does not become the form 서울시장: it is left unannotated (missing), not taught as an entity
    ("오세훈 서울시장은 현장을 방문했다.", "서울", "LC", "lost", None),
])
def test_expansion_adds_at_most_one_character(nlp, text, surface, label, outcome, kept):
    doc = nlp.make_doc(text)
    stats = AlignmentStats()
    spans, missing = align_entities(doc, [ent(text, surface, label)], stats)
    assert stats.outcomes == {outcome: 1}
    assert [s.text for s in spans] == ([kept] if kept else [])
    assert (missing != []) == (kept is None)
