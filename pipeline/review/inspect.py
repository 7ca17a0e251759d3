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


def inspect(out_dir: Path, label: str | None = None, top: int = 20, width: int = 120) -> str:
    """The tables of ``inspect_tables`` rendered as plain text."""
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=False, color_system=None)
    for table in inspect_tables(out_dir, label, top):
        console.print(table)
        console.print()
    return buf.getvalue()
