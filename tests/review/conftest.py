"""Output folders for the review tests, built from hand-written rows (no extraction needed).

The articles cover what review must survive: nested and crossing mentions, two labels on one span, emoji and other
characters outside the BMP before and inside mentions, markup in the article text, a failed document with errors,
and a user's label (PERCENT) that has no value table.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.io.schema import TABLE_NAMES, to_frame

ECON = ("삼성전자는 2024년 3월 5일 평택 공장에 3조 5천억원을 투자한다고 밝혔다. "
        "이재용 삼성전자 회장은 \"부지 12만㎡에 짓는다\"고 말했다.\n둘째 문단: 영업이익은 -3% 줄었다.")
EMOJI = ("<script>document.title='PWNED'</script> 💰 카카오가 𝟘 없이 1억원🎉을 냈다. "
         "김범수 의장은 \"<b>굵게</b> & 'quote'\"라고 했다. 2억💵원")
CROSS = "서울시 강남구청 2023년 예산 500억원 삼성"


def _at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def _mention(doc_id, text, i, label, needle, rule_id, normalized=None, source="rules", nth=0, span=None,
             confidence=None):
    start, end = span if span else _at(text, needle, nth)
    if confidence is None:
        confidence = 1.0 if source == "rules" else 0.8
    return {"doc_id": doc_id, "mention_id": f"m{i:04d}", "label": label, "text": text[start:end], "start": start,
            "end": end, "sentence_idx": 0, "source": source, "rule_id": rule_id, "confidence": confidence,
            "normalized": json.dumps(normalized, ensure_ascii=False, sort_keys=True) if normalized else ""}


def build_tables() -> dict[str, pd.DataFrame]:
    docs = [
        {"doc_id": "econ-001", "path": "news/econ-001.txt", "title": "삼성전자 평택 투자", "published": "2024-03-05",
         "encoding": "utf-8", "n_chars": len(ECON), "n_sentences": 3, "status": "ok", "sha256": "a" * 64,
         "text": ECON},
        {"doc_id": "web/emoji 02", "path": "news/emoji.html", "title": "<i>카카오</i> 💰", "published": None,
         "encoding": "utf-8", "n_chars": len(EMOJI), "n_sentences": 2, "status": "ok", "sha256": "b" * 64,
         "text": EMOJI},
        {"doc_id": "cross-003", "path": "news/cross.txt", "title": "겹치는 멘션", "published": "2023-01-01",
         "encoding": "cp949", "n_chars": len(CROSS), "n_sentences": 1, "status": "ok", "sha256": "c" * 64,
         "text": CROSS},
        {"doc_id": "broken-004", "path": "news/broken.txt", "title": None, "published": None, "encoding": None,
         "n_chars": 0, "n_sentences": 0, "status": "failed", "sha256": None, "text": ""},
    ]
    m = [
        _mention("econ-001", ECON, 1, "ORG", "삼성전자", "org.suffix", {"name": "삼성전자"}),
        _mention("econ-001", ECON, 2, "DATE", "2024년 3월 5일", "date.ymd", {"value": "2024-03-05"}),
        _mention("econ-001", ECON, 3, "MONEY", "3조 5천억원", "money.number_unit",
                 {"amount": 3.5e12, "currency": "KRW"}),
        _mention("econ-001", ECON, 4, "PERSON", "이재용", "", {"name": "이재용", "title": "회장"}, source="ner"),
        _mention("econ-001", ECON, 5, "ORG", "삼성전자", "org.suffix", {"name": "삼성전자"}, nth=1),
        _mention("econ-001", ECON, 6, "AREA", "12만㎡", "area.unit", {"value_m2": 120000.0}),
        _mention("econ-001", ECON, 7, "PERCENT", "-3%", "percent.number", {"value": -3}),
        _mention("web/emoji 02", EMOJI, 1, "ORG", "카카오", "org.lexicon", {"name": "카카오"}),
        _mention("web/emoji 02", EMOJI, 2, "MONEY", "1억원", "money.number_unit", {"amount": 1e8, "currency": "KRW"}),
        _mention("web/emoji 02", EMOJI, 3, "PERSON", "김범수", "person.title", {"name": "김범수", "title": "의장"}),
        _mention("web/emoji 02", EMOJI, 4, "MONEY", "2억💵원", "money.number_unit",
                 {"amount": 2e8, "currency": "KRW"}),
        # crossing: ORG 서울시 강남구청 and DATE-ish 강남구청 2023년; MONEY inside; two labels on 삼성
        _mention("cross-003", CROSS, 1, "ORG", "서울시 강남구청", "org.suffix", {"name": "서울시 강남구청"}),
        _mention("cross-003", CROSS, 2, "LOC", "강남구청 2023년", "loc.x"),
        _mention("cross-003", CROSS, 3, "DATE", "2023년", "date.year", {"value": "2023"}),
        _mention("cross-003", CROSS, 4, "MONEY", "500억원", "money.number_unit", {"amount": 5e10, "currency": "KRW"}),
        _mention("cross-003", CROSS, 5, "ORG", "삼성", "org.lexicon", {"name": "삼성"}),
        _mention("cross-003", CROSS, 6, "PERSON", "삼성", "", source="ner"),
    ]
    money = []
    people = []
    orgs = []
    for row in m:
        base = {k: row[k] for k in ("doc_id", "mention_id", "text", "start", "end")}
        value = json.loads(row["normalized"]) if row["normalized"] else {}
        if row["label"] == "MONEY":
            money.append({**base, "amount": value["amount"], "currency": "KRW", "approx": False})
        elif row["label"] == "PERSON":
            people.append({**base, "name": value.get("name", row["text"]), "title": value.get("title"),
                           "organization": "삼성전자" if row["doc_id"] == "econ-001" else
                           ("카카오" if row["doc_id"].startswith("web") else None)})
        elif row["label"] == "ORG":
            orgs.append({**base, "name": value["name"], "alias": None})
    errors = [{"path": "news/broken.txt", "line": None, "stage": "read", "error": "UnicodeDecodeError",
               "message": "<img src=x onerror=alert(1)> could not decode"}]
    rows = {"documents": docs, "mentions": m, "money": money, "people": people, "organizations": orgs,
            "errors": errors}
    return {name: to_frame(name, rows.get(name, [])) for name in TABLE_NAMES}


def write_output(tables: dict[str, pd.DataFrame], out_dir: Path, formats=("parquet",)) -> Path:
    try:
        from pipeline.io.writers import write_tables
    except ImportError:  # the lead's writer not there yet: plain pandas
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, df in tables.items():
            if "parquet" in formats:
                df.to_parquet(out_dir / f"{name}.parquet", index=False)
            if "csv" in formats:
                df.to_csv(out_dir / f"{name}.csv", index=False, encoding="utf-8-sig")
    else:
        write_tables(tables, out_dir, formats=formats)
    return out_dir


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    return build_tables()


@pytest.fixture
def out_dir(tmp_path, tables) -> Path:
    return write_output(tables, tmp_path / "out")


@pytest.fixture
def empty_out(tmp_path) -> Path:
    return write_output({name: to_frame(name, []) for name in TABLE_NAMES}, tmp_path / "empty")
