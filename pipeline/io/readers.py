"""Read articles from files and folders: .txt, .md, .json, .jsonl, .html/.htm, tables of articles (.csv, .tsv,
.xlsx, .parquet: see ``pipeline.io.tables``), any of them gzipped (``.csv.gz``), and .zip archives of them, in UTF-8,
UTF-16 or CP949.

Every input becomes either an ``Article`` or a ``ReadError`` (stage ``"read"``); a bad file never stops a batch.
The article text is decoded, NFC-normalized and has ``\\n`` line ends; every later offset refers to that text.

>>> from pipeline.io.readers import read_inputs
>>> for item in read_inputs(["samples"]):  # doctest: +SKIP
...     print(item.doc_id, item.published)
"""
from __future__ import annotations

import codecs
import datetime as dt
import functools
import gzip
import hashlib
import io
import json
import os
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.article import Article, ReadError

STAGE = "read"

# suffix -> format; a folder walk keeps only these, an explicitly named file of another suffix is read as text
FORMATS: dict[str, str] = {
    ".txt": "text",
    ".md": "text",
    ".json": "json",
    ".jsonl": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".csv": "csv",
    ".tsv": "tsv",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
    ".zip": "zip",
}
ZIP_CHUNK_MEMBERS = 100  # members per unit of work when an archive has more than twice as many
# what a damaged .gz or .zip raises while it is read (gzip.BadGzipFile is an OSError: caught before those)
_ARCHIVE_ERRORS = (gzip.BadGzipFile, zipfile.BadZipFile, zlib.error, EOFError)
DATELINE_LINES = 5  # a dateline is looked for in this many non-empty lines at the top of the text

# BOMs, longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)

_HTML_DROP = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "template",
              "svg", "button", "select"]
_HTML_BLOCKS = frozenset((
    "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "li", "main", "ol", "p", "pre", "section", "table", "tbody", "td", "th", "thead",
    "tr", "ul", "caption", "summary", "details",
))
_HTML_SPACE = re.compile(r"[ \t\n\r\f\v\u00a0]+")

# A full calendar date as Korean newsrooms write it. 년/월/일 are the only Korean forms the reader needs (for
# datelines and metadata); the date *entities* of the article body live in rules/date.yaml.
_YEAR = r"(?P<y>(?:19|20)\d{2})"
_DATE = (
    rf"(?<!\d){_YEAR}"
    r"(?:\s*(?P<sep>[-./])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})(?!\d)\.?"
    r"|\s*년\s*(?P<m2>\d{1,2})\s*월\s*(?P<d2>\d{1,2})\s*일"
    r"|(?P<m3>\d{2})(?P<d3>\d{2})(?!\d))"
)
_DATE_RE = re.compile(_DATE)
# parse_date: the date must open the string; a time, time zone or weekday may follow after a separator.
_DATE_VALUE_RE = re.compile(rf"\s*{_DATE}(?:\s*$|[\sT(,].*$)", re.DOTALL)

_FRONT_OPEN = re.compile(r"---[ \t]*\n")
_FRONT_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


# ---------------------------------------------------------------------------------------------------- public API

def parse_date(s: str) -> dt.date | None:
    """The calendar date a string starts with, or None.

    Accepts ``2024-05-29``, ``2024.05.29``, ``2024. 5. 29.``, ``2024/5/29``, ``2024년 5월 29일``, ``20240529`` and
    ISO datetimes (the date as written, not converted to UTC: a KST morning article stays on its own day).

    >>> parse_date("2024년 5월 29일"), parse_date("2024-05-29T08:30:00+09:00"), parse_date("내일")
    (datetime.date(2024, 5, 29), datetime.date(2024, 5, 29), None)
    """
    if not isinstance(s, str):
        return None
    m = _DATE_VALUE_RE.match(s)
    return _match_to_date(m) if m else None


def format_of(name: str) -> tuple[str | None, bool]:
    """(format, gzipped) of a file name; the format is None for a suffix krnews does not read.

    >>> format_of("news.jsonl.gz"), format_of("NewsResult.xlsx"), format_of("backup.tar.gz")
    (('jsonl', True), ('xlsx', False), (None, True))
    """
    lower = name.lower()
    if lower.endswith(".gz"):
        inner = FORMATS.get(PurePosixPath(lower[:-3]).suffix)
        return (inner if inner != "zip" else None), True
    return FORMATS.get(PurePosixPath(lower).suffix), False


