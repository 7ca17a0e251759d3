"""Link stage: completes people and organizations once every mention has its place (after normalize).

- Model (ner) mentions get the values rule mentions already have: ORG ``{name, alias}`` and PERSON
  ``{name, title, organization}``, with trailing particles (Kiwi-tagged J*/E*/VCP pieces that the particles lexicon
  lists) and quotes taken off the span; a model PERSON takes a title written right after it (홍길동 대표는).
- A model mention inside a rule person's expression is dropped: the rule read that expression whole (서울시 in
  오세훈 서울시장 is part of a title, not an organization mention).
- Affiliation carries across a comma list: in 삼성전자 이재용 회장, 한종희 부회장 the second person, written with a
  title and no organization, takes the organization of the person before the comma.
- Second mentions: per document, a name remembers the fullest (title, organization) seen so far; a later mention of
  the same name with the same title or no title (오세훈 시장은, a model 오세훈은) takes what it lacks from it.
  Surname-only references (오 시장은) are not resolved.

The Korean forms (titles, particles, organizations) come from the lexicons of the rule files whose normalizer is
``person`` or ``org``, so a user's rules folder extends them.
"""
from __future__ import annotations

import bisect
import itertools

import unicodedata
from typing import Any, Mapping

import regex

from pipeline.article import Analysis, Mention
from pipeline.normalizers.orgs import canonical

_ALIAS = regex.compile(r"[ ]?\((?P<alias>[A-Za-z][A-Za-z0-9&.\-]*(?:[ ][A-Za-z0-9&.\-]+)*)\)")
_LIST_SEPARATOR = regex.compile(r"\s*[,·]\s*")
_QUOTES = "\"'`"


def _is_quote(ch: str) -> bool:
    return ch in _QUOTES or unicodedata.category(ch) in ("Pi", "Pf", "Ps", "Pe") and ch not in "()"


def _is_ending_tag(tag: str) -> bool:
    """A Kiwi piece made of particles, endings or the copula only (이/JKS, 에서+는, 이/VCP+다/EF)."""
    return all(t.startswith(("J", "E")) or t == "VCP" for t in tag.split("+"))


def _lexicons(ruleset: Any) -> dict[str, dict[str, Mapping[str, str]]]:
    """The lexicons of the person and org rule files, merged by name (a later file's row wins)."""
    merged: dict[str, dict[str, Mapping[str, str]]] = {}
    for rf in getattr(ruleset, "files", []):
        if rf.normalizer in ("person", "org"):
            for name, rows in rf.norm_lexicons().items():
                merged.setdefault(name, {}).update(rows)
    return merged


