"""The engines end to end through the real CLI: resume after SIGKILL, incremental re-runs, determinism, and the
same bytes from every engine and worker count. Slow: each run starts Kiwi in every worker."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.paths import REPO_DIR

from .conftest import make_folder, read_csvs

pytestmark = pytest.mark.slow
KRNEWS = [sys.executable, "-m", "pipeline.cli", "run"]
SAMPLES = REPO_DIR / "samples"


def krnews(*args, timeout=120) -> str:
    proc = subprocess.run([*KRNEWS, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    """A frozen copy of samples/, so a sample added meanwhile cannot change a comparison."""
    return Path(shutil.copytree(SAMPLES, tmp_path_factory.mktemp("s") / "samples"))


@pytest.fixture(scope="module")
def samples_w2(samples, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("w2")
    krnews(samples, "--out", out, "--workers", 2)
    return out


def test_workers_1_and_2_write_the_same_bytes(samples, samples_w2, tmp_path):
    krnews(samples, "--out", tmp_path, "--workers", 1)
    assert read_csvs(tmp_path) == read_csvs(samples_w2)


def test_two_fresh_runs_write_the_same_bytes(samples, samples_w2, tmp_path):
    krnews(samples, "--out", tmp_path, "--workers", 2)
    assert read_csvs(tmp_path) == read_csvs(samples_w2)


def test_dask_writes_the_same_bytes_as_local(samples, samples_w2, tmp_path):
    line = krnews(samples, "--out", tmp_path, "--workers", 2, "--engine", "dask", timeout=180)
    assert line.startswith("documents: ")
    assert read_csvs(tmp_path) == read_csvs(samples_w2)


def test_rerun_skips_every_unchanged_input(samples, samples_w2, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(samples_w2, out)
    parts = {p.name: p.stat().st_mtime_ns for p in (out / ".krnews" / "parts").glob("[!_]*.parquet")}
    n_inputs = len({line for line in (samples_w2 / "documents.csv").read_text(encoding="utf-8-sig").splitlines()})
    line = krnews(samples, "--out", out, "--workers", 2)
    assert " 0 processed, " in line and "skipped as unchanged" in line
    assert {p.name: p.stat().st_mtime_ns for p in (out / ".krnews" / "parts").glob("[!_]*.parquet")} == parts
    assert read_csvs(out) == read_csvs(samples_w2) and n_inputs > 1


@pytest.fixture(scope="module")
def corpus40(tmp_path_factory) -> tuple[Path, Path]:
    """40 articles of 15 sentences, and the tables of an uninterrupted run over them."""
    root = tmp_path_factory.mktemp("c40")
    corpus = make_folder(root / "in", 40, sentences=15)
    krnews(corpus, "--out", root / "whole", "--workers", 2, timeout=300)
    return corpus, root / "whole"


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def test_a_worker_killed_mid_run_is_replaced_and_costs_nothing(corpus40, tmp_path):
    """SIGKILL to one real worker (Kiwi, model) while it extracts: the run finishes, with the uninterrupted tables."""
    corpus, whole = corpus40
    out = tmp_path / "out"
    proc = subprocess.Popen([*KRNEWS, str(corpus), "--out", str(out), "--workers", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while time.monotonic() < deadline and not list((out / ".krnews" / "parts").glob("[!_]*.parquet")):
            time.sleep(0.05)
        # the fork server is the driver's child; the workers are its children
        workers = [w for child in _children(proc.pid) for w in _children(child)]
        assert proc.poll() is None and len(workers) == 2, "the run finished before a worker could be killed"
        os.kill(workers[0], signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, stderr[-2000:]
    assert " 40 processed, " in stdout and "0 failed (0 error rows)" in stdout
    timings = json.loads((out / ".krnews" / "timings.json").read_text())
    assert timings["workers_replaced"] == 1
    assert read_csvs(out) == read_csvs(whole)


def test_killed_run_resumes_to_the_same_tables(corpus40, tmp_path):
    corpus, whole = corpus40

    out = tmp_path / "killed"
    proc = subprocess.Popen([*KRNEWS, str(corpus), "--out", str(out), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    parts = out / ".krnews" / "parts"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list(parts.glob("[!_]*.parquet")):
            time.sleep(0.05)
        killed_midway = proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        try:  # the pool's workers, started by this test, go too
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert killed_midway, "the run finished before it could be killed"
    assert not (out / "documents.csv").exists()
    line = krnews(corpus, "--out", out, "--workers", 2, timeout=300)
    skipped = int(line.split(" processed, ")[1].split(" skipped")[0])
    assert 0 < skipped < 40
    assert read_csvs(out) == read_csvs(whole)
