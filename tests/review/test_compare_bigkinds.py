"""``krnews inspect OUT --compare-bigkinds``: our names against the entity lists the input table carries."""
from __future__ import annotations

import json

import pytest

from pipeline.io.schema import TABLE_NAMES, to_frame
from pipeline.review.inspect import compare_listed, compare_tables, inspect
from pipeline.review.tables import ReviewError

from .conftest import write_output

TEXT_A = "김도현 세종시장은 한국토지주택공사(LH)와 조치원읍 부지를 살폈다."
TEXT_B = "정하늘 부산시 경제부시장은 부산상공회의소를 찾았다."


def _doc(doc_id, text, listed, status="ok"):
    return {"doc_id": doc_id, "path": "t.xlsx", "title": "", "published": "2024-05-29", "source": "한빛일보",
            "author": "", "url": "", "encoding": "xlsx", "n_chars": len(text), "n_sentences": 1, "status": status,
            "sha256": "0" * 64, "listed_entities": json.dumps(listed, ensure_ascii=False) if listed else "",
            "text": text}


def _mention(doc_id, text, i, label, needle):
    start = text.index(needle)
    return {"doc_id": doc_id, "mention_id": f"m{i:04d}", "label": label, "text": needle, "start": start,
            "end": start + len(needle), "sentence_idx": 0, "source": "rules", "rule_id": "x", "confidence": 1.0,
            "normalized": ""}


@pytest.fixture
def listed_out(tmp_path):
    docs = [
        _doc("a", TEXT_A, {"PERSON": ["김도현"], "ORG": ["한국 토지주택공사", "세종시"], "LOCATION": ["조치원읍", "세종"]}),
        _doc("b", TEXT_B, {"PERSON": ["정하늘"], "ORG": ["부산상공회의소"]}),
        _doc("c", TEXT_B, {"PERSON": ["정하늘"]}, status="excluded"),  # not extracted: not counted
        _doc("d", TEXT_B, None),  # no lists of its own: not counted
    ]
    mentions = [
        _mention("a", TEXT_A, 1, "PERSON", "김도현"),
        _mention("a", TEXT_A, 2, "ORG", "한국토지주택공사"),
        _mention("a", TEXT_A, 3, "LOCATION", "조치원읍"),
        _mention("b", TEXT_B, 1, "ORG", "부산시"),
        _mention("b", TEXT_B, 2, "ORG", "부산상공회의소"),
        _mention("d", TEXT_B, 1, "PERSON", "정하늘"),
    ]
    orgs = [{"doc_id": "a", "mention_id": "m0002", "text": "한국토지주택공사(LH)", "start": 10, "end": 22,
             "name": "한국토지주택공사", "alias": "LH"}]
    rows = {"documents": docs, "mentions": mentions, "organizations": orgs}
    return write_output({n: to_frame(n, rows.get(n, [])) for n in TABLE_NAMES}, tmp_path / "out")


def test_counts_per_label(listed_out):
    stats = compare_listed(listed_out)
    got = {lab: (st["documents"], st["listed"], st["found"], st["ours"], dict(st["only_ours"]),
                 dict(st["only_theirs"])) for lab, st in stats.items()}
    assert got == {
        # 한국 토지주택공사 (with a space) is 한국토지주택공사; LH is our alias, not in their list
        "LOCATION": (1, 2, 1, 1, {}, {"세종": 1}),
        "ORG": (2, 3, 2, 4, {"LH": 1, "부산시": 1}, {"세종시": 1}),
        "PERSON": (2, 2, 1, 1, {}, {"정하늘": 1}),
    }


def test_rendered_tables(listed_out):
    summary, detail = compare_tables(listed_out, top=5)
    rows = [list(r) for r in zip(*[list(c.cells) for c in summary.columns])]
    assert rows == [["LOCATION", "1", "2", "1", "50.0 %", "0", "1"], ["ORG", "2", "3", "2", "66.7 %", "2", "1"],
                    ["PERSON", "2", "2", "1", "50.0 %", "0", "1"]]
    text = inspect(listed_out, compare=True)
    assert "LH, 부산시" in text and "정하늘" in text


def test_an_output_without_lists_is_refused(out_dir):
    with pytest.raises(ReviewError, match="no document carries entity lists"):
        compare_tables(out_dir)
