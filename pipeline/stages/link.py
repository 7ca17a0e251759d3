"""Link stage: completes people and organizations once every mention has its place (after normalize).

- Model (ner) mentions get the values rule mentions already have: ORG ``{name, alias}`` and PERSON
  ``{name, title, organization}``, with trailing particles (Kiwi-tagged J*/E*/VCP pieces that the particles lexicon
  lists) and quotes taken off the span; a model PERSON takes a title written right after it (홍길동 대표는).
- A model mention inside a rule person's expression is dropped: the rule read that expression whole (서울시 in
  오세훈 서울시장 is part of a title, not an organization mention).
- Affiliation carries across a comma list: in 삼성전자 이재용 회장, 한종희 부회장 the second person, written with a
  title and no organization, takes the organization of the person before the comma.
- An alias in a parenthesis after an organization (마이크로소프트(MS)) is a second ORG mention, with no row of
  its own in ``organizations``.
- One reading per surface form (``_one_reading``): in one article a string is PERSON, ORG or LOCATION, not two of
  them. A rule mention's label wins (rules are lexicon-checked), then the lexicons (organizations.tsv → ORG, a
  place stem of org_places.tsv → LOCATION), then the model's summed confidence; model mentions of the string are
  relabeled to the winner (``rule_id`` gains ``+one_reading``), so 폴란드 is not a person in one sentence and a
  country in the next.
- Second mentions: per document, a name remembers the fullest (title, organization) seen so far; a later mention of
  the same name with the same title or no title (오세훈 시장은, a model 오세훈은) takes what it lacks from it.
  Surname-only references (오 시장은) are not resolved.
- Evidence for people rows (``_person_evidence``): a PERSON mention becomes a row of ``people`` only with evidence
  that it is a person: a rule found it (a title or 씨 next to it), a title follows it or an earlier mention of the
  same name gave it one, or the model is confident (``min_confidence``; a Hangul name of surname shape,
  ``min_confidence_name``). Without evidence it stays a ``mentions`` row with its confidence (``Mention.in_table``
  False). The thresholds were chosen on the dev half of the real-news gold set (bench/people_rows.py, docs/ner.md).
  A mention that names nobody is no row either, whatever found it: a surname alone that no earlier full name of the
  article explains (김 위원장, 박씨의), a single letter (A씨), a surname with an anonymizing mark
  (person_placeholders.tsv: 김모 씨).

The Korean forms (titles, particles, organizations) come from the lexicons of the rule files whose normalizer is
``person`` or ``org``, so a user's rules folder extends them.
"""
from __future__ import annotations

import bisect
import itertools
from collections import defaultdict

import unicodedata
from typing import Any, Mapping

import regex

from pipeline.article import Analysis, Mention
from pipeline.normalizers.orgs import canonical

_ALIAS = regex.compile(r"[ ]?\((?P<alias>[A-Za-z][A-Za-z0-9&.\-]*(?:[ ][A-Za-z0-9&.\-]+)*)\)")
LIST_SEPARATOR = regex.compile(r"\s*[,·]\s*")
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


NAMED = ("PERSON", "ORG", "LOCATION")
_HANGUL_NAME = regex.compile(r"[가-힣]{2,4}")


