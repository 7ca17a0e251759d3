"""The batch mechanism (plan → parts → manifest → assembly), in-process with the stand-in extractor."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.engines import assemble, parts
from pipeline.engines.local import run_local
from pipeline.engines.manifest import Manifest
from pipeline.io.schema import TABLES, to_frame
from pipeline.io.writers import write_tables

from .conftest import FakeExtractor, make_folder, read_csvs, write_duplicate_feed


def reference_tables(inputs, out, published=None):
    """What the pre-issue-5 engine wrote: every row in memory, ``to_frame``, ``write_tables``."""
    from pipeline.article import Article
    from pipeline.io.readers import read_inputs
    from pipeline.stages.tables import error_row

    items = list(read_inputs(inputs, published=published))
    articles = [x for x in items if isinstance(x, Article)]
    rows = {name: [] for name in TABLES}
    rows["errors"] += [error_row(x) for x in items if not isinstance(x, Article)]
    ids = assemble.unique_ids([a.doc_id for a in articles])
    for a, doc_id in zip(articles, ids):
        a.doc_id = doc_id
    for result in FakeExtractor().extract_many(articles):
        for name, rs in result.rows.items():
            rows[name] += rs
    from pipeline.entities import with_entities  # entities span the folder: built over all rows, as assembly does

    write_tables(with_entities({n: to_frame(n, rs) for n, rs in rows.items()}), out)


@pytest.fixture
def corpus(tmp_path):
    root = make_folder(tmp_path / "in", 14)
    write_duplicate_feed(root)
    (root / "empty.txt").write_text("  \n", encoding="utf-8")
    return root


def part_files(out):
    d = out / ".krnews" / "parts"
    return {f.name: f.stat().st_mtime_ns for f in d.glob("*.parquet") if not f.name.startswith("_")}


def test_same_bytes_as_the_in_memory_writer(fake_extractor, corpus, tmp_path):
    run_local([corpus, tmp_path / "missing"], tmp_path / "out", workers=1)
    reference_tables([corpus, tmp_path / "missing"], tmp_path / "ref")
    assert read_csvs(tmp_path / "out") == read_csvs(tmp_path / "ref")
    for name in TABLES:
        got = pd.read_parquet(tmp_path / "out" / f"{name}.parquet")
        pd.testing.assert_frame_equal(got, pd.read_parquet(tmp_path / "ref" / f"{name}.parquet"))


def test_duplicate_ids_get_deterministic_suffixes(fake_extractor, corpus, tmp_path):
    run_local([corpus], tmp_path / "out", workers=1)
    docs = pd.read_parquet(tmp_path / "out" / "documents.parquet")
    feed = docs[docs.path.str.endswith("feed.jsonl")]
    assert list(feed.sort_values("text").doc_id) == ["dup", "dup~3", "dup~2"]  # =SUM…, 둘째…, 셋째 (its own dup~2)
    assert docs.doc_id.is_unique


def test_summary_counts(fake_extractor, corpus, tmp_path):
    s = run_local([corpus], tmp_path / "out", workers=1)
    assert (s.ok, s.failed, s.errors) == (17, 2, 2)  # 14 + 3 records; the broken line and the empty file
    assert (s.processed, s.skipped, s.removed, s.processed_docs) == (16, 0, 0, 19)
    assert "16 processed, 0 skipped as unchanged, 0 removed" in s.line()
    timings = json.loads((tmp_path / "out" / ".krnews" / "timings.json").read_text())
    assert timings["documents_processed"] == 19 and set(timings["stages_s"]) >= {"segment", "read", "part"}


def test_incremental(fake_extractor, corpus, tmp_path):
    out = tmp_path / "out"
    run_local([corpus], out, workers=1)
    first, before = read_csvs(out), part_files(out)

    again = run_local([corpus], out, workers=1)  # nothing changed: every input skipped, parts untouched
    assert (again.processed, again.skipped) == (0, 16) and "16 skipped as unchanged" in again.line()
    assert part_files(out) == before and read_csvs(out) == first

    (corpus / "a001.txt").write_text("바뀐 기사 777억원", encoding="utf-8")  # modified → only it is redone
    changed = run_local([corpus], out, workers=1)
    assert (changed.processed, changed.skipped) == (1, 15)
    docs = pd.read_parquet(out / "documents.parquet").set_index("path")
    assert docs.loc[f"{corpus.as_posix()}/a001.txt", "text"] == "바뀐 기사 777억원"
    assert "777" in set(pd.read_parquet(out / "money.parquet").text)

    (corpus / "a002.txt").unlink()  # removed → its rows are gone
    removed = run_local([corpus], out, workers=1)
    assert (removed.processed, removed.removed) == (0, 1)
    assert f"{corpus.as_posix()}/a002.txt" not in set(pd.read_parquet(out / "documents.parquet").path)
    assert not (pd.read_parquet(out / "mentions.parquet").doc_id == f"{corpus.as_posix()}/a002.txt").any()

    (corpus / "new.txt").write_text("새 기사 555억원", encoding="utf-8")  # added → added
    added = run_local([corpus], out, workers=1)
    assert (added.processed, added.skipped) == (1, 15)
    assert f"{corpus.as_posix()}/new.txt" in set(pd.read_parquet(out / "documents.parquet").path)

    reference_tables([corpus], tmp_path / "ref")  # and the result is what a fresh run gives
    assert read_csvs(out) == read_csvs(tmp_path / "ref")


def test_part_files_are_garbage_collected(fake_extractor, corpus, tmp_path):
    out = tmp_path / "out"
    run_local([corpus], out, workers=1)
    m = Manifest.open(out)
    referenced = {f for f, *_ in m.current(m.done_inputs())}
    m.close()
    assert set(part_files(out)) == referenced
    run_local([corpus / "a001.txt"], out, workers=1)  # the input set shrinks to one file
    assert len(part_files(out)) == 1
    assert len(pd.read_parquet(out / "documents.parquet")) == 1


def test_rules_change_redoes_everything(fake_extractor, corpus, tmp_path, monkeypatch):
    from pipeline.engines import batch

    out = tmp_path / "out"
    run_local([corpus], out, workers=1)
    monkeypatch.setattr(batch, "fingerprint", lambda *a, **k: "other rules")
    s = run_local([corpus], out, workers=1)
    assert (s.processed, s.skipped) == (16, 0)


def test_large_jsonl_is_split_into_line_ranges(fake_extractor, tmp_path, monkeypatch):
    lines = [json.dumps({"id": f"r{i % 7}", "text": f"기사 {i} 번 {i * 3}억원"}, ensure_ascii=False) for i in range(25)]
    lines.insert(11, "{broken")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "big.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_local([tmp_path / "in"], tmp_path / "whole", workers=1)
    monkeypatch.setattr(parts, "JSONL_CHUNK_LINES", 4)
    monkeypatch.setattr("pipeline.engines.batch.JSONL_CHUNK_LINES", 4)
    s = run_local([tmp_path / "in"], tmp_path / "split", workers=1)
    m = Manifest.open(tmp_path / "split")
    assert len(m.done_units()) == 7  # 26 lines in chunks of 4
    m.close()
    assert (s.ok, s.failed) == (25, 1)
    assert read_csvs(tmp_path / "split") == read_csvs(tmp_path / "whole")


def test_a_killed_run_leaves_only_complete_parts(fake_extractor, corpus, tmp_path, monkeypatch):
    """The part is on disk before the manifest names it: stop after two parts, resume, same tables."""
    from pipeline.engines import batch

    out = tmp_path / "out"
    real = batch.Manifest.record
    calls = []

    def record_then_die(self, *args, **kwargs):
        real(self, *args, **kwargs)
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(batch.Manifest, "record", record_then_die)
    monkeypatch.setattr(batch, "MAX_GROUP", 3)
    with pytest.raises(KeyboardInterrupt):
        run_local([corpus], out, workers=1)
    monkeypatch.setattr(batch.Manifest, "record", real)
    (out / ".krnews" / "parts" / ".stray.parquet.1.tmp").write_bytes(b"half a part")
    resumed = run_local([corpus], out, workers=1)
    assert 0 < resumed.skipped < 16 and resumed.processed == 16 - resumed.skipped
    assert not list((out / ".krnews" / "parts").glob(".*.tmp"))
    reference_tables([corpus], tmp_path / "ref")
    assert read_csvs(out) == read_csvs(tmp_path / "ref")


@pytest.mark.parametrize("raw, expected", [
    (["a", "b"], ["a", "b"]),
    (["a", "a", "a"], ["a", "a~2", "a~3"]),
    (["a", "a", "a~2"], ["a", "a~3", "a~2"]),  # a suffix never takes an id a document has of its own
    ([], []),
])
def test_unique_ids(raw, expected):
    assert assemble.unique_ids(raw) == expected


def test_streamed_assembly_writes_the_same_bytes(fake_extractor, corpus, tmp_path):
    out = tmp_path / "out"
    run_local([corpus], out, workers=1)
    m = Manifest.open(out)
    current = [("_discover.parquet", "", 0, -1)] + m.current(m.done_inputs())
    m.close()
    assemble.assemble(out / ".krnews" / "parts", current, tmp_path / "streamed", ["csv", "parquet"], batch_rows=3)
    assert read_csvs(tmp_path / "streamed") == read_csvs(out)
    for name in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "streamed" / f"{name}.parquet"),
                                      pd.read_parquet(out / f"{name}.parquet"))


def test_second_run_on_the_same_folder_is_refused_while_one_runs(fake_extractor, corpus, tmp_path):
    from pipeline.engines.batch import RunLocked, _lock

    with _lock(tmp_path / "out" / ".krnews"):
        with pytest.raises(RunLocked, match="E502"):
            run_local([corpus], tmp_path / "out", workers=1)


def test_fingerprint_follows_rules_model_and_code(tmp_path):
    """Editing a rule file, the model or the pipeline's code changes the fingerprint, so every input is redone."""
    from pipeline.engines.manifest import fingerprint

    rules, model, code = tmp_path / "rules", tmp_path / "model", tmp_path / "code"
    for d in (rules, model, code / "stages"):
        d.mkdir(parents=True)
    (rules / "money.yaml").write_text("entity: MONEY\n", encoding="utf-8")
    (model / "meta.json").write_text("{}", encoding="utf-8")
    (code / "stages" / "link.py").write_text("x = 1\n", encoding="utf-8")

    def fp():
        return fingerprint([rules], model, {"published": None}, package_dir=code)

    first = fp()
    assert fp() == first
    seen = {first}
    for path, text in [(rules / "money.yaml", "entity: MONEY # edited\n"), (model / "meta.json", '{"v": 2}'),
                       (code / "stages" / "link.py", "x = 2\n")]:
        path.write_text(text, encoding="utf-8")
        assert fp() not in seen
        seen.add(fp())
    (code / "stages" / "__pycache__").mkdir()
    (code / "stages" / "__pycache__" / "link.cpython-311.py").write_text("cache", encoding="utf-8")
    assert fp() in seen  # caches do not count