def discover(inputs: Sequence[str | Path] | str | Path,
             errors: list[ReadError] | None = None) -> list[tuple[Path, str]]:
    """(real path, display path) of every file to read, sorted by display path, each real file once.

    Folders are walked recursively (symlinks followed, each real folder visited once, so loops end; hidden names
    skipped) keeping the suffixes of ``FORMATS``; a file named explicitly is kept whatever its suffix. A missing
    or special input is skipped, and reported in ``errors`` when a list is given.
    """
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    found: list[tuple[Path, str]] = []
    visited: set[str] = set()
    for given in inputs:
        path = Path(given)
        display = path.as_posix()
        if path.is_dir():
            _walk(path, PurePosixPath(display), visited, found, errors)
        elif path.is_file():
            found.append((path, display))
        elif errors is not None:
            if os.path.lexists(path) and not os.path.exists(path):
                errors.append(_error(display, None, "FileNotFoundError",
                                     "the symlink points to a missing file; fix the link or remove it"))
            elif os.path.lexists(path):
                errors.append(_error(display, None, "NotARegularFile",
                                     "not a regular file or folder (a device or pipe?); give a file or a folder"))
            else:
                errors.append(_error(display, None, "FileNotFoundError",
                                     f"no such file or folder (relative paths start at {Path.cwd()}); "
                                     "check the path"))
    found.sort(key=lambda item: item[1])
    seen: set[str] = set()
    unique: list[tuple[Path, str]] = []
    for path, display in found:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            unique.append((path, display))
    return unique


def read_inputs(inputs: Sequence[str | Path] | str | Path, published: dt.date | None = None,
                options: Any = None) -> Iterator[Article | ReadError]:
    """Every article of the given files and folders, then nothing else; problems come as ``ReadError`` items.

    ``published`` is the date of articles whose metadata has none (the CLI's ``--published``); it wins over a
    dateline in the text.
    """
    errors: list[ReadError] = []
    files = discover(inputs, errors)
    yield from errors
    for path, display in files:
        yield from read_path(path, display, published, options)


def read_path(path: Path, display: str, published: dt.date | None = None, options: Any = None,
              rows: tuple[int, int, int | None] | None = None) -> list[Article | ReadError]:
    """The articles (one, or one per JSONL line, table row or archive member) and read errors of one file; never
    raises for a bad file.

    ``options`` are the table columns named on the command line (``tables.TableOptions``); ``rows`` = (first, last,
    byte offset) limits a large input to one unit of work: JSONL lines, table rows or zip members (file-level
    problems are reported by the first unit only).
    """
    try:
        return _read_path(Path(path), display, published, options, rows)
    except Exception as exc:  # a reader bug must not stop the batch either; it is reported like bad input
        return [_error(display, None, type(exc).__name__,
                       f"unexpected error while reading ({exc}); please report it with this file")]


# ---------------------------------------------------------------------------------------------------- discovery

def _walk(folder: Path, display: PurePosixPath, visited: set[str], found: list[tuple[Path, str]],
          errors: list[ReadError] | None) -> None:
    real = os.path.realpath(folder)
    if real in visited:  # a symlink loop or a folder reached twice
        return
    visited.add(real)
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        if errors is not None:
            errors.append(_error(display.as_posix(), None, type(exc).__name__,
                                 f"cannot list this folder ({exc.strerror}); check its permissions"))
        return
    for entry in entries:
        if entry.name.startswith("."):  # .git, .DS_Store, macOS ._ resource forks
            continue
        child = Path(entry.path)
        child_display = display / entry.name
        try:
            is_dir = entry.is_dir()
            is_file = entry.is_file()
            broken_link = entry.is_symlink() and not os.path.exists(child)
        except OSError:
            is_dir, is_file, broken_link = False, False, True
        if is_dir:
            _walk(child, child_display, visited, found, errors)
        elif (is_file or broken_link) and format_of(entry.name)[0] and not entry.name.startswith("~$"):
            # (~$name.xlsx is the lock file Excel keeps beside an open workbook)
            found.append((child, child_display.as_posix()))


# ---------------------------------------------------------------------------------------------------- one file

