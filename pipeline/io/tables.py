"""Tables of articles, one article a row: CSV, TSV, Excel (.xlsx) and Parquet, streamed, never whole in memory.

The columns are found by name with ``rules/inputs/columns.yaml`` (so a BigKinds download needs no flags) or given
by ``TableOptions``. Each row becomes an ``Article`` or a ``ReadError`` naming the file and the row; rows are
numbered as a spreadsheet shows them (the header is row 1, the first article row 2) in CSV, TSV and Excel, and
from 1 in Parquet, which has no header row. A row without an id gets ``path:row``.

A large table is cut into row ranges (``table_ranges``) that workers read on their own: a Parquet range reads only
its row groups, a CSV range seeks to the byte where it starts (the planner notes it), an Excel range skips the rows
before it (openpyxl's read-only mode has no index).

>>> from pipeline.io.tables import read_table_rows
>>> for item in read_table_rows(open_file("news.csv"), "news.csv", "csv"):  # doctest: +SKIP
...     print(item.doc_id, item.title)
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pipeline.article import Article, ReadError
from pipeline.paths import BUILTIN_RULES_DIR

STAGE = "read"
TABLE_FORMATS = ("csv", "tsv", "xlsx", "parquet")
CHUNK_ROWS = 1000  # rows per unit of work when a table has more than twice as many
# A range of a gzipped CSV or of a workbook cannot seek to its rows: its reader decompresses or parses every row
# above it. At most this many ranges per such file keeps that skipping under a few passes over the file in all.
MAX_SKIPPING_RANGES = 64
SAMPLE_BYTES = 1 << 20  # bytes of a CSV its encoding is decided on
FIELDS = ("text", "id", "title", "published", "source", "author", "url", "excluded")
COLUMNS_FILE = BUILTIN_RULES_DIR / "inputs" / "columns.yaml"

csv.field_size_limit(2 ** 31 - 1)  # an article body is one cell, often over csv's default of 128 KB

Opener = Callable[[], IO[bytes]]


@dataclass(frozen=True)
class TableOptions:
    """Columns named on the command line (``--text-column`` …); None means "found by name"."""

    text: str | None = None
    id: str | None = None
    title: str | None = None
    published: str | None = None
    source: str | None = None
    author: str | None = None
    url: str | None = None

    def given(self) -> dict[str, str]:
        return {f: v for f in FIELDS if (v := getattr(self, f, None))}


@dataclass(frozen=True)
class ColumnRules:
    fields: dict[str, tuple[str, ...]]
    not_excluded: frozenset[str]
    listed: dict[str, tuple[str, ...]]
    separator: str


def name_key(name: Any) -> str:
    """A column name as compared: NFC, lower case, no spaces, ``_``, ``-`` or ``.``."""
    s = unicodedata.normalize("NFC", "" if name is None else str(name)).strip().lower()
    return "".join(ch for ch in s if not ch.isspace() and ch not in "_-.")


@functools.cache
def column_rules(path: Path = COLUMNS_FILE) -> ColumnRules:
    """The column synonyms of ``rules/inputs/columns.yaml``. A broken file is refused with every problem listed as
    ``file: key: what is wrong`` (a ``RulesetError``, like a broken rule file), before any input is read."""
    from ruamel.yaml import YAML, YAMLError

    from pipeline.ruleset.schema import Problem, RulesetError

    where = str(path)
    try:
        data = YAML(typ="safe", pure=True).load(Path(path).read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RulesetError([Problem(where, mark.line + 1 if mark is not None else 0, "",
                                    f"cannot read the column names ({problem})")]) from None
    problems: list[Problem] = []

    def names(value: Any, key: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            problems.append(Problem(where, 0, key, "expected a list of column names"))
            return ()
        return tuple(str(v) for v in value)

    if not isinstance(data, dict):
        raise RulesetError([Problem(where, 0, "", "expected a mapping with 'fields' (and 'listed', 'separator')")])
    for key in set(data) - {"fields", "not_excluded", "listed", "separator"}:
        problems.append(Problem(where, 0, str(key), "unknown key (keys are fields, not_excluded, listed, separator)"))
    fields = data.get("fields") if isinstance(data.get("fields"), dict) else {}
    if not fields:
        problems.append(Problem(where, 0, "fields", "expected a mapping of fields to column names"))
    for key in set(fields) - set(FIELDS):
        problems.append(Problem(where, 0, f"fields.{key}", f"unknown field (fields are {', '.join(FIELDS)})"))
    found = {f: names(fields.get(f), f"fields.{f}") for f in FIELDS}
    if fields and not found["text"] and (fields.get("text") is None or isinstance(fields.get("text"), list)):
        problems.append(Problem(where, 0, "fields.text", "lists no column names: tables could never be read"))
    listed_raw = data.get("listed") or {}
    if not isinstance(listed_raw, dict):
        problems.append(Problem(where, 0, "listed", "expected a mapping of labels to column names"))
        listed_raw = {}
    listed = {str(k): names(v, f"listed.{k}") for k, v in listed_raw.items()}
    separator = data.get("separator", ",")
    if not isinstance(separator, str) or not separator:
        problems.append(Problem(where, 0, "separator", "expected a non-empty string"))
    not_excluded = names(data.get("not_excluded"), "not_excluded")
    if problems:
        raise RulesetError(sorted(problems, key=lambda p: p.where))
    return ColumnRules(fields=found, not_excluded=frozenset(name_key(v) for v in not_excluded), listed=listed,
                       separator=separator)


def record_value(obj: dict, field_name: str) -> Any:
    """The value of a JSON record or front matter for a field, under any of its names (the first present wins).

    >>> record_value({"Byline": "김기자"}, "author")
    '김기자'
    """
    keys = {name_key(k): k for k in obj}
    for name in column_rules().fields[field_name]:
        k = keys.get(name_key(name))
        if k is not None and obj[k] not in (None, ""):
            return obj[k]
    return None


def text_values(obj: dict) -> Iterator[Any]:
    """The values of a record under the text field's names, in order of preference."""
    keys = {name_key(k): k for k in obj}
    for name in column_rules().fields["text"]:
        k = keys.get(name_key(name))
        if k is not None:
            yield obj[k]


