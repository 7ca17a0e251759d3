"""The engines end to end through the real CLI: resume after SIGKILL, incremental re-runs, determinism, and the
same bytes from every engine and worker count. Slow: each run starts Kiwi in every worker."""
from __future__ import annotations

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


def test_killed_run_resumes_to_the_same_tables(tmp_path):
    corpus = make_folder(tmp_path / "in", 40, sentences=15)
    krnews(corpus, "--out", tmp_path / "whole", "--workers", 2, timeout=300)

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
    assert read_csvs(out) == read_csvs(tmp_path / "whole")
