"""Quotes stage: who said what (``rules/quote.yaml`` and its lexicons hold every Korean form; this module the mechanism).

Runs after link (people carry their titles and organizations, second mentions their first). Per paragraph:

1. Quotation marks are paired with a stack: a closing mark closes the nearest opening mark of its kind and drops any
   unclosed mark opened inside it; only top-level pairs are quotes (a quote inside a quote is part of it); marks left
   open at the end of a paragraph quote nothing. Sentences end at ``. ? !`` before a space, outside quotes.
2. A top-level pair followed by a quotative ending (…”라고, …”고, …”라며) is a direct quote; a quotative (not a
   connective) ending needs a speech verb after it in the sentence. A pair followed by a Hangul letter that is no
   ending is a scare quote (“공정”이라는); a pair opening a sentence of its own is a quote that stands alone.
3. A word ending in an indirect ending (…방침이라고, …했다고) right before a speech verb (or before a speaker and a
   speech verb) closes a reported clause, which starts after its speaker (or at the sentence's start); connective
   endings inside it (…했다며) split it into chained clauses of one speaker.
4. The speaker: see ``rules/quote.yaml`` (description) and the ``rules`` ids written into ``quotes.rule_id``.

>>> stage = QuoteStage.builtin()
>>> [r.id for r in stage.rules.rules][:2]
['quote.direct.before', 'quote.direct.after']
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import regex

from pipeline.article import Analysis, Mention, Quote, Speaker
from pipeline.paths import BUILTIN_RULES_DIR
from pipeline.ruleset.schema import Problem, RulesetError, did_you_mean

STAGE = "quotes"
FILE_KEYS = ("stage", "description", "marks", "lexicons", "rules", "examples", "counterexamples")
MARK_KEYS = ("open", "close", "family", "standalone")
RULE_KEYS = ("id", "description")
LEXICONS = ("cues", "endings", "speaker_nouns", "anonymous", "pronouns", "subjects", "particles", "attributions",
            "deixis", "surnames", "titles", "qualifiers", "org_suffixes", "not_names", "clause_endings", "noun_cues",
            "clause_openers", "honorifics", "anonymous_prefixes", "demonstratives", "side_not_names")
SENTENCE_END = ".?!"
MAX_SENTENCE = 2000  # characters; longer stretches without a sentence end are read in pieces (time stays linear)
_HANGUL = regex.compile(r"[가-힣]")
_HANGUL_WORD = regex.compile(r"[가-힣]{2,4}")
_WORD = regex.compile(r"\S+")
_TRAIL = ",.!?;:…)"  # punctuation that may end a word before the next one


# ---------------------------------------------------------------------------------------------------------------
# the rule file


@dataclass(frozen=True)
class Mark:
    open: str
    close: str
    standalone: bool
    family: str = ""


@dataclass(frozen=True)
class RuleInfo:
    id: str
    description: str = ""


@dataclass
class QuoteRules:
    """The merged quote rule files of a run: marks, lexicons (name -> form -> row), rule ids, examples."""

    paths: list[Path] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    lexicons: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    rules: list[RuleInfo] = field(default_factory=list)
    examples: list[dict] = field(default_factory=list)
    counterexamples: list[dict] = field(default_factory=list)


def load_quote_rules(dirs: Iterable[str | Path]) -> QuoteRules:
    """Every rule file with ``stage: quotes`` in ``dirs`` (in order; a later file adds marks, lexicon rows, rules).

    Problems of every file are collected and raised together as a ``RulesetError`` (``file:line: what``)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    from pipeline.ruleset.loader import RULE_SUFFIXES, _FileReader, _plain

    out = QuoteRules()
    problems: list[Problem] = []
    seen: set[Path] = set()
    for d in dirs:
        d = Path(d)
        if not d.is_dir() or d.resolve() in seen:
            continue
        seen.add(d.resolve())
        for path in sorted(p for p in d.iterdir() if p.suffix in RULE_SUFFIXES and p.is_file()):
            reader = _FileReader(path, problems)
            try:
                data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
            except Exception:  # the entity loader reports unreadable files; a quote file is never one of them
                continue
            if not isinstance(data, CommentedMap) or data.get("stage") != STAGE:
                continue
            out.paths.append(path)
            reader.unknown_keys(data, FILE_KEYS, "", 1)
            for i, node in enumerate(data.get("marks") or []):
                line = reader.item_line(data["marks"], i)
                if not isinstance(node, Mapping) or not node.get("open") or not node.get("close"):
                    reader.add(line, "", "a mark needs 'open' and 'close' characters")
                    continue
                reader.unknown_keys(node, MARK_KEYS, f"mark {i + 1}", line)
                out.marks.append(Mark(str(node["open"]), str(node["close"]), bool(node.get("standalone", False)),
                                      str(node.get("family") or node["open"])))
            lexicons = data.get("lexicons") or {}
            for name, filename in lexicons.items():
                line = reader.key_line(lexicons, name)
                if name not in LEXICONS:
                    reader.add(line, "", f"unknown lexicon '{name}'{did_you_mean(name, LEXICONS)}")
                    continue
                lex = reader.load_lexicon(str(name), str(filename), line)
                if lex is not None:
                    out.lexicons.setdefault(str(name), {}).update(lex.rows)
            for i, node in enumerate(data.get("rules") or []):
                line = reader.item_line(data["rules"], i)
                if not isinstance(node, Mapping) or not node.get("id"):
                    reader.add(line, "", "a rule needs an 'id'")
                    continue
                reader.unknown_keys(node, RULE_KEYS, str(node["id"]), line)
                out.rules.append(RuleInfo(str(node["id"]), str(node.get("description") or "")))
            for key, bucket in (("examples", out.examples), ("counterexamples", out.counterexamples)):
                for i, node in enumerate(data.get(key) or []):
                    ex = _plain(node)
                    if not isinstance(ex, dict) or not isinstance(ex.get("text"), str):
                        reader.add(reader.item_line(data[key], i), f"{key[:-1]}-{i + 1}", "needs a 'text'")
                        continue
                    bucket.append({**ex, "file": path.name, "line": reader.item_line(data[key], i),
                                   "index": i + 1})
    if out.paths:
        missing = [n for n in LEXICONS if n not in out.lexicons]
        if missing:
            problems.append(Problem(str(out.paths[0]), 1, "", f"lexicons missing: {', '.join(missing)}"))
    if problems:
        raise RulesetError(problems)
    return out


