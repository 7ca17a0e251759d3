"""Tables of articles (issue 14): BigKinds downloads, CSV/TSV/Excel/Parquet with any column names, encodings,
.gz and .zip inputs, and the row ranges large tables are cut into. Readers only: no extraction."""
from __future__ import annotations

import csv
import datetime as dt
import gzip
import importlib.util
import io
import zipfile
from pathlib import Path

import pytest

from pipeline.article import Article, ReadError
from pipeline.io import readers, tables
from pipeline.io.readers import discover, input_ranges, read_path
from pipeline.io.tables import TableOptions, column_rules, map_columns, record_value
from pipeline.paths import REPO_DIR

D = dt.date

_spec = importlib.util.spec_from_file_location("make_samples", REPO_DIR / "samples_tables" / "make_samples.py")
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)

# What every variant of the BigKinds sample gives: (doc_id, row, published, title, source, author, url, excluded,
# listed PERSON), written out from the rows in samples_tables/make_samples.py.
BIGKINDS = [
    ("01100101.20240529093001001", 2, D(2024, 5, 29), "세종시, 스마트 물류단지에 2,400억원 투입", "한빛일보",
     "박서윤 기자", "https://www.hanbit-news.example/articles/20240529-001", "", ["김도현"]),
    ("02100311.20240530140502002", 3, D(2024, 5, 30), "부산시, 중소기업 수출 지원금 150억원으로 확대", "동남경제",
     "이준호", "https://dongnam-econ.example/news/2024/05/30/7781", "", ["정하늘"]),
    ("02100312.20240530141000003", 4, D(2024, 5, 30), "부산시, 중소기업 수출 지원금 150억원으로 확대", "동남경제",
     "이준호", "https://dongnam-econ.example/news/2024/05/30/7782", "중복", ["정하늘"]),
    ("04100201.20240531101500005", 6, D(2024, 5, 31), "대전 유성구, 연구단지 부지 5만평 추가 지정", "중부매일뉴스",
     "", "https://jungbu-daily.example/view/55120", "", ["한서진"]),
]


def _articles(items):
    return [x for x in items if isinstance(x, Article)]


def _errors(items):
    return [(x.path, x.line, x.error) for x in items if isinstance(x, ReadError)]


def _summary(a: Article):
    return (a.doc_id, a.line, a.published, a.title, a.source, a.author, a.url, a.excluded, a.listed.get("PERSON"))


def _gzip(path: Path) -> Path:
    out = path.with_name(path.name + ".gz")
    out.write_bytes(gzip.compress(path.read_bytes()))
    return out


