"""The CLI end to end on samples/: every table with its documented columns, and the offset invariant on every row."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.io.schema import LABEL_TABLES, TABLES
from pipeline.io.writers import read_table

REPO = Path(__file__).resolve().parents[1]
KRNEWS = [sys.executable, "-m", "pipeline.cli"]


@pytest.fixture(scope="module")
def samples_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    proc = subprocess.run(KRNEWS + ["run", str(REPO / "samples"), "--out", str(out), "--workers", "1"],
                          capture_output=True, text=True, cwd=REPO, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out, proc


pytestmark = pytest.mark.slow


def test_every_table_with_documented_columns(samples_out):
    out, _ = samples_out
    for name, cols in TABLES.items():
        for ext in ("csv", "parquet"):
            assert (out / f"{name}.{ext}").exists(), f"{name}.{ext} missing"
        assert list(pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig", nrows=0).columns) == list(cols)
        assert list(pd.read_parquet(out / f"{name}.parquet").columns) == list(cols)


def test_summary_line(samples_out):
    _, proc = samples_out
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("documents: ") and " ok, " in last and "documents/s" in last


def test_all_samples_processed_without_errors(samples_out):
    out, _ = samples_out
    docs = read_table(out, "documents")
    assert len(docs) >= 12
    assert set(docs.status) == {"ok"}
    assert len(read_table(out, "errors")) == 0
    assert "cp949" in set(docs.encoding)


def test_offset_invariant_on_every_row_of_every_table(samples_out):
    out, _ = samples_out
    texts = dict(zip(read_table(out, "documents").doc_id, read_table(out, "documents").text))
    checked = 0
    for name in ["mentions", *sorted(set(LABEL_TABLES.values()))]:
        df = read_table(out, name)
        for row in df.itertuples():
            assert texts[row.doc_id][row.start:row.end] == row.text, (name, row.doc_id, row.mention_id)
            checked += 1
    assert checked > 50


def test_csv_and_parquet_hold_the_same_rows(samples_out):
    out, _ = samples_out
    for name in TABLES:
        pq = pd.read_parquet(out / f"{name}.parquet")
        csv = pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig")
        assert len(pq) == len(csv), name


def test_each_entity_table_has_rows(samples_out):
    out, _ = samples_out
    for name in ("money", "areas", "dates", "people", "organizations"):
        assert len(read_table(out, name)) > 0, name


def test_bad_rules_refused_before_any_work(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("entity: X\npatterns:\n  - id: x.bad\n    regex: '(unclosed'\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run(KRNEWS + ["run", str(REPO / "samples"), "--out", str(out), "--rules", str(rules),
                                    "--workers", "1"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode != 0
    assert "bad.yaml:4" in proc.stderr and "x.bad" in proc.stderr
    assert not out.exists() or not any(out.iterdir())


def test_help_is_useful():
    proc = subprocess.run(KRNEWS + ["--help"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0
    for cmd in ("run", "rules"):
        assert cmd in proc.stdout
    proc = subprocess.run(KRNEWS + ["run", "--help"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert "--published" in proc.stdout and "--rules" in proc.stdout


def _mixed_folder(root: Path) -> None:
    import json
    import unicodedata

    good = "서울시는 지난해 매출 3,659억원을 기록했다고 29일 밝혔다."
    (root / "good.txt").write_text("---\ntitle: 좋은 기사\npublished: 2024-05-29\n---\n" + good, encoding="utf-8")
    (root / "cp949.txt").write_bytes(("입력 2024.05.29 14:03\n" + good).encode("cp949"))
    (root / "utf16.txt").write_bytes(good.encode("utf-16"))
    (root / "nfd.txt").write_text(unicodedata.normalize("NFD", good), encoding="utf-8")
    (root / "page.html").write_text(f"<html><body><nav>메뉴</nav><article><p>{good}</p></article>"
                                    "<script>var x=1;</script></body></html>", encoding="utf-8")
    (root / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00\xff" * 50)
    (root / "truncated.json").write_text('{"text": "서울시는 올해', encoding="utf-8")
    (root / "empty.txt").write_text("", encoding="utf-8")
    lines = [json.dumps({"id": f"j{i}", "text": good, "published": "2024-05-29"}, ensure_ascii=False)
             for i in range(3)]
    lines.insert(1, '{"text": broken')
    (root / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_mixed_folder_nothing_lost(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _mixed_folder(src)
    out = tmp_path / "out"
    proc = subprocess.run(KRNEWS + ["run", str(src), "--out", str(out), "--workers", "1"],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
    docs = read_table(out, "documents")
    errors = read_table(out, "errors")
    assert len(docs) == 8
    assert {"j0", "j1", "j2"} <= set(docs.doc_id)
    assert set(docs.encoding) >= {"cp949", "utf-16", "utf-8"}
    assert all("서울시는" in t for t in docs.text)
    bad = {(Path(p).name, line) for p, line in zip(errors.path, errors.line.astype(object))}
    assert {n for n, _ in bad} == {"binary.txt", "truncated.json", "empty.txt", "feed.jsonl"}
    assert ("feed.jsonl", 2) in bad
    money = read_table(out, "money")
    assert (money.amount == 365_900_000_000).sum() == 8


def test_quotes_and_entities_of_the_samples(samples_out):
    """Every quote row is its slice of the article; every PERSON/ORG/LOCATION mention has an entity row."""
    out, _ = samples_out
    texts = dict(zip(read_table(out, "documents").doc_id, read_table(out, "documents").text))
    quotes = read_table(out, "quotes")
    assert len(quotes) >= 20
    for row in quotes.itertuples():
        assert texts[row.doc_id][row.start:row.end] == row.quote, row.quote_id
    mentions = read_table(out, "mentions")
    named = mentions[mentions["label"].isin(["PERSON", "ORG", "LOCATION"])]
    entities = set(read_table(out, "entities")["entity_id"])
    assert named["entity_id"].notna().mean() > 0.9 and set(named["entity_id"].dropna()) <= entities