class LinkStage:
    name = "link"

    # measured on the dev half of bench/data/ner_news_gold.jsonl with bench/people_rows.py (see docs/ner.md)
    MIN_CONFIDENCE = 0.995
    MIN_CONFIDENCE_NAME = 0.9

    def __init__(self, ruleset: Any = None, min_confidence: float | None = None,
                 min_confidence_name: float | None = None):
        self.min_confidence = self.MIN_CONFIDENCE if min_confidence is None else min_confidence
        self.min_confidence_name = self.MIN_CONFIDENCE_NAME if min_confidence_name is None else min_confidence_name
        self.lexicons = _lexicons(ruleset)
        self._orgs = frozenset(f for f in self.lexicons.get("organizations", {}) if f)
        self._places = frozenset(f for f in self.lexicons.get("places", {}) if f)
        self._not_names = frozenset(f for f in self.lexicons.get("not_names", {}) if f)
        self._anonymous = tuple(f for f in self.lexicons.get("anonymous", {}) if f)
        titles = [f for f in self.lexicons.get("titles", {}) if f]
        self._surnames = frozenset(f for f in self.lexicons.get("surnames", {}) if f)
        particles = [f for f in self.lexicons.get("particles", {}) if f]
        self._particles = regex.compile(r"(?:\L<p>)+", p=particles) if particles else None
        tail = r"(?=(?:\L<p>)*(?![가-힣]))" if particles else r"(?![가-힣])"
        self._title_after = (regex.compile(r"[ ](?P<title>\L<t>)" + tail, t=titles, p=particles or [""])
                             if titles else None)
        # a model span that took the title in (김 선수, 윤 일병): the name is before the space
        self._title_inside = regex.compile(r"(?P<name>.+?)[ ](?P<title>\L<t>)", t=titles) if titles else None

    def __call__(self, analysis: Analysis) -> None:
        self._drop_model_inside_people(analysis)
        model = [m for m in analysis.mentions if m.source != "rules" and m.label in NAMED]
        for m in model:
            self._trim(m, analysis)
        self._one_reading(analysis)
        self._widen_rule_people(analysis)
        for m in model:
            if m.label == "ORG":
                self._model_org(m, analysis)
            elif m.label == "PERSON":
                self._model_person(m, analysis)
        self._link_people(analysis)
        self._person_evidence(analysis)
        self._alias_mentions(analysis)

    @staticmethod
    def _alias_mentions(analysis: Analysis) -> None:
        """마이크로소프트(MS): MS is an ORG mention of its own (KLUE annotates it so), with the organization's value
        and no second row in ``organizations`` (the row of the name already carries the alias)."""
        text = analysis.text
        extra = []
        for m in analysis.mentions:
            if m.label != "ORG" or not m.extent or m.extent[1] <= m.end:
                continue
            paren = _ALIAS.match(text, m.end)
            if paren is None or paren.end() > m.extent[1]:
                continue
            s, e = paren.span("alias")
            extra.append(Mention("ORG", s, e, text[s:e], m.source, f"{m.rule_id}+alias", priority=m.priority,
                                 value=dict(m.value) if m.value else None, confidence=m.confidence,
                                 in_table=False))
        if extra:
            # the parenthesis is read: a model guess inside it (Labs of 다온랩스(Daon Labs)) gives way
            spans = [(a.start, a.end) for a in extra]
            analysis.mentions = [m for m in analysis.mentions if m.source == "rules" or m.label not in NAMED
                                 or not any(m.start < e and s < m.end for s, e in spans)]
            analysis.mentions.extend(extra)
            analysis.mentions.sort(key=lambda m: (m.start, m.end, m.label))

    @staticmethod
    def _widen_rule_people(analysis: Analysis) -> None:
        """유카와 하루나씨: the rule reads a surname-shaped 하루나, the model the whole foreign name. A model PERSON
        that the rule's mention displaced, ending where the rule's name ends and starting a word or more before it,
        gives the name its start; the rule's title and organization stay."""
        text = analysis.text
        for m in analysis.mentions:
            if m.source != "rules" or m.label != "PERSON" or not m.value:
                continue
            for alt in m.alternatives:
                if (alt.source != "rules" and alt.label == "PERSON" and alt.start < m.start and alt.end == m.end
                        and text[m.start - 1] == " " and "\n" not in text[alt.start:m.start]):
                    m.start, m.text = alt.start, text[alt.start:m.end]
                    m.value["name"] = m.text
                    if m.extent:
                        m.extent = (min(m.extent[0], alt.start), m.extent[1])
                    break

    # -- one reading per surface form ---------------------------------------------------------------------------

    def _one_reading(self, analysis: Analysis) -> None:
        by_text: dict[str, list[Mention]] = defaultdict(list)
        for m in analysis.mentions:
            if m.label in NAMED:
                by_text[m.text].append(m)
        for text, group in by_text.items():
            winner = self._reading(text, group)
            for m in group:
                if m.source != "rules" and m.label != winner:
                    m.label = winner
                    m.value = None
                    m.rule_id = f"{m.rule_id}+one_reading"

    def _reading(self, text: str, group: list[Mention]) -> str:
        """The label of ``text`` in this article: a rule's, then a lexicon's, then the model's by summed
        confidence (ties: the label read first)."""
        votes: dict[str, float] = {}
        for m in group:
            if m.source == "rules":
                votes[m.label] = votes.get(m.label, 0.0) + 1.0
        if votes:
            return max(votes, key=votes.get)
        if text in self._orgs:
            return "ORG"
        if text in self._places:
            return "LOCATION"
        for m in group:
            votes[m.label] = votes.get(m.label, 0.0) + (m.confidence if m.confidence is not None else 0.5)
        return max(votes, key=votes.get)

    # -- evidence for people rows -------------------------------------------------------------------------------

    def _is_name_shape(self, name: str) -> bool:
        """A Hangul name: two to four syllables starting with a surname, not an ordinary word."""
        if not _HANGUL_NAME.fullmatch(name) or name in self._not_names:
            return False
        return any(name.startswith(s) and len(name) - len(s) in (1, 2) for s in (name[:1], name[:2])
                   if s in self._surnames)

    def _names_nobody(self, name: str) -> bool:
        """김 (a surname alone), A (a letter), 김모 (a surname and an anonymizing mark)."""
        if len(name) == 1 or name in self._surnames:
            return True
        return any(name.endswith(mark) and name[:-len(mark)] in self._surnames for mark in self._anonymous)

    def _person_evidence(self, analysis: Analysis) -> None:
        for m in analysis.mentions:
            if m.label != "PERSON":
                continue
            v = m.value or {}
            if self._names_nobody(v.get("name") or m.text):
                m.in_table = False
                continue
            if m.source == "rules" or v.get("title"):
                continue
            conf = m.confidence if m.confidence is not None else 0.0
            name = v.get("name") or m.text
            needed = self.min_confidence_name if self._is_name_shape(name) else self.min_confidence
            if conf < needed:
                m.in_table = False

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
        name, alias = canonical(m.text, self.lexicons)
        paren = _ALIAS.match(analysis.text, m.end)
        if paren:
            alias = paren.group("alias")
            m.extent = (m.start, paren.end())
        m.value = {"name": name, "alias": alias}

    def _model_person(self, m: Mention, analysis: Analysis) -> None:
        title = None
        name = m.text
        inside = self._title_inside.fullmatch(m.text) if self._title_inside is not None else None
        if inside:  # the span stays the model's (KLUE marks 양 선수 whole); the value reads name and title apart
            title = inside.group("title")
            name = inside.group("name")
        after = (self._title_after.match(analysis.text, m.end)
                 if self._title_after is not None and title is None else None)
        if after:
            title = after.group("title")
            m.extent = (m.start, after.end())
        m.value = {"name": name, "title": title, "organization": None}

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
                if previous.value.get("organization") and LIST_SEPARATOR.fullmatch(text, prev_end, start):
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
        most recently mentioned full name with that surname and that title. A surname with no title (박 씨, 강씨)
        stays a bare surname: in the people audit (bench/people_audit.py) every such expansion named the wrong
        person (강씨 → an actor of that surname mentioned earlier)."""
        if not v.get("title"):
            return
        found = [name for name, rec in known.items() if len(name) > len(v["name"]) and name.startswith(v["name"])
                 and rec.get("title") == v.get("title")]
        if not found:
            return
        v["name"] = found[-1]


def _fullness(value: Mapping[str, Any]) -> int:
    return sum(1 for k in ("title", "organization") if value.get(k))
