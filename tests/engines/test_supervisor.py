"""The local engine's supervisor: an article over the time limit, or one that takes its worker down, costs only
itself; a worker killed from outside costs nothing. Run with the stand-in extractor and its marker words
(tests/engines/fakes.py), so each case takes a second or two."""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import threading
import time

import pandas as pd
import pytest

from pipeline.engines.local import run_local
from pipeline.io.schema import TABLES

from .conftest import make_folder, read_csvs


def write_feed(root, faulty: str | None) -> None:
    """Five records with their own ids; the third is ``faulty`` (a text without digits, so it has no mentions)."""
    texts = ["첫째 기사 100억원", "둘째 기사 200억원", faulty, "넷째 기사 400억원", "다섯째 기사 500억원"]
    lines = [json.dumps({"id": f"r{i}", "text": t}, ensure_ascii=False) for i, t in enumerate(texts) if t]
    (root / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def clean(fake_extractor, tmp_path_factory, monkeypatch):
    """The tables of a run without the faulty record (inputs named ``in/…`` relative to the folder run in)."""
    where = tmp_path_factory.mktemp("clean")
    write_feed(make_folder(where / "in", 12), None)
    monkeypatch.chdir(where)
    run_local(["in"], where / "out", workers=2)
    return where / "out"


@pytest.mark.parametrize("marker, timeout, stage, error, message", [
    ("KRNEWS-TEST-CRASH", 30, "segment", "crashed", "killed by SIGKILL, perhaps by the system for lack of memory"),
    ("KRNEWS-TEST-HANG", 1.5, "segment", "timeout", "ran past the time limit of 1.5 s per article"),
    ("KRNEWS-TEST-RAISE", 30, "segment", "RuntimeError", "the fake extractor was told to raise (at fakes.py:"),
])
def test_a_faulty_article_becomes_one_error_row(clean, tmp_path, monkeypatch, marker, timeout, stage, error,
                                                 message):
    write_feed(make_folder(tmp_path / "in", 12), f"셋째 기사는 {marker} 로 끝난다")
    monkeypatch.chdir(tmp_path)
    s = run_local(["in"], tmp_path / "out", workers=2, article_timeout=timeout)
    assert (s.ok, s.failed, s.errors) == (16, 1, 1)
    timings = json.loads((tmp_path / "out" / ".krnews" / "timings.json").read_text())
    assert timings["workers_replaced"] == 2  # once with its batch, once alone

    errors = pd.read_parquet(tmp_path / "out" / "errors.parquet")
    assert len(errors) == 1
    row = errors.iloc[0]
    assert (row.path, row.line, row.stage, row.error) == ("in/feed.jsonl", 3, stage, error)
    assert message in row.message

    docs = pd.read_parquet(tmp_path / "out" / "documents.parquet")
    assert list(docs[docs.status == "failed"].doc_id) == ["r2"]
    pd.testing.assert_frame_equal(docs[docs.doc_id != "r2"].reset_index(drop=True),
                                  pd.read_parquet(clean / "documents.parquet"))
    got, want = read_csvs(tmp_path / "out"), read_csvs(clean)
    for name in TABLES:  # every other row is there once, as in the run without the faulty record
        if name not in ("documents", "errors"):
            assert got[name] == want[name], name


@pytest.mark.slow
def test_an_input_whose_reading_hangs_is_skipped_with_one_error_row(fake_extractor, tmp_path, monkeypatch):
    """Reading has ten times the article limit (0.4 s here): then the input is skipped, the others are read."""
    make_folder(tmp_path / "in", 6)
    (tmp_path / "in" / "KRNEWS-TEST-HANG-READ.txt").write_text("읽히지 않는 기사 900억원", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    s = run_local(["in"], tmp_path / "out", workers=2, article_timeout=0.4)
    assert (s.ok, s.failed, s.errors) == (6, 1, 1)
    errors = pd.read_parquet(tmp_path / "out" / "errors.parquet")
    assert [tuple(r) for r in errors[["path", "stage", "error"]].itertuples(index=False)] == [
        ("in/KRNEWS-TEST-HANG-READ.txt", "read", "timeout")]
    assert errors.line.isna().all() and "ran past 4 s, ten times the limit" in errors.message[0]
    assert len(pd.read_parquet(tmp_path / "out" / "documents.parquet")) == 6


def test_a_worker_killed_once_costs_nothing(fake_extractor, tmp_path):
    """The crashed batch is redone article by article in a fresh worker: the tables of an uninterrupted run."""
    root = make_folder(tmp_path / "in", 12)
    marker = tmp_path / "killed-once"
    write_feed(root, f"셋째 기사 KRNEWS-TEST-CRASH-ONCE={marker}")
    s = run_local([root], tmp_path / "out", workers=2)
    assert marker.exists() and (s.ok, s.failed, s.errors) == (17, 0, 0)
    run_local([root], tmp_path / "again", workers=2)  # the marker exists now: nothing is killed
    assert read_csvs(tmp_path / "out") == read_csvs(tmp_path / "again")


def slow_articles(root, n=8):
    root.mkdir()
    for i in range(n):  # half a second each: the run lasts about two seconds on two workers
        (root / f"s{i}.txt").write_text(f"느린 기사 {i}번 {i * 11}억원 KRNEWS-TEST-SLOW", encoding="utf-8")
    return root


def kill_a_worker_when_busy(parts_dir, names, killed, wait=0.2):
    """From a thread: once the first part is written (the workers are running), SIGKILL one worker mid-task."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not killed:
        busy = [p for p in mp.active_children() if any(n in p.name for n in names)]
        if len(busy) >= 2 and parts_dir.is_dir() and list(parts_dir.glob("[!_]*.parquet")):
            time.sleep(wait)  # into its next task
            os.kill(busy[0].pid, signal.SIGKILL)
            killed.append(busy[0].pid)
        time.sleep(0.02)


@pytest.mark.slow
def test_a_worker_killed_from_outside_mid_run(fake_extractor, tmp_path):
    """SIGKILL to a busy worker while the batch runs: it is replaced, nothing is lost or written twice."""
    root = slow_articles(tmp_path / "in")
    killed: list[int] = []
    killer = threading.Thread(target=kill_a_worker_when_busy,
                              args=(tmp_path / "out" / ".krnews" / "parts", ["krnews-worker"], killed))
    killer.start()
    s = run_local([root], tmp_path / "out", workers=2)
    killer.join()
    assert killed and (s.ok, s.failed, s.errors) == (8, 0, 0)
    run_local([root], tmp_path / "whole", workers=2)
    assert read_csvs(tmp_path / "out") == read_csvs(tmp_path / "whole")


@pytest.mark.slow
def test_dask_a_worker_killed_from_outside_mid_run(fake_extractor, tmp_path):
    from pipeline.engines.dask_engine import run_dask

    root = slow_articles(tmp_path / "in", 12)
    killed: list[int] = []
    killer = threading.Thread(target=kill_a_worker_when_busy,
                              args=(tmp_path / "out" / ".krnews" / "parts", ["Dask Worker"], killed))
    killer.start()
    s = run_dask([root], tmp_path / "out", workers=2)
    killer.join()
    assert killed and (s.ok, s.failed, s.errors) == (12, 0, 0)
    run_local([root], tmp_path / "whole", workers=2)
    assert read_csvs(tmp_path / "out") == read_csvs(tmp_path / "whole")


@pytest.mark.slow
@pytest.mark.parametrize("marker, timeout, failed", [
    ("KRNEWS-TEST-CRASH-ONCE={once}", 30, None),
    ("KRNEWS-TEST-CRASH", 30, ("extract", "crashed")),
    ("KRNEWS-TEST-HANG", 2, ("segment", "timeout")),
])
def test_dask_a_faulty_article_costs_only_itself(clean, tmp_path, monkeypatch, marker, timeout, failed):
    """On Dask a task whose worker dies goes to another worker; when that one dies too, or an article runs out of
    time, the rest of the task is split until the failing article is alone: only it becomes an error row."""
    from pipeline.engines.dask_engine import run_dask

    text = "셋째 기사 " + marker.format(once=tmp_path / "killed-once")
    write_feed(make_folder(tmp_path / "in", 12), text)
    monkeypatch.chdir(tmp_path)
    s = run_dask(["in"], tmp_path / "out", workers=2, article_timeout=timeout)
    got = read_csvs(tmp_path / "out")
    if not failed:
        assert (s.ok, s.failed, s.errors) == (17, 0, 0)
        run_local(["in"], tmp_path / "local", workers=2)
        assert got == read_csvs(tmp_path / "local")
        return
    assert (s.ok, s.failed, s.errors) == (16, 1, 1)
    errors = pd.read_parquet(tmp_path / "out" / "errors.parquet")
    assert [tuple(r) for r in errors[["path", "line", "stage", "error"]].itertuples(index=False)] == [
        ("in/feed.jsonl", 3, *failed)]
    want = read_csvs(clean)
    for name in TABLES:
        if name not in ("documents", "errors"):
            assert got[name] == want[name], name
