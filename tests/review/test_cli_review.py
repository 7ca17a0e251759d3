"""``krnews review | export | import | inspect`` through typer's CliRunner."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()


def test_review(out_dir, tmp_path):
    res = runner.invoke(app, ["review", str(out_dir)])
    assert res.exit_code == 0, res.output
    assert f"report: {out_dir / 'report' / 'index.html'}" in res.output
    res = runner.invoke(app, ["review", str(out_dir), "--html", str(tmp_path / "r" / "review.html")])
    assert res.exit_code == 0 and (tmp_path / "r" / "review.html").is_file()


def test_export_import_round_trip(out_dir, tmp_path):
    tasks = tmp_path / "tasks.json"
    res = runner.invoke(app, ["export", str(out_dir), "--format", "label-studio", "--out", str(tasks)])
    assert res.exit_code == 0, res.output
    assert f"wrote {tasks}" in res.output and "labeling config" in res.output
    gold = tmp_path / "gold.jsonl"
    res = runner.invoke(app, ["import", str(tasks), "--out", str(gold)])
    assert res.exit_code == 0, res.output
    assert "3 documents, 17 spans (label-studio)" in res.output
    assert len(gold.read_text(encoding="utf-8").splitlines()) == 3


def test_import_refuses_bad_spans_unless_skip_bad(tmp_path):
    src = tmp_path / "d.jsonl"
    src.write_text(json.dumps({"doc_id": "x", "text": "카카오", "label": [[0, 3, "ORG"], [0, 9, "ORG"]]}) + "\n",
                   encoding="utf-8")
    res = runner.invoke(app, ["import", str(src)])
    assert res.exit_code == 1
    assert "1 bad span(s), nothing was written" in res.output and "line 1 (doc_id 'x') span #2 [0:9 ORG]" in res.output
    assert not (tmp_path / "d.spans.jsonl").exists()
    res = runner.invoke(app, ["import", str(src), "--skip-bad"])
    assert res.exit_code == 0 and "skipped:" in res.output and "1 documents, 1 spans (doccano)" in res.output


def test_inspect(out_dir, empty_out):
    res = runner.invoke(app, ["inspect", str(out_dir), "--label", "MONEY", "--top", "2"])
    assert res.exit_code == 0, res.output
    assert "Largest amounts (top 2)" in res.output and "3,500,000,000,000" in res.output
    assert runner.invoke(app, ["inspect", str(empty_out)]).exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["export", "{out}", "--format", "brat"], "unknown export format 'brat'"),
    (["review", "{missing}"], "no such output folder"),
    (["inspect", "{missing}"], "not a krnews output folder"),
    (["import", "{missing}"], "no such file"),
])
def test_errors_exit_2_with_a_message(out_dir, tmp_path, args, message):
    args = [a.format(out=out_dir, missing=tmp_path / "missing") for a in args]
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and message in res.output


@pytest.mark.parametrize("command", ["review", "export", "import", "inspect"])
def test_help(command):
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0 and "Example: krnews" in res.output
