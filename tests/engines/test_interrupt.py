"""Ctrl-C and SIGTERM: the run stops within a few seconds, says how to resume, and the rerun ends byte-identical
to an uninterrupted run. The real CLI in a subprocess, with the stand-in extractor (half a second an article)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from .conftest import FAKE_EXTRACTOR, make_folder, read_csvs

pytestmark = pytest.mark.slow
KRNEWS = [sys.executable, "-m", "pipeline.cli", "run"]


def slow_folder(root):
    # 32 articles at half a second each over two workers: long enough after the first part (the signal's cue)
    # that the run is still extracting when the signal comes, on a loaded machine too
    make_folder(root, 32)
    for f in root.rglob("*.*"):
        f.write_text(f.read_text(encoding="utf-8") + "KRNEWS-TEST-SLOW\n", encoding="utf-8")
    return root


def krnews(*args, env, timeout=120):
    return subprocess.run([*KRNEWS, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_interrupted_run_stops_fast_and_resumes_to_the_same_bytes(tmp_path, sig, code):
    env = {**os.environ, "KRNEWS_TEST_EXTRACTOR": FAKE_EXTRACTOR}
    corpus = slow_folder(tmp_path / "in")
    out = tmp_path / "out"
    proc = subprocess.Popen([*KRNEWS, str(corpus), "--out", str(out), "--workers", "2"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list((out / ".krnews" / "parts").glob("[!_]*.parquet")):
            time.sleep(0.05)
        assert proc.poll() is None, "the run finished before it could be interrupted"
        # Ctrl-C reaches the whole foreground process group (workers included); SIGTERM only the driver
        sent = time.monotonic()
        os.killpg(proc.pid, sig) if sig == signal.SIGINT else os.kill(proc.pid, sig)
        _, stderr = proc.communicate(timeout=30)
        stopped_after = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == code, stderr[-2000:]
    assert stopped_after < 5
    assert f"interrupted ({sig.name})" in stderr and "run the same command again" in stderr
    assert f"--out {out}" in stderr and "Traceback" not in stderr
    assert not (out / "documents.csv").exists()
    assert not [p for p in (out / ".krnews" / "parts").iterdir() if p.name.startswith(".")]
    # the workers are gone (they also leave when the driver does): soon, though on a loaded machine not at once
    deadline = time.monotonic() + 20
    while True:
        leftover = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
        if not leftover or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert leftover == []

    resumed = krnews(corpus, "--out", out, "--workers", 2, env=env)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    skipped = int(resumed.stdout.split(" processed, ")[1].split(" skipped")[0])
    assert 0 < skipped < 16
    whole = krnews(corpus, "--out", tmp_path / "whole", "--workers", 2, env=env)
    assert whole.returncode == 0, whole.stderr[-2000:]
    assert read_csvs(out) == read_csvs(tmp_path / "whole")