def input_ranges(path: Path, display: str) -> list[tuple[int, int, int | None]]:
    """How a large input is cut into units of work: row ranges of a table, member ranges of a zip archive
    ([] for one unit: small inputs, other formats, unreadable files)."""
    from pipeline.io.tables import TABLE_FORMATS, table_ranges

    fmt, gzipped = format_of(path.name)
    if fmt in TABLE_FORMATS:
        return table_ranges(_opener(path, gzipped), fmt, gzipped=gzipped)
    if fmt == "zip" and not gzipped:
        try:
            with zipfile.ZipFile(path) as zf:
                n = len(_zip_members(zf))
        except (OSError, *_ARCHIVE_ERRORS, ValueError):
            return []
        if n > 2 * ZIP_CHUNK_MEMBERS:
            starts = list(range(1, n + 1, ZIP_CHUNK_MEMBERS))
            return [(lo, starts[k + 1] - 1 if k + 1 < len(starts) else 10 ** 12, None)
                    for k, lo in enumerate(starts)]
    return []


def _opener(path: Path, gzipped: bool):
    return (lambda: gzip.open(path, "rb")) if gzipped else (lambda: open(path, "rb"))


def _read_path(path: Path, display: str, published: dt.date | None, options: Any = None,
               rows: tuple[int, int, int | None] | None = None) -> list[Article | ReadError]:
    fmt, gzipped = format_of(path.name)
    if fmt == "zip":
        return _read_zip(path, display, published, options, rows)
    from pipeline.io.tables import TABLE_FORMATS

    # tables are streamed; an article file is read whole anyway (and read_bytes keeps the reading in one place)
    opener = _opener(path, gzipped) if gzipped or fmt in TABLE_FORMATS else (lambda: io.BytesIO(path.read_bytes()))
    return _read_source(opener, display, fmt or "text", published, options, rows,
                        "compressed file" if gzipped else "")


def _read_source(opener, display: str, fmt: str, published: dt.date | None, options: Any,
                 rows: tuple[int, int, int | None] | None, packed: str) -> list[Article | ReadError]:
    """One file (or archive member) given as a function that opens its bytes; ``packed`` names the container
    ("compressed file", "archive member") in messages, "" for a plain file."""
    from pipeline.io.tables import TABLE_FORMATS, read_table_rows

    out: list[Article | ReadError] = []
    try:
        if fmt in TABLE_FORMATS:
            for item in read_table_rows(opener, display, fmt, published, options, rows):
                out.append(item)
            return out
        with opener() as fh:
            data = fh.read()
    except _ARCHIVE_ERRORS as exc:
        last = next((x.line for x in reversed(out) if x.line is not None), None)
        where = f" after row {last}" if last is not None else ""
        out.append(_error(display, None, type(exc).__name__,
                          f"the {packed or 'file'} is damaged or truncated{where} ({exc}); "
                          f"{'the rows before it were read; ' if out else ''}download or pack it again"))
        return out
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return out + [_error(display, None, type(exc).__name__, f"cannot read the file ({reason}); check that "
                                                                "it exists and that you may read it")]
    decoded = _decode(data, display)
    if isinstance(decoded, ReadError):
        return [decoded]
    text, encoding = decoded
    if fmt == "json":
        return [_read_json(text, encoding, display, published)]
    if fmt == "jsonl":
        items = _read_jsonl(text, encoding, display, published)
        if rows is None:
            return items
        # a line range: records and line errors of these lines; file-level errors go with the first range
        lo, hi = rows[0], rows[1]
        return [x for x in items if (x.line is None and lo <= 1) or (x.line is not None and lo <= x.line <= hi)]
    if fmt == "html":
        return [_read_html(text, encoding, display, published)]
    return [_read_text(text, encoding, display, published)]


