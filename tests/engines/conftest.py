"""Fixtures for the engine tests: generated article folders and a stand-in extractor for the fast tests.

The fast tests exercise the batch mechanism (plan, parts, manifest, assembly, the supervisor) with
``FakeExtractor`` (tests/engines/fakes.py), which finds numbers by regex: no Kiwi, no model, milliseconds a run.
The slow tests run the real CLI.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from .fakes import FakeExtractor

FAKE_EXTRACTOR = f"{Path(__file__).with_name('fakes.py')}:FakeExtractor"

# Korean article text with money, dates and areas for the generated folders.
TEMPLATE = ("{city}는 {month}월 {day}일 올해 하반기 사업비 {amount}억원을 투입한다고 밝혔다. "
            "사업 부지는 {area}㎡ 규모로, {year}년까지 완공할 계획이다. "
            "시 관계자는 \"주민 의견을 듣고 {n}개 사업을 차례로 추진하겠다\"고 말했다.\n")
CITIES = ["서울시", "부산시", "인천시", "대구시", "광주시", "대전시", "울산시", "세종시"]


def article_text(i: int, sentences: int = 3) -> str:
    parts = []
    for k in range(max(1, sentences // 3)):
        j = i * 7 + k
        parts.append(TEMPLATE.format(city=CITIES[j % len(CITIES)], month=j % 12 + 1, day=j % 28 + 1,
                                     amount=(j * 37) % 900 + 10, area=(j * 1301) % 90000 + 1000,
                                     year=2025 + j % 5, n=j % 9 + 2))
    return "".join(parts)


def make_folder(root: Path, n: int, sentences: int = 3) -> Path:
    """``n`` articles as .txt (most), .md with front matter and one JSONL of three records."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        text = article_text(i, sentences)
        if i % 10 == 3:
            (root / f"a{i:03d}.md").write_text(f"---\nid: md-{i}\npublished: 2024-05-{i % 28 + 1:02d}\n---\n{text}",
                                               encoding="utf-8")
        else:
            (root / "sub" if i % 4 == 0 else root).mkdir(exist_ok=True)
            (root / ("sub" if i % 4 == 0 else "") / f"a{i:03d}.txt").write_text(text, encoding="utf-8")
    return root


def write_duplicate_feed(root: Path, second: str = "둘째 기사 200억원") -> Path:
    """``root/feed.jsonl``: two records with the id ``dup``, a broken line, and a record whose own id is ``dup~2``
    (the suffix the second ``dup`` would otherwise get); the first text starts with a formula."""
    records = [{"id": "dup", "text": "=SUM 첫 기사 100억원"}, {"id": "dup", "text": second}, None,
               {"id": "dup~2", "text": "셋째 기사 300억원"}]
    path = root / "feed.jsonl"
    path.write_text("\n".join("{broken" if r is None else json.dumps(r, ensure_ascii=False) for r in records) + "\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def fake_extractor(monkeypatch):
    """Run the batch mechanism with ``FakeExtractor`` in the workers (no Kiwi, no rule files: a worker starts in
    milliseconds once the fork server is up) and in this process."""
    from pipeline.engines import batch, parts

    monkeypatch.setenv("KRNEWS_TEST_EXTRACTOR", FAKE_EXTRACTOR)
    monkeypatch.setitem(parts._EXTRACTORS, (None, 1, True), FakeExtractor())
    monkeypatch.setattr(batch, "validate_rules", lambda rules_dir: None)
    monkeypatch.setattr(batch, "fingerprint", lambda *a, **k: "fake")
    return FakeExtractor


def read_csvs(out: Path) -> dict[str, bytes]:
    from pipeline.io.schema import TABLES

    return {name: (out / f"{name}.csv").read_bytes() for name in TABLES}