def example_failures(example: Mapping[str, Any], extractor, counter: bool = False) -> list[str]:
    """What is wrong with one example (or counterexample) of a quote rule file, run through ``extractor``: the
    quotes found must be the ones expected, in order, with the kind, cue and speaker fields given (empty: all
    right). ``krnews rules test`` and tests/stages/test_quotes.py both run every example through it."""
    result = extractor.extract(example["text"], published=example.get("published"), doc_id="example")
    rows = result.rows.get("quotes", [])
    if counter:
        return [f"unexpected quote '{r['quote']}'" for r in rows]
    want = example.get("expect") or []
    got = [r["quote"] for r in rows]
    if got != [w.get("quote") for w in want]:
        return [f"quotes {got} != {[w.get('quote') for w in want]}"]
    bad = []
    for r, w in zip(rows, want):
        for key in ("kind", "cue"):
            if key in w and r[key] != w[key]:
                bad.append(f"'{r['quote']}': {key} {r[key]!r} != {w[key]!r}")
        for key, value in (w.get("speaker") or {}).items():
            if r.get(f"speaker_{key}") != value:
                bad.append(f"'{r['quote']}': speaker {key} {r.get(f'speaker_{key}')!r} != {value!r}")
    return bad


def _alternation(forms: Iterable[str]) -> str:
    """Forms as a regex alternation, longest first (so 이라고 is tried before 라고), spaces as one space."""
    ordered = sorted({f for f in forms if f}, key=lambda f: (-len(f), f))
    return "(?:" + "|".join(regex.escape(f).replace(r"\ ", "[ ]") for f in ordered) + ")" if ordered else "(?!)"


# ---------------------------------------------------------------------------------------------------------------
# speaker candidates


_KIND_ORDER = {"person": 0, "anonymous": 1, "official": 2, "organization": 3, "pronoun": 4}


@dataclass
class Candidate:
    """A phrase that can be a speaker: ``bare_end`` before its particle, ``end`` after it; ``topic`` for 은/는."""

    start: int
    bare_end: int
    end: int
    kind: str
    particle: str | None = None  # topic | subject | None
    name: str | None = None
    title: str | None = None
    org: str | None = None
    mention: Mention | None = None
    loose: bool = False  # found by shape only: any overlapping candidate of a mention wins
    head: tuple[int, int] | None = None  # what the speaker columns point at: the name, the noun 관계자, the org

    def speaker(self) -> Speaker:
        hs, he = self.head or (self.start, self.bare_end)
        return Speaker(kind=self.kind, start=hs, end=he, name=self.name, title=self.title, org=self.org,
                       mention=self.mention)


@dataclass
class _Sentence:
    start: int
    end: int
    pairs: list[tuple[int, int, Mark]]  # (opening mark offset, closing mark offset, mark), top level