def _zip_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The members krnews reads, sorted by name: supported suffixes, no folders, no hidden or macOS metadata."""
    out = []
    for info in zf.infolist():
        parts = info.filename.split("/")
        if info.is_dir() or any(p.startswith(".") or p == "__MACOSX" for p in parts) or not format_of(parts[-1])[0]:
            continue
        out.append(info)
    return sorted(out, key=lambda i: i.filename)


def _read_zip(path: Path, display: str, published: dt.date | None, options: Any,
              rows: tuple[int, int, int | None] | None) -> list[Article | ReadError]:
    """Every supported member of a zip archive is an input of its own: ``archive.zip!folder/a.txt``."""
    lo, hi = (1, 10 ** 12) if rows is None else rows[:2]
    try:
        zf = zipfile.ZipFile(path)
    except OSError as exc:
        return [_error(display, None, type(exc).__name__, f"cannot read the file ({exc.strerror or exc}); check "
                                                          "that it exists and that you may read it")]
    except (*_ARCHIVE_ERRORS, ValueError) as exc:
        return [_error(display, None, "BadZipFile", f"not a readable zip archive ({exc}); download or pack it "
                                                    "again")]
    out: list[Article | ReadError] = []
    with zf:
        members = _zip_members(zf)
        if not members and lo <= 1:
            out.append(_error(display, None, "EmptyInput", "the archive holds no file krnews reads (.txt .md "
                                                           ".json .jsonl .html .csv .tsv .xlsx .parquet)"))
        for k, info in enumerate(members, start=1):
            if not lo <= k <= hi:
                continue
            member = f"{display}!{info.filename}"
            fmt, gzipped = format_of(info.filename)
            if fmt == "zip":
                out.append(_error(member, None, "NestedArchive", "an archive inside an archive is not read; "
                                                                 "unpack it and give the inner archive"))
                continue
            if info.flag_bits & 0x1:
                out.append(_error(member, None, "EncryptedMember", "the member is encrypted; unpack it with its "
                                                                   "password and give the files"))
                continue

            def opener(info=info, gzipped=gzipped):
                raw = io.BytesIO(zf.read(info))  # checks the CRC: a damaged member raises BadZipFile here
                return gzip.GzipFile(fileobj=raw) if gzipped else raw

            try:
                out += _read_source(opener, member, fmt, published, options, None, "archive member")
            except NotImplementedError as exc:  # a compression method zipfile lacks
                out.append(_error(member, None, "UnsupportedCompression", f"cannot unpack this member ({exc}); "
                                                                          "pack the archive again with deflate"))
    return out


def _decode(data: bytes, display: str) -> tuple[str, str] | ReadError:
    """Decode strictly, in order: BOM, UTF-8, CP949, then charset-normalizer's best guess."""
    if not data.strip():
        return _error(display, None, "EmptyInput", "the file is empty (or only whitespace); add the article text "
                                                   "or remove the file")
    text: str | None = None
    encoding = ""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text, encoding = data.decode(codec), name
            except UnicodeDecodeError as exc:
                return _error(display, None, "UnicodeDecodeError",
                              f"the file starts with a {name} byte order mark but is not valid {name} "
                              f"(byte {exc.start}); re-save it as UTF-8")
            break
    if text is None:
        if b"\x00" in data:
            return _binary(display)
        for codec in ("utf-8", "cp949"):
            try:
                text, encoding = data.decode(codec), codec
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            return _error(display, None, "UnicodeDecodeError",
                          "the text is neither UTF-8, UTF-16 (with BOM) nor CP949/EUC-KR, and no other encoding "
                          "fits; re-save the file as UTF-8")
        text, encoding = str(best), best.encoding.replace("_", "-")  # utf_16_le -> utf-16-le, like the others
    if "\x00" in text:
        return _binary(display)
    text = _normalize(text)
    if not text.strip():
        return _error(display, None, "EmptyInput", "the file has no text (only whitespace); add the article text "
                                                   "or remove the file")
    return text, encoding


def _binary(display: str) -> ReadError:
    return _error(display, None, "BinaryFile", "this is a binary file, not text; convert it to .txt, .md, "
                                               ".json, .jsonl or .html (or move it out of the input folder)")


def _normalize(text: str) -> str:
    # macOS writes Hangul decomposed (NFD: ᄒ+ᅡ+ᆫ); NFC makes one syllable per character so offsets and
    # patterns agree with what a Korean reader sees.
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


# ---------------------------------------------------------------------------------------------------- formats

def _read_text(text: str, encoding: str, display: str, published: dt.date | None) -> Article | ReadError:
    meta: dict[str, Any] = {}
    opened = _FRONT_OPEN.match(text)
    if opened:
        closed = _FRONT_CLOSE.search(text, opened.end())
        if closed:
            block = text[opened.end():closed.start()]
            parsed = _load_yaml(block, display)
            if isinstance(parsed, ReadError):
                return parsed
            if isinstance(parsed, dict):  # a scalar between two --- rules is Markdown, not front matter
                meta = parsed
                end = closed.end()
                text = text[end + 1:] if text.startswith("\n", end) else text[end:]
    if not text.strip():
        return _error(display, None, "EmptyInput", "the front matter is followed by no text; add the article "
                                                   "text below the closing --- line")
    return _article(text, meta, encoding, display, None, published)