def _zip(path: Path) -> Path:
    out = path.with_name("bigkinds.zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(path, f"downloads/{path.name}")
    return out


# ------------------------------------------------------------------------------------------------ BigKinds

@pytest.mark.parametrize("variant, encoding", [
    ("shipped.xlsx", "xlsx"),
    ("shipped.csv", "utf-8-sig"),
    ("cp949.csv", "cp949"),  # Excel on Korean Windows saves CSV so
    ("utf-16.tsv", "utf-16"),  # Excel's "Unicode text"
    ("xlsx.gz", "xlsx"),
    ("csv.gz", "utf-8-sig"),
    ("csv.zip", "utf-8-sig"),
    ("xlsx.zip", "xlsx"),
])
def test_bigkinds_download_with_no_flags(tmp_path, variant, encoding):
    if variant == "shipped.xlsx":
        path = samples.XLSX
    elif variant == "shipped.csv":
        path = samples.CSV
    elif variant == "cp949.csv":
        path = samples.write_csv(tmp_path / "NewsResult.csv", encoding="cp949")
    elif variant == "utf-16.tsv":
        path = samples.write_csv(tmp_path / "NewsResult.tsv", encoding="utf-16", delimiter="\t")
    else:
        inner, packer = variant.split(".")
        base = samples.write_xlsx(tmp_path / "NewsResult.xlsx") if inner == "xlsx" else \
            samples.write_csv(tmp_path / "NewsResult.csv")
        path = _gzip(base) if packer == "gz" else _zip(base)
    display = path.name
    items = read_path(path, display)
    articles = _articles(items)
    assert [_summary(a) for a in articles] == BIGKINDS
    member = f"{display}!downloads/NewsResult.{variant.split('.')[0]}" if variant.endswith("zip") else display
    assert _errors(items) == [(member, 5, "MissingText")]  # the photo row with an empty 본문
    assert {a.encoding for a in articles} == {encoding}
    assert {a.path for a in articles} == {member}
    first = articles[0]
    assert first.text.startswith("세종시가 조치원읍 일대에") and first.text.endswith("보상 절차에 들어간다.")
    assert first.listed == {"PERSON": ["김도현"], "LOCATION": ["세종", "조치원읍"], "ORG": ["세종시", "한국토지주택공사"]}
    # BigKinds cuts some bodies at about 200 characters: read as they are
    assert articles[-1].text.endswith("입주 기업에는 임대료를")


def test_the_shipped_samples_are_what_the_script_writes(tmp_path):
    """samples_tables/ holds the script's output: regenerate it when ROWS change."""
    assert samples.write_csv(tmp_path / "a.csv").read_bytes() == samples.CSV.read_bytes()
    fresh = [_summary(a) for a in _articles(read_path(samples.write_xlsx(tmp_path / "a.xlsx"), "x"))]
    assert fresh == [_summary(a) for a in _articles(read_path(samples.XLSX, "x"))]


@pytest.mark.parametrize("flag, excluded", [
    ("중복", "중복"), ("예외", "예외"), ("", ""), ("N", ""), ("0", ""), ("아니오", ""),
])
def test_excluded_flag(tmp_path, flag, excluded):
    rows = [samples.ROWS[0][:-1] + [flag]]
    (a,) = read_path(samples.write_csv(tmp_path / "t.csv", rows), "t.csv")
    assert a.excluded == excluded


# ------------------------------------------------------------------------------------------------ any table

def _write(path: Path, header, rows, encoding="utf-8", delimiter=None) -> Path:
    delimiter = delimiter or ("\t" if path.suffix == ".tsv" else ",")
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def _parquet(path: Path, columns: dict, row_group_size=None) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table(columns), path, row_group_size=row_group_size)
    return path


def _xlsx(path: Path, header, rows) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(header)
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


@pytest.mark.parametrize("header, expect", [
    # (header, (doc_id, title, published, source, author, url)) for the row ["a1", "제목", "2024-05-29", …]
    (["id", "title", "date", "source", "author", "url", "text"],
     ("a1", "제목", D(2024, 5, 29), "매체", "기자", "https://x.example/1")),
    (["Article_ID", "Headline", "Published At", "Press", "Byline", "Link", "Content"],
     ("a1", "제목", D(2024, 5, 29), "매체", "기자", "https://x.example/1")),
    (["기사번호", "기사 제목", "발행일", "신문사", "기자", "링크", "기사 내용"],
     ("a1", "제목", D(2024, 5, 29), "매체", "기자", "https://x.example/1")),
    (["x", "y", "z", "w", "v", "u", "내용"],  # only the text column is known: the id comes from path and row
     ("t.csv:2", "", None, "", "", "")),
])
def test_columns_found_by_name(tmp_path, header, expect):
    path = _write(tmp_path / "t.csv", header, [["a1", "제목", "2024-05-29", "매체", "기자", "https://x.example/1",
                                               "서울시는 29일 예산을 발표했다."]])
    (a,) = read_path(path, "t.csv")
    assert (a.doc_id, a.title, a.published, a.source, a.author, a.url) == expect
    assert a.text == "서울시는 29일 예산을 발표했다."


