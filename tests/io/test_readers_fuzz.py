"""Property tests for the readers (issue 13, point 7): any bytes under any supported suffix end as articles or
read errors, never as an exception and never through the catch-all for reader bugs.

The fast profile runs a few hundred generated inputs per format; ``bench/fuzz_readers.py`` runs 10,000 and more.
"""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.article import Article, ReadError
from pipeline.io.readers import read_path

UNEXPECTED = "unexpected error while reading"

_korean = st.text(alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), max_size=20)
_any_text = st.one_of(st.text(max_size=80), _korean)
_json_value = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _any_text,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_any_text, inner, max_size=3),
                           max_leaves=8)
_record = st.dictionaries(st.sampled_from(["text", "body", "content", "title", "published", "date", "id", "url"]),
                          _json_value, max_size=5)


def _broken(s: str) -> st.SearchStrategy[str]:
    """``s`` itself, or cut short at any point (a truncated download)."""
    return st.integers(min_value=0, max_value=len(s)).map(lambda n: s[:n]) | st.just(s)


@st.composite
def jsonl_bytes(draw: st.DrawFn) -> bytes:
    lines = [draw(st.one_of(_record.map(lambda r: json.dumps(r, ensure_ascii=False)).flatmap(_broken), _any_text))
             for _ in range(draw(st.integers(0, 4)))]
    return "\n".join(lines).encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])), "surrogatepass")


@st.composite
def front_matter_bytes(draw: st.DrawFn) -> bytes:
    head = draw(st.lists(st.tuples(st.sampled_from(["title", "published", "id", "url", "source", "x", ""]),
                                   _any_text), max_size=4))
    block = "\n".join(f"{k}: {v}" for k, v in head)
    body = draw(_any_text)
    text = draw(_broken(f"---\n{block}\n---\n{body}"))
    return text.encode(draw(st.sampled_from(["utf-8", "cp949", "utf-16"])), "replace")


@st.composite
def html_bytes(draw: st.DrawFn) -> bytes:
    tags = ["p", "div", "script", "article", "meta", "br", "title", "html", "body", "<!--", "![CDATA["]
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        tag = draw(st.sampled_from(tags))
        parts.append(draw(st.sampled_from([f"<{tag}>", f"</{tag}>", f"<{tag} content='", f"<{tag}"])))
        parts.append(draw(_any_text))
    return "".join(parts).encode("utf-8", "surrogatepass")


def _check(tmp_path: Path, suffix: str, data: bytes) -> list[Article | ReadError]:
    path = tmp_path / f"in{suffix}"
    path.write_bytes(data)
    items = read_path(path, f"in{suffix}")
    assert items or suffix == ".jsonl"  # every file but a blank JSONL one gives at least one row
    for item in items:
        assert isinstance(item, (Article, ReadError))
        if isinstance(item, ReadError):
            assert item.stage == "read" and item.path == f"in{suffix}" and item.message
            assert UNEXPECTED not in item.message, item  # the catch-all is for reader bugs: none may reach it
        else:
            assert item.text and "\r" not in item.text and unicodedata.is_normalized("NFC", item.text)
    if suffix != ".jsonl":
        assert len(items) == 1
    return items


_FAST = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

CASES = [
    (".txt", st.binary(max_size=200)),
    (".json", st.binary(max_size=200)),
    (".html", st.binary(max_size=200)),
    (".json", _record.map(lambda r: json.dumps(r, ensure_ascii=False)).flatmap(_broken).map(str.encode)),
    (".jsonl", jsonl_bytes()),
    (".md", front_matter_bytes()),
    (".html", html_bytes()),
]


@pytest.mark.parametrize(("suffix", "strategy"), CASES,
                         ids=["txt-bytes", "json-bytes", "html-bytes", "json-broken", "jsonl", "front-matter",
                              "html-tags"])
def test_every_generated_input_ends_as_an_article_or_a_read_error(tmp_path, suffix, strategy):
    @_FAST
    @given(strategy)
    def run(data: bytes) -> None:
        _check(tmp_path, suffix, data)

    run()


@pytest.mark.parametrize(("line", "kind"), [
    ('{"text": "서울시가 발표했다."}', Article),
    ('{"text": "서울시가', ReadError),
    ('[1, 2]', ReadError),
    ('{"title": "제목만"}', ReadError),
])
def test_a_jsonl_line_is_one_row(tmp_path, line, kind):
    items = _check(tmp_path, ".jsonl", (line + "\n").encode())
    assert [type(i) for i in items] == [kind]