# ---------------------------------------------------------------------------------------------------- columns

@dataclass(frozen=True)
class ColumnMap:
    """Where each field is in a table's header (column index, or None)."""

    index: dict[str, int | None]
    listed: dict[str, int]
    names: tuple[str, ...]

    def columns_needed(self) -> list[int]:
        return sorted({i for i in self.index.values() if i is not None} | set(self.listed.values()))


def map_columns(header: list[Any], options: TableOptions | None) -> ColumnMap | str:
    """The ``ColumnMap`` of a header, or a message saying what is missing (with the table's columns)."""
    rules = column_rules()
    names = tuple("" if h is None else unicodedata.normalize("NFC", str(h)).strip() for h in header)
    by_key: dict[str, int] = {}
    for i, n in enumerate(names):
        by_key.setdefault(name_key(n), i)
    given = (options or TableOptions()).given()
    index: dict[str, int | None] = {}
    for f in FIELDS:
        if f in given:
            i = by_key.get(name_key(given[f]))
            if i is None:
                return (f"--{'date' if f == 'published' else f}-column {given[f]!r} is not a column of this table; "
                        f"its columns: {_list(names)}")
            index[f] = i
            continue
        index[f] = next((by_key[name_key(n)] for n in rules.fields[f] if name_key(n) in by_key), None)
    if index["text"] is None:
        return (f"no article text column found among its columns: {_list(names)}; name it with --text-column "
                f"(looked for {', '.join(rules.fields['text'])})")
    listed = {}
    for label, cols in rules.listed.items():
        i = next((by_key[name_key(n)] for n in cols if name_key(n) in by_key), None)
        if i is not None:
            listed[label] = i
    return ColumnMap(index, listed, names)


