"""Quick looks at an output folder with DuckDB: frequent values per label, people by organization, the most quoted
speakers, the strongest co-occurrence edges, largest amounts.

DuckDB reads the Parquet files in place (a CSV-only output is loaded through pandas instead), so this stays fast on
large outputs. Amounts of different currencies are listed side by side, not converted.

>>> print(inspect(Path("outputs"), label="MONEY", top=5))  # doctest: +SKIP
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from pipeline.io.schema import TABLE_NAMES
from pipeline.io.writers import read_table, table_path
from pipeline.review.tables import ReviewError

_FREQUENT = """
SELECT label, normalized, count(*) AS n, count(DISTINCT doc_id) AS docs, min(text) AS example
FROM (SELECT label, coalesce(nullif(normalized, ''), text) AS normalized, doc_id, text FROM mentions)
WHERE $label IS NULL OR label = $label
GROUP BY label, normalized
QUALIFY row_number() OVER (PARTITION BY label ORDER BY count(*) DESC, normalized) <= $top
ORDER BY label, n DESC, normalized
"""

_PEOPLE = """
WITH p AS (
  SELECT coalesce(nullif(organization, ''), '(none)') AS org, coalesce(nullif(name, ''), text) AS name,
         coalesce(title, '') AS title, doc_id
  FROM people
), per_org AS (SELECT org, count(*) AS org_n FROM p GROUP BY org)
SELECT org, name, title, count(*) AS n, count(DISTINCT doc_id) AS docs
FROM p JOIN per_org USING (org)
GROUP BY org, org_n, name, title
ORDER BY org_n DESC, org, n DESC, name, title
LIMIT $top
"""

_QUOTED = """
WITH q AS (
  SELECT q.doc_id, q.speaker_kind AS kind,
         coalesce(e.name, nullif(q.speaker_name, ''), nullif(q.speaker_org, ''), '(' || q.speaker_kind || ')') AS who,
         coalesce(nullif(q.speaker_org, ''), '') AS org
  FROM quotes q
  LEFT JOIN mentions m ON m.doc_id = q.doc_id AND m.mention_id = q.speaker_mention_id
  LEFT JOIN entities e ON e.entity_id = m.entity_id
  -- a person counts once resolved to an entity (a bare surname or an initial says nothing), an official or an
  -- organization once its organization is known
  WHERE (q.speaker_kind = 'person' AND e.name IS NOT NULL)
     OR (q.speaker_kind IN ('official', 'organization') AND coalesce(q.speaker_org, '') <> '')
)
SELECT who, kind, org, count(*) AS quotes, count(DISTINCT doc_id) AS docs
FROM q GROUP BY who, kind, org
ORDER BY quotes DESC, docs DESC, who, kind, org
LIMIT $top
"""

_EDGES = """
WITH d AS (SELECT DISTINCT doc_id, entity_id FROM mentions WHERE entity_id IS NOT NULL AND entity_id <> '')
SELECT ea.name AS a, ea.label AS a_label, eb.name AS b, eb.label AS b_label, count(*) AS docs
FROM d x JOIN d y ON x.doc_id = y.doc_id AND x.entity_id < y.entity_id
JOIN entities ea ON ea.entity_id = x.entity_id
JOIN entities eb ON eb.entity_id = y.entity_id
GROUP BY ea.name, ea.label, eb.name, eb.label, x.entity_id, y.entity_id
ORDER BY docs DESC, a, b
LIMIT $top
"""

_MONEY = """
SELECT m.amount, m.currency, m.text, m.doc_id, d.title
FROM money m LEFT JOIN documents d USING (doc_id)
WHERE m.amount IS NOT NULL
ORDER BY m.amount DESC, m.doc_id, m.start
LIMIT $top
"""


def connect(out_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per table (Parquet read in place; CSV or absent tables via pandas)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir() or table_path(out_dir, "documents") is None:
        raise ReviewError(f"{out_dir}: not a krnews output folder (no documents.parquet or documents.csv); "
                          f"run `krnews run INPUT --out {out_dir}` first")
    con = duckdb.connect()
    for name in TABLE_NAMES:
        path = table_path(out_dir, name)
        if path is not None and path.suffix == ".parquet":
            literal = str(path).replace("'", "''")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{literal}')")
        else:
            con.register(name, read_table(out_dir, name))
    return con


def _short_value(normalized: str) -> str:
    """``{"amount": 3.5e12, "approx": false, "currency": "KRW"}`` → ``amount=3500000000000 currency=KRW``.

    False flags are left out (they are the usual case); text that is not a JSON object is shown as it is.
    """
    try:
        value = json.loads(normalized)
    except (TypeError, ValueError):
        return normalized
    if not isinstance(value, dict):
        return normalized
    parts = []
    for k, v in value.items():
        if v is False:
            continue
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        parts.append(f"{k}={v}")
    return " ".join(parts)


def _amount(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _table(title: str, columns: list[tuple[str, bool]], rows: list[tuple]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    for name, numeric in columns:
        table.add_column(name, justify="right" if numeric else "left", overflow="fold", no_wrap=numeric)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    if not rows:
        table.caption = "no rows"
    return table


def inspect_tables(out_dir: Path, label: str | None = None, top: int = 20) -> list[Table]:
    """The rich tables of ``inspect``; the people and money tables only when ``label`` is unset or theirs."""
    if top < 1:
        raise ReviewError(f"--top must be at least 1, got {top}")
    con = connect(out_dir)
    try:
        params = {"label": label, "top": top}
        frequent = con.execute(_FREQUENT, params).fetchall()
        tables = [_table(
            f"Most frequent values per label (top {top}{f', {label}' if label else ''})",
            [("label", False), ("value", False), ("n", True), ("docs", True), ("example", False)],
            [(lab, _short_value(v), n, d, ex) for lab, v, n, d, ex in frequent],
        )]
        if label in (None, "PERSON", "ORG"):
            people = con.execute(_PEOPLE, {"top": top}).fetchall()
            tables.append(_table(f"People by organization (top {top})",
                                 [("organization", False), ("name", False), ("title", False), ("n", True),
                                  ("docs", True)], people))
        if label in (None, "PERSON", "ORG"):
            quoted = con.execute(_QUOTED, {"top": top}).fetchall()
            tables.append(_table(f"Most quoted people and organizations (top {top})",
                                 [("speaker", False), ("kind", False), ("organization", False), ("quotes", True),
                                  ("docs", True)], quoted))
            edges = con.execute(_EDGES, {"top": top}).fetchall()
            tables.append(_table(f"Strongest edges: entities sharing the most articles (top {top})",
                                 [("entity", False), ("label", False), ("entity", False), ("label", False),
                                  ("articles", True)], edges))
        if label in (None, "MONEY"):
            money = con.execute(_MONEY, {"top": top}).fetchall()
            tables.append(_table(f"Largest amounts (top {top})",
                                 [("amount", True), ("currency", False), ("text", False), ("doc_id", False),
                                  ("title", False)],
                                 [(_amount(a), c, t, d, ti) for a, c, t, d, ti in money]))
    finally:
        con.close()
    return tables


# --- the side-by-side with the entity lists of the input table (BigKinds 인물, 위치, 기관) -----------------------

# Our names per document and label: every mention's text, and for people and organizations the linked name (and an
# organization's alias), so 김도현 (from 김도현 세종시장) and LH (from 한국토지주택공사(LH)) both count.
_OURS = """
SELECT doc_id, label, text AS name FROM mentions
UNION SELECT doc_id, 'PERSON', name FROM people WHERE name IS NOT NULL AND name <> ''
UNION SELECT doc_id, 'ORG', name FROM organizations WHERE name IS NOT NULL AND name <> ''
UNION SELECT doc_id, 'ORG', alias FROM organizations WHERE alias IS NOT NULL AND alias <> ''
"""


def _name_key(name: str) -> str:
    return "".join(str(name).split())  # BigKinds writes 한국 토지주택공사 and 한국토지주택공사 alike


def compare_listed(out_dir: Path) -> dict[str, dict]:
    """Per label of the input table's own entity lists: how many (document, name) pairs it lists, how many of them
    we also found (names compared without spaces), and the names only one side has, most frequent first.

    Only documents that were extracted (status ok) and carry lists count; excluded and failed rows do not.

    >>> compare_listed(Path("out"))["PERSON"]["found"]  # doctest: +SKIP
    412
    """
    from collections import Counter

    con = connect(out_dir)
    try:
        docs = con.execute("SELECT doc_id, listed_entities FROM documents WHERE status = 'ok' "
                           "AND listed_entities IS NOT NULL AND listed_entities <> ''").fetchall()
        listed: dict[str, dict[str, dict[str, str]]] = {}  # doc -> label -> key -> name as listed
        for doc_id, raw in docs:
            try:
                value = json.loads(raw)
            except ValueError:
                continue
            if isinstance(value, dict):
                listed[doc_id] = {str(lab): {_name_key(n): str(n) for n in names if str(n).strip()}
                                  for lab, names in value.items() if isinstance(names, list)}
        ours: dict[tuple[str, str], dict[str, str]] = {}
        if listed:
            for doc_id, lab, name in con.execute(_OURS).fetchall():
                if doc_id in listed and name:
                    ours.setdefault((doc_id, lab), {}).setdefault(_name_key(name), name)
    finally:
        con.close()
    out: dict[str, dict] = {}
    for doc_id, labels in sorted(listed.items()):
        for lab, theirs in labels.items():
            st = out.setdefault(lab, {"documents": 0, "listed": 0, "found": 0, "ours": 0, "only_ours": Counter(),
                                      "only_theirs": Counter()})
            mine = ours.get((doc_id, lab), {})
            st["documents"] += 1
            st["listed"] += len(theirs)
            st["ours"] += len(mine)
            st["found"] += len(theirs.keys() & mine.keys())
            st["only_theirs"].update(theirs[k] for k in theirs.keys() - mine.keys())
            st["only_ours"].update(mine[k] for k in mine.keys() - theirs.keys())
    return dict(sorted(out.items()))


def compare_tables(out_dir: Path, top: int = 10) -> list[Table]:
    """``krnews inspect OUT --compare-bigkinds``: the counts of ``compare_listed`` and the top names on each side."""
    if top < 1:
        raise ReviewError(f"--top must be at least 1, got {top}")
    stats = compare_listed(out_dir)
    if not stats:
        raise ReviewError(f"{out_dir}: no document carries entity lists of its own (BigKinds 인물, 위치, 기관 "
                          "columns, see rules/inputs/columns.yaml); --compare-bigkinds needs such a table as input")

    def names(c) -> str:
        return ", ".join(f"{n} ({k})" if k > 1 else n for n, k in sorted(c.items(), key=lambda x: (-x[1], x[0]))[:top])

    rows = []
    for lab, st in stats.items():
        share = f"{100 * st['found'] / st['listed']:.1f} %" if st["listed"] else "–"
        rows.append((lab, st["documents"], st["listed"], st["found"], share, st["ours"] - st["found"],
                     st["listed"] - st["found"]))
    summary = _table("Our entities against the table's own lists (per document; names compared without spaces)",
                     [("label", False), ("docs", True), ("listed", True), ("also found", True), ("share", True),
                      ("ours only", True), ("theirs only", True)], rows)
    detail = _table(f"Names only one side has (top {top}; (n) = documents)",
                    [("label", False), ("we found, they lack", False), ("they list, we lack", False)],
                    [(lab, names(st["only_ours"]), names(st["only_theirs"])) for lab, st in stats.items()])
    return [summary, detail]


def inspect(out_dir: Path, label: str | None = None, top: int = 20, width: int = 120,
            compare: bool = False) -> str:
    """The tables of ``inspect_tables`` (or, with ``compare``, of ``compare_tables``) rendered as plain text."""
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=False, color_system=None)
    for table in (compare_tables(out_dir, top) if compare else inspect_tables(out_dir, label, top)):
        console.print(table)
        console.print()
    return buf.getvalue()