def test_columns_given_on_the_command_line(tmp_path):
    path = _write(tmp_path / "t.csv", ["번호", "요약", "원문", "when", "매체명", "주소", "쓴이"],
                  [["n7", "짧은 요약", "부산시가 30일 발표했다.", "2024.05.30", "동남경제", "https://d.example", "정기자"]])
    opts = TableOptions(text="원문", id="번호", title="요약", published="when", source="매체명", url="주소",
                        author="쓴이")
    (a,) = read_path(path, "t.csv", options=opts)
    assert (a.doc_id, a.text, a.title, a.published, a.source, a.url, a.author) == (
        "n7", "부산시가 30일 발표했다.", "짧은 요약", D(2024, 5, 30), "동남경제", "https://d.example", "정기자")


@pytest.mark.parametrize("options, error, words", [
    (None, "MissingTextColumn", ["'번호'", "'요약'", "--text-column"]),
    (TableOptions(text="본문 전체"), "MissingTextColumn", ["--text-column '본문 전체'", "'번호'", "'요약'"]),
])
def test_a_table_without_a_text_column_is_refused_listing_its_columns(tmp_path, options, error, words):
    path = _write(tmp_path / "t.csv", ["번호", "요약"], [["1", "가"], ["2", "나"]])
    (e,) = read_path(path, "t.csv", options=options)
    assert (e.path, e.line, e.error) == ("t.csv", 1, error)
    assert all(w in e.message for w in words), e.message


@pytest.mark.parametrize("cell, expected", [
    ("2024-05-29", D(2024, 5, 29)),
    ("2024.05.29", D(2024, 5, 29)),
    ("20240529", D(2024, 5, 29)),
    ("2024/5/29 14:03", D(2024, 5, 29)),
    ("2024. 5. 29.", D(2024, 5, 29)),
    ("2024-05-29T23:30:00+09:00", D(2024, 5, 29)),
    ("어제", None),
    ("", None),
])
def test_dates_as_tables_write_them(tmp_path, cell, expected):
    (a,) = read_path(_write(tmp_path / "t.csv", ["date", "text"], [[cell, "기사 본문"]]), "t.csv")
    assert a.published == expected


@pytest.mark.parametrize("cell, expected", [
    (dt.datetime(2024, 5, 29, 14, 3), D(2024, 5, 29)),  # an Excel date cell
    (dt.date(2024, 5, 30), D(2024, 5, 30)),
    (20240531, D(2024, 5, 31)),  # BigKinds' 일자 typed as a number
    ("2024.06.01", D(2024, 6, 1)),
])
def test_excel_date_cells(tmp_path, cell, expected):
    (a,) = read_path(_xlsx(tmp_path / "t.xlsx", ["일자", "본문"], [[cell, "기사 본문"]]), "t.xlsx")
    assert a.published == expected


def test_parquet_typed_columns(tmp_path):
    import pyarrow as pa

    path = _parquet(tmp_path / "t.parquet", {
        "id": pa.array([101, 102, None]),
        "published": pa.array([dt.datetime(2024, 5, 29, 9), None, dt.datetime(2024, 5, 31)], pa.timestamp("s")),
        "body": ["서울시 예산 1억원", "부산시 예산 2억원", None],
        "outlet": ["한빛일보", None, "중부매일뉴스"],
        "unused": [1.5, 2.5, 3.5],
    })
    items = read_path(path, "t.parquet", published=D(2024, 1, 1))
    assert [(a.doc_id, a.published, a.source, a.line) for a in _articles(items)] == [
        ("101", D(2024, 5, 29), "한빛일보", 1), ("102", D(2024, 1, 1), "", 2)]
    assert _errors(items) == [("t.parquet", 3, "MissingText")]