def _list(names: tuple[str, ...]) -> str:
    shown = ", ".join(repr(n) for n in names[:40])
    return shown + (f" … ({len(names)} in all)" if len(names) > 40 else "") if names else "(none: the header is empty)"


def _cell(value: Any) -> Any:
    """A cell as the reader keeps it: text NFC-normalized, a whole float as an int (Excel stores 20240529 so)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _names(value: Any, separator: str) -> list[str]:
    if value is None or value == "":
        return []
    out: list[str] = []
    for part in str(value).split(separator):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def row_article(values: list[Any], cols: ColumnMap, display: str, row: int, encoding: str,
                published: dt.date | None) -> Article | ReadError:
    """One table row to an ``Article`` (or a ``ReadError`` naming the row when its text cell is empty)."""
    from pipeline.io.readers import _article, _normalize

    def get(f: str) -> Any:
        i = cols.index[f]
        return _cell(values[i]) if i is not None and i < len(values) else None

    text = get("text")
    text = "" if text is None else str(text)
    if not text.strip():
        return ReadError(display, row, STAGE, "MissingText",
                         f"row {row}: the text column {cols.names[cols.index['text']]!r} is empty; the row is "
                         "not extracted (fill it in, or remove the row)")
    meta = {f: get(f) for f in ("id", "title", "published", "source", "author", "url")}
    article = _article(_normalize(text), meta, encoding, display, row, published)
    rules = column_rules()
    for label, i in cols.listed.items():
        names = _names(values[i] if i < len(values) else None, rules.separator)
        if names:
            article.listed[label] = names
    flag = get("excluded")
    if flag is not None and name_key(flag) not in rules.not_excluded:
        article.excluded = str(flag)
    return article


def _error(display: str, line: int | None, error: str, message: str) -> ReadError:
    return ReadError(display, line, STAGE, error, message)


# ---------------------------------------------------------------------------------------------------- CSV / TSV

@dataclass(frozen=True)
class _Encoding:
    codec: str  # what each line is decoded with
    name: str  # what documents.encoding says
    skip: int  # bytes of the BOM
    per_line: bool  # lines split at b"\n" decode on their own (an ASCII-compatible encoding)


def _detect(sample: bytes, complete: bool) -> _Encoding | str:
    """The encoding of a CSV from its first bytes (BOM, UTF-8, CP949, then charset-normalizer), or a message."""
    if sample.startswith(codecs.BOM_UTF8):
        return _Encoding("utf-8", "utf-8-sig", 3, True)
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if sample.startswith(bom):
            return _Encoding(codec, codec, 0, False)
    if b"\x00" in sample:
        return "this is a binary file, not a text table; save the table as CSV (UTF-8 or CP949)"
    for codec in ("utf-8", "cp949"):
        try:
            codecs.getincrementaldecoder(codec)().decode(sample, final=complete)
            return _Encoding(codec, codec, 0, True)
        except UnicodeDecodeError:
            continue
    # A few damaged lines must not make a CP949 table unreadable: the codec that decodes all lines but at most one
    # in a hundred is the table's, and those lines become error rows.
    lines = sample.split(b"\n")
    if not complete:
        lines = lines[:-1]  # the sample may end inside a character
    for codec in ("utf-8", "cp949"):
        bad = 0
        for line in lines:
            try:
                line.decode(codec)
            except UnicodeDecodeError:
                bad += 1
        if bad <= max(1, len(lines) // 100) and bad < len(lines):
            return _Encoding(codec, codec, 0, True)
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        return "the table is neither UTF-8, UTF-16 (with BOM) nor CP949/EUC-KR; re-save it as UTF-8 CSV"
    codec = best.encoding
    per_line = codecs.lookup(codec).name not in ("utf-16", "utf-32") and b"\n".decode(codec, "ignore") == "\n"
    return _Encoding(codec, codec.replace("_", "-"), 0, per_line)


class _Lines:
    """Physical lines of a binary stream, decoded one by one, with the byte offset after the last line read.

    ``bad`` is set when a line had bytes the encoding cannot decode (they read as U+FFFD; the row is refused)."""

    def __init__(self, fh: IO[bytes], pos: int, codec: str):
        self.fh, self.pos, self.codec, self.bad = fh, pos, codec, False

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        line = self.fh.readline()
        if not line:
            raise StopIteration
        self.pos += len(line)
        try:
            return line.decode(self.codec)
        except UnicodeDecodeError:
            self.bad = True
            return line.decode(self.codec, "replace")


def _open_csv(opener: Opener) -> tuple[IO[bytes], _Encoding] | str:
    from pipeline.io.readers import _ARCHIVE_ERRORS

    fh = opener()
    try:
        blocks: list[bytes] = []
        size = 0
        try:
            while size < SAMPLE_BYTES:
                block = fh.read(min(1 << 12, SAMPLE_BYTES - size))  # small reads: a damaged .gz loses little
                if not block:
                    break
                blocks.append(block)
                size += len(block)
        except _ARCHIVE_ERRORS:  # a truncated .gz: decide on what came; the rows report the damage
            if not blocks:
                raise
        sample = b"".join(blocks)
        complete = len(sample) < SAMPLE_BYTES
        if not sample.strip():
            fh.close()
            return "the file is empty; add a header row and one article a row"
        enc = _detect(sample, complete)
        if isinstance(enc, str):
            fh.close()
            return enc
        fh.seek(0)
        return fh, enc
    except BaseException:
        fh.close()
        raise


def _csv_records(fh: IO[bytes], enc: _Encoding, delimiter: str, start: int, first_row: int
                 ) -> Iterator[tuple[int, list[str] | None, str, int]]:
    """(row number, cells or None when the row is bad, problem, byte offset after the row) from byte ``start``."""
    if not enc.per_line:  # UTF-16/32: no byte offsets, one pass over the decoded text
        text = io.TextIOWrapper(fh, encoding=enc.codec, errors="replace", newline="")
        try:
            reader = csv.reader(text, delimiter=delimiter)
            row = first_row - 1
            while True:
                row += 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield row, None, f"not valid CSV ({exc})", -1
                    reader = csv.reader(text, delimiter=delimiter)
                    continue
                yield row, cells, "", -1
        finally:
            text.detach()  # the wrapper must not close the file when it is collected: the caller reads on
    fh.seek(start)
    lines = _Lines(fh, start, enc.codec)
    reader = csv.reader(lines, delimiter=delimiter)
    row = first_row - 1
    while True:
        row += 1
        lines.bad = False
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield row, None, f"not valid CSV ({exc})", lines.pos
            reader = csv.reader(lines, delimiter=delimiter)
            continue
        if lines.bad:
            yield row, None, f"bytes that are not {enc.name}", lines.pos
            continue
        yield row, cells, "", lines.pos


def _csv_header(fh: IO[bytes], enc: _Encoding, delimiter: str) -> tuple[list[str], int] | str:
    for row, cells, problem, end in _csv_records(fh, enc, delimiter, enc.skip, 1):
        if cells is None:
            return f"its header row is unreadable ({problem})"
        if enc.per_line and end >= 0:
            return cells, end
        return cells, -1
    return "the file is empty; add a header row and one article a row"


def _read_csv(opener: Opener, display: str, delimiter: str, published: dt.date | None,
              options: TableOptions | None, rows: tuple[int, int, int | None] | None
              ) -> Iterator[Article | ReadError]:
    opened = _open_csv(opener)
    if isinstance(opened, str):
        if rows is None or rows[0] <= 2:
            yield _error(display, None, "UnreadableTable", opened)
        return
    fh, enc = opened
    with fh:
        head = _csv_header(fh, enc, delimiter)
        if isinstance(head, str):
            yield _error(display, 1, "UnreadableTable", head)
            return
        header, header_end = head
        cols = map_columns(header, options)
        if isinstance(cols, str):
            if rows is None or rows[0] <= 2:
                yield _error(display, 1, "MissingTextColumn", cols)
            return
        lo, hi, start = (2, None, None) if rows is None else rows
        if enc.per_line:
            records = _csv_records(fh, enc, delimiter, header_end if start is None else start,
                                   2 if start is None else lo)
        else:  # no seeking: read from the top and skip to lo
            fh.seek(0)
            records = _csv_records(fh, enc, delimiter, 0, 1)
            next(records, None)
        for row, cells, problem, _end in records:
            if row < lo:
                continue
            if hi is not None and row > hi:
                return
            if cells is None:
                yield _error(display, row, "BadRow", f"row {row}: {problem}; the row is skipped — fix it and "
                                                     "run again")
            elif cells and any(c.strip() for c in cells):  # a blank line is no article
                yield row_article(cells, cols, display, row, enc.name, published)


def _csv_ranges(opener: Opener, delimiter: str, chunk_rows: int) -> list[tuple[int, int, int | None]]:
    """Row ranges (first row, last row, byte offset of the first row) of a CSV of many rows; [] for one unit."""
    opened = _open_csv(opener)
    if isinstance(opened, str):
        return []
    fh, enc = opened
    with fh:
        if not enc.per_line:
            return []
        head = _csv_header(fh, enc, delimiter)
        if isinstance(head, str):
            return []
        starts: list[tuple[int, int]] = []
        pos = head[1]
        last = 1
        for row, _cells, _problem, end in _csv_records(fh, enc, delimiter, head[1], 2):
            if (row - 2) % chunk_rows == 0:
                starts.append((row, pos))
            pos, last = end, row
    return _ranges(starts, last, chunk_rows)


def _ranges(starts: list[tuple[int, int | None]], last: int, chunk_rows: int) -> list[tuple[int, int, int | None]]:
    n_rows = len(starts) and last - starts[0][0] + 1
    if n_rows <= 2 * chunk_rows:
        return []
    out = []
    for k, (lo, pos) in enumerate(starts):
        hi = starts[k + 1][0] - 1 if k + 1 < len(starts) else 10 ** 12  # the last range takes any rows after
        out.append((lo, hi, pos))
    return out


# ---------------------------------------------------------------------------------------------------- Excel

def _open_xlsx(opener: Opener, display: str) -> _Closing | str:
    import openpyxl

    fh = opener()
    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException: not a workbook
        fh.close()
        return f"not a readable Excel workbook ({type(exc).__name__}: {exc}); open it in Excel and save it as .xlsx"
    if not wb.worksheets:
        wb.close()
        fh.close()
        return "the workbook has no worksheet"
    return _Closing(wb, fh)


def _read_xlsx(opener: Opener, display: str, published: dt.date | None, options: TableOptions | None,
               rows: tuple[int, int, int | None] | None) -> Iterator[Article | ReadError]:
    first = rows is None or rows[0] <= 2
    wb = _open_xlsx(opener, display)
    if isinstance(wb, str):
        if first:
            yield _error(display, None, "UnreadableTable", wb)
        return
    try:
        ws = wb.worksheets[0]  # a BigKinds download has one sheet; other sheets are notes, not articles
        ws.reset_dimensions()  # read every row, whatever <dimension> claims (some writers leave "A1")
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            if first:
                yield _error(display, None, "UnreadableTable", "the first worksheet is empty")
            return
        cols = map_columns(list(header), options)
        if isinstance(cols, str):
            if first:
                yield _error(display, 1, "MissingTextColumn", cols)
            return
        lo, hi = (2, None) if rows is None else rows[:2]
        try:
            for row, values in enumerate(it, start=2):
                if row < lo:
                    continue
                if hi is not None and row > hi:
                    return
                if values and any(v not in (None, "") for v in values):
                    yield row_article(list(values), cols, display, row, "xlsx", published)
        except Exception as exc:  # a damaged sheet part: the rows before are kept
            yield _error(display, None, "UnreadableTable",
                         f"the worksheet is damaged after row {row - 1} ({type(exc).__name__}: {exc}); the rows "
                         "before it were read")
    finally:
        wb.close()


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')
_REL = re.compile(r'Id="([^"]+)"[^>]*?Target="([^"]+)"|Target="([^"]+)"[^>]*?Id="([^"]+)"')


def _xlsx_last_row(opener: Opener) -> int | None:
    """The last row of the first worksheet from its ``<dimension>`` element, read from the archive directly: opening
    the workbook with openpyxl would load its shared strings, which hold most of its text."""
    import zipfile

    with opener() as fh, zipfile.ZipFile(fh) as zf:
        book = zf.read("xl/workbook.xml").decode("utf-8")
        first = re.search(r'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]+)"', book)
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        targets = {m.group(1) or m.group(4): m.group(2) or m.group(3) for m in _REL.finditer(rels)}
        target = targets.get(first.group(1)) if first else None
        if not target:
            return None
        name = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        with zf.open(name) as sheet:
            m = _DIMENSION.search(sheet.read(1 << 14))
    if m is None:
        return None
    return int(m.group(1)) if m.group(1) else 1


def _xlsx_ranges(opener: Opener, chunk_rows: int) -> list[tuple[int, int, int | None]]:
    try:
        last = _xlsx_last_row(opener)
    except Exception:  # an unusual layout: ask openpyxl
        last = None
    if last is None or last <= 1:  # absent, or "A1" as some writers leave it: count the rows
        wb = _open_xlsx(opener, "")
        if isinstance(wb, str):
            return []
        try:
            ws = wb.worksheets[0]
            ws.reset_dimensions()
            last = sum(1 for _ in ws.iter_rows(values_only=True))
        finally:
            wb.close()
    return _ranges([(r, None) for r in range(2, last + 1, chunk_rows)], last, chunk_rows)


# ---------------------------------------------------------------------------------------------------- Parquet

class _Closing:
    """A reader object (ParquetFile, openpyxl Workbook) with the file it was opened on: neither library closes a
    file object it was given, so leaving the ``with`` block closes both."""

    def __init__(self, obj: Any, fh: IO[bytes]):
        self.obj, self.fh = obj, fh

    def __getattr__(self, name: str) -> Any:  # wb.worksheets, pf.metadata …
        return getattr(self.obj, name)

    def __enter__(self) -> Any:
        return self.obj

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        try:
            close = getattr(self.obj, "close", None)
            if close is not None:
                close()
        finally:
            self.fh.close()


def _parquet_file(opener: Opener) -> _Closing | str:
    import pyarrow.parquet as pq

    fh = opener()
    try:
        return _Closing(pq.ParquetFile(fh), fh)
    except Exception as exc:  # ArrowInvalid and friends: not a Parquet file, or a truncated one
        fh.close()
        return f"not a readable Parquet file ({type(exc).__name__}: {exc})"


def _read_parquet(opener: Opener, display: str, published: dt.date | None, options: TableOptions | None,
                  rows: tuple[int, int, int | None] | None) -> Iterator[Article | ReadError]:
    first = rows is None or rows[0] <= 1
    pf = _parquet_file(opener)
    if isinstance(pf, str):
        if first:
            yield _error(display, None, "UnreadableTable", pf)
        return
    with pf as parquet:
        yield from _parquet_rows(parquet, display, published, options, rows, first)


def _parquet_rows(pf, display: str, published: dt.date | None, options: TableOptions | None,
                  rows: tuple[int, int, int | None] | None, first: bool) -> Iterator[Article | ReadError]:
    cols = map_columns(list(pf.schema_arrow.names), options)
    if isinstance(cols, str):
        if first:
            yield _error(display, None, "MissingTextColumn", cols)
        return
    lo, hi = (1, None) if rows is None else rows[:2]
    needed = cols.columns_needed()
    names = [cols.names[i] for i in needed]
    # only the row groups that hold rows lo..hi, only the columns used
    groups, start, row = [], None, 1
    for g in range(pf.metadata.num_row_groups):
        n = pf.metadata.row_group(g).num_rows
        if row + n > lo and (hi is None or row <= hi):
            groups.append(g)
            start = row if start is None else start
        row += n
    if not groups:
        return
    row = start
    try:
        for batch in pf.iter_batches(batch_size=1024, row_groups=groups, columns=names):
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for k in range(batch.num_rows):
                if row >= lo and (hi is None or row <= hi):
                    values: list[Any] = [None] * len(cols.names)
                    for i, col in zip(needed, columns):
                        values[i] = col[k]
                    if any(v not in (None, "") for v in values):
                        yield row_article(values, cols, display, row, "parquet", published)
                row += 1
    except Exception as exc:
        yield _error(display, None, "UnreadableTable", f"the file is damaged after row {row - 1} "
                                                       f"({type(exc).__name__}: {exc}); the rows before were read")


def _parquet_ranges(opener: Opener, chunk_rows: int) -> list[tuple[int, int, int | None]]:
    pf = _parquet_file(opener)
    if isinstance(pf, str):
        return []
    with pf as parquet:
        last = parquet.metadata.num_rows
    return _ranges([(r, None) for r in range(1, last + 1, chunk_rows)], last, chunk_rows)


# ---------------------------------------------------------------------------------------------------- dispatch

def read_table_rows(opener: Opener, display: str, fmt: str, published: dt.date | None = None,
                    options: TableOptions | None = None, rows: tuple[int, int, int | None] | None = None
                    ) -> Iterator[Article | ReadError]:
    """Every row of a table as an article or a read error; ``rows`` = (first, last, byte offset) limits it."""
    if fmt in ("csv", "tsv"):
        yield from _read_csv(opener, display, "," if fmt == "csv" else "\t", published, options, rows)
    elif fmt == "xlsx":
        yield from _read_xlsx(opener, display, published, options, rows)
    elif fmt == "parquet":
        yield from _read_parquet(opener, display, published, options, rows)
    else:
        raise ValueError(f"not a table format: {fmt}")


def table_ranges(opener: Opener, fmt: str, chunk_rows: int | None = None, gzipped: bool = False
                 ) -> list[tuple[int, int, int | None]]:
    """Row ranges (first, last, byte offset) of ``chunk_rows`` (default ``CHUNK_ROWS``) to cut a table of more than
    twice as many rows into units of work ([] when one unit will do, or the file is unreadable: then the reader
    reports the problem). A gzipped file or a workbook gets at most ``MAX_SKIPPING_RANGES`` (longer) ranges."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    try:
        if fmt in ("csv", "tsv"):
            ranges = _csv_ranges(opener, "," if fmt == "csv" else "\t", chunk_rows)
        elif fmt == "xlsx":
            ranges = _xlsx_ranges(opener, chunk_rows)
        elif fmt == "parquet":
            ranges = _parquet_ranges(opener, chunk_rows)
        else:
            return []
    except Exception:  # a damaged file: one unit, whose reader turns it into error rows
        return []
    if (gzipped or fmt == "xlsx") and len(ranges) > MAX_SKIPPING_RANGES:
        per = -(-len(ranges) // MAX_SKIPPING_RANGES)
        ranges = [(ranges[k][0], ranges[min(k + per, len(ranges)) - 1][1], ranges[k][2])
                  for k in range(0, len(ranges), per)]
    return ranges


def listed_json(listed: dict[str, list[str]]) -> str:
    """``documents.listed_entities``: label -> names, as JSON with sorted keys; "" when the input lists none."""
    return json.dumps(listed, ensure_ascii=False, sort_keys=True) if listed else ""
