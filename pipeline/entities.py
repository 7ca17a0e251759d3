"""The corpus-wide entity registry: PERSON, ORG and LOCATION mentions of a whole output folder grouped into entities.

Built where the output folder is assembled (``pipeline.engines.assemble``), since one entity spans many articles;
``Result.tables()`` builds it for one article the same way.

- A person is a name (the link stage gives second mentions, 오 시장 and a model 오세훈은, their full name). Within
  one article a name is one person. Across articles, the articles that give the name an organization are split by
  organization (동명이인: 김민수 of 한빛전자 and 김민수 of 서울시 are two people) and merged when it agrees; an article
  giving no organization joins the one person of that name with its title, else the one person of that name, else a
  person of that name without an organization. Organizations that contain one another (국방 and 국방부, 삼성 and
  삼성전자) agree: they are one person's, keyed by the shortest. A surname alone or a name with a space in it (a model's 김 지사)
  belongs to the one full name of that surname in its article, and is never an entity of its own: with no such
  name, or two, its ``entity_id`` stays empty. A withheld name (김모, person_placeholders.tsv) is a person per
  article (its organization key is the document's id).
- An organization is its canonical name (the rules and organizations.tsv resolve 한은 to 한국은행); a name that is
  the alias of exactly one other name (MS, written next to 마이크로소프트(MS)) is that organization.
- A location is its text.

``entity_id`` is derived from content, never from run order: ``per-``/``org-``/``loc-`` and the first 12 hex
digits of the SHA-1 of ``label, name, organization key`` (the organization key is empty for organizations and
locations, and for people without one). Incremental and resumed runs, which assemble every part again, give an
unchanged entity the same id; a person whose organization key changes (a first article naming it) gets a new one.

>>> import pandas as pd
>>> m = pd.DataFrame({"doc_id": ["a", "b"], "mention_id": ["m0001", "m0001"], "label": ["PERSON", "PERSON"],
...                   "text": ["김민수", "김민수"], "normalized": ['{"name": "김민수", "organization": "한빛전자"}',
...                   '{"name": "김민수", "organization": "서울시"}']})
>>> ents, ids = build_entities(m, pd.DataFrame({"doc_id": ["a", "b"], "published": [None, None]}))
>>> sorted(ents["organizations"])
['서울시', '한빛전자']
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

ENTITY_LABELS = ("PERSON", "ORG", "LOCATION")
LIST_SEPARATOR = " | "  # aliases, titles, organizations: sorted, unique, joined


def entity_id(label: str, name: str, org_key: str = "") -> str:
    """``per-1a2b…``: the id of an entity from its label, name and organization key (see the module docstring).

    >>> entity_id("ORG", "한국은행")
    'org-e6f434bc1b2c'
    """
    digest = hashlib.sha1(f"{label}\x1f{name}\x1f{org_key}".encode("utf-8")).hexdigest()[:12]
    return f"{label[:3].lower()}-{digest}"


def _value(normalized: Any) -> dict:
    if not isinstance(normalized, str) or not normalized:
        return {}
    try:
        v = json.loads(normalized)
    except ValueError:
        return {}
    return v if isinstance(v, dict) else {}


@dataclass
class _Group:
    label: str
    name: str
    org_key: str = ""
    rows: list[int] = field(default_factory=list)  # indices into the mention frame

    @property
    def id(self) -> str:
        return entity_id(self.label, self.name, self.org_key)


def _is_full_name(name: str) -> bool:
    return len(name) >= 2 and " " not in name


def build_entities(mentions: pd.DataFrame, documents: pd.DataFrame,
                   surnames: frozenset[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the ``entities`` table, a frame ``doc_id, mention_id, entity_id`` for the mentions that have one).

    ``mentions`` needs doc_id, mention_id, label, text, normalized; ``documents`` doc_id and published."""
    from pipeline.io.schema import to_frame

    if surnames is None:
        surnames = _surnames()
    placeholders = _placeholders(surnames)
    m = mentions[mentions["label"].isin(ENTITY_LABELS)].reset_index(drop=True)
    docs = m["doc_id"].astype(str).tolist()
    labels = m["label"].astype(str).tolist()
    texts = ["" if pd.isna(t) else str(t) for t in m["text"]]
    values = [_value(v) for v in m["normalized"]]
    groups: dict[tuple[str, str, str], _Group] = {}

    def group(label: str, name: str, org_key: str = "") -> _Group:
        key = (label, name, org_key)
        if key not in groups:
            groups[key] = _Group(label, name, org_key)
        return groups[key]

    # organizations: canonical name, or the one name an alias stands for
    alias_of: dict[str, set[str]] = defaultdict(set)
    for i, lab in enumerate(labels):
        if lab == "ORG":
            v = values[i]
            if v.get("alias") and v.get("name") and v["alias"] != v["name"]:
                alias_of[v["alias"]].add(v["name"])
    # people: per (name, document) the organizations and titles written there
    per_doc: dict[tuple[str, str], dict[str, Counter]] = defaultdict(lambda: {"org": Counter(), "title": Counter()})
    for i, lab in enumerate(labels):
        if lab == "PERSON":
            v = values[i]
            name = v.get("name") or texts[i]
            if _is_full_name(name) and name not in surnames:
                per_doc[(name, docs[i])]  # noqa: B018 — the name is a person of this article, even bare
                if v.get("organization"):
                    per_doc[(name, docs[i])]["org"][v["organization"]] += 1
                if v.get("title"):
                    per_doc[(name, docs[i])]["title"][v["title"]] += 1
    written: dict[str, set[str]] = defaultdict(set)  # name -> the organizations its articles give it
    for (name, _), seen in per_doc.items():
        if seen["org"]:
            written[name].add(_main(seen["org"]))
    org_key = {(name, o): k for name, orgs in written.items() for o, k in _org_groups(orgs).items()}
    orgs_of_name: dict[str, set[str]] = {name: {org_key[(name, o)] for o in orgs} for name, orgs in written.items()}
    titles_of: dict[tuple[str, str], set[str]] = defaultdict(set)  # (name, org key) -> titles
    for (name, _), seen in per_doc.items():
        if seen["org"]:
            titles_of[(name, org_key[(name, _main(seen["org"]))])].update(seen["title"])
    person_key: dict[tuple[str, str], str] = {}
    for (name, doc), seen in per_doc.items():
        if name in placeholders:  # 김모: a withheld name, one person per article
            person_key[(name, doc)] = f"doc:{doc}"
            continue
        if seen["org"]:
            person_key[(name, doc)] = org_key[(name, _main(seen["org"]))]
            continue
        orgs = sorted(orgs_of_name.get(name, ()))
        with_title = [o for o in orgs if seen["title"] and set(seen["title"]) & titles_of[(name, o)]]
        if len(with_title) == 1:
            person_key[(name, doc)] = with_title[0]
        elif len(orgs) == 1:
            person_key[(name, doc)] = orgs[0]
        else:
            person_key[(name, doc)] = ""

    full_names: dict[str, set[str]] = defaultdict(set)  # doc -> its full names
    for name, doc in person_key:
        full_names[doc].add(name)
    for i, lab in enumerate(labels):
        v = values[i]
        if lab == "ORG":
            name = v.get("name") or texts[i]
            if not name:
                continue
            target = alias_of.get(name)
            if target and len(target) == 1 and name not in target:
                name = next(iter(target))
            group("ORG", name).rows.append(i)
        elif lab == "LOCATION":
            if texts[i].strip():
                group("LOCATION", v.get("name") or texts[i].strip()).rows.append(i)
        else:
            name = v.get("name") or texts[i]
            if (name, docs[i]) not in person_key:
                name = _by_surname(name, docs[i], full_names, surnames) or name
            if (name, docs[i]) in person_key:
                group("PERSON", name, person_key[(name, docs[i])]).rows.append(i)

    published = {str(d): p for d, p in zip(documents["doc_id"], documents["published"])
                 if p is not None and not pd.isna(p) and str(p)}
    rows, ids = [], []
    mention_ids = m["mention_id"].astype(str).tolist()
    for g in groups.values():
        eid = g.id
        gdocs = {docs[i] for i in g.rows}
        dates = sorted(published[d] for d in gdocs if d in published)
        aliases, titles, organizations = set(), set(), set()
        for i in g.rows:
            v = values[i]
            if g.label == "ORG":
                aliases.update(a for a in (v.get("alias"), v.get("name"), texts[i]) if a and a != g.name)
            elif g.label == "PERSON":
                titles.update([v["title"]] if v.get("title") else [])
                organizations.update([v["organization"]] if v.get("organization") else [])
            elif texts[i] != g.name:
                aliases.add(texts[i])
            ids.append({"doc_id": docs[i], "mention_id": mention_ids[i], "entity_id": eid})
        rows.append({
            "entity_id": eid, "label": g.label, "name": g.name, "aliases": _joined(aliases),
            "titles": _joined(titles), "organizations": _joined(organizations), "n_docs": len(gdocs),
            "n_mentions": len(g.rows), "first_published": dates[0] if dates else None,
            "last_published": dates[-1] if dates else None,
        })
    id_frame = pd.DataFrame(ids, columns=["doc_id", "mention_id", "entity_id"], dtype="object")
    return to_frame("entities", rows), id_frame


