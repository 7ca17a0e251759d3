"""Who appears with whom, and who talks about whom: a graph of the entities of an output folder, for Gephi.

Nodes are the rows of ``entities``. Two kinds of edges:

- ``cooccurrence`` (undirected): two entities mentioned in the same article (``window="article"``) or sentence
  (``window="sentence"``); ``weight`` is the number of articles (sentences) they share, ``first``/``last`` the
  earliest and latest publication date among them.
- ``quote`` (directed): the speaker of a quotation (``quotes.speaker_mention_id`` → its mention's entity) to each
  entity mentioned inside the quoted words; ``weight`` is the number of such quotations.

Edges lighter than ``min_weight`` are left out, and so are the nodes they leave without an edge when
``min_weight`` is above 1. GEXF and GraphML are written by NetworkX; ``csv`` writes ``nodes.csv`` (Id, Label, …)
and ``edges.csv`` (Source, Target, Weight, Type, …) as Gephi's spreadsheet import reads them, Type being
Undirected or Directed and Kind the edge's kind.

>>> graph = build_graph(load_tables(Path("outputs")), window="article")  # doctest: +SKIP
>>> write_network(graph, "gexf", Path("net.gexf"))  # doctest: +SKIP
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path

import pandas as pd

from pipeline.review.tables import ReviewError, load_tables

FORMATS = ("gexf", "graphml", "csv")
WINDOWS = ("article", "sentence")


def _dates(pub: dict[str, str], docs) -> tuple[str, str]:
    found = sorted(pub[d] for d in docs if d in pub)
    return (found[0], found[-1]) if found else ("", "")


def build_graph(tables: dict[str, pd.DataFrame], window: str = "article", min_weight: int = 1):
    """A NetworkX ``MultiDiGraph``: entity nodes, ``cooccurrence`` edges (attribute ``type="undirected"``, one per
    pair, the smaller id first) and ``quote`` edges (``type="directed"``, speaker to entity)."""
    import networkx as nx

    if window not in WINDOWS:
        raise ReviewError(f"--window: unknown {window!r}; choose {' or '.join(WINDOWS)}")
    entities = tables["entities"]
    mentions = tables["mentions"]
    if "entity_id" not in mentions.columns:
        raise ReviewError("this output folder has no entity ids; run `krnews run` again with this version")
    docs = tables["documents"]
    pub = {str(d): str(p) for d, p in zip(docs["doc_id"], docs["published"]) if pd.notna(p) and str(p)}
    m = mentions[mentions["entity_id"].notna()]
    graph = nx.MultiDiGraph()
    for row in entities.itertuples(index=False):
        graph.add_node(str(row.entity_id), label=str(row.name), entity_label=str(row.label),
                       n_docs=int(row.n_docs), n_mentions=int(row.n_mentions),
                       first_published=str(row.first_published) if pd.notna(row.first_published) else "",
                       last_published=str(row.last_published) if pd.notna(row.last_published) else "")
    # co-occurrence: the set of entities of each window
    windows: dict[tuple, set[str]] = defaultdict(set)
    for doc, sent, eid in zip(m["doc_id"].astype(str), m["sentence_idx"], m["entity_id"].astype(str)):
        windows[(doc,) if window == "article" else (doc, int(sent) if pd.notna(sent) else -1)].add(eid)
    pairs: dict[tuple[str, str], list] = defaultdict(list)
    for key, ids in windows.items():
        for a, b in itertools.combinations(sorted(ids), 2):
            pairs[(a, b)].append(key[0])
    for (a, b), in_docs in sorted(pairs.items()):
        if len(in_docs) >= min_weight:
            first, last = _dates(pub, in_docs)
            graph.add_edge(a, b, key=f"co:{a}:{b}", kind="cooccurrence", type="undirected", weight=len(in_docs),
                           first=first, last=last)
    # quotes: speaker entity -> the entities mentioned inside the quotation
    quotes = tables.get("quotes")
    if quotes is not None and len(quotes):
        eid_of = dict(zip(zip(m["doc_id"].astype(str), m["mention_id"].astype(str)), m["entity_id"].astype(str)))
        by_doc: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for doc, s, e, eid in zip(m["doc_id"].astype(str), m["start"], m["end"], m["entity_id"].astype(str)):
            by_doc[doc].append((int(s), int(e), eid))
        said: dict[tuple[str, str], list[str]] = defaultdict(list)
        for q in quotes.itertuples(index=False):
            if pd.isna(q.speaker_mention_id):
                continue
            speaker = eid_of.get((str(q.doc_id), str(q.speaker_mention_id)))
            if speaker is None:
                continue
            about = {eid for s, e, eid in by_doc.get(str(q.doc_id), []) if q.start <= s and e <= q.end}
            for target in sorted(about - {speaker}):
                said[(speaker, target)].append(str(q.doc_id))
        for (a, b), in_docs in sorted(said.items()):
            if len(in_docs) >= min_weight:
                first, last = _dates(pub, in_docs)
                graph.add_edge(a, b, key=f"q:{a}:{b}", kind="quote", type="directed", weight=len(in_docs),
                               first=first, last=last)
    if min_weight > 1:
        graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    return graph


def write_network(graph, fmt: str, out: Path) -> list[Path]:
    """Write ``graph`` as GEXF or GraphML to the file ``out``, or as Gephi CSV into the folder ``out``."""
    import networkx as nx

    out = Path(out)
    if fmt not in FORMATS:
        raise ReviewError(f"--format: unknown {fmt!r}; choose from {', '.join(FORMATS)}")
    if fmt == "csv":
        out.mkdir(parents=True, exist_ok=True)
        nodes = pd.DataFrame(
            [{"Id": n, "Label": d["label"], "Type": d["entity_label"], "n_docs": d["n_docs"],
              "n_mentions": d["n_mentions"], "first_published": d["first_published"],
              "last_published": d["last_published"]} for n, d in graph.nodes(data=True)],
            columns=["Id", "Label", "Type", "n_docs", "n_mentions", "first_published", "last_published"])
        edges = pd.DataFrame(
            [{"Source": a, "Target": b, "Weight": d["weight"], "Type": d["type"].capitalize(), "Kind": d["kind"],
              "first": d["first"], "last": d["last"]} for a, b, d in graph.edges(data=True)],
            columns=["Source", "Target", "Weight", "Type", "Kind", "first", "last"])
        paths = [out / "nodes.csv", out / "edges.csv"]
        nodes.to_csv(paths[0], index=False, encoding="utf-8-sig")
        edges.to_csv(paths[1], index=False, encoding="utf-8-sig")
        return paths
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "gexf":
        nx.write_gexf(graph, out)
    else:
        plain = nx.MultiDiGraph()  # GraphML: "type" is an ordinary attribute there; keep it as edge_type
        plain.add_nodes_from(graph.nodes(data=True))
        for a, b, k, d in graph.edges(keys=True, data=True):
            plain.add_edge(a, b, key=k, **{("edge_type" if x == "type" else x): y for x, y in d.items()})
        nx.write_graphml(plain, out)
    return [out]


def network(out_dir: Path, fmt: str, out: Path, window: str = "article", min_weight: int = 1) -> tuple[list[Path], int, int]:
    """``krnews network``: (files written, nodes, edges)."""
    if min_weight < 1:
        raise ReviewError(f"--min-weight must be at least 1, got {min_weight}")
    if fmt not in FORMATS:
        raise ReviewError(f"--format: unknown {fmt!r}; choose from {', '.join(FORMATS)}")
    tables = load_tables(Path(out_dir))
    graph = build_graph(tables, window, min_weight)
    return write_network(graph, fmt, out), graph.number_of_nodes(), graph.number_of_edges()