class LinkStage:
    name = "link"

    def __init__(self, ruleset: Any = None):
        self.lexicons = _lexicons(ruleset)
        titles = [f for f in self.lexicons.get("titles", {}) if f]
        self._surnames = frozenset(f for f in self.lexicons.get("surnames", {}) if f)
        particles = [f for f in self.lexicons.get("particles", {}) if f]
        self._particles = regex.compile(r"(?:\L<p>)+", p=particles) if particles else None
        tail = r"(?=(?:\L<p>)*(?![가-힣]))" if particles else r"(?![가-힣])"
        self._title_after = (regex.compile(r"[ ](?P<title>\L<t>)" + tail, t=titles, p=particles or [""])
                             if titles else None)

    def __call__(self, analysis: Analysis) -> None:
        self._drop_model_inside_people(analysis)
        for m in analysis.mentions:
            if m.source == "rules":
                continue
            if m.label == "ORG":
                self._model_org(m, analysis)
            elif m.label == "PERSON":
                self._model_person(m, analysis)
        self._link_people(analysis)

    # -- model mentions -----------------------------------------------------------------------------------------

    @staticmethod
    def _drop_model_inside_people(analysis: Analysis) -> None:
        spans = sorted(m.extent for m in analysis.mentions if m.source == "rules" and m.label == "PERSON" and m.extent)
        starts = [s for s, _ in spans]
        reach = list(itertools.accumulate((e for _, e in spans), max))  # furthest end among spans[:i + 1]

        def inside_person(m: Mention) -> bool:
            i = bisect.bisect_left(starts, m.end)  # spans that start before the mention ends
            return i > 0 and reach[i - 1] > m.start

        analysis.mentions = [m for m in analysis.mentions if m.source == "rules" or not inside_person(m)]

    def _trim(self, m: Mention, analysis: Analysis) -> None:
        """Take trailing particles (as Kiwi tagged them) and surrounding quotes off the mention's span."""
        text = analysis.text
        start, end = m.start, m.end
        forms = analysis.forms
        i = bisect.bisect_left(forms, start, key=lambda f: f.start)
        pieces = []
        while i < len(forms) and forms[i].start < end:
            if forms[i].end <= end:
                pieces.append(forms[i])
            i += 1
        cut = end
        while pieces and _is_ending_tag(pieces[-1].tag) and pieces[-1].start > start:
            cut = pieces.pop().start
        if cut < end and self._particles is not None and self._particles.fullmatch(text, cut, end):
            end = cut
        while start < end and (_is_quote(text[start]) or text[start].isspace()):
            start += 1
        while end > start and (_is_quote(text[end - 1]) or text[end - 1].isspace()):
            end -= 1
        if start < end:
            m.start, m.end, m.text = start, end, text[start:end]

    def _model_org(self, m: Mention, analysis: Analysis) -> None:
        self._trim(m, analysis)
        name, alias = canonical(m.text, self.lexicons)
        paren = _ALIAS.match(analysis.text, m.end)
        if paren:
            alias = paren.group("alias")
            m.extent = (m.start, paren.end())
        m.value = {"name": name, "alias": alias}

    def _model_person(self, m: Mention, analysis: Analysis) -> None:
        self._trim(m, analysis)
        title = None
        after = self._title_after.match(analysis.text, m.end) if self._title_after is not None else None
        if after:
            title = after.group("title")
            m.extent = (m.start, after.end())
        m.value = {"name": m.text, "title": title, "organization": None}

    # -- people across the document -----------------------------------------------------------------------------

    def _link_people(self, analysis: Analysis) -> None:
        text = analysis.text
        known: dict[str, dict[str, Any]] = {}  # name -> the fullest value seen so far
        previous: Mention | None = None
        people = sorted((m for m in analysis.mentions if m.label == "PERSON" and m.value), key=lambda m: m.start)
        for m in people:
            v = m.value
            if previous is not None and v.get("title") and not v.get("organization"):
                prev_end = previous.extent[1] if previous.extent else previous.end
                start = m.extent[0] if m.extent else m.start
                if previous.value.get("organization") and _LIST_SEPARATOR.fullmatch(text, prev_end, start):
                    v["organization"] = previous.value["organization"]
            if v["name"] in self._surnames and v["name"] not in known:
                self._expand_surname(v, known)
            record = known.get(v["name"])
            if record is not None and (v.get("title") == record.get("title")
                                       or (v.get("title") is None and m.source != "rules")):
                for key in ("title", "organization"):
                    if not v.get(key) and record.get(key):
                        v[key] = record[key]
            if record is None or _fullness(v) > _fullness(record):
                known[v["name"]] = dict(v)
            else:
                known[v["name"]] = known.pop(v["name"])  # most recently seen last
            previous = m

    @staticmethod
    def _expand_surname(v: dict[str, Any], known: dict[str, dict[str, Any]]) -> None:
        """김 의장 after 김현기 서울시의회 의장: news refers back to a person by surname and title. The person is the
        most recently mentioned full name with that surname (and that title, when one is written); with no title and
        two such people the reference stays a bare surname rather than a guess."""
        found = [name for name, rec in known.items() if len(name) > len(v["name"]) and name.startswith(v["name"])
                 and (not v.get("title") or rec.get("title") == v.get("title"))]
        if not found or (not v.get("title") and len(found) > 1):
            return
        v["name"] = found[-1]


def _fullness(value: Mapping[str, Any]) -> int:
    return sum(1 for k in ("title", "organization") if value.get(k))