def test_multiline_cells_quotes_and_blank_lines(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes('id,text\r\na,"첫 줄\r\n둘째 줄, 쉼표"\r\n\r\nb,"그는 ""좋다""고 말했다"\r\nc,셋\r\n'
                     .encode("utf-8"))
    items = read_path(path, "t.csv")
    assert [(a.doc_id, a.line, a.text) for a in _articles(items)] == [
        ("a", 2, "첫 줄\n둘째 줄, 쉼표"), ("b", 4, '그는 "좋다"고 말했다'), ("c", 5, "셋")]


def test_a_row_with_undecodable_bytes_is_an_error_the_others_are_read(tmp_path):
    good = "id,본문\n1,부산항 물동량이 늘었다.\n".encode("cp949")
    path = tmp_path / "t.csv"
    path.write_bytes(good + b"2,\xff\xfe\xfd broken\n" + "3,인천항도 늘었다.\n".encode("cp949"))
    items = read_path(path, "t.csv")
    assert [(a.doc_id, a.encoding) for a in _articles(items)] == [("1", "cp949"), ("3", "cp949")]
    assert _errors(items) == [("t.csv", 3, "BadRow")]


@pytest.mark.parametrize("data, error", [
    (b"", "UnreadableTable"),
    (b"\x00\x01\x02\x03binary", "UnreadableTable"),
    ("본문\n".encode(), None),  # a header and no rows: nothing, no error
])
def test_empty_and_binary_csv(tmp_path, data, error):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    assert _errors(read_path(path, "t.csv")) == ([("t.csv", None, error)] if error else [])


@pytest.mark.parametrize("name, data", [
    ("t.xlsx", b"PK\x03\x04 not really a workbook"),
    ("t.parquet", b"PAR1 truncated"),
])
def test_damaged_workbook_or_parquet_is_an_error(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    (e,) = read_path(path, name)
    assert (e.path, e.error) == (name, "UnreadableTable") and "not a readable" in e.message


def test_json_and_front_matter_keys_by_any_name(tmp_path):
    (tmp_path / "a.json").write_text('{"본문": "기사", "언론사": "한빛일보", "기고자": "박기자", "URL": "https://h.example"}',
                                     encoding="utf-8")
    (tmp_path / "b.md").write_text("---\ntitle: 제목\nbyline: 김기자\noutlet: 동남경제\n---\n본문\n", encoding="utf-8")
    (a,) = read_path(tmp_path / "a.json", "a.json")
    (b,) = read_path(tmp_path / "b.md", "b.md")
    assert (a.text, a.source, a.author, a.url) == ("기사", "한빛일보", "박기자", "https://h.example")
    assert (b.title, b.source, b.author) == ("제목", "동남경제", "김기자")


def test_column_rules_file():
    rules = column_rules()
    assert rules.fields["text"][:3] == ("text", "body", "content")  # JSON's historical keys keep their priority
    assert set(rules.listed) == {"PERSON", "LOCATION", "ORG"}
    cols = map_columns(samples.COLUMNS, None)
    assert {f: samples.COLUMNS[i] for f, i in cols.index.items() if i is not None} == {
        "text": "본문", "id": "뉴스 식별자", "title": "제목", "published": "일자", "source": "언론사",
        "author": "기고자", "url": "URL", "excluded": "분석제외 여부"}
    assert record_value({"News_ID": "n1"}, "id") == "n1"


# ------------------------------------------------------------------------------------------------ archives

def test_gzipped_article_files(tmp_path):
    (tmp_path / "news.jsonl.gz").write_bytes(gzip.compress('{"text": "하나"}\n{"text": "둘"}\n'.encode()))
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress("입력 2024.05.28\n부산항 소식".encode("cp949")))
    items = list(readers.read_inputs([tmp_path]))
    assert [(Path(a.path).name, a.doc_id.rsplit("/", 1)[-1], a.published, a.encoding) for a in _articles(items)] == [
        ("a.txt.gz", "a.txt.gz", D(2024, 5, 28), "cp949"),
        ("news.jsonl.gz", "news.jsonl.gz:1", None, "utf-8"),
        ("news.jsonl.gz", "news.jsonl.gz:2", None, "utf-8")]


@pytest.mark.parametrize("keep", [0.01, 0.5])
def test_a_damaged_gz_is_an_error_with_the_rows_before_kept(tmp_path, keep):
    import random

    rng = random.Random(7)
    hangul = [chr(c) for c in range(0xAC00, 0xAC00 + 2000)]
    rows = [[f"r{i}", "".join(rng.choice(hangul) for _ in range(60))] for i in range(400)]
    packed = gzip.compress(_write(tmp_path / "t.csv", ["id", "text"], rows).read_bytes())
    (tmp_path / "t.csv.gz").write_bytes(packed[:int(len(packed) * keep)])
    items = read_path(tmp_path / "t.csv.gz", "t.csv.gz")
    read = _articles(items)
    assert [a.doc_id for a in read] == [f"r{i}" for i in range(len(read))]  # the rows before the damage, in order
    assert (len(read) > 100) == (keep == 0.5) and len(read) < 400
    (e,) = [x for x in items if isinstance(x, ReadError)]
    assert e.path == "t.csv.gz" and e.error in ("EOFError", "BadGzipFile", "error") and "damaged" in e.message


def test_not_gzip_bytes_named_gz(tmp_path):
    (tmp_path / "a.txt.gz").write_text("그냥 텍스트", encoding="utf-8")
    (e,) = read_path(tmp_path / "a.txt.gz", "a.txt.gz")
    assert (e.error, e.line) == ("BadGzipFile", None) and "damaged" in e.message


def _archive(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_members_are_inputs(tmp_path):
    path = _archive(tmp_path / "dump.zip", {
        "2024/b.txt": "---\ntitle: 둘\n---\n부산 기사".encode(),
        "2024/a.json": '{"text": "서울 기사", "id": "j1"}'.encode(),
        "feed.jsonl.gz": gzip.compress('{"text": "피드"}\n'.encode()),
        "rows.csv": "id,본문\nc1,대전 기사\n".encode("cp949"),
        "readme.pdf": b"%PDF-1.4",  # not an article format: skipped, as in a folder walk
        "__MACOSX/2024/._b.txt": b"\x00\x05",
        "2024/": b"",
    })
    items = read_path(path, "in/dump.zip")
    assert [(a.path, a.doc_id, a.text) for a in _articles(items)] == [
        ("in/dump.zip!2024/a.json", "j1", "서울 기사"),
        ("in/dump.zip!2024/b.txt", "in/dump.zip!2024/b.txt", "부산 기사"),
        ("in/dump.zip!feed.jsonl.gz", "in/dump.zip!feed.jsonl.gz:1", "피드"),
        ("in/dump.zip!rows.csv", "c1", "대전 기사")]
    assert _errors(items) == []


def test_a_corrupt_zip_member_is_an_error_the_others_are_read(tmp_path):
    path = _archive(tmp_path / "dump.zip", {"a.txt": "첫째 기사 " * 50, "b.txt": "둘째 기사 " * 50,
                                            "inner.zip": b"PK"})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("a.txt")
    start = info.header_offset + 30 + len(info.filename) + 5  # inside a.txt's compressed bytes
    data[start:start + 8] = b"\x00" * 8
    path.write_bytes(bytes(data))
    items = read_path(path, "dump.zip")
    assert [a.path for a in _articles(items)] == ["dump.zip!b.txt"]
    errors = {(e.path, e.error) for e in items if isinstance(e, ReadError)}
    assert ("dump.zip!inner.zip", "NestedArchive") in errors
    (bad,) = [e for e in items if isinstance(e, ReadError) and e.path == "dump.zip!a.txt"]
    assert bad.error in ("BadZipFile", "error") and "damaged" in bad.message


@pytest.mark.parametrize("data, error", [
    (b"PK\x05\x06" + b"\x00" * 10, "BadZipFile"),  # truncated end record
    (b"this is no archive", "BadZipFile"),
    (zipfile.ZipFile.__name__.encode(), "BadZipFile"),
])
def test_not_a_zip(tmp_path, data, error):
    (tmp_path / "a.zip").write_bytes(data)
    (e,) = read_path(tmp_path / "a.zip", "a.zip")
    assert (e.path, e.error) == ("a.zip", error)


def test_empty_zip(tmp_path):
    (e,) = read_path(_archive(tmp_path / "a.zip", {"x.pdf": b"%PDF"}), "a.zip")
    assert e.error == "EmptyInput"


def test_folder_walk_keeps_tables_and_archives(tmp_path, monkeypatch):
    for name in ("a.csv", "b.TSV", "c.xlsx", "d.parquet", "e.zip", "f.csv.gz", "g.jsonl.gz", "h.tar.gz",
                 "~$c.xlsx", "i.xls"):
        (tmp_path / "in" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "in" / name).write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    assert [d for _, d in discover(["in"])] == ["in/a.csv", "in/b.TSV", "in/c.xlsx", "in/d.parquet", "in/e.zip",
                                              "in/f.csv.gz", "in/g.jsonl.gz"]


# ------------------------------------------------------------------------------------------------ streaming

def _big_rows(n):
    return [[f"r{i}", f"20240{i % 9 + 1}{i % 28 + 1:02d}", f"기사 {i}: 서울시 예산 {i}억원\n둘째 줄"] for i in range(n)]


def _read_by_ranges(path, display, ranges):
    out = []
    for lo, hi, offset in ranges:
        out += read_path(path, display, rows=(lo, hi, offset))
    return out


def _key(items):
    return [(x.doc_id, x.line, x.published, x.text) if isinstance(x, Article) else (x.path, x.line, x.error)
            for x in items]


@pytest.mark.parametrize("fmt", ["csv", "csv-cp949", "tsv", "csv.gz", "xlsx", "parquet"])
def test_large_tables_read_in_row_ranges_give_the_same_rows(tmp_path, monkeypatch, fmt):
    monkeypatch.setattr(tables, "CHUNK_ROWS", 10)
    rows = _big_rows(47)
    rows[20][2] = ""  # an empty text in the middle: its error belongs to one range
    header = ["id", "date", "text"]
    if fmt.startswith("csv") or fmt == "tsv":
        path = _write(tmp_path / f"t.{fmt[:3]}", header, rows, encoding="cp949" if fmt == "csv-cp949" else "utf-8")
        path = _gzip(path) if fmt.endswith(".gz") else path
    elif fmt == "xlsx":
        path = _xlsx(tmp_path / "t.xlsx", header, rows)
    else:
        path = _parquet(tmp_path / "t.parquet", {h: [r[k] for r in rows] for k, h in enumerate(header)},
                        row_group_size=7)
    whole = read_path(path, path.name)
    ranges = input_ranges(path, path.name)
    first = 1 if fmt == "parquet" else 2
    assert [r[:2] for r in ranges] == [(first + k * 10, first + k * 10 + 9) for k in range(4)] + [(first + 40, 10 ** 12)]
    assert _key(_read_by_ranges(path, path.name, ranges)) == _key(whole)
    assert len(_articles(whole)) == 46 and _errors(whole) == [(path.name, 20 + first, "MissingText")]


def test_csv_range_offsets_point_at_their_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "CHUNK_ROWS", 3)
    path = _write(tmp_path / "t.csv", ["id", "text"], [[f"r{i}", f"줄 {i}\n다음 줄"] for i in range(10)])
    data = path.read_bytes()
    for lo, _hi, offset in input_ranges(path, "t.csv"):
        assert data[offset:].decode().startswith(f"r{lo - 2},")


def test_small_tables_are_one_unit(tmp_path):
    path = _write(tmp_path / "t.csv", ["text"], [["가"]] * 2000)
    assert input_ranges(path, "t.csv") == []
    assert input_ranges(samples.XLSX, "x.xlsx") == []


def test_zip_member_ranges(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "ZIP_CHUNK_MEMBERS", 2)
    path = _archive(tmp_path / "a.zip", {f"m{i}.txt": f"기사 {i}".encode() for i in range(7)})
    ranges = input_ranges(path, "a.zip")
    assert ranges == [(1, 2, None), (3, 4, None), (5, 6, None), (7, 10 ** 12, None)]
    assert _key(_read_by_ranges(path, "a.zip", ranges)) == _key(read_path(path, "a.zip"))


def test_a_csv_is_read_a_line_at_a_time(tmp_path, monkeypatch):
    """Streaming: the CSV reader never asks for more than the sample and one line at a time."""
    path = _write(tmp_path / "t.csv", ["id", "text"], _big_rows(3000))
    sizes = []

    class Watch(io.BufferedReader):
        def read(self, n=-1):
            sizes.append(n)
            return super().read(n)

    monkeypatch.setattr(readers, "_opener", lambda p, gz: (lambda: Watch(io.FileIO(p, "rb"))))
    items = read_path(path, "t.csv")
    assert len(items) == 3000
    assert sizes and all(0 < n <= 1 << 16 for n in sizes)  # buffered line reads and the sample's small blocks


@pytest.mark.parametrize("dimension", [b'<dimension ref="A1"/>', b""])
def test_xlsx_ranges_when_the_dimension_is_wrong_or_absent(tmp_path, monkeypatch, dimension):
    """Some writers leave <dimension ref="A1"/> or none: the rows are counted instead, and none is lost."""
    import re

    monkeypatch.setattr(tables, "CHUNK_ROWS", 10)
    good = _xlsx(tmp_path / "good.xlsx", ["id", "date", "text"], _big_rows(47))
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"<dimension[^>]*/>", dimension, data)
            dst.writestr(info, data)
    ranges = input_ranges(bad, "bad.xlsx")
    assert [r[:2] for r in ranges] == [(2, 11), (12, 21), (22, 31), (32, 41), (42, 10 ** 12)]
    assert _key(_read_by_ranges(bad, "bad.xlsx", ranges)) == _key(read_path(good, "bad.xlsx"))


