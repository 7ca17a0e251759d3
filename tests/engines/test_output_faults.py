"""Output faults: a full disk or a folder we may not write stops the run with [E506] and a non-zero exit, leaves
no half-written table under its final name (the previous tables stay as they were), and a rerun after the fix
ends with the tables of an uninterrupted run."""
from __future__ import annotations

import errno
import os
import sqlite3
import tempfile

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.engines import batch
from pipeline.engines.batch import OutputError
from pipeline.engines.local import run_local
from pipeline.io import writers

from .conftest import make_folder, read_csvs


def full_disk(path):
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def fail_table(monkeypatch):
    """The disk fills while mentions.csv is written (every table, streamed or not, goes through atomic_write)."""
    real = writers.atomic_write

    def atomic_write(path, write):
        if path.name == "mentions.csv":
            raise full_disk(path)
        real(path, write)

    monkeypatch.setattr(writers, "atomic_write", atomic_write)


def fail_third_part(monkeypatch):
    real, calls = batch._write_atomic, []

    def write(path, data):
        if not path.name.startswith("_") and path.suffix == ".parquet":
            calls.append(path)
            if len(calls) == 3:
                with open(path.with_name(".half.tmp"), "wb") as f:  # a part cut short by the full disk …
                    f.write(data[: len(data) // 2])
                os.unlink(path.with_name(".half.tmp"))  # … which _write_atomic removes
                raise full_disk(path)
        real(path, data)

    monkeypatch.setattr(batch, "_write_atomic", write)


def fail_manifest(monkeypatch):
    real, calls = batch.Manifest.record, []

    def record(self, *args):
        calls.append(1)
        if len(calls) == 2:
            raise sqlite3.OperationalError("database or disk is full")
        real(self, *args)

    monkeypatch.setattr(batch.Manifest, "record", record)


def fail_permission(monkeypatch, out):
    real = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and os.path.realpath(dir) == os.path.realpath(out):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(dir))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize("fault, code", [
    (lambda mp, out: fail_table(mp), "ENOSPC"),
    (lambda mp, out: fail_third_part(mp), "ENOSPC"),
    (lambda mp, out: fail_manifest(mp), "ENOSPC"),
    (fail_permission, "EACCES"),
], ids=["table", "part", "manifest", "permission"])
def test_a_write_fault_stops_cleanly_and_the_rerun_finishes(fake_extractor, tmp_path, monkeypatch, fault, code):
    corpus = make_folder(tmp_path / "in", 10)
    out = tmp_path / "out"
    run_local([corpus], out, workers=1)
    before = read_csvs(out)
    make_folder(tmp_path / "more", 14)  # four new articles, and the old ones changed
    for f in (tmp_path / "more").rglob("*.*"):
        target = corpus / f.relative_to(tmp_path / "more")
        target.write_bytes(f.read_bytes() + "추가 문장 42억원.\n".encode())

    with monkeypatch.context() as mp:
        fault(mp, out)
        with pytest.raises(OutputError, match=rf"\[E506\] cannot write .*\({code}\)\. The tables in "):
            run_local([corpus], out, workers=2)
    assert read_csvs(out) == before  # not one table of the failed run is visible
    assert not [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != ".krnews"]
    assert not list((out / ".krnews" / "parts").glob(".*")) and not (out / ".krnews" / "staging").exists()

    run_local([corpus], out, workers=2)
    run_local([corpus], tmp_path / "whole", workers=2)
    assert read_csvs(out) == read_csvs(tmp_path / "whole")


def test_the_cli_says_e506_and_exits_non_zero(fake_extractor, tmp_path, monkeypatch):
    corpus = make_folder(tmp_path / "in", 4)
    fail_table(monkeypatch)
    result = CliRunner().invoke(app, ["run", str(corpus), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 1
    assert "[E506] cannot write " in result.output and "run the same command again" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a folder without write permission")
def test_a_read_only_folder_is_refused_before_any_work(fake_extractor, tmp_path):
    corpus = make_folder(tmp_path / "in", 4)
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        with pytest.raises(OutputError, match=r"\[E506\] cannot write .*permission denied \(EACCES\)"):
            run_local([corpus], out, workers=1)
        assert not (out / ".krnews").exists()
    finally:
        out.chmod(0o755)
    run_local([corpus], out, workers=1)
    assert (out / "documents.csv").exists()
