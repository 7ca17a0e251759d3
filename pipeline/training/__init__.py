"""Training and evaluation of the statistical NER stage (spaCy ``tok2vec`` + a BILUO tagger over Kiwi forms, on KLUE-NER).

``data`` converts the shared KLUE spans file into spaCy ``DocBin`` files with a fixed split, ``train`` reproduces the
shipped model from ``config.cfg``, ``evaluate`` scores the whole pipeline (or the bare model) against gold spans.
"""
from pathlib import Path

CONFIG_PATH = Path(__file__).resolve().parent / "config.cfg"
