"""The shipped model (pipeline/models/ner): loads offline, small, attributed, and fires through the Extractor."""
from __future__ import annotations

import json
import subprocess

import pytest

from pipeline.stages.ner import DEFAULT_MODEL, NerStage, model_available

pytestmark = pytest.mark.skipif(not model_available(), reason="no shipped model (run `krnews train`)")


@pytest.fixture(scope="module")
def ner():
    return NerStage()


# Ten plain news sentences and what KLUE would mark in them. The model is a statistical one (about 78 strict F1 on
# the validation split): the test asks for most of these entities, exactly, not for every one.
NEWS = [
    ("삼성전자는 이재용 회장이 참석한 가운데 주주총회를 열었다.", {("삼성전자", "OG"), ("이재용", "PS")}),
    ("오세훈 서울시장은 29일 부산 해운대를 방문했다.", {("29일", "DT"), ("부산 해운대", "LC")}),
    ("김현기 서울시의회 의장은 이날 기자들과 만났다.", {("김현기", "PS"), ("서울시의회", "OG"), ("이날", "DT")}),
    ("한국은행은 지난달 기준금리를 3.5%로 동결했다.", {("한국은행", "OG"), ("지난달", "DT"), ("3.5%", "QT")}),
    ("문재인 대통령은 오후 3시 청와대에서 회의를 주재했다.", {("문재인", "PS"), ("오후 3시", "TI"), ("청와대", "OG")}),
    ("현대자동차는 미국 앨라배마 공장에서 전기차 10만 대를 생산한다.",
     {("현대자동차", "OG"), ("미국 앨라배마", "LC"), ("10만 대", "QT")}),
    ("부산시는 내년 3월까지 해운대 해수욕장을 정비한다고 밝혔다.",
     {("부산시", "OG"), ("내년 3월", "DT"), ("해운대 해수욕장", "LC")}),
    ("손흥민은 토트넘 홋스퍼에서 두 골을 넣었다.", {("손흥민", "PS"), ("토트넘 홋스퍼", "OG"), ("두 골", "QT")}),
    ("네이버와 카카오는 2023년 매출 9조원을 기록했다.", {("네이버", "OG"), ("카카오", "OG"), ("2023년", "DT"), ("9조원", "QT")}),
    ("이재명 경기도지사는 수원에서 기자회견을 열었다.", {("이재명", "PS"), ("경기도", "OG"), ("수원", "LC")}),
]


def test_model_finds_most_entities_of_plain_news(ner):
    found = missed = 0
    for text, expected in NEWS:
        got = {(e.text, e.label_) for e in ner.nlp(text).ents}
        found += len(expected & got)
        missed += len(expected - got)
    assert found / (found + missed) >= 0.65, (found, missed)  # 22 of 29 when this model shipped


def test_model_folder_holds_only_what_spacy_load_needs():
    assert {p.name for p in DEFAULT_MODEL.iterdir()} <= {"config.cfg", "meta.json", "vocab", "tok2vec", "ner",
                                                        "tokenizer"}


def test_model_is_small():
    """Model plus its morpheme vectors: at most 100 MB on disk (the vectors are most of it)."""
    size = sum(p.stat().st_size for p in DEFAULT_MODEL.rglob("*") if p.is_file())
    assert size <= 100 * 1024 * 1024


def test_model_carries_the_notice_of_its_kiwi_vectors():
    notice = (DEFAULT_MODEL.parent / "NOTICE").read_text(encoding="utf-8")
    assert "Apache License, Version 2.0" in notice and "Minchul Lee" in notice
    meta = json.loads((DEFAULT_MODEL / "meta.json").read_text(encoding="utf-8"))
    assert meta["krnews_vectors"]["keys"] == "Kiwi morpheme ids" and "Apache-2.0" in meta["krnews_vectors"]["source"]


