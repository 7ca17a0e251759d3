"""Review of quotes: the report tags each quote with its speaker; inspect lists the most quoted and strongest edges."""
from __future__ import annotations

import pytest

from pipeline.io.writers import write_tables
from pipeline.review.inspect import inspect
from pipeline.review.report import build_report, speaker_text

TEXT = ("이정우 한빛은행 대표는 “금리를 낮출 여력이 있다”고 말했다. 금융위원회 관계자는 “검토하겠다”고 밝혔다.\n"
        "한 시민은 “<b>반갑다</b>”고 말했다.")


@pytest.fixture
def quoted_out(extractor, tmp_path):
    tables = extractor.extract(TEXT, doc_id="q1", published="2024-05-01").tables()
    write_tables(tables, tmp_path / "out", ["parquet"])
    return tmp_path / "out"


def test_report_tags_quotes_with_their_speaker(quoted_out):
    index = build_report(quoted_out)
    page = next((index.parent / "docs").glob("q1-*.html")).read_text(encoding="utf-8")
    assert 'data-label="“ 이정우 (대표, 한빛은행)"' in page
    assert 'data-label="“ 금융위원회 [official]"' in page
    assert 'data-label="“ (anonymous)"' in page
    assert "&lt;b&gt;반갑다&lt;/b&gt;" in page and "<b>반갑다" not in page  # quoted text escaped like any other
    assert '<h2 id="t-quotes">quotes (3)</h2>' in page


def test_inspect_lists_quoted_speakers_and_edges(quoted_out):
    text = inspect(quoted_out, top=5, width=200)
    quoted = text[text.index("Most quoted"):text.index("Strongest edges")]
    assert "이정우" in quoted and "금융위원회" in quoted and "anonymous" not in quoted
    edges = text[text.index("Strongest edges"):]
    assert "한빛은행" in edges and "이정우" in edges


@pytest.mark.parametrize("row,want", [
    ({"speaker_name": "오세훈", "speaker_title": "시장", "speaker_org": "서울시", "speaker_kind": "person"},
     "오세훈 (시장, 서울시)"),
    ({"speaker_org": "금융위원회", "speaker_kind": "official"}, "금융위원회 [official]"),
    ({"speaker_kind": "anonymous"}, "(anonymous)"),
    ({}, "(unresolved)"),
])
def test_speaker_text(row, want):
    assert speaker_text(row) == want
