"""Where the built-in data lives. The package is installed editable (``make install``), so ``rules/`` at the top of
the repository is the built-in rule folder."""
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
BUILTIN_RULES_DIR = REPO_DIR / "rules"
BUILTIN_LEXICONS_DIR = BUILTIN_RULES_DIR / "lexicons"
MODELS_DIR = PACKAGE_DIR / "models"
NER_MODEL_DIR = MODELS_DIR / "ner"  # the shipped NER model (pipeline.stages.ner.DEFAULT_MODEL)


def _shared_dir() -> Path:
    """The team's shared folder (datasets, corpus): ``$KRNEWS_SHARED``, else ``shared/`` beside the repository, else
    ``/work/shared``. Only training, evaluation and benchmarks read it; extraction never does."""
    import os

    env = os.environ.get("KRNEWS_SHARED")
    if env:
        return Path(env)
    beside = REPO_DIR.parent / "shared"
    return beside if beside.is_dir() else Path("/work/shared")


SHARED_DIR = _shared_dir()
KLUE_SPANS = SHARED_DIR / "datasets" / "klue-ner-v1.1" / "klue-ner-v1.1_dev.spans.jsonl"
NEWS_CORPUS = SHARED_DIR / "corpus" / "news_sentences.tsv"
