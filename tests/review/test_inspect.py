"""DuckDB summaries of an output folder."""
from __future__ import annotations

import re

import pytest

from pipeline.review.inspect import connect, inspect, inspect_tables
from pipeline.review.tables import ReviewError

from .conftest import write_output


def _rows(table) -> list[list[str]]:
    cols = [list(c.cells) for c in table.columns]
    return [list(r) for r in zip(*cols)]


def test_frequent_values_people_and_money(out_dir):
    frequent, people, quoted, edges, money = inspect_tables(out_dir, top=20)
    assert _rows(quoted) == []  # this folder has no quotes (tests/review/test_quotes_review.py has)
    rows = _rows(frequent)
    assert ["ORG", "name=삼성전자", "2", "1", "삼성전자"] in rows
    assert ["MONEY", "amount=3500000000000 currency=KRW", "1", "1", "3조 5천억원"] in rows
    assert ["LOC", "강남구청 2023년", "1", "1", "강남구청 2023년"] in rows  # no value: the text stands in
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    assert _rows(people) == [["(none)", "삼성", "", "1", "1"], ["삼성전자", "이재용", "회장", "1", "1"],
                             ["카카오", "김범수", "의장", "1", "1"]]
    assert [r[0] for r in _rows(money)] == ["3,500,000,000,000", "50,000,000,000", "200,000,000", "100,000,000"]
    assert _rows(money)[0][2:] == ["3조 5천억원", "econ-001", "삼성전자 평택 투자"]


@pytest.mark.parametrize("label, top, n_tables, n_rows", [
    ("MONEY", 2, 2, 2),     # frequent values of MONEY, then the largest amounts
    ("PERSON", 20, 4, 3),   # frequent values, people by organization, most quoted, strongest edges
    ("DATE", 1, 1, 1),
    ("NOPE", 5, 1, 0),
])
def test_label_and_top(out_dir, label, top, n_tables, n_rows):
    tables = inspect_tables(out_dir, label=label, top=top)
    assert len(tables) == n_tables
    assert len(_rows(tables[0])) == n_rows
    assert all(r[0] == label for r in _rows(tables[0]))


def test_text_output_and_empty_output(out_dir, empty_out):
    text = inspect(out_dir, top=3)
    assert "Most frequent values per label" in text and "Largest amounts" in text
    assert re.search(r"3,500,000,000,000\s+│ KRW", text)
    empty = inspect(empty_out)
    assert empty.count("no rows") == 5


def test_csv_only_output(tmp_path, tables):
    csv_dir = write_output(tables, tmp_path / "csv", formats=("csv",))
    con = connect(csv_dir)
    assert con.execute("SELECT count(*) FROM mentions WHERE text = '-3%'").fetchone() == (1,)
    assert _rows(inspect_tables(csv_dir, label="MONEY", top=1)[1])[0][0] == "3,500,000,000,000"


def test_errors(tmp_path, out_dir):
    with pytest.raises(ReviewError, match="not a krnews output folder"):
        inspect(tmp_path / "nothing")
    with pytest.raises(ReviewError, match="--top must be at least 1"):
        inspect(out_dir, top=0)
