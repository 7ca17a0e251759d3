"""Static HTML review report built from an output folder's tables alone (no re-extraction).

Shape: ``index.html`` (one row per document with counts per label), ``errors.html``, and one page per article under
``docs/`` with the text, every mention highlighted, and that article's rows of every table. Everything is inline (CSS
and a few lines of JS for the index filter), so the folder can be zipped, mailed and opened from ``file://``.

Article text is untrusted: every piece of it goes through ``html.escape`` and nothing of it reaches a ``<script>``.

>>> build_report(Path("outputs"))  # doctest: +SKIP
PosixPath('outputs/report/index.html')
"""
from __future__ import annotations

import hashlib
import html
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from pipeline.io.schema import LABEL_TABLES, TABLES
from pipeline.review.tables import load_tables

CSS = (Path(__file__).with_name("report.css")).read_text(encoding="utf-8")

QUOTE_LABEL = "QUOTE"  # quotes are highlighted like mentions, their tag naming the speaker

# one colour per label; labels of users' rule files get one from the spare palette by a stable hash
LABEL_COLOURS = {"MONEY": "#ffd166", "AREA": "#9ee6c1", "DATE": "#a8d0ff", "PERSON": "#ffb3c7", "ORG": "#d3b8ff",
                 QUOTE_LABEL: "#e6e6e6"}
SPARE_COLOURS = ("#f4a261", "#b5e48c", "#90e0ef", "#e9c46a", "#cdb4db", "#ffafcc", "#bde0fe", "#c7f9cc")

DOC_COLUMNS = ("doc_id", "path", "title", "published", "source", "author", "url", "encoding", "n_chars", "n_sentences",
               "status", "sha256")
VALUE_TABLES = ("mentions", *LABEL_TABLES.values(), "quotes")

_FILTER_JS = """
const box = document.getElementById('filter');
box.addEventListener('input', () => {
  const q = box.value.toLowerCase();
  for (const tr of document.querySelectorAll('#docs tbody tr')) {
    tr.hidden = q !== '' && !tr.textContent.toLowerCase().includes(q);
  }
});
"""


