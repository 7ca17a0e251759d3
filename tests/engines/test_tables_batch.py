"""Tables of articles in batch runs (issue 14): excluded rows, row ranges as units, resume and incremental runs, and
old output folders redone under the new documents schema. In-process, with the stand-in extractor."""
from __future__ import annotations

import csv
import importlib.util
import sqlite3

import pytest

from pipeline.engines import parts
from pipeline.engines.local import run_local
from pipeline.engines.manifest import Manifest
from pipeline.io import tables
from pipeline.io.writers import read_table
from pipeline.paths import REPO_DIR

from .conftest import read_csvs

_spec = importlib.util.spec_from_file_location("make_samples", REPO_DIR / "samples_tables" / "make_samples.py")
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)


def _table(path, n, changed: int | None = None):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "date", "source", "text"])
        for i in range(n):
            amount = i * 10 + (1 if i == changed else 0)
            w.writerow([f"t{i:03d}", f"2024-05-{i % 28 + 1:02d}", "한빛일보", f"기사 {i}: 사업비 {amount}억원"])
    return path


def _units(out):
    m = Manifest.open(out)
    try:
        return sorted(m.done_units())
    finally:
        m.close()


@pytest.mark.parametrize("sample", ["xlsx", "csv"])
def test_bigkinds_sample_run(fake_extractor, tmp_path, sample):
    path = samples.XLSX if sample == "xlsx" else samples.CSV
    s = run_local([path], tmp_path / "out", workers=1)
    assert (s.ok, s.failed, s.errors, s.excluded) == (3, 1, 1, 1)
    assert "1 excluded (분석제외" in s.line()
    docs = read_table(tmp_path / "out", "documents")
    cols = ["doc_id", "published", "source", "author", "status"]
    got = [tuple(r) for r in docs[cols].fillna("").itertuples(index=False)]
    assert got == [
        ("01100101.20240529093001001", "2024-05-29", "한빛일보", "박서윤 기자", "ok"),
        ("02100311.20240530140502002", "2024-05-30", "동남경제", "이준호", "ok"),
        ("02100312.20240530141000003", "2024-05-30", "동남경제", "이준호", "excluded"),
        ("04100201.20240531101500005", "2024-05-31", "중부매일뉴스", "", "ok"),
    ]
    assert docs.url[0] == "https://www.hanbit-news.example/articles/20240529-001"
    assert docs.listed_entities[1] == '{"LOCATION": ["부산"], "ORG": ["부산시", "부산상공회의소"], "PERSON": ["정하늘"]}'
    mentions = read_table(tmp_path / "out", "mentions")
    assert "02100312.20240530141000003" not in set(mentions.doc_id)  # kept, not extracted
    assert set(mentions.doc_id) == {"01100101.20240529093001001", "02100311.20240530140502002",
                                    "04100201.20240531101500005"}
    errors = read_table(tmp_path / "out", "errors")
    assert [tuple(r) for r in errors[["path", "line", "error"]].itertuples(index=False)] == [
        (path.as_posix(), 5, "MissingText")]


def test_include_excluded(fake_extractor, tmp_path):
    s = run_local([samples.CSV], tmp_path / "out", workers=1, include_excluded=True)
    assert (s.ok, s.excluded) == (4, 0)
    docs = read_table(tmp_path / "out", "documents")
    assert set(docs.status) == {"ok"}


def test_columns_option_reaches_the_workers(fake_extractor, tmp_path):
    path = tmp_path / "in" / "t.csv"
    path.parent.mkdir()
    path.write_text("번호,원문\nk1,부산시 예산 10억원\n", encoding="utf-8")
    s = run_local([path], tmp_path / "a", workers=1)
    assert (s.ok, s.failed) == (0, 1)  # 원문 is not among the text column names
    s = run_local([path], tmp_path / "b", workers=1, columns={"text": "원문", "id": "번호"})
    assert (s.ok, s.failed) == (1, 0)
    assert list(read_table(tmp_path / "b", "documents").doc_id) == ["k1"]


