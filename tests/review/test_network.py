"""krnews network: co-occurrence and quote edges from tables, written as GEXF, GraphML and Gephi CSV."""
from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from pipeline.io.schema import TABLE_NAMES, to_frame
from pipeline.io.writers import write_tables
from pipeline.review.network import build_graph, network
from pipeline.review.tables import ReviewError

# three articles: A and B together twice (once in one sentence), A quoted about C
MENTIONS = [
    ("d1", "m0001", "PERSON", 0, 3, 0, "per-a"), ("d1", "m0002", "ORG", 10, 14, 0, "org-b"),
    ("d2", "m0001", "PERSON", 0, 3, 0, "per-a"), ("d2", "m0002", "ORG", 40, 44, 2, "org-b"),
    ("d2", "m0003", "LOCATION", 20, 22, 1, "loc-c"), ("d2", "m0004", "DATE", 30, 33, 1, None),
    ("d3", "m0001", "ORG", 0, 4, 0, "org-b"),
]
ENTITIES = [("per-a", "PERSON", "김민수", 2, 2), ("org-b", "ORG", "한빛전자", 3, 3), ("loc-c", "LOCATION", "인천", 1, 1)]
DOCS = [("d1", "2024-01-02"), ("d2", "2024-03-04"), ("d3", "2024-05-06")]
QUOTES = [("d2", "q0001", 15, 25, "per-a-speaks", "m0001")]


def _tables():
    rows = {
        "documents": [{"doc_id": d, "published": p, "text": "x" * 50, "status": "ok"} for d, p in DOCS],
        "mentions": [{"doc_id": d, "mention_id": i, "label": lab, "start": s, "end": e, "sentence_idx": k,
                      "text": "x" * (e - s), "entity_id": eid} for d, i, lab, s, e, k, eid in MENTIONS],
        "entities": [{"entity_id": i, "label": lab, "name": n, "n_docs": nd, "n_mentions": nm}
                     for i, lab, n, nd, nm in ENTITIES],
        "quotes": [{"doc_id": d, "quote_id": q, "start": s, "end": e, "quote": "x" * (e - s), "kind": "direct",
                    "speaker_mention_id": sm, "speaker_kind": "person"} for d, q, s, e, _, sm in QUOTES],
    }
    return {name: to_frame(name, rows.get(name, [])) for name in TABLE_NAMES}


def _edges(graph):
    return sorted((a, b, d["kind"], d["weight"], d["first"], d["last"]) for a, b, d in graph.edges(data=True))


@pytest.mark.parametrize("window,min_weight,want", [
    ("article", 1, [("loc-c", "org-b", "cooccurrence", 1, "2024-03-04", "2024-03-04"),
                    ("loc-c", "per-a", "cooccurrence", 1, "2024-03-04", "2024-03-04"),
                    ("org-b", "per-a", "cooccurrence", 2, "2024-01-02", "2024-03-04"),
                    ("per-a", "loc-c", "quote", 1, "2024-03-04", "2024-03-04")]),
    ("sentence", 1, [("org-b", "per-a", "cooccurrence", 1, "2024-01-02", "2024-01-02"),
                     ("per-a", "loc-c", "quote", 1, "2024-03-04", "2024-03-04")]),
    ("article", 2, [("org-b", "per-a", "cooccurrence", 2, "2024-01-02", "2024-03-04")]),
])
def test_edges(window, min_weight, want):
    graph = build_graph(_tables(), window, min_weight)
    assert _edges(graph) == want
    if min_weight > 1:
        assert sorted(graph.nodes) == ["org-b", "per-a"]  # nodes left without an edge are dropped


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "csv"])
def test_formats_read_back(tmp_path, fmt):
    out_dir = tmp_path / "out"
    write_tables(_tables(), out_dir, ["parquet"])
    dest = tmp_path / ("net" if fmt == "csv" else f"net.{fmt}")
    paths, n_nodes, n_edges = network(out_dir, fmt, dest)
    assert (n_nodes, n_edges) == (3, 4)
    if fmt == "csv":
        nodes = pd.read_csv(dest / "nodes.csv", encoding="utf-8-sig")
        edges = pd.read_csv(dest / "edges.csv", encoding="utf-8-sig")
        assert list(nodes.columns[:2]) == ["Id", "Label"] and list(edges.columns[:4]) == ["Source", "Target",
                                                                                         "Weight", "Type"]
        assert sorted(edges["Type"]) == ["Directed", "Undirected", "Undirected", "Undirected"]
        assert dict(zip(nodes["Id"], nodes["Label"]))["per-a"] == "김민수"
    elif fmt == "graphml":
        back = nx.read_graphml(paths[0])
        assert back.number_of_edges() == 4 and back.nodes["per-a"]["label"] == "김민수"
    else:  # a mixed graph (Gephi reads it; NetworkX's reader refuses mixed edge types): read the XML
        import xml.etree.ElementTree as ET

        root = ET.parse(paths[0]).getroot()
        edges = [e for e in root.iter() if e.tag.endswith("}edge")]
        labels = {n.get("id"): n.get("label") for n in root.iter() if n.tag.endswith("}node")}
        assert sorted(e.get("type") for e in edges) == ["directed", "undirected", "undirected", "undirected"]
        assert labels["per-a"] == "김민수"


@pytest.mark.parametrize("kwargs,message", [
    ({"fmt": "dot"}, "unknown 'dot'"),
    ({"fmt": "gexf", "window": "page"}, "unknown 'page'"),
    ({"fmt": "gexf", "min_weight": 0}, "at least 1"),
])
def test_errors(tmp_path, kwargs, message):
    out_dir = tmp_path / "out"
    write_tables(_tables(), out_dir, ["parquet"])
    with pytest.raises(ReviewError, match=message):
        network(out_dir, out=tmp_path / "n.gexf", **kwargs)