class QuoteStage:
    """The quotes stage (see the module docstring). It runs one article at a time: the per-article helpers over
    Kiwi's forms and the article's dates (``_particle_at``, ``_noun_before``, ``_proper_at``, ``_dates``) are set
    at the start of each call."""

    name = "quotes"

    def __init__(self, rules: QuoteRules):
        self.rules = rules
        lex = rules.lexicons
        self.marks = {m.open: m for m in rules.marks}
        self.closers = {m.close for m in rules.marks}
        self.close_family = {m.close: m.family for m in rules.marks}
        direct_endings = _alternation(f for f, r in lex.get("endings", {}).items() if r.get("direct") == "yes")
        self._closing_before_ending = regex.compile(
            _alternation({*self.marks, *self.closers}) + "(?=" + direct_endings + "(?![가-힣]))")
        self.mark_of_close = {m.close: m for m in rules.marks}
        self.cue_of = {f: r.get("cue") or f for f, r in lex.get("cues", {}).items()}
        endings = lex.get("endings", {})
        self.ending_row = endings
        self._direct_end = regex.compile(
            _alternation(f for f, r in endings.items() if r.get("direct") == "yes") + r"(?![가-힣])")
        indirect = [f for f, r in endings.items() if r.get("indirect") == "yes"]
        self._indirect_end = regex.compile(_alternation(indirect) + r"$")
        self._cue = regex.compile(_alternation(self.cue_of))
        self._noun_cue = regex.compile(_alternation(lex.get("noun_cues", {})))
        topic_particles = _alternation(k for k, r in lex.get("particles", {}).items() if r.get("kind") == "topic")
        self._opener = regex.compile(  # 이날, 현재는: the reporting sentence's, not the reported clause's
            _alternation(lex.get("clause_openers", {})) + "(?:" + topic_particles + r")?(?![가-힣])[ ,]*")
        particles = lex.get("particles", {})
        self.particle_kind = {f: r.get("kind", "subject") for f, r in particles.items()}
        attributions = _alternation(lex.get("attributions", {}))
        # after a speaker: a particle (or none) and no more Hangul, or an attribution (김 대표의 말이다)
        self._particle = regex.compile(r"(?P<p>" + _alternation(particles) + r")?(?![가-힣])|(?=" + attributions + ")")
        stop = "(?=[^가-힣]|$|" + _alternation(particles) + "|" + attributions + ")"
        surnames, titles = _alternation(lex.get("surnames", {})), _alternation(lex.get("titles", {}))
        qualifiers = _alternation(lex.get("qualifiers", {}))
        self._surname_title = regex.compile(
            rf"(?<![가-힣A-Za-z0-9])(?P<surname>{surnames})[ ](?:{qualifiers}[ ])?(?P<title>{titles})" + stop)
        # a person by shape, in a speaker's place only (a topic particle right after the title): 박서연 리벨로직
        # 대표는, where the organization has no suffix the person rules would know
        not_names = _alternation(lex.get("not_names", {}))
        self._loose_person = regex.compile(
            rf"(?<![가-힣A-Za-z0-9])(?!{not_names}[ ])(?P<name>{surnames}[가-힣]{{1,2}})[ ]"
            rf"(?:(?P<org>[가-힣A-Za-z0-9&·]+(?:[ ][가-힣A-Za-z0-9&·]+)?)[ ])?(?P<title>{titles})"
            rf"(?=(?:{_alternation(k for k, r in particles.items() if r.get('kind') == 'topic')})(?![가-힣]))")
        honorifics = _alternation(lex.get("honorifics", {}))
        self._honorific = regex.compile(  # 박 씨는, 강씨는, A씨는: the surname (or initial) as the name
            rf"(?<![가-힣A-Za-z0-9])(?P<surname>{surnames}|[A-Z])[ ]?{honorifics}" + stop)
        self._noun = regex.compile(rf"(?P<noun>{_alternation(lex.get('speaker_nouns', {}))})" + stop)
        self.noun_kind = {f: r.get("kind", "official") for f, r in lex.get("speaker_nouns", {}).items()}
        self._subject = regex.compile(rf"(?<![가-힣A-Za-z0-9])(?P<w>{_alternation(lex.get('subjects', {}))})"
                                      rf"(?=(?:{_alternation(particles)})(?![가-힣]))")
        self._anonymous = regex.compile(rf"(?<![가-힣A-Za-z0-9]){_alternation(lex.get('anonymous', {}))}(?![가-힣])")
        self._pronoun = regex.compile(rf"(?<![가-힣A-Za-z0-9]){_alternation(lex.get('pronouns', {}))}(?![가-힣])")
        self._attribution = regex.compile(attributions)
        self._deixis = regex.compile(rf"(?<![가-힣]){_alternation(lex.get('deixis', {}))}(?![가-힣])")
        self._particle_tail = regex.compile(  # the particle that ends a lexicon phrase (한 시민은, 업계에서는)
            "(?:" + _alternation(particles) + ")$")
        self._particle_end = regex.compile(
            "(?:" + _alternation(lex.get("clause_endings", {})) + ")(?:[ ]|$)")
        self.titles = set(lex.get("titles", {}))
        self.surnames = set(lex.get("surnames", {}))
        self.not_names = set(lex.get("not_names", {}))
        self.honorific_forms = tuple(f for f in lex.get("honorifics", {}) if f)
        self.demonstratives = set(lex.get("demonstratives", {}))
        topic = _alternation(k for k, r in particles.items() if r.get("kind") == "topic")
        self._anon_prefix = regex.compile(
            rf"(?<![가-힣A-Za-z0-9]){_alternation(lex.get('anonymous_prefixes', {}))}[ ](?P<noun>[가-힣]+?)"
            rf"(?={topic}(?![가-힣]))")
        self._topic_word = regex.compile(rf"(?P<bare>\S+?)(?P<p>{topic})(?=[ ,]|$)")
        subject = _alternation(k for k, r in particles.items() if r.get("kind") == "subject")
        self._subject_word = regex.compile(rf"(?P<bare>\S+?)(?P<p>{subject})(?=[ ,]|$)")
        self.org_suffixes = tuple(f for f in lex.get("org_suffixes", {}) if f)
        self.subjects = set(lex.get("subjects", {}))
        self.side_not_names = set(lex.get("side_not_names", {}))

    @classmethod
    def builtin(cls, extra_dirs: Sequence[str | Path] = ()) -> "QuoteStage":
        return cls(load_quote_rules([BUILTIN_RULES_DIR, *extra_dirs]))

    @property
    def enabled(self) -> bool:
        return bool(self.rules.paths)

    # -- the stage -----------------------------------------------------------------------------------------------

    def __call__(self, analysis: Analysis) -> None:
        if not self.enabled:
            return
        text = analysis.text
        # dates and times (with the space after them) may open a reported clause: 4일 …라고 밝혔다
        self._dates = sorted((m.start, m.end + 1) for m in analysis.mentions
                             if m.label in ("DATE", "TIME") and text[m.end:m.end + 1] in (" ", ","))
        forms = analysis.forms
        form_starts = [f.start for f in forms]

        def particle_at(pos: int) -> bool:
            """Kiwi read a particle (J…) starting at ``pos`` (no segmentation: take it as one)."""
            if not forms:
                return True
            i = bisect.bisect_left(form_starts, pos)
            return i < len(forms) and forms[i].start == pos and forms[i].tag.startswith("J") or \
                i < len(forms) and forms[i].start != pos and i > 0 and "J" in forms[i - 1].tag
        self._particle_at = particle_at
        # forms are in text order and do not overlap, so their ends are sorted too: bisect rather than dicts of
        # every form (a long article has millions)
        form_ends = [f.end for f in forms]

        def tag_at(positions: list[int], pos: int) -> str | None:
            """The tag of the last form whose start (or end) is ``pos``."""
            i = bisect.bisect_right(positions, pos) - 1
            return forms[i].tag if i >= 0 and positions[i] == pos else None

        def noun_before(pos: int) -> bool:
            """The word ending at ``pos`` ends in a noun, a foreign word, a number or a bracket (Kiwi's tags)."""
            tag = tag_at(form_ends, pos)
            if tag is None:
                return True  # Kiwi cut the word elsewhere (허경환은 read another way): no evidence against
            return tag.split("+")[-1].startswith(("N", "SL", "SN", "SH", "SS", "XSN"))
        self._noun_before = noun_before
        self._proper_at = lambda pos: (tag_at(form_starts, pos) or ("NNP" if not forms else "")).startswith("NNP")
        cands = self._candidates(analysis)
        cand_starts = [c.start for c in cands]
        people = sorted((m for m in analysis.mentions if m.label == "PERSON" and m.value and _full_name(m)),
                        key=lambda m: m.start)
        state = _State()
        quotes: list[Quote] = []
        for sentences in self._paragraphs(text):
            for si, sent in enumerate(sentences):
                found, consumed = self._direct(text, sent, si, sentences, cands, cand_starts, people, state)
                found += self._indirect(text, sent, found, consumed, cands, cand_starts, people, state)
                found.sort(key=lambda q: q.start)
                for q in found:
                    if q.speaker is not None and q.speaker.kind != "unresolved":
                        state.last = q.speaker
                state.last_sentence_quoted = bool(found)
                quotes += found
        quotes.sort(key=lambda q: (q.start, q.end))
        for i, q in enumerate(quotes, 1):
            q.quote_id = f"q{i:04d}"
            q.sentence_idx = analysis.sentence_at(q.start)
        analysis.quotes = quotes

    # -- paragraphs, sentences and marks ------------------------------------------------------------------------

    @staticmethod
    def _paragraph_spans(text: str):
        pos = 0
        for line in text.split("\n"):
            yield pos, pos + len(line)
            pos += len(line) + 1

    def _paragraphs(self, text: str):
        pos = 0
        for line in text.split("\n"):
            start, end = pos, pos + len(line)
            pos = end + 1
            if line.strip():
                yield self._sentences(text, start, end)

    def _pairs(self, text: str, start: int, end: int) -> list[tuple[int, int, Mark]]:
        stack: list[tuple[int, Mark]] = []
        pairs: list[tuple[int, int, Mark]] = []
        left_open: list[tuple[int, Mark]] = []  # top-level marks never closed: the fallback below may close them

        def close(k: int, i: int) -> None:
            o, mark = stack[k]
            del stack[k:]  # marks opened inside and never closed are dropped
            if not stack:
                pairs.append((o, i, mark))

        for i in range(start, end):
            ch = text[i]
            family = self.close_family.get(ch)
            if family is not None:
                k = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][1].family == family), None)
                if k is not None:
                    close(k, i)
                    continue
                if ch not in self.marks:
                    # a stray closing mark: an apostrophe (’17년) is skipped; one that opens a word after a space
                    # was typed for an opening mark (”올해가 고비”라고)
                    if (i == start or text[i - 1].isspace()) and i + 1 < end and not text[i + 1].isspace():
                        stack.append((i, self.mark_of_close[ch]))
                    continue
            if ch in self.marks:
                mark = self.marks[ch]
                if mark.open == mark.close and i > start and text[i - 1].isalnum() and \
                        (i + 1 >= end or text[i + 1].isalnum()):
                    continue  # an apostrophe inside a word (it's)
                same = [k for k, (_, m) in enumerate(stack) if m.family == mark.family]
                if same and mark.open != mark.close:
                    if len(same) == len(stack) or same[0] == 0:
                        left_open.append(stack[same[0]]) if same[0] == 0 else None
                    del stack[same[-1]:]  # “ … “ : the first was never closed (marks of one family do not nest)
                stack.append((i, mark))
        if stack:
            left_open.append(stack[0])
        # a mark left open is closed by a later mark of any family right before a quotative ending ("…'라고),
        # within the reach of one long sentence
        spans = sorted((a, b) for a, b, _ in pairs)
        starts_ = [a for a, _ in spans]
        reach = -1  # end of the last pair made here: marks inside it are part of it
        closing = [m.start() for m in self._closing_before_ending.finditer(text, start, end)] if left_open else []
        for o, mark in sorted(left_open, key=lambda x: x[0]):
            k = bisect.bisect_right(starts_, o) - 1
            if o <= reach or k >= 0 and spans[k][0] <= o <= spans[k][1]:
                continue
            n = bisect.bisect_right(closing, o)
            if n < len(closing) and closing[n] < o + MAX_SENTENCE:
                i = closing[n]
                j = bisect.bisect_right(starts_, o)
                if j >= len(starts_) or starts_[j] > i:  # no quote between: the mark is the closing one
                    pairs.append((o, i, mark))
                    reach = i
        pairs.sort()
        return pairs

    def _sentences(self, text: str, start: int, end: int) -> list[_Sentence]:
        pairs = self._pairs(text, start, end)
        inside = [(o, c) for o, c, _ in pairs]
        opens = [o for o, _ in inside]

        def quoted(i: int) -> bool:
            k = bisect.bisect_right(opens, i) - 1
            return k >= 0 and inside[k][0] < i < inside[k][1]

        cuts = []
        for i in range(start, end):
            ch = text[i]
            nxt = text[i + 1] if i + 1 < end else " "
            if ch in SENTENCE_END and nxt.isspace() and not quoted(i):
                cuts.append(i + 1)
            elif ch in self.closers and i > start and text[i - 1] in SENTENCE_END and nxt.isspace() \
                    and not quoted(i) and any(c == i for _, c in inside):
                cuts.append(i + 1)
        out, s = [], start
        for c in [*cuts, end]:
            while c - s > MAX_SENTENCE:  # a stretch with no sentence end: bounded pieces cut at a space
                cut = text.rfind(" ", s + MAX_SENTENCE // 2, s + MAX_SENTENCE)
                cut = cut + 1 if cut > s else s + MAX_SENTENCE
                out.append(_Sentence(s, cut, [p for p in pairs if s <= p[0] and p[1] < cut]))
                s = cut
            if text[s:c].strip():
                out.append(_Sentence(s, c, [p for p in pairs if s <= p[0] and p[1] < c]))
            s = c
        return out

    # -- candidates ---------------------------------------------------------------------------------------------

    def _with_particle(self, text: str, start: int, bare_end: int, kind: str, **kw) -> Candidate | None:
        m = self._particle.match(text, bare_end)
        if m is None:
            return None
        p = m.group("p") if m.end() > bare_end else None
        return Candidate(start, bare_end, m.end(), kind, self.particle_kind.get(p) if p else None, **kw)

    def _candidates(self, analysis: Analysis) -> list[Candidate]:
        text = analysis.text
        out: list[Candidate] = []
        people = sorted((m for m in analysis.mentions if m.label == "PERSON" and m.value), key=lambda m: m.start)
        person_at = {m.text for m in people if m.in_table}  # people with evidence (a camp: 백윤식 측)
        orgs = {}
        for m in analysis.mentions:
            if m.label == "PERSON" and m.value and _full_name(m):
                s, e = m.extent or (m.start, m.end)
                v = m.value
                c = self._with_particle(text, s, e, "person", name=v.get("name"), title=v.get("title"),
                                        org=v.get("organization"), mention=m, head=(m.start, m.end))
                if c:
                    out.append(c)
            elif m.label == "ORG" and m.value:
                s, e = m.extent or (m.start, m.end)
                orgs[e] = m
                c = self._with_particle(text, s, e, "organization", org=m.value.get("name") or m.text, mention=m,
                                        head=(m.start, m.end))
                if c and c.particle:
                    out.append(c)
        full = [m for m in people if _full_name(m)]
        for m in self._surname_title.finditer(text):
            record = _second_mention(full, m.group("surname"), m.group("title"), m.start())
            # unresolved, the surname stands as written (오 시장 → 오), as a reader of the sentence alone has it
            kw: dict[str, Any] = {"name": m.group("surname"), "title": m.group("title")}
            if record is not None:
                v = record.value
                kw = {"name": v.get("name"), "title": v.get("title") or m.group("title"),
                      "org": v.get("organization"), "mention": record}
            c = self._with_particle(text, m.start(), m.end(), "person", head=m.span("surname"), **kw)
            if c:
                out.append(c)
        for m in self._honorific.finditer(text):
            c = self._with_particle(text, m.start(), m.end(), "person", name=m.group("surname"),
                                    head=m.span("surname"))
            if c:
                out.append(c)
        for o, c_, _ in (p for para in self._paragraph_spans(text) for p in self._pairs(text, *para)):
            # a quoted name followed by a particle is a name, here of a group speaking: '개헌추진 모임'이 밝혔다
            if len(text[o + 1:c_].split()) > 3:
                continue  # a sentence in quotes before 는 is an adnominal quote ('…'는 신고가), not a name
            c = self._with_particle(text, o, c_ + 1, "organization", org=text[o + 1:c_], head=(o + 1, c_))
            if c and c.particle:
                out.append(c)
        for m in self._loose_person.finditer(text):
            org = m.group("org")
            if m.group("name") in self.subjects:
                continue  # 소속사 대표는: an organization's word, not a name
            if org and self._particle_end.search(org):
                continue  # the words before a title are an organization's name, not a clause (…를 맡은 대표는)
            inside = next((p for p in people if p.start == m.start("name")), None)  # the model's 김지훈, if any
            c = self._with_particle(text, m.start(), m.end(), "person", name=m.group("name"), title=m.group("title"),
                                    org=org, mention=inside, head=m.span("name"))
            if c:
                c.loose = True
                out.append(c)
        for m in self._noun.finditer(text):
            s = m.start()
            if s > 0 and _HANGUL.match(text, s - 1) and s not in orgs and not (
                    self.noun_kind.get(m.group("noun")) == "organization" and s > 1 and _HANGUL.match(text, s - 2)):
                continue  # inside a word (관측), unless attached to an organization's name (삼성전자측, 홈플러스측)
            org_m = orgs.get(s) or orgs.get(s - 1) if s > 0 else None
            org, start = None, s
            kind = self.noun_kind.get(m.group("noun"), "official")
            head = m.span("noun")  # an official: the noun 관계자; a side (측): the organization, as written
            w = regex.search(r"([가-힣A-Za-z0-9]+)[ ]?$", text[max(0, s - 20):s])
            attached = w is not None and not w.group(0).endswith(" ") and kind == "organization"
            if org_m is not None:
                org, start = org_m.value.get("name") or org_m.text, (org_m.extent or (org_m.start, org_m.end))[0]
                if kind == "organization":
                    head = (org_m.start, org_m.end)
            elif w and (w.group(1) in self.subjects or w.group(1).endswith(self.org_suffixes)):
                start = s - len(w.group(0))
                org = w.group(1)
                if kind == "organization":
                    head = (start, start + len(org))
            elif attached:  # 홈플러스측은: the name the side is attached to
                start = s - len(w.group(1))
                org, head = w.group(1), (start, s)
            elif w and kind == "organization" and w.group(1) in person_at:
                # a person's camp (백윤식 측): the side speaks, not the person; the org keeps 측
                start = s - len(w.group(0))
                org, head = text[start:m.end()], (start, m.end())
            elif (w and kind == "organization" and len(w.group(1)) >= 2 and w.group(1) not in self.side_not_names
                  and w.group(1) not in self.not_names):
                # 거커 측은: a name no lexicon knows, written before the side (quote_side_not_names.tsv: 반대 측)
                start = s - len(w.group(0))
                org, head = w.group(1), (start, start + len(w.group(1)))
            c = self._with_particle(text, start, m.end(), kind, org=org, mention=org_m, head=head)
            if c:
                out.append(c)
        for m in self._subject.finditer(text):
            c = self._with_particle(text, m.start(), m.end(), "organization", org=m.group("w"), head=m.span("w"))
            if c and c.particle:
                out.append(c)
        for pattern, kind in ((self._anonymous, "anonymous"), (self._pronoun, "pronoun")):
            for m in pattern.finditer(text):
                pm = self._particle_tail.search(m.group(0))
                bare = m.start() + (pm.start() if pm else len(m.group(0)))
                pk = self.particle_kind.get(pm.group(0), "topic") if pm else "topic"
                out.append(Candidate(m.start(), bare, m.end(), kind, pk, head=(m.start(), bare)))
        for m in self._anon_prefix.finditer(text):  # 한 측근은
            c = self._with_particle(text, m.start(), m.end(), "anonymous", head=m.span("noun"))
            if c and c.particle:
                out.append(c)
        # one candidate per stretch of text: the longest, then by kind
        out.sort(key=lambda c: (c.particle is None, c.loose, -(c.end - c.start), _KIND_ORDER[c.kind], c.start))
        kept: list[Candidate] = []
        kept_starts: list[int] = []  # kept candidates do not overlap: sorted by start, they are sorted by end too
        for c in out:
            i = bisect.bisect_left(kept_starts, c.end)  # kept ones starting before c ends
            if i > 0 and kept[i - 1].end > c.start:
                continue
            kept.insert(i, c)
            kept_starts.insert(i, c.start)
        return kept

    @staticmethod
    def _in(cands: list[Candidate], starts: list[int], a: int, b: int, need_particle: bool = True) -> list[Candidate]:
        i = bisect.bisect_left(starts, a)
        out = []
        while i < len(cands) and cands[i].start < b:
            c = cands[i]
            if c.end <= b and (c.particle or not need_particle):
                out.append(c)
            i += 1
        return out

    def _pick(self, cands: list[Candidate], state: "_State", people: list[Mention], at: int) -> Speaker | None:
        """The last topic-marked candidate, else the last subject-marked one; a pronoun is the speaker before."""
        if not cands:
            return None
        topic = [c for c in cands if c.particle == "topic"]
        c = (topic or cands)[-1]
        if c.kind == "pronoun":
            if state.last is not None:
                return Speaker(**{**state.last.__dict__, "start": c.start, "end": c.bare_end})
            before = [m for m in people if m.start < at]
            if before:
                v = before[-1].value
                return Speaker("person", c.start, c.bare_end, v.get("name"), v.get("title"), v.get("organization"),
                               before[-1])
            return Speaker("unresolved", c.start, c.bare_end)
        return c.speaker()

    # -- direct quotes --------------------------------------------------------------------------------------------

    def _cue_after(self, text: str, pos: int, end: int, pairs) -> tuple[int, int, str] | None:
        """The first speech verb starting a word in text[pos:end], outside quotes: (start, word end, cue)."""
        for w in _WORD.finditer(text, pos, end):
            if any(o <= w.start() <= c for o, c, _ in pairs):
                continue
            m = self._cue.match(text, w.start())
            if m is not None:
                return w.start(), w.end(), w.group(0).rstrip(_TRAIL)  # the cue as written (말했다, 밝혔습니다)
        return None

    def _ending_cue(self, text: str, ending: str, end: int, stop: int, pairs) -> tuple[int, int, str] | None:
        """The cue of a quote whose ending ends at ``end``: a speech verb later in the sentence; after an adnominal
        ending (…”는 바람을 밝혔다, …다는 입장이다) a verb or speech noun within the next two words."""
        kind = self.ending_row.get(ending, {}).get("kind")
        if kind != "adnominal":
            return self._cue_after(text, end, stop, pairs)
        for n, w in enumerate(_WORD.finditer(text, end, stop)):
            if n >= 2:
                break
            if self._cue.match(text, w.start()) or (n == 0 and self._noun_cue.match(text, w.start())):
                verb = self._cue_after(text, w.start(), min(stop, w.end() + 40), pairs) if n == 0 else None
                if verb is not None and verb[0] <= w.end() + 1 + 20:
                    return verb
                return w.start(), w.end(), w.group(0).rstrip(_TRAIL)
        return None

    def _direct(self, text, sent: _Sentence, si: int, sentences: list[_Sentence], cands, starts, people,
                state: "_State") -> tuple[list[Quote], list[tuple[int, int]]]:
        """The direct quotes of a sentence, and the stretches they take with their endings and verbs."""
        found: list[Quote] = []
        consumed: list[tuple[int, int]] = []
        groups: list[list[tuple[int, int, int, tuple | None, str]]] = []  # (open, close, ending end, cue, ending)
        standalone: list[tuple[int, int]] = []
        for o, c, mark in sent.pairs:
            if c - o <= 1 or not any(ch.isalnum() for ch in text[o + 1:c]):
                continue  # nothing but marks and spaces inside
            m = self._direct_end.match(text, c + 1)
            if m is not None:
                ending = m.group(0)
                kind = self.ending_row.get(ending, {}).get("kind")
                cue = self._ending_cue(text, ending, m.end(), sent.end, sent.pairs)
                if cue is None and kind != "connective":
                    continue  # “안전 제일”이라고 적힌, “공정”이라는 가치: no speech
                item = (o, c, m.end(), cue, ending)
                if groups and (groups[-1][-1][3] == cue and cue is not None
                               or self.ending_row.get(groups[-1][-1][4], {}).get("kind") == "connective"):
                    groups[-1].append(item)  # “…”라며 “…”라고 말했다: one speaker, the verb at the chain's end
                else:
                    groups.append([item])
                continue
            if c + 1 < sent.end and _HANGUL.match(text, c + 1):
                continue  # a scare quote: “공정”이라는
            before = text[sent.start:o]
            if mark.standalone and all(ch.isspace() or ch in self.closers or ch in self.marks
                                       or ch in SENTENCE_END for ch in before) and (" " in text[o + 1:c].strip()
                                                                                    or text[c - 1] in SENTENCE_END):
                standalone.append((o, c))
        boundary = sent.start
        for group in groups:
            first, last = group[0], group[-1]
            cue = next((g[3] for g in reversed(group) if g[3] is not None), None)
            region = self._in(cands, starts, boundary, first[0])
            speaker, how = self._pick(region, state, people, first[0]), "before"
            if speaker is None and cue is not None:
                speaker, how = self._pick(self._in(cands, starts, last[2], cue[0]), state, people, last[2]), "after"
            if speaker is None and found and state.last is not None:
                speaker, how = state.last, "carried"  # a second chain of the same sentence: its speaker goes on
            if speaker is None:
                speaker, how = self._subject_phrase(text, boundary, first[0]), "subject"
            if speaker is None and state.last is not None and (state.last_sentence_quoted or found):
                speaker, how = state.last, "carried"
            if speaker is None:
                how = "none"
            for o, c, _, q_cue, ending in group:
                if self.ending_row.get(ending, {}).get("kind") == "connective":
                    shown = ending  # a connective ending is its quote's own cue (…”라며)
                else:
                    shown = q_cue[2] if q_cue else None
                found.append(Quote(o + 1, c, "direct", f"quote.direct.{how}", shown, speaker))
            if speaker is not None:
                state.last = speaker
            if self.ending_row.get(last[4], {}).get("kind") == "connective" or cue is None:
                boundary = last[2]  # …”라며 the sentence goes on: its verb may close a clause of its own
            else:
                boundary = cue[1]
            consumed.append((first[0], boundary))
        for o, c in standalone:
            speaker, how = self._standalone_speaker(text, sent, si, sentences, (o, c), cands, starts, people, state)
            found.append(Quote(o + 1, c, "direct", f"quote.direct.{how}", None, speaker))
            consumed.append((o, c + 1))
        return found, consumed

    def _subject_phrase(self, text: str, a: int, b: int) -> Speaker | None:
        """No known speaker before the quote: the last topic-marked phrase of text[a:b] (허경환은, 박 후보는, 이 농장은),
        its words back to the first that ends a clause; its kind by shape — a name (a surname and one to three
        syllables, or a surname alone before a noun, or a name before 씨), an organization's ending, else
        unresolved (the phrase is kept as the speaker's offsets)."""
        words = list(_WORD.finditer(text, self._skip_openers(text, a, b), b))
        for k in range(len(words) - 1, -1, -1):
            m = self._topic_word.fullmatch(words[k].group(0))
            if m is None and k == len(words) - 1 and not text[words[k].end():b].strip(" ,"):
                m = self._subject_word.fullmatch(words[k].group(0))  # right before the quote: 조용훈씨가 '…'고
            bare_end = words[k].start() + m.end("bare") if m is not None else -1
            if m is None or not self._particle_at(bare_end) or not self._noun_before(bare_end):
                continue  # 보내는 (an adnominal ending), 대해서는 (a verb's): not 도구는
            first = k
            while first > 0 and k - first < 2 and self._noun_before(words[first - 1].end()):
                first -= 1  # 김동희(13세) 학생은: nouns before the topic word are part of the phrase
            start, end = words[first].start(), words[k].start() + m.end("bare")
            bare = regex.sub(r"\([^)]*\)", "", text[start:end]).split()  # 김동희(13세) 학생, 조용훈(2012년 사망)씨
            if not bare:
                return None
            head = words[first]
            name_end = head.start() + len(regex.sub(r"\(.*$", "", head.group(0)))
            last = bare[-1]
            if last.endswith(self.honorific_forms) and (len(bare) > 1 or len(last) > 1):
                name = next(bare[-1][:-len(h)] for h in self.honorific_forms if last.endswith(h)) or bare[-2]
                return Speaker("person", start, start + len(bare[0]) if len(bare) > 1 else end - 1, name)
            if bare[0] in self.demonstratives and len(bare) > 1 and bare[1] not in self.titles:
                return Speaker("unresolved", start, end)
            if len(bare) > 1 and bare[0] in self.surnames:
                return Speaker("person", start, start + len(bare[0]), bare[0],
                               bare[1] if bare[1] in self.titles else None)
            if _name_shaped(bare[0], self.surnames) and bare[0] not in self.not_names | self.subjects | self.titles \
                    and self._proper_at(start):  # 허경환 (NNP), not 정책위 (a common noun)
                return Speaker("person", start, name_end, bare[0], last if last in self.titles else None)
            if last.endswith(self.org_suffixes):
                return Speaker("organization", start, end, org=" ".join(bare))
            return Speaker("unresolved", start, end)
        return None

    def _standalone_speaker(self, text, sent, si, sentences, pair, cands, starts, people, state):
        o, c = pair
        # the rest of this sentence, then the next sentence that is not itself a quote
        rest = [(c + 1, sent.end)]
        for nxt in sentences[si + 1:]:
            if nxt.pairs and not text[nxt.start:nxt.pairs[0][0]].strip():
                continue  # another quote standing alone: the attribution may come after it
            rest.append((nxt.start, nxt.end))
            break
        for a, b in rest:
            if not text[a:b].strip():
                continue
            for cand in self._in(cands, starts, a, b, need_particle=False):
                if self._attribution.match(text, cand.bare_end):
                    return self._pick([cand], state, people, cand.start), "attribution"
            if (a, b) != rest[0] and self._deixis.search(text, a, b) and self._cue_after(text, a, b, []):
                pick = self._pick(self._in(cands, starts, a, b), state, people, a)
                if pick is not None:
                    return pick, "next"
            break
        if state.last is not None and state.last_sentence_quoted:
            return state.last, "carried"
        return None, "none"

    # -- indirect quotes ----------------------------------------------------------------------------------------

    def _indirect(self, text, sent: _Sentence, direct: list[Quote], consumed: list[tuple[int, int]], cands,
                  starts, people, state: "_State") -> list[Quote]:
        found: list[Quote] = []
        taken = consumed
        words = list(_WORD.finditer(text, sent.start, sent.end))
        boundary = max([sent.start] + [e for _, e in taken])
        ends = []  # (word index, ending) of the words that end in an indirect ending, outside direct quotes
        for wi, w in enumerate(words):
            if any(a <= w.start() <= b for a, b in taken):
                continue
            word = w.group(0).rstrip(_TRAIL)
            m = self._indirect_end.search(word)
            if m is not None and m.start() > 0 and not any(ch in self.closers or ch in self.marks
                                                           for ch in word[-3:]):
                ends.append((wi, m.group(0)))
        last_quotative = max([wi for wi, e in ends if self.ending_row.get(e, {}).get("kind") != "connective"],
                             default=-1)
        for wi, w in enumerate(words):
            if any(a <= w.start() <= b for a, b in taken) or w.start() < boundary:
                continue
            word = w.group(0).rstrip(_TRAIL)
            if any(ch in self.closers or ch in self.marks for ch in word[-3:]):
                continue
            m = self._indirect_end.search(word)
            if m is None or m.start() == 0:
                continue
            ending = m.group(0)
            kind = self.ending_row.get(ending, {}).get("kind")
            # a speech verb next, or a speaker and then a speech verb (…했다고 김 대표는 밝혔다)
            cue, after_speaker = None, None
            if kind == "adnominal":
                cue = self._ending_cue(text, ending, w.end(), sent.end, [])
            elif kind == "quotative":
                for wj in range(wi + 1, min(wi + 7, len(words))):
                    cm = self._cue.match(text, words[wj].start())
                    if cm is not None:
                        cue = (words[wj].start(), words[wj].end(), words[wj].group(0).rstrip(_TRAIL))
                        if wj > wi + 1:
                            after_speaker = self._pick(self._in(cands, starts, w.end(), words[wj].start()), state,
                                                       people, w.end())
                        break
            elif kind == "connective" and wi > last_quotative:
                # …했다며 불참을 통보했다, …건넸다며 칭송했다: the last connective clause of a sentence reports
                # speech by itself; its ending is its cue (a clause before a quotative one is split off below)
                cue = (w.end(), w.end(), ending)
            if cue is None:
                continue
            clause_end = w.start() + m.start()
            region = self._in(cands, starts, boundary, w.start())
            clause_start = boundary
            if after_speaker is not None:  # …계획이라고 중신넷이 보도했다: the clause keeps its own subject
                speaker, how = after_speaker, "after"
            else:
                speaker, how = self._pick(region, state, people, w.start()), "before"
                if speaker is not None:
                    chosen = [c for c in region if c.head == (speaker.start, speaker.end)
                              or c.start == speaker.start] or region
                    clause_start = chosen[-1].end
                elif (found or direct) and state.last is not None:
                    speaker, how = state.last, "carried"  # …라고 전하면서 …라고 밝혔다: one speaker
                elif (subject := self._subject_phrase(text, boundary, w.start())) is not None:
                    speaker, how = subject, "subject"
                    topic = next((x for x in _WORD.finditer(text, subject.start, w.start())
                                  if (t := self._topic_word.fullmatch(x.group(0)))
                                  and self._particle_at(x.start() + t.end("bare"))), None)
                    clause_start = topic.end() if topic else clause_start
                elif kind == "connective" and cue[0] == cue[1]:
                    continue  # a connective clause with no verb and no speaker: too weak alone
                elif state.last is not None and (state.last_sentence_quoted or found or direct):
                    speaker, how = state.last, "carried"
                else:
                    how = "none"
            clause_start = self._skip_openers(text, clause_start, clause_end, people_dates=cands)
            n_marks = sum(1 for ch in text[clause_start:clause_end] if ch in self.marks or ch in self.closers)
            if clause_end - clause_start < 2 or n_marks % 2:  # an unclosed mark: where the words end is unknown
                boundary = cue[1]
                continue
            for a, b, q_cue in self._split_chain(text, clause_start, clause_end, cue[2]):
                found.append(Quote(a, b, "indirect", f"quote.indirect.{how}", q_cue, speaker))
            if speaker is not None:
                state.last = speaker
            boundary = cue[1]
        return found

    def _skip_openers(self, text: str, start: int, end: int, people_dates=None) -> int:
        """Past spaces, connectives (이날, 이어) and dates or times at the start of a reported clause."""
        moved = True
        while moved and start < end:
            moved = False
            while start < end and text[start] in " ,":
                start += 1
                moved = True
            m = self._opener.match(text, start, end)
            if m is not None and m.end() > start:
                start, moved = m.end(), True
                continue
            for d in self._dates:
                if d[0] == start and d[1] < end:
                    start, moved = d[1], True
                    break
        return start

    def _split_chain(self, text: str, start: int, end: int, cue: str) -> list[tuple[int, int, str]]:
        """정부는 …했다며 …하겠다고 밝혔다: the clause splits after each word ending in a connective ending, whose
        ending is its cue; the last part has the sentence's cue."""
        out, s = [], start
        for w in _WORD.finditer(text, start, end):
            if w.end() >= end:
                break
            word = w.group(0).rstrip(",")
            m = self._indirect_end.search(word)
            if m is not None and m.start() > 0 and self.ending_row.get(m.group(0), {}).get("kind") == "connective":
                out.append((s, w.start() + m.start(), m.group(0)))
                s = w.end()
                while s < end and text[s] in " ,":
                    s += 1
        out.append((s, end, cue))
        return [(a, b, c) for a, b, c in out if b - a >= 2]


@dataclass
class _State:
    last: Speaker | None = None
    last_sentence_quoted: bool = False


def _name_shaped(word: str, surnames: set[str]) -> bool:
    """허경환, 남궁민수: a surname (one or two syllables) and one to three more, all Hangul."""
    return _HANGUL_WORD.fullmatch(word) is not None and (
        word[:1] in surnames or word[:2] in surnames)


def _full_name(m: Mention) -> bool:
    """A person's mention with a name of its own (not a bare surname or a model span 오 시장)."""
    name = (m.value or {}).get("name") or ""
    return len(name) >= 2 and " " not in name


def _second_mention(people: list[Mention], surname: str, title: str, before: int) -> Mention | None:
    """오 시장 → the latest full mention before it of a name with that surname and title; with no such title,
    the one person of that surname mentioned so far (two such people: no guess)."""
    earlier = [m for m in people if m.start < before and m.value["name"].startswith(surname)
               and len(m.value["name"]) > len(surname)]
    same = [m for m in earlier if m.value.get("title") == title]
    if same:
        return same[-1]
    names = {m.value["name"] for m in earlier}
    return earlier[-1] if len(names) == 1 else None
