"""Readers: formats, metadata, encodings, datelines, bad input and the shipped samples.

Bad files are written into ``tmp_path``; the samples are read from ``samples/`` at the top of the repository.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
import unicodedata
from pathlib import Path

import pytest

from pipeline.article import Article, ReadError
from pipeline.io import readers
from pipeline.io.readers import discover, parse_date, read_inputs, read_path
from pipeline.paths import REPO_DIR

SAMPLES = REPO_DIR / "samples"
D = dt.date

BODY = "서울시가 29일 신혼부부 주택 120가구를 공급한다고 밝혔다.\n오세훈 서울시장은 \"결혼을 돕겠다\"고 말했다.\n"


def write(path: Path, content: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def read_one(path: Path, published: D | None = None) -> Article | ReadError:
    items = read_path(path, path.name, published)
    assert len(items) == 1, items
    return items[0]


def article(path: Path, published: D | None = None) -> Article:
    item = read_one(path, published)
    assert isinstance(item, Article), item
    return item


def error(path: Path) -> ReadError:
    item = read_one(path)
    assert isinstance(item, ReadError), item
    assert item.stage == "read" and item.path == path.name and item.message
    return item


# ------------------------------------------------------------------------------------------------ parse_date

@pytest.mark.parametrize("text, expected", [
    ("2024-05-29", D(2024, 5, 29)),
    ("2024.05.29", D(2024, 5, 29)),
    ("2024/5/29", D(2024, 5, 29)),
    ("2024. 5. 29.", D(2024, 5, 29)),
    ("2024년 5월 29일", D(2024, 5, 29)),
    ("2024년 05월 29일 (수)", D(2024, 5, 29)),
    ("2024.05.29 14:03", D(2024, 5, 29)),
    ("2024-05-29T14:03:00", D(2024, 5, 29)),
    ("2024-05-29T23:30:00+09:00", D(2024, 5, 29)),  # the written (KST) day, not the UTC one
    ("2024-05-29T00:10:00Z", D(2024, 5, 29)),
    ("  2024-01-02  ", D(2024, 1, 2)),
    ("20240529", D(2024, 5, 29)),
    ("", None),
    ("내일", None),
    ("29일", None),
    ("5월 29일", None),
    ("2024-05", None),
    ("2024-02-30", None),
    ("2024-13-01", None),
    ("2024-05/29", None),  # mixed separators are not a date
    ("12024-05-29", None),
    ("사진 2024-05-29", None),  # a value must start with its date
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_parse_date_ignores_non_strings():
    assert parse_date(None) is None  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ plain text and front matter

FRONT = """---
id: econ-1
title: 삼성전자, HBM 투자
published: 2024-05-29
url: https://news.example.kr/1
source: 크르뉴스
---
"""


def test_txt_front_matter_all_keys(tmp_path):
    a = article(write(tmp_path / "a.txt", FRONT + BODY))
    assert (a.doc_id, a.title, a.published, a.url, a.source) == (
        "econ-1", "삼성전자, HBM 투자", D(2024, 5, 29), "https://news.example.kr/1", "크르뉴스")
    assert a.text == BODY  # the block is removed, the rest kept byte for byte
    assert (a.path, a.line, a.encoding) == ("a.txt", None, "utf-8")
    assert a.sha256 == hashlib.sha256(BODY.encode("utf-8")).hexdigest()


def test_md_front_matter_keeps_markdown_and_blank_lines(tmp_path):
    text = "---\ntitle: 제목\n---\n\n# 제목\n\n본문 첫 문단.\n\n---\n\n둘째 문단.  \n"
    a = article(write(tmp_path / "a.md", text))
    assert a.title == "제목"
    assert a.text == "\n# 제목\n\n본문 첫 문단.\n\n---\n\n둘째 문단.  \n"
    assert a.doc_id == "a.md"


@pytest.mark.parametrize("text", [
    "---\n\n본문만 있고 닫는 줄이 없다.\n",
    "---\n구분선 사이의 문장입니다.\n---\n본문\n",  # a YAML scalar, not a mapping: Markdown rules
])
def test_dashes_that_are_not_front_matter_stay_in_the_text(tmp_path, text):
    a = article(write(tmp_path / "a.md", text))
    assert a.text == text and a.title == ""


@pytest.mark.parametrize("value, expected", [
    ("2024-05-29", D(2024, 5, 29)),  # YAML date
    ("2024-05-29 23:30:00+09:00", D(2024, 5, 29)),  # YAML timestamp with a zone
    ("'2024.05.29'", D(2024, 5, 29)),
    ("2024년 5월 29일", D(2024, 5, 29)),
    ("20240529", D(2024, 5, 29)),  # YAML int
])
def test_front_matter_published_forms(tmp_path, value, expected):
    a = article(write(tmp_path / "a.txt", f"---\npublished: {value}\n---\n본문\n"))
    assert a.published == expected


@pytest.mark.parametrize("key", ["published", "date", "datetime"])
def test_front_matter_published_aliases(tmp_path, key):
    assert article(write(tmp_path / "a.txt", f"---\n{key}: 2024-03-14\n---\n본문\n")).published == D(2024, 3, 14)


def test_front_matter_numeric_id_becomes_string(tmp_path):
    assert article(write(tmp_path / "a.txt", "---\nid: 42\n---\n본문\n")).doc_id == "42"


def test_invalid_front_matter_is_a_read_error(tmp_path):
    e = error(write(tmp_path / "a.txt", "---\ntitle: 서울: 2024: 발표\n---\n본문\n"))
    assert e.error == "ScannerError"
    assert "line 2" in e.message and "YAML" in e.message


def test_front_matter_without_body_is_empty(tmp_path):
    assert error(write(tmp_path / "a.txt", "---\ntitle: 제목\n---\n \n")).error == "EmptyInput"


# ------------------------------------------------------------------------------------------------ publication date

@pytest.mark.parametrize("first_lines, expected", [
    ("입력 2024.05.29 14:03\n", D(2024, 5, 29)),
    ("2024-05-29\n", D(2024, 5, 29)),
    ("2024.05.29\n", D(2024, 5, 29)),
    ("2024. 5. 29.\n", D(2024, 5, 29)),
    ("2024년 5월 29일\n", D(2024, 5, 29)),
    ("[서울=크르뉴스] 2024년 05월 29일 오후 2시\n", D(2024, 5, 29)),
    ("기사입력 2024/05/29 09:00 | 수정 2024/05/30 10:00\n", D(2024, 5, 29)),  # the first date on the line
    ("\n\n제목\n\n부제\n\n입력 2024.05.29\n", D(2024, 5, 29)),  # blank lines do not count
    ("1\n2\n3\n4\n입력 2024.05.29\n", D(2024, 5, 29)),  # fifth non-empty line
    ("1\n2\n3\n4\n5\n입력 2024.05.29\n", None),  # sixth: not a dateline
    ("입력 5월 29일\n", None),  # no year: not a full date
    ("사업번호 20240529\n", None),  # compact digits are not a dateline
    ("입력 2024.02.30\n", None),
])
def test_dateline(tmp_path, first_lines, expected):
    a = article(write(tmp_path / "a.txt", first_lines + BODY))
    assert a.published == expected


@pytest.mark.parametrize("front, argument, expected", [
    ("published: 2024-01-10", D(2024, 2, 20), D(2024, 1, 10)),  # metadata first
    ("", D(2024, 2, 20), D(2024, 2, 20)),  # then --published
    ("", None, D(2024, 5, 29)),  # then the dateline
    ("published: 다음 주 월요일", D(2024, 2, 20), D(2024, 2, 20)),  # an unparseable date is skipped
    ("published: 다음 주 월요일", None, D(2024, 5, 29)),
    ("published: 2024-99-99\ndate: 2024-03-01", None, D(2024, 3, 1)),  # first parseable key wins
    ("published: [2024, 5]", None, D(2024, 5, 29)),
    ("title: 날짜 없음", None, D(2024, 5, 29)),
])
def test_published_precedence(tmp_path, front, argument, expected):
    fm = f"---\n{front}\n---\n" if front else ""
    a = article(write(tmp_path / "a.txt", fm + "입력 2024.05.29 14:03\n" + BODY), argument)
    assert a.published == expected


def test_no_date_anywhere_is_none(tmp_path):
    assert article(write(tmp_path / "a.txt", BODY)).published is None


# ------------------------------------------------------------------------------------------------ JSON and JSONL

@pytest.mark.parametrize("key", ["text", "body", "content"])
def test_json_text_keys(tmp_path, key):
    a = article(write(tmp_path / "a.json", json.dumps({key: BODY, "title": "제목"}, ensure_ascii=False)))
    assert a.text == BODY and a.title == "제목" and a.doc_id == "a.json"


def test_json_first_non_empty_text_key_wins(tmp_path):
    a = article(write(tmp_path / "a.json", json.dumps({"text": "  ", "body": "본문", "content": "다른 본문"})))
    assert a.text == "본문"


@pytest.mark.parametrize("meta, published", [
    ({"published": "2024-05-29"}, D(2024, 5, 29)),
    ({"date": "2024.05.29"}, D(2024, 5, 29)),
    ({"datetime": "2024-05-29T23:59:00+09:00"}, D(2024, 5, 29)),
    ({"published": "2024년 5월 29일"}, D(2024, 5, 29)),
    ({"published": 20240529}, D(2024, 5, 29)),
    ({"published": "모름"}, None),
    ({"published": None}, None),
    ({"published": True}, None),
])
def test_json_published_keys(tmp_path, meta, published):
    a = article(write(tmp_path / "a.json", json.dumps({"text": BODY, **meta}, ensure_ascii=False)))
    assert a.published == published


def test_json_metadata(tmp_path):
    obj = {"id": 7, "title": " 제목 ", "url": "https://x.kr/7", "source": "크르뉴스", "content": BODY}
    a = article(write(tmp_path / "a.json", json.dumps(obj, ensure_ascii=False)))
    assert (a.doc_id, a.title, a.url, a.source, a.line) == ("7", "제목", "https://x.kr/7", "크르뉴스", None)


def test_json_text_is_normalized(tmp_path):
    nfd = unicodedata.normalize("NFD", "한국어 기사")
    a = article(write(tmp_path / "a.json", json.dumps({"text": nfd + "\r\n끝", "title": nfd})))  # \u escapes
    assert a.text == "한국어 기사\n끝" and a.title == "한국어 기사"


@pytest.mark.parametrize("content, error_name, hint", [
    ('{"text": "서울시가 29일', "JSONDecodeError", "truncated"),
    ('[{"text": "a"}]', "NotAnObject", ".jsonl"),
    ('"그냥 문자열"', "NotAnObject", "'text'"),
    ('{"title": "본문 없음"}', "MissingText", "'text'"),
    ('{"text": 3}', "MissingText", "'body'"),
    ('{"text": "   "}', "MissingText", "'content'"),
])
def test_json_errors(tmp_path, content, error_name, hint):
    e = error(write(tmp_path / "a.json", content))
    assert e.error == error_name and hint in e.message and e.line is None


def test_jsonl_three_good_one_broken(tmp_path):
    lines = [
        json.dumps({"text": "첫째 기사", "id": "n-1"}, ensure_ascii=False),
        json.dumps({"body": "둘째 기사", "date": "2024-05-29"}, ensure_ascii=False),
        "",
        '{"text": "끊긴 줄',
        "   ",
        json.dumps({"content": "넷째 기사", "title": "넷째"}, ensure_ascii=False),
    ]
    path = write(tmp_path / "news.jsonl", "\n".join(lines) + "\n")
    items = read_path(path, "in/news.jsonl")
    got = [(type(i).__name__, i.line) for i in items]
    assert got == [("Article", 1), ("Article", 2), ("ReadError", 4), ("Article", 6)]
    a1, a2, e, a6 = items
    assert [a1.doc_id, a2.doc_id, a6.doc_id] == ["n-1", "in/news.jsonl:2", "in/news.jsonl:6"]
    assert [a1.text, a2.text, a6.text] == ["첫째 기사", "둘째 기사", "넷째 기사"]
    assert a2.published == D(2024, 5, 29) and a6.title == "넷째"
    assert all(a.path == "in/news.jsonl" for a in (a1, a2, a6))
    assert (e.error, e.path, e.line, e.stage) == ("JSONDecodeError", "in/news.jsonl", 4, "read")


@pytest.mark.parametrize("line, error_name", [
    ('{"title": "본문 없음"}', "MissingText"),
    ("[1, 2]", "NotAnObject"),
    ("{broken", "JSONDecodeError"),
])
def test_jsonl_line_errors(tmp_path, line, error_name):
    path = write(tmp_path / "a.jsonl", '{"text": "좋은 기사"}\n' + line + "\n")
    good, bad = read_path(path, "a.jsonl")
    assert isinstance(good, Article) and good.text == "좋은 기사"
    assert isinstance(bad, ReadError) and (bad.error, bad.line) == (error_name, 2)


def test_jsonl_crlf_lines(tmp_path):
    path = write(tmp_path / "a.jsonl", '{"text": "가"}\r\n{"text": "나"}\r\n')
    assert [(a.text, a.line) for a in read_path(path, "a.jsonl")] == [("가", 1), ("나", 2)]


# ------------------------------------------------------------------------------------------------ HTML

PAGE = """<!DOCTYPE html><html><head>
<title>문서 제목 | 크르뉴스</title>
{meta}
<style>p {{ color: red }}</style><script>var 기사 = "스크립트";</script>
</head><body>
<header>사이트 머리말</header><nav><a href="/">홈</a> <a href="/p">정치</a></nav>
<form><input placeholder="검색"></form>
{main}
<aside>많이 본 뉴스</aside><iframe src="x"></iframe><noscript>자바스크립트 필요</noscript>
<footer>저작권 크르뉴스</footer>
</body></html>"""

ARTICLE = """<article><header><h1>머리기사 제목</h1><time datetime="2024-05-30T09:00:00+09:00">5월 30일</time></header>
<p>첫 문단은 <b>굵은</b>&nbsp;글씨를
  포함한다.</p><div>둘째 문단<br>줄바꿈 뒤</div><!-- 주석 --><script>광고()</script>
