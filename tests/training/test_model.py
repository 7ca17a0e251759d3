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


@pytest.mark.parametrize("text, expected", [
    ("오세훈 서울시장은 29일 한국전자통신연구원을 방문했다.", {("오세훈", "PS"), ("한국전자통신연구원", "OG")}),
    ("삼성전자는 이재용 회장이 참석한 가운데 주주총회를 열었다.", {("삼성전자", "OG"), ("이재용", "PS")}),
])
def test_model_finds_people_and_organizations(ner, text, expected):
    doc = ner.nlp(text)
    assert expected <= {(e.text, e.label_) for e in doc.ents}


def test_model_folder_holds_only_what_spacy_load_needs():
    assert {p.name for p in DEFAULT_MODEL.iterdir()} <= {"config.cfg", "meta.json", "vocab", "tok2vec", "ner",
                                                        "tokenizer"}


def test_model_is_small():
    size = sum(p.stat().st_size for p in DEFAULT_MODEL.rglob("*") if p.is_file())
    assert size <= 30 * 1024 * 1024


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


@pytest.mark.slow
@pytest.mark.parametrize("text, model_ents, ner_mentions", [
    # the model marks all three; the rules found the same spans, so resolve keeps the rule mentions
    ("오세훈 서울시장은 29일 한국전자통신연구원을 방문했다.",
     {("오세훈", "PS"), ("한국전자통신연구원", "OG")}, set()),
    # no rule covers places: the LOCATION row comes from the model
    ("오세훈 서울시장은 29일 부산 해운대를 방문했다.", {("오세훈", "PS"), ("부산 해운대", "LC")},
     {("LOCATION", "부산 해운대", "ner.LC")}),
])
def test_ner_fires_through_the_extractor(extractor, text, model_ents, ner_mentions):
    result = extractor.extract(text, published="2024-05-29")
    assert model_ents <= {(e.text, e.label_) for e in result.analysis.doc.ents}
    assert {(m.label, m.text, m.rule_id) for m in result.mentions if m.source == "ner"} == ner_mentions
    assert all(text[m.start:m.end] == m.text for m in result.mentions)
    assert extractor.segmenter.vocab is extractor.ner.nlp.vocab  # Docs are built in the model's vocab


@pytest.mark.slow
def test_model_loads_without_network(tmp_path):
    """spacy.load of the folder in a fresh process with networking variables pointing nowhere."""
    code = ("import pipeline.stages.segment, spacy; nlp = spacy.load(%r); "
            "print(sorted({e.label_ for e in nlp('오세훈 서울시장은 한국전자통신연구원을 방문했다.').ents}))" % str(DEFAULT_MODEL))
    env = {"PATH": "/usr/bin:/bin", "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path)}
    import sys

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "PS" in out.stdout


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
    # the same spans; a label may differ where a window starts without the previous sentence as context
    assert [g[:2] for g in got] == [w[:2] for w in whole]
    assert sum(g == w for g, w in zip(got, whole)) >= 0.8 * len(whole)
