"""Train the NER model from ``config.cfg`` and ship it: ``krnews train`` rebuilds ``pipeline/models/ner``.

The steps: KLUE spans → ``build/corpus/{train,dev}.spacy`` and ``build/klue-val.spans.jsonl`` (``data.py``), then
spaCy's own training loop on the config (fixed seed), then the best checkpoint is copied to ``--output`` with only
what ``spacy.load`` needs, and its ``meta.json`` gets the description and the CC BY-SA 4.0 attribution.

>>> from pipeline.training.train import train_model  # doctest: +SKIP
>>> train_model(output=Path("build/ner-try"), max_steps=200)  # doctest: +SKIP
"""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pipeline.stages.segment  # noqa: F401  (registers our tokenizers and krnews_biluo_ner before spaCy reads a config)
from pipeline.paths import MODELS_DIR, REPO_DIR
from pipeline.training import CONFIG_PATH
from pipeline.training.data import DEFAULT_SOURCE, BuiltCorpus, build_corpus

BUILD_DIR = REPO_DIR / "build"
SHIPPED_MODEL = MODELS_DIR / "ner"
# What spacy.load reads; model-last, training logs and anything else stay in the work folder.
MODEL_PARTS = ("config.cfg", "meta.json", "vocab", "tok2vec", "ner", "tokenizer")

META = {
    "name": "krnews_ner",
    "version": "1.0.0",
    "description": ("krnews statistical NER: spaCy tok2vec + a BILUO tagger (krnews_biluo_ner) over Kiwi surface forms "
                    "(tokenizer krnews.KiwiTokenizer), trained on about 90% of the KLUE-NER v1.1 dev split (KLUE, Park et al. "
                    "2021). Labels PS, OG, LC, DT, QT, TI. Derived work of KLUE-NER, licensed CC BY-SA 4.0; see "
                    "pipeline/models/README.md for the attribution and the changes made."),
    "license": "CC BY-SA 4.0",
    "author": "krnews",
    "sources": [{
        "name": "KLUE-NER v1.1 (dev split, klue-ner-v1.1_dev.tsv)",
        "url": "https://github.com/KLUE-benchmark/KLUE",
        "license": "CC BY-SA 4.0",
        "author": "Park et al. 2021, KLUE: Korean Language Understanding Evaluation",
    }],
}


@dataclass
class TrainResult:
    output: Path
    corpus: BuiltCorpus
    seconds: float
    scores: dict


def ship(best: Path, output: Path, extra_meta: dict | None = None) -> Path:
    """Copy the parts of a trained pipeline that ``spacy.load`` needs to ``output`` and stamp its meta."""
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    for part in MODEL_PARTS:
        src = best / part
        if src.is_dir():
            shutil.copytree(src, output / part)
        elif src.exists():
            shutil.copy2(src, output / part)
    meta_path = output / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(META)
    meta.update(extra_meta or {})
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return output


def vectors_for(config: Path, work: Path, rebuild: bool = False, log=print) -> Path | None:
    """The spaCy folder of morpheme vectors the config's ``vectors_width`` asks for (None when it asks for none).

    By default the vectors are those of the shipped model (``pipeline/models/ner/vocab``), so ``krnews train``
    retrains on exactly the table that ships; with ``rebuild`` (or no shipped model of that width) they are read
    out of Kiwi again (``pipeline.training.vectors``, about 45 s; the cosines Kiwi computes may differ in the last
    bits on another CPU, so a rebuilt table is not guaranteed byte-identical).
    """
    import numpy
    from spacy.util import load_config

    from pipeline.training.vectors import build_vectors, to_spacy

    embed = load_config(Path(config))["components"]["tok2vec"]["model"]["embed"]
    width = int(embed.get("vectors_width") or 0)
    if not width:
        return None
    folder = work / "vectors" / f"{'kiwi' if rebuild else 'shipped'}-{width}"
    if (folder / "vocab" / "vectors").exists():
        return folder
    shipped = SHIPPED_MODEL / "vocab"
    if not rebuild and (shipped / "vectors").exists():
        import spacy

        from pipeline.stages.segment import blank_nlp

        vocab = spacy.load(SHIPPED_MODEL, exclude=["tok2vec", "ner"]).vocab
        if vocab.vectors.shape[1] == width:
            nlp = blank_nlp()
            nlp.vocab.vectors = vocab.vectors
            folder.parent.mkdir(parents=True, exist_ok=True)
            nlp.to_disk(folder)
            return folder
        log(f"the shipped vectors have {vocab.vectors.shape[1]} columns, the config asks for {width}: rebuilding")
    table = build_vectors(dims=max(width, 1), log=log)
    return to_spacy(table, folder, dims=width)