@functools.cache
def _front_matter_constructor() -> type:
    """ruamel's safe constructor, except that timestamps stay strings: ``published: 2024-99-99`` must not fail
    the whole file (ruamel raises ValueError building it); ``parse_date`` decides what a date is."""
    from ruamel.yaml.constructor import SafeConstructor

    class FrontMatterConstructor(SafeConstructor):
        pass

    FrontMatterConstructor.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)
    return FrontMatterConstructor


def _load_yaml(block: str, display: str) -> Any:
    from ruamel.yaml import YAML, YAMLError

    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _front_matter_constructor()
    try:
        return yaml.load(block)
    except (YAMLError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""  # +1 for 1-based, +1 for the --- line
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return _error(display, None, type(exc).__name__,
                      f"the front matter is not valid YAML{where} ({problem}); fix it, or quote the value")


def _read_json(text: str, encoding: str, display: str, published: dt.date | None) -> Article | ReadError:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return _error(display, None, "JSONDecodeError",
                      f"invalid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}); the file may be "
                      "truncated — fix it or export it again")
    return _record(obj, encoding, display, None, published)


def _read_jsonl(text: str, encoding: str, display: str, published: dt.date | None) -> list[Article | ReadError]:
    out: list[Article | ReadError] = []
    # split on \n only (not str.splitlines, which also splits on U+2028 inside strings) so numbers match editors'
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            out.append(_error(display, number, "JSONDecodeError",
                              f"invalid JSON at column {exc.colno} ({exc.msg}); each line must hold one complete "
                              "JSON object — fix or remove this line"))
            continue
        out.append(_record(obj, encoding, display, number, published))
    return out


def _record(obj: Any, encoding: str, display: str, line: int | None,
            published: dt.date | None) -> Article | ReadError:
    from pipeline.io.tables import text_values

    if not isinstance(obj, dict):
        kind = type(obj).__name__
        hint = "; for many articles use .jsonl, one object per line" if isinstance(obj, list) else ""
        return _error(display, line, "NotAnObject",
                      f"expected a JSON object with a 'text' field, got a {kind}{hint}")
    for value in text_values(obj):
        if isinstance(value, str) and value.strip():
            return _article(_normalize(value), obj, encoding, display, line, published)
    return _error(display, line, "MissingText",
                  "no article text: add a non-empty string field 'text' (or 'body', 'content', '본문' …: "
                  "rules/inputs/columns.yaml)")


def _read_html(text: str, encoding: str, display: str, published: dt.date | None) -> Article | ReadError:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "lxml")
    meta: dict[str, Any] = {
        "title": _meta_content(soup, "og:title") or _tag_text(soup.title) or _tag_text(soup.find("h1")),
        "url": _meta_content(soup, "og:url") or _link_href(soup, "canonical"),
        "source": _meta_content(soup, "og:site_name"),
        "published": _meta_content(soup, "article:published_time") or _meta_content(soup, "datePublished"),
    }
    if not meta["published"]:  # before the header (where bylines keep <time>) is dropped
        first = soup.find("article") or soup
        time = first.find("time", datetime=True) or soup.find("time", datetime=True)
        meta["published"] = time["datetime"] if time is not None else None
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    body = _visible_text(_main_container(soup))
    if not body.strip():
        return _error(display, None, "EmptyInput", "the page has no visible article text (only scripts, menus "
                                                   "or an empty body); save the article page itself")
    return _article(_normalize(body), meta, encoding, display, None, published)


def _meta_content(soup: Any, name: str) -> str:
    for attr in ("property", "name", "itemprop"):
        tag = soup.find("meta", attrs={attr: name})
        if tag is not None and tag.get("content", "").strip():
            return str(tag["content"]).strip()
    return ""


def _link_href(soup: Any, rel: str) -> str:
    tag = soup.find("link", rel=rel, href=True)
    return str(tag["href"]).strip() if tag is not None else ""