def _by_surname(name: str, doc: str, full_names: dict[str, set[str]], surnames: frozenset[str]) -> str | None:
    """김 지사 (a model's span with the title, or a bare surname) → the one full name of that surname in its article;
    None when there is none or more than one (a surname is never an entity on its own)."""
    head = name.split(" ", 1)[0]
    if head not in surnames:
        return None
    found = [n for n in full_names.get(doc, ()) if n.startswith(head) and len(n) > len(head)]
    return found[0] if len(found) == 1 else None


def _org_groups(orgs: set[str]) -> dict[str, str]:
    """Organizations one person's articles may write differently, grouped: one contains the other (국방 and 국방부,
    노조위원회 and 철도노조위원회, 삼성 and 삼성전자). Each maps to its group's key, the shortest name (ties: the
    first in name order), so the key does not depend on how often each is written."""
    names = sorted(orgs, key=lambda o: (len(o), o))
    parent = {o: o for o in names}

    def find(o: str) -> str:
        while parent[o] != o:
            o = parent[o]
        return o

    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if len(a) >= 2 and a in b:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb, key=lambda o: (len(o), o))] = min(ra, rb, key=lambda o: (len(o), o))
    return {o: find(o) for o in names}


def _main(counter: Counter) -> str:
    """The organization an article gives a person most often (ties: the first in name order)."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _joined(values: set[str]) -> str | None:
    return LIST_SEPARATOR.join(sorted(values)) if values else None


def _placeholders(surnames: frozenset[str]) -> frozenset[str]:
    """김모, 박모 …: each surname with each ending of person_placeholders.tsv."""
    from pipeline.paths import BUILTIN_LEXICONS_DIR
    from pipeline.ruleset.tsv import parse_tsv

    _, rows = parse_tsv((BUILTIN_LEXICONS_DIR / "person_placeholders.tsv").read_text(encoding="utf-8-sig"))
    return frozenset(s + e for s in surnames for e in rows)


def _surnames() -> frozenset[str]:
    from pipeline.paths import BUILTIN_LEXICONS_DIR
    from pipeline.ruleset.tsv import parse_tsv

    _, rows = parse_tsv((BUILTIN_LEXICONS_DIR / "surnames.tsv").read_text(encoding="utf-8-sig"))
    return frozenset(rows)


def with_entities(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``tables`` with ``entities`` built from its mentions and ``mentions.entity_id`` filled (the Python API's
    ``Result.tables()``; the CLI does the same at assembly)."""
    from pipeline.io.schema import TABLES

    entities, ids = build_entities(tables["mentions"], tables["documents"])
    mentions = tables["mentions"]
    if len(ids):
        key = dict(zip(zip(ids["doc_id"], ids["mention_id"]), ids["entity_id"]))
        mentions = mentions.copy()
        mentions["entity_id"] = pd.array([key.get((str(d), str(i))) for d, i in
                                          zip(mentions["doc_id"], mentions["mention_id"])], dtype="string")
    return {**tables, "mentions": mentions[list(TABLES["mentions"])], "entities": entities}