<ul><li>항목 하나</li><li>항목 둘</li></ul></article>"""

NOISE = ["사이트 머리말", "홈", "검색", "스크립트", "color", "많이 본", "자바스크립트", "저작권", "광고", "주석",
         "머리기사 제목"]


def test_html_article_text_and_metadata(tmp_path):
    meta = ('<meta property="og:title" content="OG 제목"><meta property="og:site_name" content="크르뉴스">'
            '<meta property="og:url" content="https://x.kr/1">'
            '<meta property="article:published_time" content="2024-05-29T14:03:00+09:00">')
    a = article(write(tmp_path / "a.html", PAGE.format(meta=meta, main=ARTICLE)))
    assert a.text == "첫 문단은 굵은 글씨를 포함한다.\n둘째 문단\n줄바꿈 뒤\n항목 하나\n항목 둘"
    assert (a.title, a.published, a.source, a.url) == ("OG 제목", D(2024, 5, 29), "크르뉴스", "https://x.kr/1")
    for noise in NOISE:
        assert noise not in a.text


@pytest.mark.parametrize("meta, main, title, published", [
    ("", ARTICLE, "문서 제목 | 크르뉴스", D(2024, 5, 30)),  # <title>; <time datetime> in the article
    ('<meta name="article:published_time" content="2024-01-02">', ARTICLE, "문서 제목 | 크르뉴스", D(2024, 1, 2)),
])
def test_html_title_and_date_fallbacks(tmp_path, meta, main, title, published):
    a = article(write(tmp_path / "a.htm", PAGE.format(meta=meta, main=main)))
    assert (a.title, a.published) == (title, published)


def test_html_h1_title_and_dateline_without_metadata(tmp_path):
    html = "<html><body><h1>제목 한 줄</h1><p>입력 2024.05.29 14:03</p><p>본문입니다.</p></body></html>"
    a = article(write(tmp_path / "a.html", html))
    assert (a.title, a.published, a.text) == ("제목 한 줄", D(2024, 5, 29), "제목 한 줄\n입력 2024.05.29 14:03\n본문입니다.")


def test_html_prefers_main_without_article(tmp_path):
    html = "<html><body><div>사이드 메뉴</div><main><p>본문 하나.</p><p>본문 둘.</p></main></body></html>"
    assert article(write(tmp_path / "a.html", html)).text == "본문 하나.\n본문 둘."


def test_html_picks_the_longest_article(tmp_path):
    html = ("<html><body><article><p>짧은 카드</p></article>"
            "<article><p>이것이 진짜 기사 본문으로 훨씬 더 길다.</p></article></body></html>")
    assert article(write(tmp_path / "a.html", html)).text == "이것이 진짜 기사 본문으로 훨씬 더 길다."


def test_html_without_visible_text_is_empty(tmp_path):
    html = "<html><head><script>x()</script></head><body><nav>메뉴</nav></body></html>"
    assert error(write(tmp_path / "a.html", html)).error == "EmptyInput"


def test_html_in_cp949(tmp_path):
    html = '<html><head><meta charset="euc-kr"></head><body><article><p>부산항 물동량</p></article></body></html>'
    a = article(write(tmp_path / "a.html", html, "cp949"))
    assert (a.text, a.encoding) == ("부산항 물동량", "cp949")


# ------------------------------------------------------------------------------------------------ encodings

TEXT = "서울시는 29일 ‘주택 공급’ 계획을 밝혔다. 뷁 똠방각하.\n"  # 뷁, 똠: CP949 extensions beyond EUC-KR


@pytest.mark.parametrize("data, encoding", [
    (TEXT.encode("utf-8"), "utf-8"),
    (TEXT.encode("utf-8-sig"), "utf-8-sig"),
    (b"\xff\xfe" + TEXT.encode("utf-16-le"), "utf-16"),
    (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16"),
    (TEXT.encode("cp949"), "cp949"),
])
def test_encodings(tmp_path, data, encoding):
    a = article(write(tmp_path / "a.txt", data))
    assert (a.text, a.encoding) == (TEXT, encoding)
    assert a.sha256 == hashlib.sha256(TEXT.encode("utf-8")).hexdigest()


def test_euc_kr_reads_as_cp949(tmp_path):
    a = article(write(tmp_path / "a.txt", "경기도 용인시 반도체 클러스터", "euc-kr"))
    assert (a.text, a.encoding) == ("경기도 용인시 반도체 클러스터", "cp949")


def test_utf16_front_matter(tmp_path):
    a = article(write(tmp_path / "a.txt", "\ufeff---\ntitle: 제목\n---\n본문\n", "utf-16-le"))
    assert (a.title, a.text, a.encoding) == ("제목", "본문\n", "utf-16")


def test_nfd_becomes_nfc(tmp_path):
    nfd = unicodedata.normalize("NFD", TEXT)
    assert nfd != TEXT
    a = article(write(tmp_path / "a.txt", f"---\ntitle: {unicodedata.normalize('NFD', '한글 제목')}\n---\n{nfd}"))
    assert (a.text, a.title) == (TEXT, "한글 제목")


@pytest.mark.parametrize("raw, text", [
    ("첫 줄\r\n둘째 줄\r\n", "첫 줄\n둘째 줄\n"),
    ("첫 줄\r둘째 줄\r", "첫 줄\n둘째 줄\n"),
    ("첫 줄\r\n\r\n셋째 줄\n넷째\r", "첫 줄\n\n셋째 줄\n넷째\n"),
    ("  앞뒤 공백은 그대로  \n\n", "  앞뒤 공백은 그대로  \n\n"),
])
def test_line_ends(tmp_path, raw, text):
    assert article(write(tmp_path / "a.txt", raw)).text == text


def test_latin1_falls_back_to_charset_normalizer(tmp_path):
    text = "Le café de la gare a ouvert à Séoul. Les élèves français y déjeunent souvent à midi. " * 5
    data = text.encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        data.decode("cp949")
    a = article(write(tmp_path / "a.txt", data))
    assert a.text == text and a.encoding not in ("utf-8", "cp949")


@pytest.mark.parametrize("data, error_name", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "BinaryFile"),
    ("본문".encode("utf-8") + b"\x00\x01\x02", "BinaryFile"),
    ("기사 2024".encode("utf-16-le"), "BinaryFile"),  # UTF-16 needs a BOM (ASCII in it gives NUL bytes)
    (b"\xff\xfe" + "본\x00문".encode("utf-16-le"), "BinaryFile"),
    (bytes(range(0x80, 0x100)) * 20, "UnicodeDecodeError"),
    (b"\xff\xfe\x00\xd8", "UnicodeDecodeError"),  # BOM then a lone surrogate
    (b"", "EmptyInput"),
    (b" \n\t\r\n", "EmptyInput"),
    ("\u3000\n".encode("utf-8"), "EmptyInput"),  # ideographic space only
    (b"\xff\xfe" + " \n".encode("utf-16-le"), "EmptyInput"),
])
def test_bad_bytes(tmp_path, data, error_name):
    e = error(write(tmp_path / "a.txt", data))
    assert e.error == error_name and e.line is None


# ------------------------------------------------------------------------------------------------ files and folders

def test_unknown_suffix_read_when_named_ignored_in_folder(tmp_path, monkeypatch):
    write(tmp_path / "news" / "a.txt", "가")
    write(tmp_path / "news" / "b.log", "나")
    write(tmp_path / "news" / "backup.tar.gz", "묶음")
    write(tmp_path / "news" / "~$NewsResult.xlsx", "잠금")
    write(tmp_path / "news" / "SAMPLES.rst", "색인")
    write(tmp_path / "news" / ".hidden.txt", "숨김")
    write(tmp_path / "news" / ".git" / "c.txt", "깃")
    write(tmp_path / "news" / "sub" / "C.TXT", "다")
    monkeypatch.chdir(tmp_path)
    assert [d for _, d in discover(["news"])] == ["news/a.txt", "news/sub/C.TXT"]
    assert [a.doc_id for a in read_inputs(["news/b.log", "./news/"])] == ["news/a.txt", "news/b.log", "news/sub/C.TXT"]


def test_discover_sorted_and_each_file_once(tmp_path, monkeypatch):
    for name in ("z.txt", "a/b.md", "a/a.json", "m.jsonl", "k.html"):
        write(tmp_path / "in" / name, "{}")
    monkeypatch.chdir(tmp_path)
    found = discover(["in/z.txt", "in"])
    assert [d for _, d in found] == ["in/a/a.json", "in/a/b.md", "in/k.html", "in/m.jsonl", "in/z.txt"]
    assert all(p.is_file() for p, _ in found)
    assert discover("in") == found  # a single path is accepted too


def test_symlink_loop_terminates(tmp_path):
    write(tmp_path / "in" / "a.txt", "가")
    write(tmp_path / "in" / "sub" / "b.txt", "나")
    os.symlink(tmp_path / "in", tmp_path / "in" / "sub" / "loop")
    os.symlink(tmp_path / "in" / "sub", tmp_path / "in" / "sub2")
    result: list = []
    worker = threading.Thread(target=lambda: result.extend(read_inputs([tmp_path / "in"])), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "the folder walk did not end"
    assert sorted(a.text for a in result) == ["가", "나"]


def test_missing_and_unreadable_inputs(tmp_path, monkeypatch):
    write(tmp_path / "ok.txt", "좋은 기사")
    locked = write(tmp_path / "locked.txt", "잠긴 기사")
    os.symlink(tmp_path / "gone.txt", tmp_path / "dangling.txt")
    real_read_bytes = Path.read_bytes

    def read_bytes(self):  # root may read a chmod 000 file, so the refusal is simulated
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.chdir(tmp_path)
    items = list(read_inputs(["없는폴더", "ok.txt", "locked.txt", "dangling.txt"]))
    errors = {(i.path, i.error) for i in items if isinstance(i, ReadError)}
    assert errors == {("없는폴더", "FileNotFoundError"), ("locked.txt", "PermissionError"),
                      ("dangling.txt", "FileNotFoundError")}
    assert [a.text for a in items if isinstance(a, Article)] == ["좋은 기사"]
    assert locked.exists()


def test_dangling_symlink_inside_folder(tmp_path):
    write(tmp_path / "in" / "a.txt", "가")
    os.symlink(tmp_path / "gone.txt", tmp_path / "in" / "b.txt")
    items = list(read_inputs([tmp_path / "in"]))
    assert [(type(i).__name__, Path(i.path).name) for i in items] == [("Article", "a.txt"), ("ReadError", "b.txt")]
    assert items[1].error == "FileNotFoundError"


def test_unlistable_folder_is_a_read_error(tmp_path, monkeypatch):
    write(tmp_path / "in" / "a.txt", "가")
    write(tmp_path / "in" / "locked" / "b.txt", "나")
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(readers.os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    items = list(read_inputs(["in"]))
    assert [(type(i).__name__, i.path) for i in items] == [("ReadError", "in/locked"), ("Article", "in/a.txt")]
    assert items[0].error == "PermissionError" and "permissions" in items[0].message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_chmod_000_file(tmp_path):
    path = write(tmp_path / "a.txt", "가")
    path.chmod(0)
    try:
        assert error(path).error == "PermissionError"
    finally:
        path.chmod(0o644)


def test_reader_bug_becomes_read_error(tmp_path, monkeypatch):
    def boom(*args):
        raise RuntimeError("버그")

    monkeypatch.setattr(readers, "_read_text", boom)
    write(tmp_path / "a.txt", "가")
    write(tmp_path / "b.json", '{"text": "나"}')
    items = list(read_inputs([tmp_path]))
    assert [type(i).__name__ for i in items] == ["ReadError", "Article"]
    assert items[0].error == "RuntimeError" and "report" in items[0].message


def test_mixed_folder(tmp_path, monkeypatch):
    d = tmp_path / "inbox"
    write(d / "good.txt", "---\ntitle: 좋은 기사\npublished: 2024-05-29\n---\n" + BODY)
    write(d / "binary.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00")
    write(d / "cut.json", '{"title": "잘린 기사", "text": "서울시가 29일 발')
    write(d / "empty.md", "")
    write(d / "blank.txt", "  \n\n")
    write(d / "cp949.txt", "입력 2024.05.28 10:00\n부산항 물동량이 늘었다.\n", "cp949")
    write(d / "utf16.txt", b"\xff\xfe" + "경기도 발표\n".encode("utf-16-le"))
    write(d / "nfd.md", unicodedata.normalize("NFD", "---\ntitle: 맥에서 쓴 기사\n---\n한글 본문\n"))
    write(d / "page.html", PAGE.format(meta="", main=ARTICLE))
    write(d / "lines.jsonl", '{"text": "하나"}\n{"text": "둘"\n{"text": "셋", "id": "c"}\n')
    write(d / "notes.csv", "무시,된다\n")
    monkeypatch.chdir(tmp_path)
    items = list(read_inputs(["inbox"], published=D(2024, 1, 1)))
    articles = {a.doc_id: a for a in items if isinstance(a, Article)}
    errors = sorted((e.path, e.line, e.error) for e in items if isinstance(e, ReadError))
    assert errors == [
        ("inbox/binary.txt", None, "BinaryFile"),
        ("inbox/blank.txt", None, "EmptyInput"),
        ("inbox/cut.json", None, "JSONDecodeError"),
        ("inbox/empty.md", None, "EmptyInput"),
        ("inbox/lines.jsonl", 2, "JSONDecodeError"),
        ("inbox/notes.csv", 1, "MissingTextColumn"),  # a table now: its header names no text column
    ]
    got = {k: (a.text, a.encoding, a.published, a.title) for k, a in articles.items()}
    assert got == {
        "inbox/good.txt": (BODY, "utf-8", D(2024, 5, 29), "좋은 기사"),
        "inbox/cp949.txt": ("입력 2024.05.28 10:00\n부산항 물동량이 늘었다.\n", "cp949", D(2024, 1, 1), ""),
        "inbox/utf16.txt": ("경기도 발표\n", "utf-16", D(2024, 1, 1), ""),
        "inbox/nfd.md": ("한글 본문\n", "utf-8", D(2024, 1, 1), "맥에서 쓴 기사"),
        "inbox/page.html": ("첫 문단은 굵은 글씨를 포함한다.\n둘째 문단\n줄바꿈 뒤\n항목 하나\n항목 둘", "utf-8",
                            D(2024, 5, 30), "문서 제목 | 크르뉴스"),
        "inbox/lines.jsonl:1": ("하나", "utf-8", D(2024, 1, 1), ""),
        "c": ("셋", "utf-8", D(2024, 1, 1), ""),
    }
    assert all(e.stage == "read" and e.message for e in items if isinstance(e, ReadError))


def test_ten_megabyte_single_line(tmp_path):
    unit = "서울시 예산 3조 2,000억원 "
    line = unit * (10 * 1024 * 1024 // len(unit.encode("utf-8")) + 1)
    path = write(tmp_path / "big.txt", line)
    assert path.stat().st_size > 10 * 1024 * 1024
    a = article(path)
    assert a.text == line and a.published is None


def test_doc_ids_and_hashes_are_stable(tmp_path, monkeypatch):
    write(tmp_path / "in" / "b.txt", "나")
    write(tmp_path / "in" / "a" / "x.jsonl", '{"text": "가"}\n\n{"text": "다"}\n')
    monkeypatch.chdir(tmp_path)

    def ids():
        return [(a.doc_id, a.path, a.line, a.sha256) for a in read_inputs(["in"])]

    first = ids()
    assert [x[:3] for x in first] == [("in/a/x.jsonl:1", "in/a/x.jsonl", 1), ("in/a/x.jsonl:3", "in/a/x.jsonl", 3),
                                      ("in/b.txt", "in/b.txt", None)]
    assert first[0][3] == hashlib.sha256("가".encode("utf-8")).hexdigest()
    assert ids() == first


# ------------------------------------------------------------------------------------------------ samples

@pytest.fixture(scope="module")
def sample_items():
    cwd = os.getcwd()
    os.chdir(REPO_DIR)
    try:
        return list(read_inputs(["samples"]))
    finally:
        os.chdir(cwd)


def test_samples_read_without_errors(sample_items):
    errors = [i for i in sample_items if isinstance(i, ReadError)]
    assert errors == []
    assert len(sample_items) >= 12
    assert len({a.doc_id for a in sample_items}) == len(sample_items)
    for a in sample_items:
        assert a.published is not None and a.published.year == 2024, a.doc_id
        assert a.path.startswith("samples/")
        assert 5 <= a.text.count("다.") <= 15, (a.doc_id, a.text.count("다."))  # 5-15 sentences
        assert unicodedata.is_normalized("NFC", a.text)


def test_samples_cover_every_format_and_encoding(sample_items):
    suffixes = {Path(a.path).suffix for a in sample_items}
    assert suffixes >= {".txt", ".md", ".json", ".jsonl", ".html"}
    assert "cp949" in {a.encoding for a in sample_items}
    assert sum(a.path.endswith(".jsonl") for a in sample_items) >= 3
    dateline = [a for a in sample_items if a.text.startswith("입력 2024.05.29 14:03")]
    assert len(dateline) == 1 and dateline[0].published == D(2024, 5, 29) and dateline[0].title == ""
    assert sum(a.title != "" and a.path.endswith(".txt") for a in sample_items) >= 4  # front matter


@pytest.mark.parametrize("form", [
    # organizations and aliases
    "마이크로소프트(MS)", "한국전자통신연구원(ETRI)", "서울대학교 AI연구원", "국민의힘",
    # people with titles and affiliations; second mentions
    "오세훈 서울시장", "전성수 서초구청장", "김동연 경기도지사", "정은경 질병관리청장", "한국전자통신연구원 방승찬 원장",
    "이재용 삼성전자 회장", "엔비디아 코리아 정소영 대표", "서울시의회 김현기 의장, 서울시교육청 조희연 교육감",
    "오세훈 시장은",
    # money, and counts that are not money
    "기업매출 3,659억", "1조 2,000억원", "10억 달러", "$250 million", "3~5억원", "약 200억원", "100억원 이상",
    "인구 5천만 명", "360여개",
    # areas
    "10,020㎡", "500평", "3만㎡", "2.5㎢", "12ha",
    # dates
    "2024년 5월 29일", "’17년", "올해 하반기", "29일", "지난 3월", "오는 7월 1일", "내년 1분기", "연말", "지난해",
])
def test_samples_cover_entity_forms(sample_items, form):
    assert any(form in a.text for a in sample_items), form


def test_html_sample_drops_page_noise(sample_items):
    (page,) = [a for a in sample_items if a.path.endswith(".html")]
    assert page.title == "국민의힘, '인구전략 특별법' 당론 발의…부총리급 부처 신설"
    assert page.published == D(2024, 10, 8) and page.source == "크르뉴스"
    assert page.text.startswith("국민의힘이 저출생에 대응하기 위한")
    for noise in ("많이 본 뉴스", "검색", "dataLayer", "광고", "무단 전재", "정치부 기자", "#인구정책"):
        assert noise not in page.text
    assert len(page.text.split("\n")) == 6