def _tag_text(tag: Any) -> str:
    return _HTML_SPACE.sub(" ", tag.get_text()).strip() if tag is not None else ""


def _main_container(soup: Any) -> Any:
    """The <article> with the most text, else <main> / role=main, else <body>, else the whole document."""
    articles = soup.find_all("article")
    if articles:
        return max(articles, key=lambda tag: len(tag.get_text(strip=True)))
    return soup.find("main") or soup.find(attrs={"role": "main"}) or soup.body or soup


def _visible_text(root: Any) -> str:
    """Text of ``root`` with HTML whitespace collapsed and one line per block element (paragraph, heading, li)."""
    from bs4 import NavigableString, Tag

    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = _HTML_SPACE.sub(" ", "".join(current)).strip()
        if line:
            lines.append(line)
        current.clear()

    def visit(node: Any) -> None:
        for child in node.children:
            if isinstance(child, Tag):
                block = child.name in _HTML_BLOCKS
                if block:
                    flush()
                visit(child)
                if block:
                    flush()
            elif type(child) is NavigableString:  # not Comment, Doctype, CData, …
                current.append(str(child))

    visit(root)
    flush()
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------- article

def _article(text: str, meta: dict[str, Any], encoding: str, display: str, line: int | None,
             published: dt.date | None) -> Article:
    """An article from its text and metadata (front matter, a JSON record, a table row's fields), whose keys are
    found under any of their names in rules/inputs/columns.yaml (``author``, ``byline``, ``기고자`` …)."""
    from pipeline.io.tables import record_value

    doc_id = _meta_str(record_value(meta, "id"))
    if not doc_id:
        doc_id = display if line is None else f"{display}:{line}"
    date = _meta_date(meta) or published or _dateline(text)
    return Article(
        doc_id=doc_id,
        text=text,
        path=display,
        title=_meta_str(record_value(meta, "title")),
        published=date,
        encoding=encoding,
        url=_meta_str(record_value(meta, "url")),
        source=_meta_str(record_value(meta, "source")),
        author=_meta_str(record_value(meta, "author")),
        line=line,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def _meta_str(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return unicodedata.normalize("NFC", str(value)).strip()


def _meta_date(meta: dict[str, Any]) -> dt.date | None:
    """The first metadata date that parses; an unparseable one is skipped, never fatal."""
    from pipeline.io.tables import column_rules, name_key

    keys = {name_key(k): k for k in meta}
    for name in column_rules().fields["published"]:
        key = keys.get(name_key(name))
        value = meta.get(key) if key is not None else None
        if isinstance(value, dt.datetime):  # YAML timestamps; before date, datetime is a subclass of date
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            parsed = parse_date(str(value))
            if parsed:
                return parsed
    return None


def _dateline(text: str) -> dt.date | None:
    """A full date on one of the first non-empty lines (``입력 2024.05.29 14:03``, ``2024년 5월 29일``)."""
    for line in _head_lines(text, DATELINE_LINES):
        for m in _DATE_RE.finditer(line):
            if m.group("m3") is None:  # the compact 20240529 form is too easily another number
                date = _match_to_date(m)
                if date:
                    return date
    return None


def _head_lines(text: str, count: int) -> Iterable[str]:
    """The first ``count`` non-empty lines, without splitting the whole (possibly huge) text."""
    start = 0
    while count > 0 and start <= len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        line = text[start:end]
        if line.strip():
            count -= 1
            yield line
        start = end + 1


def _match_to_date(m: re.Match[str]) -> dt.date | None:
    month = m.group("m") or m.group("m2") or m.group("m3")
    day = m.group("d") or m.group("d2") or m.group("d3")
    try:
        return dt.date(int(m.group("y")), int(month), int(day))
    except (TypeError, ValueError):
        return None


def _error(display: str, line: int | None, error: str, message: str) -> ReadError:
    return ReadError(path=display, line=line, stage=STAGE, error=error, message=message)


def as_date(value: "str | dt.date | None") -> "dt.date | None":
    """A publication date given as a date, a datetime or text (YYYY-MM-DD and the forms ``parse_date`` reads);
    None for nothing; ValueError for text that is no date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    parsed = parse_date(str(value))
    if parsed is None:
        raise ValueError(f"published: cannot read {value!r} as a date (use YYYY-MM-DD)")
    return parsed