def test_a_large_table_is_cut_into_row_ranges(fake_extractor, tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    path = _table(tmp_path / "in" / "big.csv", 47)
    run_local([path], tmp_path / "whole", workers=1)
    monkeypatch.setattr(tables, "CHUNK_ROWS", 10)
    s = run_local([path], tmp_path / "split", workers=1)
    assert [chunk for _, chunk, _ in _units(tmp_path / "split")] == [0, 1, 2, 3, 4]
    assert (s.ok, s.inputs, s.processed) == (47, 1, 1)
    assert read_csvs(tmp_path / "split") == read_csvs(tmp_path / "whole")


def test_one_changed_row_redoes_its_table_file(fake_extractor, tmp_path, monkeypatch):
    """The unit of change is the input file: one edited row redoes every range of its table, nothing else."""
    monkeypatch.setattr(tables, "CHUNK_ROWS", 10)
    (tmp_path / "in").mkdir()
    big = _table(tmp_path / "in" / "big.csv", 47)
    (tmp_path / "in" / "other.txt").write_text("서울시 예산 5억원", encoding="utf-8")
    run_local([tmp_path / "in"], tmp_path / "out", workers=1)
    before = dict(((u, c), sha) for u, c, sha in _units(tmp_path / "out"))
    _table(big, 47, changed=33)
    s = run_local([tmp_path / "in"], tmp_path / "out", workers=1)
    assert (s.processed, s.skipped) == (1, 1)
    after = dict(((u, c), sha) for u, c, sha in _units(tmp_path / "out"))
    redone = {key for key in after if after[key] != before[key]}
    assert redone == {(big.as_posix(), c) for c in range(5)}
    money = read_table(tmp_path / "out", "money")
    assert "331" in set(money[money.doc_id == "t033"].text)
    run_local([tmp_path / "in"], tmp_path / "fresh", workers=1)
    assert read_csvs(tmp_path / "out") == read_csvs(tmp_path / "fresh")


def test_a_killed_run_over_a_table_resumes_its_missing_ranges(fake_extractor, tmp_path, monkeypatch):
    from pipeline.engines import batch

    monkeypatch.setattr(tables, "CHUNK_ROWS", 10)
    (tmp_path / "in").mkdir()
    big = _table(tmp_path / "in" / "big.csv", 47)
    real = batch.Manifest.record
    calls = []

    def record_then_die(self, *args, **kwargs):
        real(self, *args, **kwargs)
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(batch.Manifest, "record", record_then_die)
    monkeypatch.setattr(batch, "MAX_GROUP", 1)
    with pytest.raises(KeyboardInterrupt):
        run_local([big], tmp_path / "out", workers=1)
    assert len(_units(tmp_path / "out")) == 2
    done = []

    def counting(self, *args, **kwargs):  # the driver records each finished task (one range each, MAX_GROUP 1)
        real(self, *args, **kwargs)
        done.append(1)

    monkeypatch.setattr(batch.Manifest, "record", counting)
    s = run_local([big], tmp_path / "out", workers=1)
    assert len(done) == 3 and s.ok == 47  # only the three ranges the killed run had not recorded
    run_local([big], tmp_path / "ref", workers=1)
    assert read_csvs(tmp_path / "out") == read_csvs(tmp_path / "ref")


def test_an_old_output_folder_is_redone_not_mixed(fake_extractor, tmp_path, monkeypatch):
    """A folder written before documents had source/author/url: its manifest lacks the excluded column and holds
    another fingerprint; the run forgets its parts and writes every table in the new schema."""
    from pipeline.engines import batch

    (tmp_path / "in").mkdir()
    _table(tmp_path / "in" / "t.csv", 5)
    monkeypatch.setattr(batch, "fingerprint", lambda *a, **k: "old-version")
    run_local([tmp_path / "in"], tmp_path / "out", workers=1)
    db = sqlite3.connect(tmp_path / "out" / ".krnews" / "manifest.sqlite")
    db.execute("ALTER TABLE parts DROP COLUMN excluded")
    db.commit()
    db.close()
    old_docs = tmp_path / "out" / "documents.csv"
    old_docs.write_text("doc_id,path,title,published,encoding,n_chars,n_sentences,status,sha256,text\n",
                        encoding="utf-8-sig")
    monkeypatch.setattr(batch, "fingerprint", lambda *a, **k: "new-version")
    s = run_local([tmp_path / "in"], tmp_path / "out", workers=1)
    assert (s.processed, s.skipped, s.ok) == (1, 0, 5)
    header = old_docs.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == ("doc_id,path,title,published,source,author,url,encoding,n_chars,n_sentences,status,sha256,"
                      "listed_entities,text")
    run_local([tmp_path / "in"], tmp_path / "fresh", workers=1)
    assert read_csvs(tmp_path / "out") == read_csvs(tmp_path / "fresh")


def test_the_part_format_is_in_the_fingerprint(tmp_path, monkeypatch):
    from pipeline.engines.manifest import fingerprint

    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "m.py").write_text("x = 1\n")
    now = fingerprint([], None, {}, package_dir=pkg)
    monkeypatch.setattr(parts, "PART_FORMAT", parts.PART_FORMAT - 1)
    assert fingerprint([], None, {}, package_dir=pkg) != now


@pytest.mark.parametrize("flags, summary, ids", [
    ([], "documents: 0 ok, 1 failed", []),
    (["--text-column", "원문", "--id-column", "번호"], "documents: 1 ok, 0 failed", ["k1"]),
    (["--text-column", "원문", "--date-column", "날", "--source-column", "곳", "--author-column", "쓴이",
      "--url-column", "링크", "--title-column", "머리"], "documents: 1 ok, 0 failed", ["{path}:2"]),  # 번호: no id name
])
def test_cli_column_flags(fake_extractor, tmp_path, flags, summary, ids):
    from typer.testing import CliRunner

    from pipeline.cli import app

    path = tmp_path / "t.csv"
    path.write_text("번호,원문,날,곳,쓴이,링크,머리\nk1,부산시 예산 10억원,2024.05.30,동남경제,이기자,https://d.example,제목\n",
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out"), "--workers", "1", *flags])
    assert result.exit_code == 0, result.output
    assert summary in result.output
    docs = read_table(tmp_path / "out", "documents")
    assert list(docs.doc_id) == [i.format(path=path.as_posix()) for i in ids]
    if len(flags) > 4:
        assert [tuple(r) for r in docs[["published", "source", "author", "url", "title"]].itertuples(index=False)] == [
            ("2024-05-30", "동남경제", "이기자", "https://d.example", "제목")]


def test_cli_include_excluded(fake_extractor, tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(samples.CSV), "--out", str(out), "--workers", "1",
                                      "--include-excluded"])
    assert result.exit_code == 0, result.output
    assert "documents: 4 ok, 1 failed" in result.output and "excluded" not in result.output
