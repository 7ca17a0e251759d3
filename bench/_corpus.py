"""Benchmark article folders built from the shared corpus/news_sentences.tsv (``source<TAB>text``, one sentence
a line): article ``i`` is 15 consecutive sentences, taken cyclically with a shift on every pass over the file so
that folders larger than the corpus (about 1,000 articles) do not repeat articles exactly."""
from __future__ import annotations

import csv
from pathlib import Path

from pipeline.paths import NEWS_CORPUS as CORPUS  # noqa: E402
SENTENCES_PER_ARTICLE = 15


def sentences(path: Path = CORPUS) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [row["text"].strip() for row in reader if row.get("text", "").strip()]


def article_texts(n: int, per: int = SENTENCES_PER_ARTICLE) -> list[str]:
    sents = sentences()
    per_pass = len(sents) // per
    texts = []
    for i in range(n):
        shift = (i // per_pass) * 7  # a new pass over the corpus starts 7 sentences later
        start = (i % per_pass) * per + shift
        chosen = [sents[(start + k) % len(sents)] for k in range(per)]
        # paragraphs of five sentences, as a news page has them
        texts.append("\n\n".join(" ".join(chosen[j:j + 5]) for j in range(0, per, 5)) + "\n")
    return texts


def write_folder(root: Path, texts: list[str]) -> Path:
    """One .txt file per article, 100 to a sub-folder."""
    for i, text in enumerate(texts):
        d = root / f"{i // 100:03d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"article_{i:05d}.txt").write_text(text, encoding="utf-8")
    return root
