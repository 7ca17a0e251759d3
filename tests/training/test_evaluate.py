"""``krnews evaluate``: gold records against known predictions, label mapping, the table; the CLI on a tiny file."""
from __future__ import annotations

import json

import pytest

from pipeline.training.evaluate import LABEL_TO_KLUE, GoldSpan, evaluate_records, load_gold, render

TEXT = "오세훈 서울시장은 29일 한국전자통신연구원을 방문해 1조원을 지원했다."
#       0-3 PS; 10-13 DT (29일); 14-23 OG; 29-32 QT (1조원)
GOLD = [{"id": "s1", "source": "wikitree", "text": TEXT, "entities": [
    {"start": 0, "end": 3, "label": "PS"}, {"start": 10, "end": 13, "label": "DT"},
    {"start": 14, "end": 23, "label": "OG"}, {"start": 29, "end": 32, "label": "QT"}]},
    {"id": "s2", "source": "nsmc", "text": "재밌다", "entities": []}]


def fixed(predictions: dict[str, list[tuple[int, int, str]]]):
    def predict(records):
        return [[GoldSpan(r["id"], s, e, lab) for s, e, lab in predictions.get(r["id"], [])] for r in records]
    return predict


@pytest.mark.parametrize("preds, label, strict_prf, lenient_prf", [
    # exact PS; DT one character short (lenient only); OG missed; a spurious LC in the review
    ({"s1": [(0, 3, "PS"), (10, 12, "DT")], "s2": [(0, 2, "LC")]}, "micro", (1 / 3, 1 / 4), (2 / 3, 2 / 4)),
    ({"s1": [(0, 3, "PS"), (10, 12, "DT")], "s2": [(0, 2, "LC")]}, "PS", (1, 1), (1, 1)),
    ({"s1": [(0, 3, "PS"), (10, 12, "DT")], "s2": [(0, 2, "LC")]}, "DT", (0, 0), (1, 1)),
    ({"s1": [(0, 3, "PS"), (10, 12, "DT")], "s2": [(0, 2, "LC")]}, "LC", (0, 0), (0, 0)),
    # the right spans with the wrong label count nowhere
    ({"s1": [(0, 3, "OG"), (14, 23, "PS")]}, "micro", (0, 0), (0, 0)),
    # the same offsets in another sentence are not a match
    ({"s2": [(0, 3, "PS")]}, "PS", (0, 0), (0, 0)),
])
def test_scores_against_known_predictions(preds, label, strict_prf, lenient_prf):
    scores = evaluate_records(GOLD, fixed(preds), batch_size=1)
    s = scores.micro if label == "micro" else scores.labels[label]
    assert (s.strict.precision, s.strict.recall) == pytest.approx(strict_prf)
    assert (s.lenient.precision, s.lenient.recall) == pytest.approx(lenient_prf)


@pytest.mark.parametrize("ours, klue", [
    ("PERSON", "PS"), ("ORG", "OG"), ("LOCATION", "LC"), ("DATE", "DT"), ("TIME", "TI"),
    ("MONEY", "QT"), ("AREA", "QT"), ("QUANTITY", "QT"), ("PERCENT", "QT"),
])
def test_our_labels_map_to_klue(ours, klue):
    assert LABEL_TO_KLUE[ours] == klue


def test_table_lists_labels_in_klue_order_then_micro():
    from rich.console import Console

    scores = evaluate_records(GOLD, fixed({"s1": [(0, 3, "PS"), (14, 23, "OG")]}))
    console = Console(record=True, width=160)
    console.print(render(scores, "t"))
    lines = [ln for ln in console.export_text().splitlines() if ln.startswith("│")]
    assert [ln.split("│")[1].strip() for ln in lines] == ["PS", "OG", "DT", "QT", "micro"]
    assert "50.0" in lines[-1]  # micro strict recall 2/4


def test_load_gold_filters_source_and_limit(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in GOLD), encoding="utf-8")
    assert [r["id"] for r in load_gold(path)] == ["s1", "s2"]
    assert [r["id"] for r in load_gold(path, source="nsmc")] == ["s2"]
    assert [r["id"] for r in load_gold(path, limit=1)] == ["s1"]


def test_load_gold_names_the_bad_line(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(GOLD[0], ensure_ascii=False) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"gold.jsonl:2: not JSON"):
        load_gold(path)


@pytest.mark.slow
@pytest.mark.parametrize("extra", [[], ["--model-only"]])
def test_cli_evaluate_prints_the_table(tmp_path, extra):
    from typer.testing import CliRunner

    from pipeline.cli import app

    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in GOLD), encoding="utf-8")
    out = tmp_path / "scores.json"
    result = CliRunner().invoke(app, ["evaluate", str(path), "--json", str(out), *extra])
    assert result.exit_code == 0, result.output
    assert "micro" in result.output and "lenient" in result.output
    scores = json.loads(out.read_text())
    assert scores["micro"]["strict"]["n_gold"] == 4
    if extra:  # the bare model: the CLI's figures are those of its predictor, label by label
        from pipeline.training.evaluate import model_predictor

        assert scores == json.loads(json.dumps(evaluate_records(GOLD, model_predictor()).as_dict()))
    else:  # the pipeline: 오세훈 exactly (its person rule), and 29일
        assert scores["labels"]["PS"]["strict"]["tp_gold"] == 1
    assert scores["labels"]["DT"]["strict"]["tp_gold"] == 1  # 29일


def test_cli_evaluate_refuses_a_missing_file(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["evaluate", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2 and "krnews train" in result.output


def test_evaluate_the_fixed_validation_split_without_training():
    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.training.data import DEFAULT_SOURCE

    if not DEFAULT_SOURCE.is_file():
        pytest.skip(f"{DEFAULT_SOURCE} is not here")
    res = CliRunner().invoke(app, ["evaluate", "validation", "--limit", "5", "--model-only"])
    assert res.exit_code == 0, res.output
    assert "validation: model only, 5 sentences" in res.output
