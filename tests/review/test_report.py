"""The static report: escaping, highlighting (nested and crossing mentions), pages, and odd output folders."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline.io.schema import TABLE_NAMES, to_frame
from pipeline.review.report import build_report, highlight, page_name, report_paths
from pipeline.review.tables import ReviewError, load_tables

from .conftest import CROSS, ECON, EMOJI, build_tables, write_output

TAG = re.compile(r"<[^>]+>")


def _article(page: str) -> str:
    return page[page.index('<article class="doc-text"'):page.index("</article>") + len("</article>")]


def _plain(fragment: str) -> str:
    """What a browser shows of an HTML fragment (tags removed, entities decoded)."""
    return html.unescape(TAG.sub("", fragment))


def _spans(fragment: str) -> list[str]:
    return re.findall(r'<span class="(ent [^"]*)" data-label="([^"]*)"', fragment)


@pytest.fixture
def report(out_dir) -> Path:
    return build_report(out_dir)


def test_default_layout(out_dir, report):
    assert report == out_dir / "report" / "index.html"
    assert (out_dir / "report" / "errors.html").is_file()
    pages = sorted(p.name for p in (out_dir / "report" / "docs").iterdir())
    assert pages == sorted(page_name(d) for d in ["econ-001", "web/emoji 02", "cross-003", "broken-004"])


@pytest.mark.parametrize("doc_id, expected", [
    ("econ-001", "econ-001-"),
    ("web/emoji 02", "web_emoji_02-"),
    ("../../etc/passwd", "etc_passwd-"),
    ("삼성전자 기사", "doc-"),
])
def test_page_names_are_safe_and_distinct(doc_id, expected):
    name = page_name(doc_id)
    assert name.startswith(expected) and name.endswith(".html")
    assert re.fullmatch(r"[0-9A-Za-z._-]+", name) and "/" not in name
    assert page_name(doc_id + "x") != name


def test_article_markup_is_escaped_and_text_preserved(out_dir, report):
    page = (out_dir / "report" / "docs" / page_name("web/emoji 02")).read_text(encoding="utf-8")
    assert "<script>document.title" not in page
    assert "&lt;script&gt;document.title=&#x27;PWNED&#x27;&lt;/script&gt;" in page
    assert "<b>굵게</b>" not in page and "<i>카카오</i>" not in page  # title is untrusted too
    assert _plain(_article(page)) == EMOJI


def test_only_our_script_and_no_external_resources(out_dir, report):
    for page in (out_dir / "report").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'(?:src|href)="(?:https?:)?//', text), page
        assert "<link" not in text and "@import" not in text
        assert text.count("<script") == (1 if page.name == "index.html" else 0), page


def test_error_message_is_escaped(out_dir, report):
    errors = (out_dir / "report" / "errors.html").read_text(encoding="utf-8")
    assert "<img src=x" not in errors and "&lt;img src=x onerror=alert(1)&gt;" in errors
    assert page_name("broken-004") in errors


def test_every_mention_is_a_span_with_label_and_tooltip(out_dir, report):
    page = (out_dir / "report" / "docs" / page_name("econ-001")).read_text(encoding="utf-8")
    article = _article(page)
    assert [lab for _, lab in _spans(article)] == ["ORG", "DATE", "MONEY", "PERSON", "ORG", "AREA", "PERCENT"]
    assert 'class="ent ent-MONEY" data-label="MONEY" data-mention="m0003"' in article
    money_title = re.search(r'data-mention="m0003"[^>]*title="([^"]*)"', article).group(1)
    assert html.unescape(money_title) == (
        'MONEY m0003\nvalue: {"amount": 3500000000000.0, "currency": "KRW"}\nrule: money.number_unit (rules)'
        '\nconfidence: 1.00')
    assert "rule: - (ner)\nconfidence: 0.80" in html.unescape(article)  # the NER mention has no rule id
    assert _plain(article) == ECON
    # legend lists each label once, and the article's rows follow
    assert re.findall(r'data-legend="([^"]*)"', page) == ["MONEY", "AREA", "DATE", "PERSON", "ORG", "PERCENT"]
    for section in ("mentions (7)", "money (1)", "people (1)", "organizations (2)"):
        assert f">{section}</h2>" in page


def test_crossing_and_stacked_mentions_nest_without_losing_text():
    cross = [m for m in build_tables()["mentions"].astype(object).to_dict("records") if m["doc_id"] == "cross-003"]
    out = highlight(CROSS, cross).html
    assert _plain(out) == CROSS
    labels = [lab for _, lab in _spans(out)]
    # LOC crosses the end of ORG: cut into two pieces, ORG-nested then continuing; 삼성 is ORG around PERSON
    assert labels == ["ORG", "LOC", "LOC", "DATE", "MONEY", "ORG", "PERSON"]
    assert _spans(out)[1][0] == "ent ent-LOC ent-part ent-continues"
    assert _spans(out)[2][0] == "ent ent-LOC ent-part"
    assert out.count("<span") == out.count("</span>")


@pytest.mark.parametrize("mentions, text, n_spans, n_skipped", [
    ([{"label": "MONEY", "start": 0, "end": 2}], "3억", 1, 0),
    ([{"label": "MONEY", "start": 0, "end": 9}], "3억", 0, 1),      # past the end
    ([{"label": "MONEY", "start": 1, "end": 1}], "3억", 0, 1),      # empty
    ([{"label": "MONEY", "start": None, "end": 1}], "3억", 0, 1),
    ([{"label": "ORG", "start": 0, "end": 2}, {"label": "PERSON", "start": 0, "end": 2}], "삼성", 2, 0),
    ([{"label": "A", "start": 0, "end": 3}, {"label": "B", "start": 1, "end": 4},
      {"label": "C", "start": 2, "end": 5}], "가나다라마", 5, 0),    # a chain of crossings: A, B, C, C, B
])
def test_highlight_table(mentions, text, n_spans, n_skipped):
    out = highlight(text, mentions)
    assert len(_spans(out.html)) == n_spans
    assert len(out.skipped) == n_skipped
    assert _plain(out.html) == text


def test_mismatching_table_text_is_flagged():
    out = highlight("삼성전자", [{"label": "ORG", "start": 0, "end": 2, "text": "전자"}]).html
    assert "mismatch" in out and "differs from the article" in out


def test_index_lists_documents_counts_and_errors(out_dir, report):
    index = report.read_text(encoding="utf-8")
    rows = re.findall(r"<tr(?: class=\"bad\")?><td><a href=\"docs/([^\"]+)\">", index)
    assert rows == [page_name(d) for d in ["broken-004", "cross-003", "econ-001", "web/emoji 02"]]
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", index).group(1)
    assert _plain(head.replace("</th>", "|")).split("|")[:-1] == [
        "doc_id", "title", "published", "status", "MONEY", "AREA", "DATE", "PERSON", "ORG", "LOC", "PERCENT",
        "errors"]
    econ = re.search(r"<tr><td><a href=\"docs/econ-001-[^\"]+\">.*?</tr>", index).group(0)
    assert re.findall(r'<td class="num[^"]*">(\d+)</td>', econ) == ["1", "1", "1", "1", "2", "0", "1", "0"]
    broken = re.search(r'<tr class="bad">.*?</tr>', index).group(0)
    assert re.findall(r'<td class="num[^"]*">(\d+)</td>', broken)[-1] == "1"
    assert "errors (1)" in index


@pytest.mark.parametrize("given, index, docs", [
    ("review.html", "review.html", "docs"),
    ("site", "site/index.html", "site/docs"),
])
def test_html_option_writes_next_to_the_given_path(out_dir, tmp_path, given, index, docs):
    written = build_report(out_dir, tmp_path / given)
    assert written == tmp_path / index and written.is_file()
    assert len(list((tmp_path / docs).glob("*.html"))) == 4
    page = next((tmp_path / docs).glob("econ-001-*.html")).read_text(encoding="utf-8")
    assert f'href="../{Path(index).name}"' in page
    assert report_paths(out_dir, tmp_path / given)[0] == written


def test_empty_output_gives_an_empty_report(empty_out):
    index = build_report(empty_out).read_text(encoding="utf-8")
    assert "no documents" in index and "0 documents, 0 mentions, 0 errors" in index
    assert "no errors" in (empty_out / "report" / "errors.html").read_text(encoding="utf-8")


def test_csv_only_output_reads_like_parquet(tmp_path, tables):
    csv_dir = write_output(tables, tmp_path / "csv", formats=("csv",))
    loaded = load_tables(csv_dir)
    # CSV cannot tell an empty string from a missing value: both read back as missing
    assert loaded["mentions"].equals(tables["mentions"].replace("", pd.NA))
    assert loaded["money"]["amount"].tolist() == tables["money"]["amount"].tolist()
    # the CSV writer guards "-3%" against spreadsheets; the reader gives the exact text back
    assert "-3%" in set(loaded["mentions"]["text"])
    page = (build_report(csv_dir).parent / "docs" / page_name("econ-001")).read_text(encoding="utf-8")
    assert _plain(_article(page)) == ECON


def test_folder_without_tables_is_an_error(tmp_path):
    with pytest.raises(ReviewError, match="not a krnews output folder"):
        build_report(tmp_path)
    with pytest.raises(ReviewError, match="no such output folder"):
        build_report(tmp_path / "missing")


@pytest.mark.slow
def test_a_thousand_articles(tmp_path):
    docs, mentions = [], []
    for i in range(1000):
        text = f"기사 {i}: 삼성전자가 {i}억원을 투자했다."
        doc_id = f"n{i:04d}"
        docs.append({"doc_id": doc_id, "path": f"{doc_id}.txt", "title": f"제목 {i}", "status": "ok", "text": text,
                     "n_chars": len(text)})
        s = text.index("삼성전자")
        mentions.append({"doc_id": doc_id, "mention_id": "m0001", "label": "ORG", "text": "삼성전자", "start": s,
                         "end": s + 4, "source": "rules", "rule_id": "org.suffix"})
    tables = {name: to_frame(name, {"documents": docs, "mentions": mentions}.get(name, [])) for name in TABLE_NAMES}
    index = build_report(write_output(tables, tmp_path / "big"))
    assert len(list((index.parent / "docs").glob("*.html"))) == 1000
    assert index.read_text(encoding="utf-8").count("<tr>") == 1001  # header + one row per article