@pytest.mark.parametrize("fmt, n_ranges", [("csv", 12), ("csv.gz", 4), ("xlsx", 4), ("parquet", 12)])
def test_files_that_cannot_seek_get_fewer_longer_ranges(tmp_path, monkeypatch, fmt, n_ranges):
    """A .gz or a workbook range reads every row above it: at most MAX_SKIPPING_RANGES of them (here 4)."""
    monkeypatch.setattr(tables, "CHUNK_ROWS", 5)
    monkeypatch.setattr(tables, "MAX_SKIPPING_RANGES", 4)
    rows, header = _big_rows(58), ["id", "date", "text"]
    if fmt == "xlsx":
        path = _xlsx(tmp_path / "t.xlsx", header, rows)
    elif fmt == "parquet":
        path = _parquet(tmp_path / "t.parquet", {h: [r[k] for r in rows] for k, h in enumerate(header)})
    else:
        path = _write(tmp_path / "t.csv", header, rows)
        path = _gzip(path) if fmt == "csv.gz" else path
    ranges = input_ranges(path, path.name)
    assert len(ranges) == n_ranges and ranges[-1][1] == 10 ** 12
    assert all(a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:]))  # contiguous, no row twice or lost
    assert _key(_read_by_ranges(path, path.name, ranges)) == _key(read_path(path, path.name))


@pytest.mark.parametrize("text, problems", [
    ("fields: {text: [본문], bodyy: [x]}\n", ["fields.bodyy: unknown field"]),
    ("fields: {text: []}\n", ["fields.text: lists no column names"]),
    ("fields: {text: 본문}\nseparator: ''\n", ["fields.text: expected a list", "separator: expected a non-empty"]),
    ("fields: {text: [본문]}\nlisted: [인물]\ncolumns: 1\n", ["columns: unknown key", "listed: expected a mapping"]),
    ("- a\n- b\n", [": expected a mapping with 'fields'"]),
    ("fields: {text: [본문\n", ["cannot read the column names"]),
])
def test_a_broken_columns_file_is_refused_with_every_problem(tmp_path, text, problems):
    from pipeline.ruleset.schema import RulesetError

    path = tmp_path / "columns.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesetError) as info:
        column_rules(path)
    message = str(info.value)
    assert all(f"{path}" in line for line in message.splitlines()[1:])
    assert all(p in message for p in problems), message
    assert len(message.splitlines()) == 1 + len(problems)
