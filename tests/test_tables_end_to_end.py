"""The BigKinds-style sample through the real CLI with no flags (issue 14): the workbook and the same rows as CSV
give the same ids, dates, titles, outlets and values; `krnews inspect --compare-bigkinds` reads the result."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.io.writers import read_table

REPO = Path(__file__).resolve().parents[1]
KRNEWS = [sys.executable, "-m", "pipeline.cli"]
SAMPLE = REPO / "samples_tables" / "NewsResult_20240529-20240531"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["xlsx", "csv"])
def bigkinds_out(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    proc = subprocess.run(KRNEWS + ["run", f"{SAMPLE}.{request.param}", "--out", str(out), "--workers", "1"],
                          capture_output=True, text=True, cwd=REPO, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


def _rows(out, table, cols):
    return [tuple(r) for r in read_table(out, table)[cols].fillna("").itertuples(index=False)]


def test_documents(bigkinds_out):
    out, stdout = bigkinds_out
    assert "documents: 3 ok, 1 failed (1 error rows), 1 excluded" in stdout
    assert _rows(out, "documents", ["doc_id", "published", "title", "source", "author", "status"]) == [
        ("01100101.20240529093001001", "2024-05-29", "세종시, 스마트 물류단지에 2,400억원 투입", "한빛일보",
         "박서윤 기자", "ok"),
        ("02100311.20240530140502002", "2024-05-30", "부산시, 중소기업 수출 지원금 150억원으로 확대", "동남경제",
         "이준호", "ok"),
        ("02100312.20240530141000003", "2024-05-30", "부산시, 중소기업 수출 지원금 150억원으로 확대", "동남경제",
         "이준호", "excluded"),
        ("04100201.20240531101500005", "2024-05-31", "대전 유성구, 연구단지 부지 5만평 추가 지정", "중부매일뉴스",
         "", "ok"),
    ]
    assert _rows(out, "errors", ["line", "error"]) == [(5, "MissingText")]


def test_values(bigkinds_out):
    out, _ = bigkinds_out
    assert _rows(out, "money", ["doc_id", "text", "amount", "currency", "approx"]) == [
        ("01100101.20240529093001001", "2,400억원", 240_000_000_000.0, "KRW", False),
        ("02100311.20240530140502002", "150억원", 15_000_000_000.0, "KRW", False),
        ("04100201.20240531101500005", "약 85억원", 8_500_000_000.0, "KRW", True),
    ]
    assert _rows(out, "areas", ["text", "value_m2", "unit"]) == [("약 33만㎡", 330_000.0, "㎡"),
                                                                 ("5만평", 50_000 * 400 / 121, "평")]  # exact, not rounded
    people = _rows(out, "people", ["name", "title", "organization"])
    assert ("김도현", "시장", "세종시") in people and ("한서진", "구청장", "유성구") in people
    dates = _rows(out, "dates", ["doc_id", "text", "value"])
    # relative dates resolve against 일자, the row's publication date
    assert ("01100101.20240529093001001", "29일", "2024-05-29") in dates
    assert ("04100201.20240531101500005", "내년 상반기", "2025-H1") in dates


def test_compare_bigkinds(bigkinds_out):
    out, _ = bigkinds_out
    proc = subprocess.run(KRNEWS + ["inspect", str(out), "--compare-bigkinds"], capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = {line.split("│")[1].strip(): line for line in proc.stdout.splitlines() if line.count("│") > 5}
    assert set(lines) == {"LOCATION", "ORG", "PERSON"}
    assert [c.strip() for c in lines["PERSON"].split("│")[2:4]] == ["3", "3"]  # 3 documents, 3 names listed
