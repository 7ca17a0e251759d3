"""A user's own entity type: the PERCENT file of the brief, unchanged, through the stage, the runner and the CLI."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.article import Analysis, Article
from pipeline.ruleset import load_ruleset
from pipeline.stages.rules import RuleStage

PERCENT_YAML = """\
entity: PERCENT
normalizer: number
units: {"%": 1, "％": 1, "퍼센트": 1, "프로": 1}
patterns:
  - id: percent.number_unit
    regex: '(?P<number>\\d+(?:[.,]\\d+)*)\\s?(?P<unit>%|％|퍼센트|프로)'
examples:
  - text: 영업이익이 전년보다 12.5% 증가했다.
    expect: [{text: "12.5%", value: 12.5}]
"""


@pytest.fixture
def percent_dir(tmp_path):
    d = tmp_path / "my_rules"
    d.mkdir()
    (d / "percent.yaml").write_text(PERCENT_YAML, encoding="utf-8")
    return d


@pytest.mark.parametrize("text,expected", [
    ("영업이익이 전년보다 12.5% 증가했다.", [("12.5%", 12.5, "%")]),
    ("점유율 30 퍼센트, 금리 3.5％", [("30 퍼센트", 30, "퍼센트"), ("3.5％", 3.5, "％")]),
    ("90프로 이상", [("90프로", 90, "프로")]),
])
def test_percent_file_through_the_stage(percent_dir, text, expected):
    ruleset = load_ruleset([percent_dir])
    analysis = Analysis(Article("d1", text))
    RuleStage(ruleset)(analysis)
    got = [(m.text, ruleset.normalize(m, analysis)) for m in analysis.mentions]
    assert [(t, v["value"], v["unit"]) for t, v in got] == expected
    assert all(m.label == "PERCENT" and m.rule_id == "percent.number_unit" for m in analysis.mentions)


@pytest.mark.slow
def test_krnews_rules_test_passes_the_percent_file(percent_dir):
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["rules", "test", "--rules", str(percent_dir)])
    # the built-in files are tested too; whatever they do, the PERCENT row reads 1 example, 0 failed
    row = next(line for line in result.output.splitlines() if "percent.yaml" in line)
    assert [cell.strip() for cell in row.split("│")[1:-1]] == ["percent.yaml", "PERCENT", "1", "0", "0"]
    assert "percent.yaml::" not in result.output
    assert result.exit_code == (0 if "FAIL" not in result.output else 1), result.output


@pytest.mark.slow
def test_krnews_rules_test_reports_a_failing_example(tmp_path):
    d = tmp_path / "bad"
    d.mkdir()
    (d / "percent.yaml").write_text(PERCENT_YAML.replace("value: 12.5", "value: 13"), encoding="utf-8")
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["rules", "test", "--rules", str(d)])
    assert result.exit_code == 1
    assert f"{d / 'percent.yaml'}:8 percent.yaml::example-1: '12.5%': value mismatch {{'value': 12.5}} != " \
           "{'value': 13}" in result.output


@pytest.mark.slow
def test_krnews_run_with_the_percent_file(percent_dir, tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a1.txt").write_text("영업이익이 전년보다 12.5% 증가했다.\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(articles), "--out", str(out), "--rules", str(percent_dir),
                                      "--workers", "1", "--formats", "csv"])
    assert result.exit_code == 0, result.output
    mentions = pd.read_csv(next(out.rglob("mentions.csv")))
    row = mentions[mentions["label"] == "PERCENT"].iloc[0]
    assert (row["text"], row["rule_id"], row["start"], row["end"]) == ("12.5%", "percent.number_unit", 11, 16)
    assert '"value": 12.5' in row["normalized"]
