"""Export to Label Studio / doccano / spans, import back, and the round trip scored against the pipeline's output."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.review.evaluate import score
from pipeline.review.export import export, spans_records
from pipeline.review.importer import AnnotationError, import_annotations, read_annotations
from pipeline.review.tables import ReviewError, load_tables

from .conftest import EMOJI

from pipeline.paths import KLUE_SPANS  # noqa: E402


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write(path: Path, obj) -> Path:
    if isinstance(obj, list) and path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in obj), encoding="utf-8")
    else:
        path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------------------------
# export


def test_label_studio_tasks_carry_utf16_offsets(out_dir):
    tasks = json.loads(export(out_dir, "label-studio").read_text(encoding="utf-8"))
    assert [t["data"]["doc_id"] for t in tasks] == ["cross-003", "econ-001", "web/emoji 02"]  # no empty text
    task = tasks[2]
    assert task["data"]["text"] == EMOJI
    (pred,) = task["predictions"]
    assert pred["model_version"] == "krnews"
    first = pred["result"][0]
    assert set(first) == {"id", "from_name", "to_name", "type", "value"}
    assert (first["from_name"], first["to_name"], first["type"]) == ("label", "text", "labels")
    values = [(r["value"]["start"], r["value"]["end"], r["value"]["text"], r["value"]["labels"]) for r in pred["result"]]
    js = EMOJI.encode("utf-16-le")

    def js_slice(s, e):
        return js[2 * s:2 * e].decode("utf-16-le")

    for s, e, text, _ in values:
        assert js_slice(s, e) == text  # what JavaScript's text.slice(start, end) gives
    py = EMOJI.index("1억원")
    assert values[1] == (py + 2, py + 5, "1억원", ["MONEY"])  # 💰 and 𝟘 before it: +2
    assert values[3][2] == "2억💵원" and values[3][1] - values[3][0] == 5  # 4 characters, the emoji counts 2
    config = (out_dir / "annotations.label-studio.json.config.xml").read_text(encoding="utf-8")
    assert '<Labels name="label" toName="text">' in config and '<Label value="PERCENT"/>' in config


def test_doccano_lines(out_dir):
    lines = _jsonl(export(out_dir, "doccano", out_dir / "d.jsonl"))
    emoji = next(line for line in lines if line["doc_id"] == "web/emoji 02")
    assert set(emoji) == {"text", "label", "doc_id"}
    py = EMOJI.index("김범수")
    assert [py + 3, py + 6, "PERSON"] in emoji["label"]  # 💰, 𝟘 and 🎉 before it
    cp = _jsonl(export(out_dir, "doccano", out_dir / "cp.jsonl", offsets="codepoints"))
    assert [py, py + 3, "PERSON"] in next(x for x in cp if x["doc_id"] == "web/emoji 02")["label"]


def test_spans_lines_have_the_shape_of_our_klue_file(out_dir):
    lines = _jsonl(export(out_dir, "spans"))
    if KLUE_SPANS.is_file():
        with KLUE_SPANS.open(encoding="utf-8") as fh:
            klue = json.loads(fh.readline())
        assert set(klue) - {"source"} == set(lines[0])
        assert set(klue["entities"][0]) == set(lines[0]["entities"][0])
    for line in lines:
        for e in line["entities"]:
            assert line["text"][e["start"]:e["end"]] == e["text"]


@pytest.mark.parametrize("fmt, offsets, message", [
    ("brat", None, "unknown export format 'brat'"),
    ("doccano", "bytes", "unknown offset unit 'bytes'"),
    ("spans", "utf16", "spans JSONL always counts code points"),
])
def test_export_refuses_bad_options(out_dir, fmt, offsets, message):
    with pytest.raises(ReviewError, match=message):
        export(out_dir, fmt, offsets=offsets)


# ---------------------------------------------------------------------------------------------------------------
# round trip: export → unchanged import → score against the pipeline's own output


@pytest.mark.parametrize("fmt", ["label-studio", "doccano", "spans"])
def test_round_trip_scores_f1_one(out_dir, tmp_path, fmt):
    exported = export(out_dir, fmt, tmp_path / f"export-{fmt}.json")
    result = import_annotations(exported, tmp_path / "gold.spans.jsonl")
    assert result.fmt == fmt and result.problems == []
    gold = _jsonl(result.dest)
    assert gold == result.records
    pred = spans_records(load_tables(out_dir))
    scores = score(gold, pred)
    assert scores.micro.strict.f1 == 1.0 and scores.micro.lenient.f1 == 1.0
    assert scores.micro.strict.n_gold == 17
    assert all(s.strict.f1 == 1.0 for s in scores.labels.values())
    emoji = next(r for r in gold if r["id"] == "web/emoji 02")
    assert [e["text"] for e in emoji["entities"]] == ["카카오", "1억원", "김범수", "2억💵원"]


# ---------------------------------------------------------------------------------------------------------------
# import


def _ls_task(text, result, annotations=None, doc_id="d1"):
    task = {"id": 7, "data": {"text": text, "doc_id": doc_id},
            "predictions": [{"model_version": "krnews", "result": result}]}
    if annotations is not None:
        task["annotations"] = annotations
    return task


def _region(start, end, text, label, rid="r1"):
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": [label]}}


def test_human_annotation_wins_over_predictions(tmp_path):
    text = "💰 카카오 1억원"
    task = _ls_task(text, [_region(3, 6, "카카오", "ORG")],
                    annotations=[{"result": [_region(3, 6, "카카오", "ORG")]},
                                 {"result": [_region(7, 10, "1억원", "MONEY"), {"type": "relation", "from_id": "x"}]}])
    records, problems, fmt = read_annotations(_write(tmp_path / "ls.json", [task]))
    assert fmt == "label-studio" and problems == []
    assert records == [{"id": "d1", "text": text,
                        "entities": [{"start": 6, "end": 9, "label": "MONEY", "text": "1억원"}]}]


def test_cancelled_annotation_falls_back_to_predictions(tmp_path):
    task = _ls_task("카카오", [_region(0, 3, "카카오", "ORG")], annotations=[{"result": [], "was_cancelled": True}])
    records, problems, _ = read_annotations(_write(tmp_path / "ls.json", [task]))
    assert [e["label"] for e in records[0]["entities"]] == ["ORG"]


def test_label_studio_counting_code_points_is_accepted(tmp_path):
    # a Label Studio build that stores code points: the declared unit fails, the text proves the other one
    text = "💰 카카오"
    records, problems, _ = read_annotations(_write(tmp_path / "ls.json", [_ls_task(text, [_region(2, 5, "카카오", "ORG")])]))
    assert problems == [] and records[0]["entities"][0]["start"] == 2


def test_bad_spans_are_all_reported_and_nothing_is_written(tmp_path):
    text = "💰 카카오 1억원"
    tasks = [
        _ls_task(text, [_region(3, 6, "카카오", "ORG"), _region(3, 6, "카카우", "ORG", "r2"),
                        _region(1, 3, "💰", "ORG", "r3")]),
        _ls_task(text, [_region(7, 99, "1억원", "MONEY")], doc_id="d2"),
        _ls_task(text, [_region(7, 10, "1억원", None)], doc_id="d3"),
    ]
    src = _write(tmp_path / "ls.json", tasks)
    dest = tmp_path / "out.jsonl"
    with pytest.raises(AnnotationError) as err:
        import_annotations(src, dest)
    assert not dest.exists()
    msg = str(err.value)
    assert msg.startswith("4 bad span(s), nothing was written")
    assert f"{src}: task 1 (doc_id 'd1') span #2 (id r2) [3:6 ORG '카카우']: text '카카우' does not match" in msg
    assert "the article reads '카카오'" in msg
    assert "task 1 (doc_id 'd1') span #3 (id r3) [1:3 ORG" in msg and "splits a surrogate pair" in msg
    assert "task 2 (doc_id 'd2') span #1 (id r1) [7:99 MONEY '1억원']" in msg and "outside the text" in msg
    assert "task 3 (doc_id 'd3') span #1 (id r1) [7:10 None '1억원']: no label" in msg

    result = import_annotations(src, dest, skip_bad=True)
    assert len(result.problems) == 4
    assert [len(r["entities"]) for r in _jsonl(dest)] == [1, 0, 0]


@pytest.mark.parametrize("line, problem", [
    ({"text": "카카오", "label": [[0, 3, "ORG"]]}, None),
    ({"text": "💰카카오", "label": [[2, 5, "ORG"]]}, None),
    ({"text": "💰카카오", "label": [[1, 5, "ORG"]]}, "splits a surrogate pair"),
    ({"text": "카카오", "label": [[0, 4, "ORG"]]}, "outside the text"),
    ({"text": "카카오", "label": [[2, 1, "ORG"]]}, "empty or reversed"),
    ({"text": "카카오", "label": [["0", 3, "ORG"]]}, "must be integers"),
    ({"text": "카카오", "label": [[0, 3, ""]]}, "no label"),
    ({"text": "카카오", "label": [[0, 3]]}, "expected [start, end, LABEL], got [0, 3]"),
    ({"label": [[0, 3, "ORG"]]}, "no article text"),
])
def test_doccano_lines_are_checked(tmp_path, line, problem):
    records, problems, fmt = read_annotations(_write(tmp_path / "d.jsonl", [{"doc_id": "x", **line}]))
    assert fmt == "doccano"
    if problem is None:
        assert problems == [] and records[0]["entities"][0]["text"] == "카카오"
    else:
        assert len(problems) == 1 and problem in str(problems[0])
        assert str(problems[0]).startswith(f"{tmp_path / 'd.jsonl'}: line 1")


def test_doccano_relation_export_and_spans_files(tmp_path):
    doccano = {"id": 3, "text": "삼성전자 3억원", "entities": [{"id": 1, "label": "MONEY", "start_offset": 5,
                                                               "end_offset": 8}], "relations": []}
    records, problems, fmt = read_annotations(_write(tmp_path / "rel.jsonl", [doccano]))
    assert (fmt, problems, records[0]["id"]) == ("doccano", [], "3")
    assert records[0]["entities"] == [{"start": 5, "end": 8, "label": "MONEY", "text": "3억원"}]
    spans = {"id": "s1", "text": "𝟘 삼성", "entities": [{"start": 2, "end": 4, "label": "ORG", "text": "삼성"}]}
    records, problems, fmt = read_annotations(_write(tmp_path / "s.jsonl", [spans]))
    assert (fmt, problems) == ("spans", []) and records == [spans]


def test_klue_spans_file_imports_cleanly():
    if not KLUE_SPANS.is_file():
        pytest.skip(f"{KLUE_SPANS} not present")
    records, problems, fmt = read_annotations(KLUE_SPANS)
    assert fmt == "spans" and problems == [] and len(records) > 1000


@pytest.mark.parametrize("content, message", [
    ("{not json\n", "not JSON"),
    ('{"foo": 1}\n', "cannot tell the format"),
])
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "x.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReviewError, match=message):
        import_annotations(path)


def test_import_never_overwrites_its_input(tmp_path):
    path = _write(tmp_path / "s.jsonl", [{"id": "a", "text": "가", "entities": []}])
    with pytest.raises(ReviewError, match="refusing to overwrite"):
        import_annotations(path, path)
    assert import_annotations(path).dest == tmp_path / "s.spans.jsonl"