def test_model_carries_its_licence_and_attribution():
    meta = json.loads((DEFAULT_MODEL / "meta.json").read_text(encoding="utf-8"))
    assert meta["license"] == "CC BY-SA 4.0"
    assert "KLUE" in meta["description"] and "Park et al." in meta["sources"][0]["author"]
    licence = (DEFAULT_MODEL.parent / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("Attribution-ShareAlike 4.0 International")
    readme = (DEFAULT_MODEL.parent / "README.md").read_text(encoding="utf-8")
    assert "klue-ner-v1.1_dev.tsv" in readme and "CC BY-SA 4.0" in readme


def test_model_loads_offline_with_our_tokenizer(ner):
    assert ner.nlp.pipe_names == ["tok2vec", "ner"]
    assert type(ner.nlp.tokenizer).__name__ == "KiwiTokenizer"
    assert type(ner.nlp.get_pipe("ner")).__name__ == "BiluoTagger"


@pytest.mark.slow
@pytest.mark.parametrize("text, model_ents, ner_mentions", [
    # the model marks both; the rules found the same spans, so resolve keeps the rule mentions
    ("삼성전자는 이재용 회장이 참석한 가운데 주주총회를 열었다.", {("삼성전자", "OG"), ("이재용", "PS")}, set()),
    # no rule covers places: the LOCATION row comes from the model
    ("오세훈 서울시장은 29일 부산 해운대를 방문했다.", {("부산 해운대", "LC")},
     {("LOCATION", "부산 해운대", "ner.LC")}),
])
def test_ner_fires_through_the_extractor(extractor, text, model_ents, ner_mentions):
    result = extractor.extract(text, published="2024-05-29")
    assert model_ents <= {(e.text, e.label_) for e in result.analysis.doc.ents}
    assert {(m.label, m.text, m.rule_id) for m in result.mentions if m.source == "ner"} == ner_mentions
    assert all(text[m.start:m.end] == m.text for m in result.mentions)
    assert extractor.segmenter.vocab is extractor.ner.nlp.vocab  # Docs are built in the model's vocab


@pytest.mark.slow
def test_model_loads_without_network(tmp_path, ner):
    """spacy.load of the folder in a fresh process with networking variables pointing nowhere tags as the NER stage
    does in this process."""
    sentence = "삼성전자는 이재용 회장이 참석한 가운데 주주총회를 열었다."
    code = ("import pipeline.stages.segment, spacy; nlp = spacy.load(%r); "
            "print(sorted((e.text, e.label_) for e in nlp(%r).ents))" % (str(DEFAULT_MODEL), sentence))
    env = {"PATH": "/usr/bin:/bin", "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path)}
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    here = sorted((e.text, e.label_) for e in ner.nlp(sentence).ents)
    assert ("이재용", "PS") in here
    assert out.stdout.strip() == repr(here)


def test_stage_reads_labels_on_a_doc_from_another_vocab(ner):
    from pipeline.article import Analysis, Article
    from pipeline.stages.segment import Segmenter

    analysis = Analysis(Article(doc_id="d", text="오세훈 서울시장은 29일 부산 해운대를 방문했다."))
    Segmenter()(analysis)  # its own blank vocab, not the model's
    assert analysis.doc.vocab is not ner.nlp.vocab
    ner(analysis)
    assert ("LOCATION", "부산 해운대", "ner.LC") in {(m.label, m.text, m.rule_id) for m in analysis.mentions}


def test_long_doc_is_tagged_in_windows_with_the_same_entities(monkeypatch):
    """A Doc over MAX_TOKENS is tagged window by window (bounded memory) and finds the entities of tagging it whole
    (windows of 40 tokens here, 5,000 in use)."""
    from pipeline import Extractor
    from pipeline.stages import ner as ner_mod

    ex = Extractor()
    if not ex.ner.enabled:
        pytest.skip("the NER model is not shipped in this checkout")
    text = "오세훈 서울시장은 29일 한국전자통신연구원을 방문했다. 김철수 교수는 부산 해운대에서 강연했다. " * 12
    whole = [(e.start_char, e.end_char, e.label_) for e in ex.extract(text).analysis.doc.ents]
    monkeypatch.setattr(ner_mod, "MAX_TOKENS", 40)
    windowed = ex.extract(text).analysis
    assert len(windowed.doc) > 40 * 5
    got = [(e.start_char, e.end_char, e.label_) for e in windowed.doc.ents]
    assert len(whole) >= 24
    # nearly the same entities: a token at a window's start has no left context, so the model may read it
    # differently there (a window holds about three sentences here)
    same = set(got) & set(whole)
    assert len(same) >= 0.85 * len(whole) and abs(len(got) - len(whole)) <= 0.1 * len(whole)


@pytest.mark.parametrize("repeat", [1, 12])
def test_very_long_article_is_tagged_from_its_forms_like_its_whole_doc(monkeypatch, repeat):
    """An article over segment.WHOLE_DOC_FORMS gets no whole Doc; the NER stage builds the same windows from its
    forms, so its mentions (spans, labels, confidences) are those of the Doc path, and repeated windows reuse their
    arithmetic without changing a bit."""
    from pipeline import Extractor
    from pipeline.stages import ner as ner_mod
    from pipeline.stages import segment as seg_mod

    ex = Extractor()
    if not ex.ner.enabled:
        pytest.skip("the NER model is not shipped in this checkout")
    text = ("오세훈 서울시장은 29일 한국전자통신연구원을 방문했다. 김철수 교수는 부산 해운대에서 강연했다. " * repeat
            + "이재용 삼성전자 회장은 평택 공장을 찾았다. " * 3) * 4
    monkeypatch.setattr(ner_mod, "MAX_TOKENS", 40)

    def model_mentions(analysis):
        return [(m.start, m.end, m.label, m.text, m.confidence) for m in analysis.mentions if m.source == "ner"]

    whole = ex.extract(text).analysis
    assert whole.doc is not None
    monkeypatch.setattr(seg_mod, "WHOLE_DOC_FORMS", 30)
    from_forms = ex.extract(text).analysis
    assert from_forms.doc is None
    assert len(whole.forms) > 30 * 4
    got = model_mentions(from_forms)
    assert got == model_mentions(whole)
    assert {"LOCATION"} <= {lab for _, _, lab, _, _ in got} and len(got) >= 4 * repeat
    everything = [(m.start, m.end, m.label, m.value, m.source) for m in from_forms.mentions]
    assert everything == [(m.start, m.end, m.label, m.value, m.source) for m in whole.mentions]
    assert ("PERSON", "이재용") in {(m.label, m.text) for m in from_forms.mentions}
    assert all(text[a:b] == t for a, b, _, t, _ in got)
    monkeypatch.setattr(ner_mod, "REPEAT_CACHE", 0)  # every window computed again: the same bits
    assert model_mentions(ex.extract(text).analysis) == got


def test_a_word_repeated_without_end_gives_a_bounded_number_of_mentions(monkeypatch):
    """Garbage that the model reads as names over and over (the pathological file of issue 13): at most
    MAX_SAME_MENTIONS mentions per label and text, one errors row per capped text saying how many were dropped,
    the document still ok, and the real sentence after it still found."""
    import re
    from collections import Counter

    from pipeline import Extractor
    from pipeline.stages import ner as ner_mod

    ex = Extractor()
    if not ex.ner.enabled:
        pytest.skip("the NER model is not shipped in this checkout")
    monkeypatch.setattr(ner_mod, "MAX_SAME_MENTIONS", 5)
    text = "가나다라마바사 " * 3000 + "오세훈 서울시장은 2024년 5월 29일 부산을 방문했다."
    result = ex.extract(text)
    a = result.analysis
    counts = Counter((m.label, m.text) for m in a.mentions if m.source == "ner")
    assert counts and max(counts.values()) <= 5
    limits = [e for e in a.errors if e.error == "mention_limit"]
    assert limits and all(e.stage == "ner" for e in limits)
    for e in limits:
        found = re.search(r"read '(.+)' as (\w+) ([\d,]+) times.*the first 5 are mentions, the other ([\d,]+) were",
                          e.message)
        assert found, e.message
        word, label, seen, dropped = found.groups()
        assert counts[(label, word)] == 5
        assert int(seen.replace(",", "")) == 5 + int(dropped.replace(",", "")) > 5
    # the 3,000 repeats hold far more than 5 readings of some word: the cap was needed
    assert max(int(re.search(r"as \w+ ([\d,]+) times", e.message).group(1).replace(",", "")) for e in limits) > 1000
    assert a.status == "ok"
    assert ("DATE", "2024-05-29") in {(m.label, m.value["value"]) for m in a.mentions if m.label == "DATE"}
    people = [m.value for m in a.mentions if m.label == "PERSON" and m.source == "rules"]
    assert {"name": "오세훈", "title": "시장", "organization": "서울시"} in people
    assert {r["error"] for r in result.rows["errors"]} == {"mention_limit"}
