"""Training: a few steps on a tiny slice reproduce the whole path (DocBins → spaCy → shipped folder) in tmp_path.

The shipped model itself is never retrained by tests; see test_model.py for what it must do.
"""
from __future__ import annotations

import json

import pytest


@pytest.mark.slow
def test_a_few_steps_on_a_tiny_slice_ship_a_loadable_model(tmp_path):
    import spacy

    from pipeline.training.train import MODEL_PARTS, train_model

    out = tmp_path / "model"
    result = train_model(output=out, max_steps=4, work_dir=tmp_path / "work", limit=80,
                         overrides={"training.eval_frequency": 2})
    assert sorted(p.name for p in out.iterdir()) == sorted(p for p in MODEL_PARTS if (out / p).exists())
    assert not (out / "model-last").exists()
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["license"] == "CC BY-SA 4.0" and "KLUE" in meta["description"]
    assert meta["krnews_training"]["max_steps"] == 4
    assert sum(result.corpus.counts["train"].values()) + sum(result.corpus.counts["dev"].values()) == 80
    assert (tmp_path / "work" / "klue-val.spans.jsonl").exists()
    nlp = spacy.load(out)
    assert nlp.pipe_names == ["tok2vec", "ner"]
    assert nlp.tokenizer.__class__.__name__ == "KiwiTokenizer"
    assert type(nlp.get_pipe("ner")).__name__ == "BiluoTagger"
    labels = nlp.get_pipe("ner").labels  # BILUO tags of the entity types
    assert labels[0] == "O" and {lab.split("-", 1)[1] for lab in labels[1:]} <= {"PS", "OG", "LC", "DT", "QT", "TI"}
    doc = nlp("오세훈 서울시장은 29일 방문했다.")
    assert doc.text == "오세훈 서울시장은 29일 방문했다."


def test_the_config_uses_our_tokenizer_and_two_components():
    from spacy.util import load_config

    from pipeline.training import CONFIG_PATH

    cfg = load_config(CONFIG_PATH)
    assert cfg["nlp"]["tokenizer"] == {"@tokenizers": "krnews.KiwiTokenizer"}
    assert cfg["components"]["ner"]["factory"] == "krnews_biluo_ner"
    assert cfg["nlp"]["pipeline"] == ["tok2vec", "ner"]
    embed = cfg["components"]["tok2vec"]["model"]["embed"]
    # the morpheme vectors are found by `krnews train` (pipeline.training.train.vectors_for), not named in the file
    assert cfg["paths"]["vectors"] is None
    assert embed["@architectures"] == "krnews.MorphemeEmbed.v1" and embed["vectors_width"] == 128