def train_model(config: Path = CONFIG_PATH, output: Path = SHIPPED_MODEL, max_steps: int | None = None,
                source: Path = DEFAULT_SOURCE, work_dir: Path | None = None, limit: int = 0,
                overrides: dict | None = None, extra_train: tuple = (), rebuild_vectors: bool = False
                ) -> TrainResult:
    """Build the corpus, train with spaCy from ``config`` and ship the best checkpoint to ``output``.

    ``work_dir`` holds the DocBins and spaCy's checkpoints (default ``build/``); ``limit`` trains on the first N
    KLUE sentences only (tests); ``overrides`` are extra dotted config values (``{"training.eval_frequency": 10}``);
    ``extra_train``: spans JSONL files added to the training part (the pseudo-labeled corpus,
    ``pipeline.training.selftrain.PSEUDO_SPANS``, which ``krnews train`` passes by default).
    """
    from spacy.cli.train import train as spacy_train
    from spacy.util import load_config

    work = Path(work_dir) if work_dir is not None else BUILD_DIR
    tokenizer = load_config(Path(config))["nlp"]["tokenizer"]["@tokenizers"]
    corpus = build_corpus(work / "corpus", source, limit=limit, val_spans=work / "klue-val.spans.jsonl",
                          tokenizer=tokenizer, extra_train=extra_train)
    all_overrides = {"paths.train": str(corpus.train), "paths.dev": str(corpus.dev)}
    if "paths.vectors" not in (overrides or {}):
        vectors = vectors_for(Path(config), work, rebuild=rebuild_vectors)
        if vectors is not None:
            all_overrides["paths.vectors"] = str(vectors)
    if max_steps is not None:
        all_overrides["training.max_steps"] = int(max_steps)
    all_overrides.update(overrides or {})
    checkpoints = work / "ner-training"
    if checkpoints.exists():
        shutil.rmtree(checkpoints)
    t0 = time.perf_counter()
    spacy_train(Path(config), checkpoints, use_gpu=-1, overrides=all_overrides)
    seconds = time.perf_counter() - t0
    best = checkpoints / "model-best"
    meta = json.loads((best / "meta.json").read_text(encoding="utf-8"))
    extra_meta = {}
    if "paths.vectors" in all_overrides:
        from pipeline.stages.segment import get_kiwi
        from pipeline.training.vectors import kiwi_fingerprint

        import kiwipiepy_model

        extra_meta["krnews_vectors"] = {
            "source": "Kiwi CoNg morpheme embeddings, kiwipiepy_model "
                      + getattr(kiwipiepy_model, "__version__", "?") + " (Apache-2.0; see pipeline/models/NOTICE)",
            "keys": "Kiwi morpheme ids", "fingerprint": kiwi_fingerprint(get_kiwi())}
    ship(best, Path(output), {**extra_meta, "krnews_training": {
        "config": Path(config).name,
        "max_steps": all_overrides.get("training.max_steps", load_config(Path(config))["training"]["max_steps"]),
        "train_sentences": sum(corpus.counts["train"].values()),
        "extra_train": [Path(p).name for p in extra_train],
        "dev_sentences": sum(corpus.counts["dev"].values()),
        "alignment": {name: dict(s.outcomes) for name, s in corpus.alignment.items()},
    }})
    return TrainResult(Path(output), corpus, seconds, meta.get("performance", {}))