def esc(value) -> str:
    """Any cell or text to HTML-safe text; NA reads as empty."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def label_class(label: str) -> str:
    """A CSS-safe class suffix for a label (labels come from users' rule files)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", label) or "_"


def label_colour(label: str) -> str:
    return LABEL_COLOURS.get(label) or SPARE_COLOURS[zlib.crc32(label.encode("utf-8")) % len(SPARE_COLOURS)]


def page_name(doc_id: str) -> str:
    """File name of a document's page: readable ASCII slug plus a hash, so ``a/b`` and ``a_b`` never collide."""
    slug = re.sub(r"[^0-9A-Za-z._-]+", "_", doc_id).strip("._")[:60] or "doc"
    return f"{slug}-{hashlib.sha1(doc_id.encode('utf-8')).hexdigest()[:8]}.html"


def ordered_labels(labels) -> list[str]:
    """Built-in labels in schema order, then users' labels alphabetically."""
    present = {str(x) for x in labels if isinstance(x, str)}
    known = [lab for lab in LABEL_TABLES if lab in present]
    return known + sorted(present - set(known))


# ---------------------------------------------------------------------------------------------------------------
# highlighting


@dataclass(frozen=True)
class Piece:
    """A mention, or the part of it inside an enclosing mention when two mentions cross."""

    start: int
    end: int
    order: int  # index into the mention list, to keep the original row
    part: bool = False  # a piece of a mention that was cut where an enclosing mention ends
    continues: bool = False  # this piece is cut at its end; the mention goes on after the enclosing one


@dataclass
class Highlighted:
    html: str
    skipped: list[dict] = field(default_factory=list)  # mentions with unusable offsets


def speaker_text(q: dict) -> str:
    """How a quote's tag names its speaker: 오세훈 (시장, 서울시), 금융위원회 관계자 (official), (anonymous)."""
    name = q.get("speaker_name") or q.get("speaker_org")
    extra = [x for x in (q.get("speaker_title"), q.get("speaker_org")) if x and x != name]
    if not name:
        return f"({q.get('speaker_kind') or 'unresolved'})"
    kind = q.get("speaker_kind")
    return name + (f" ({', '.join(extra)})" if extra else "") + (f" [{kind}]" if kind and kind != "person" else "")


def quote_marks(quotes: list[dict]) -> list[dict]:
    """Quote rows as pieces for ``highlight``: label QUOTE, the speaker in the tag and the tooltip."""
    out = []
    for q in quotes:
        out.append({"label": QUOTE_LABEL, "start": q.get("start"), "end": q.get("end"), "mention_id": q.get("quote_id"),
                    "rule_id": q.get("rule_id"), "source": q.get("kind"), "speaker": speaker_text(q),
                    "cue": q.get("cue")})
    return out


def _tooltip(m: dict, text: str) -> str:
    lines = [f"{m.get('label')} {m.get('mention_id') or ''}".strip()]
    if m.get("speaker"):
        lines.append(f"speaker: {m['speaker']}")
        if m.get("cue"):
            lines.append(f"cue: {m['cue']}")
    if m.get("normalized"):
        lines.append(f"value: {m['normalized']}")
    rule = m.get("rule_id") or "-"
    lines.append(f"rule: {rule} ({m.get('source') or '?'})")
    conf = m.get("confidence")
    if conf is not None and conf == conf:  # NaN: a table written before the column existed
        lines.append(f"confidence: {float(conf):.2f}")
    if m.get("text") is not None and m["text"] != text[m["start"]:m["end"]]:
        lines.append(f"table text {m['text']!r} differs from the article at {m['start']}:{m['end']}")
    return "\n".join(lines)


def _open_tag(m: dict, piece: Piece, text: str) -> str:
    label = str(m.get("label") or "")
    classes = ["ent", f"ent-{label_class(label)}"]
    if piece.part:
        classes.append("ent-part")
    if piece.continues:
        classes.append("ent-continues")
    if m.get("text") is not None and m["text"] != text[m["start"]:m["end"]]:
        classes.append("mismatch")
    if m.get("speaker"):
        label = f"“ {m['speaker']}"  # the tag after a quote says who said it
    return (f'<span class="{" ".join(classes)}" data-label="{esc(label)}" data-mention="{esc(m.get("mention_id"))}" '
            f'style="--c:{label_colour(label)}" title="{esc(_tooltip(m, text))}">')


def _render(text: str, lo: int, hi: int, pieces: list[Piece], mentions: list[dict]) -> list[str]:
    """HTML of ``text[lo:hi]`` with ``pieces`` (all inside [lo, hi]) as nested spans.

    The earliest, longest piece encloses the pieces that start inside it; a piece that starts inside but ends after
    it is cut at its end, and the remainder continues as a new piece (both marked ``ent-part``; the label tag shows
    on the last piece only), so the spans stay properly nested whatever the overlaps.
    """
    out: list[str] = []
    pos = lo
    queue = sorted(pieces, key=lambda p: (p.start, -p.end, p.order))
    while queue:
        top, rest = queue[0], queue[1:]
        inner: list[Piece] = []
        after: list[Piece] = []
        for p in rest:
            if p.start >= top.end:
                after.append(p)
            elif p.end <= top.end:
                inner.append(p)
            else:
                inner.append(replace(p, end=top.end, part=True, continues=True))
                after.append(replace(p, start=top.end, part=True, continues=False))
        out.append(esc(text[pos:top.start]))
        out.append(_open_tag(mentions[top.order], top, text))
        out.extend(_render(text, top.start, top.end, inner, mentions))
        out.append("</span>")
        pos = top.end
        queue = sorted(after, key=lambda p: (p.start, -p.end, p.order))
    out.append(esc(text[pos:hi]))
    return out


def highlight(text: str, mentions: list[dict]) -> Highlighted:
    """The article text as HTML with one ``<span class="ent ent-LABEL" data-label=…>`` per mention.

    >>> highlight("삼성전자 3억원", [{"label": "MONEY", "start": 5, "end": 8}]).html.count('class="ent ent-MONEY"')
    1
    """
    usable, skipped, pieces = [], [], []
    for m in mentions:
        s, e = m.get("start"), m.get("end")
        if s is None or e is None or pd.isna(s) or pd.isna(e) or not 0 <= int(s) < int(e) <= len(text):
            skipped.append(m)
            continue
        m = {**m, "start": int(s), "end": int(e)}
        pieces.append(Piece(m["start"], m["end"], len(usable)))
        usable.append(m)
    return Highlighted("".join(_render(text, 0, len(text), pieces, usable)), skipped)


# ---------------------------------------------------------------------------------------------------------------
# pages


def _page(title: str, body: str, script: str = "") -> str:
    js = f"<script>{script}</script>" if script else ""
    return (
        '<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="krnews review">\n'
        f"<title>{esc(title)}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n{body}\n{js}</body>\n</html>\n"
    )


def _cell(value, numeric: bool) -> str:
    if value is None:
        return '<td class="na"></td>'
    if isinstance(value, float) and numeric and value.is_integer():
        value = f"{value:,.0f}"
    return f'<td class="num">{esc(value)}</td>' if numeric else f"<td>{esc(value)}</td>"


def records(df: pd.DataFrame) -> list[dict]:
    """A table as plain dicts, NA as None (pandas stays at this boundary: per-row pandas calls are slow)."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


def html_table(rows: list[dict], name: str, columns: list[str] | None = None, table_id: str = "") -> str:
    """Rows of table ``name`` as an escaped HTML table (numbers right-aligned, NA cells greyed)."""
    if not rows:
        return '<p class="empty">no rows</p>'
    columns = columns or list(TABLES[name])
    numeric = {c: TABLES[name].get(c) in ("Int64", "Float64") for c in columns}
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = ["<tr>" + "".join(_cell(row.get(c), numeric[c]) for c in columns) + "</tr>" for row in rows]
    ident = f' id="{table_id}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table>"


def _legend(labels: list[str]) -> str:
    if not labels:
        return '<div class="legend"><span class="note">no mentions</span></div>'
    items = "".join(
        f'<span class="ent ent-{label_class(lab)}" data-legend="{esc(lab)}" style="--c:{label_colour(lab)}">'
        f"{esc(lab)}</span>" for lab in labels
    )
    return f'<div class="legend"><span class="note">legend:</span>{items}</div>'


def _by_doc(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in rows:
        if row.get("doc_id") is not None:
            out.setdefault(str(row["doc_id"]), []).append(row)
    return out


def _path_owners(docs: list[dict]) -> dict[str, str]:
    """path -> doc_id for paths that belong to exactly one document (a JSONL file holds many: no owner)."""
    seen: dict[str, list[str]] = {}
    for d in docs:
        if d.get("path") is not None:
            seen.setdefault(str(d["path"]), []).append(str(d["doc_id"]))
    return {p: ids[0] for p, ids in seen.items() if len(ids) == 1}


def _doc_errors(docs: list[dict], errors: list[dict]) -> dict[str, list[dict]]:
    """doc_id -> its errors, matched by path; errors of a path shared by several documents stay on the errors page."""
    owner = _path_owners(docs)
    out: dict[str, list[dict]] = {}
    for e in errors:
        if e.get("path") in owner:
            out.setdefault(owner[e["path"]], []).append(e)
    return out


def _doc_page(doc: dict, mentions: list[dict], rows: dict[str, list[dict]], errors: list[dict], nav: str) -> str:
    text = doc.get("text") or ""
    marks = quote_marks(rows.get("quotes") or [])
    hl = highlight(text, mentions + marks)
    labels = ordered_labels(m.get("label") for m in mentions + marks)
    meta = "".join(f"<dt>{esc(c)}</dt><dd>{esc(doc.get(c))}</dd>" for c in DOC_COLUMNS)
    parts = [nav, f"<h1>{esc(doc.get('title') or doc['doc_id'])}</h1>", f'<dl class="meta">{meta}</dl>',
             _legend(labels), f'<article class="doc-text" id="text" lang="ko">{hl.html}</article>']
    if hl.skipped:
        parts.append(f'<p class="note">{len(hl.skipped)} mention(s) with offsets outside the text are not '
                     "highlighted; they are listed in the mentions table below.</p>")
    if errors:
        parts.append(f"<h2>errors ({len(errors)})</h2>" + html_table(errors, "errors"))
    for name in VALUE_TABLES:
        if rows.get(name):
            cols = [c for c in TABLES[name] if c != "doc_id"]
            parts.append(f'<h2 id="t-{name}">{name} ({len(rows[name])})</h2>' + html_table(rows[name], name, cols))
    return _page(f"krnews · {doc.get('title') or doc['doc_id']}", "\n".join(parts))


def _index_page(docs: list[dict], mentions: dict[str, list[dict]], n_errors: int, names: dict[str, str],
                labels: list[str], error_counts: dict[str, int], title: str, index_name: str) -> str:
    head = ["doc_id", "title", "published", "status", *labels, "errors"]
    rows = []
    for doc in docs:
        doc_id = str(doc["doc_id"])
        cls = ' class="bad"' if (doc.get("status") or "ok") != "ok" else ""
        cells = [f'<td><a href="docs/{names[doc_id]}">{esc(doc_id)}</a></td>', f"<td>{esc(doc.get('title'))}</td>",
                 f"<td>{esc(doc.get('published'))}</td>", f"<td>{esc(doc.get('status'))}</td>"]
        counts = Counter(m.get("label") for m in mentions.get(doc_id, []))
        for n in [*(counts[lab] for lab in labels), error_counts.get(doc_id, 0)]:
            cells.append(f'<td class="num{" count0" if n == 0 else ""}">{n}</td>')
        rows.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    n_mentions = sum(len(v) for v in mentions.values())
    body = [
        f'<nav><a href="{esc(index_name)}">documents</a><a href="errors.html">errors ({n_errors})</a></nav>',
        f"<h1>krnews review · {esc(title)}</h1>",
        f'<p class="note">{len(docs)} documents, {n_mentions} mentions, {n_errors} errors. '
        "Each document links to its page with the highlighted text and its rows of every table.</p>",
        _legend(labels),
        '<input id="filter" class="filter" type="search" placeholder="filter rows (id, title, status…)">',
    ]
    if rows:
        thead = "".join(f"<th>{esc(h)}</th>" for h in head)
        body.append(f'<table id="docs"><thead><tr>{thead}</tr></thead><tbody>\n' + "\n".join(rows)
                    + "\n</tbody></table>")
    else:
        body.append('<p class="empty">no documents</p>')
    return _page(f"krnews review · {title}", "\n".join(body), _FILTER_JS)


def _errors_page(docs: list[dict], errors: list[dict], names: dict[str, str], index_name: str) -> str:
    body = [f'<nav><a href="{esc(index_name)}">documents</a><a href="errors.html">errors</a></nav>',
            f"<h1>errors ({len(errors)})</h1>"]
    if not errors:
        body.append('<p class="empty">no errors</p>')
    else:
        body.append(html_table(errors, "errors"))
        owner = _path_owners(docs)
        paths = sorted({e["path"] for e in errors if e.get("path") in owner})
        if paths:
            items = "".join(f'<li><a href="docs/{names[owner[p]]}">{esc(p)}</a></li>' for p in paths)
            body.append(f"<h2>documents with errors</h2><ul>{items}</ul>")
    return _page("krnews review · errors", "\n".join(body))


def report_paths(out_dir: Path, html_path: Path | None) -> tuple[Path, Path, Path]:
    """(index, errors page, docs folder): ``OUT_DIR/report/`` by default, else next to ``html_path``.

    ``html_path`` may name the index file (``review.html``) or a folder (no suffix, or an existing folder).
    """
    if html_path is None:
        root, index = Path(out_dir) / "report", "index.html"
    elif html_path.is_dir() or not html_path.suffix:
        root, index = html_path, "index.html"
    else:
        root, index = html_path.parent, html_path.name
    return root / index, root / "errors.html", root / "docs"


def build_report(out_dir: Path, html: Path | None = None) -> Path:
    """Write the report for ``out_dir`` and return the path of its index page."""
    out_dir = Path(out_dir)
    tables = load_tables(out_dir)
    index_path, errors_path, docs_dir = report_paths(out_dir, Path(html) if html is not None else None)
    docs_dir.mkdir(parents=True, exist_ok=True)
    index_name = index_path.name

    docs = [d for d in records(tables["documents"]) if d["doc_id"] is not None]
    errors = records(tables["errors"])
    rows = {name: _by_doc(records(tables[name])) for name in VALUE_TABLES}
    names = {str(d["doc_id"]): page_name(str(d["doc_id"])) for d in docs}
    labels = ordered_labels(tables["mentions"]["label"].dropna().unique())
    errors_by_doc = _doc_errors(docs, errors)

    for i, doc in enumerate(docs):
        doc_id = str(doc["doc_id"])
        links = [f'<a href="../{esc(index_name)}">← documents</a>']
        if i > 0:
            links.append(f'<a href="{names[str(docs[i - 1]["doc_id"])]}" rel="prev">‹ previous</a>')
        if i + 1 < len(docs):
            links.append(f'<a href="{names[str(docs[i + 1]["doc_id"])]}" rel="next">next ›</a>')
        links.append('<a href="../errors.html">errors</a>')
        page = _doc_page(doc, rows["mentions"].get(doc_id, []), {name: rows[name].get(doc_id, []) for name in rows},
                         errors_by_doc.get(doc_id, []), "<nav>" + "".join(links) + "</nav>")
        (docs_dir / names[doc_id]).write_text(page, encoding="utf-8")

    error_counts = {d: len(e) for d, e in errors_by_doc.items()}
    index_path.write_text(_index_page(docs, rows["mentions"], len(errors), names, labels, error_counts,
                                      out_dir.name or str(out_dir), index_name), encoding="utf-8")
    errors_path.write_text(_errors_page(docs, errors, names, index_name), encoding="utf-8")
    return index_path
