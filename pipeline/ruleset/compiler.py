"""Turn rule files into matchers: one ``regex`` per regex pattern, one spaCy ``Matcher`` for all token patterns.

A ``Ruleset`` finds raw matches in an article (``find``) and gives each rule mention its value (``normalize``).
Matching is one non-overlapping pass of each pattern over the text; the checks that follow (``not_before``,
``not_after``, ``context``) only look at a few characters around each match.

The matches are always those of ``cp.regex.finditer(text)`` (the pattern as written), but ``find`` gets them from
an equivalent, faster search, ``cp.search`` (module ``fastsearch``, where the reasoning is spelled out):

- each ``\\L<name>`` of a dozen forms or more is compiled as a trie, which tries the same forms in the same order
  (longest first) without walking the whole list at every position; not inside a lookbehind (read right to left)
  nor in a case-insensitive part of a pattern;
- patterns that begin with the same zero-width assertions (the ``person.*`` patterns: a word start, a surname
  ahead, not an ordinary word) have the positions where those hold found once per text, and try the rest of the
  pattern at those positions only, resuming after each match as ``finditer`` does. Assertions consume nothing and
  hold no group, so a match there is the very match ``finditer`` finds;
- a pattern that ``regex`` would try at every position (it finds no set of first characters in it, as in
  ``(?:오후\\s*)?[0-9]시``) is searched behind a check of the characters its matches can begin with
  (``(?=[오0-9])``), when those are few.

The pattern as written (``cp.regex``) is compiled when something uses it to match (a ``fastsearch.LazyPattern``):
the fast searches do not. Loading checks it with a one-form stand-in for each list, which gives the same errors.

A pattern whose source uses syntax ``fastsearch`` does not read (other flags, conditionals, fuzzy matching, ...)
is searched as written. ``tests/ruleset/test_fastsearch.py`` compares both searches.

>>> from pipeline.ruleset import load_ruleset
>>> ruleset = load_ruleset(["my_rules"])          # holding the PERCENT file of rules/README.md  # doctest: +SKIP
>>> [(m.pattern.id, m.start, m.end, m.groups) for m in ruleset.find("매출 12.5%")]  # doctest: +SKIP
[('percent.number_unit', 3, 8, {'number': (3, 7), 'unit': (7, 8)})]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

import regex

from pipeline.ruleset import fastsearch
from pipeline.ruleset.schema import (TOKEN_GROUP_KEY, PatternSpec, Problem, RuleFile, RulesetError, did_you_mean,
                                     known_normalizers)

# \L<name> not preceded by an escaping backslash
_LIST_REF = regex.compile(r"(?<!\\)(?:\\\\)*\\L<(\w+)>")


@dataclass
class CompiledPattern:
    """A pattern ready to match; ``order`` is its place among all patterns (file order, then pattern order)."""

    spec: PatternSpec
    file: RuleFile
    order: int
    label: str
    priority: int
    confidence: float = 1.0
    regex: Any = None  # regex.Pattern (a fastsearch.LazyPattern: compiled when first used)
    search: Any = None  # fastsearch.Search: how find looks for the matches of ``regex``
    token_groups: list[str | None] = field(default_factory=list)  # group name per token-pattern element
    not_before: Any = None  # regex.Pattern: a lookbehind tried at the match start
    not_after: Any = None  # regex.Pattern: tried at the match end
    context: Any = None  # regex.Pattern over the context lexicon's forms
    context_before: int = 0
    context_after: int = 0

    @property
    def id(self) -> str:
        return self.spec.id

    def accepts(self, text: str, start: int, end: int) -> bool:
        if self.not_before is not None and self.not_before.match(text, start):
            return False
        if self.not_after is not None and self.not_after.match(text, end):
            return False
        if self.context is not None:
            before = self.context_before and self.context.search(text, max(0, start - self.context_before), start)
            after = self.context_after and self.context.search(text, end, end + self.context_after)
            return bool(before or after)
        return True


@dataclass
class RawMatch:
    pattern: CompiledPattern
    start: int
    end: int
    groups: dict[str, tuple[int, int]]


def compile_ruleset(files: list[RuleFile], problems: list[Problem]) -> "Ruleset":
    """Compile ``files``; problems are appended to ``problems`` (the caller raises them with the load's)."""
    return Ruleset(files, problems)


def list_names(source: str) -> list[str]:
    """The ``\\L<name>`` lists a regex refers to, in order of appearance."""
    return list(dict.fromkeys(_LIST_REF.findall(source)))


def list_regex(forms: list[str]) -> Any:
    """One regex matching any of ``forms``, longest first (the ``regex`` module's named lists try longer items
    before shorter ones, so 매출액 is found whole rather than as 매출)."""
    return regex.compile(r"\L<forms>", forms=[f for f in forms if f])


class Ruleset:
    """The compiled rules of one load: built-in files first, then each user folder's, in name order."""

    def __init__(self, files: list[RuleFile], problems: list[Problem] | None = None):
        self.files = files
        own: list[Problem] = []
        self._compile(own)
        if problems is not None:
            problems.extend(own)
        elif own:
            raise RulesetError(own)

    # Compiled regexes and spaCy's Matcher are rebuilt after unpickling (a pickled Matcher forgets `greedy`).
    def __getstate__(self) -> dict:
        return {"files": self.files}

    def __setstate__(self, state: dict) -> None:
        self.files = state["files"]
        self._compile([])

    def _compile(self, problems: list[Problem]) -> None:
        from pipeline.normalizers import base

        known_normalizers()  # imports the built-in normalizer modules (registering them)
        self.patterns: list[CompiledPattern] = []
        self.by_id: dict[str, CompiledPattern] = {}
        self.vocab = None  # spaCy's Vocab and Matcher, made for the first token pattern (spaCy takes 0.5 s to import)
        self.matcher = None
        self._token_keys: dict[int, CompiledPattern] = {}
        self._normalizers: dict[str, Any] = {}
        with_regex: list[tuple[CompiledPattern, Mapping[str, list[str]]]] = []
        for rf in self.files:
            lists = rf.named_lists()
            if rf.normalizer:
                self._normalizers[rf.normalizer] = base._REGISTRY.get(rf.normalizer)
            context_cache: dict[str, Any] = {}
            for spec in rf.patterns:
                cp = CompiledPattern(spec, rf, len(self.patterns), spec.label or rf.entity,
                                     spec.priority if spec.priority is not None else rf.priority,
                                     spec.confidence if spec.confidence is not None else rf.confidence)
                ok = self._compile_pattern(cp, lists, problems)
                if spec.context is not None:
                    if spec.context.lexicon not in context_cache:
                        context_cache[spec.context.lexicon] = list_regex(lists[spec.context.lexicon])
                    cp.context = context_cache[spec.context.lexicon]
                    cp.context_before, cp.context_after = spec.context.before, spec.context.after
                if ok and spec.id not in self.by_id:
                    self.patterns.append(cp)
                    self.by_id[spec.id] = cp
                    if cp.regex is not None:
                        with_regex.append((cp, lists))
        searches = fastsearch.plan_searches([(cp.spec.regex, cp.regex, lists) for cp, lists in with_regex])
        for (cp, _), search in zip(with_regex, searches):
            cp.search = search

    def _problem(self, cp: CompiledPattern, key: str, message: str, problems: list[Problem]) -> None:
        problems.append(Problem(cp.file.display, cp.spec.lines.get(key, cp.spec.line), cp.id, message))

    def _compile_regex(self, cp: CompiledPattern, key: str, source: str, lists: Mapping[str, list[str]],
                       problems: list[Problem], wrap: str = "{}") -> Any:
        names = list_names(source)
        unknown = [n for n in names if n not in lists]
        for name in unknown:
            self._problem(cp, key, f"\\L<{name}> refers to an unknown list{did_you_mean(name, list(lists))} "
                                   f"(known: {', '.join(sorted(lists))})", problems)
        if unknown:
            return None
        named = {n: [f for f in lists[n] if f] for n in names}
        # A list's forms change nothing in what compiling says (errors, flags, groups), and a list of one short form
        # compiles much faster than one of hundreds.
        stand_ins = {n: forms[:1] and ["x"] for n, forms in named.items()}
        try:
            shape = regex.compile(source, **stand_ins)  # errors with positions in the author's own text
            if wrap == "{}":  # the pattern itself: compiled when a search needs it (fastsearch.plan_searches)
                return fastsearch.LazyPattern(source, named, shape)
            return regex.compile(wrap.format(source), **named)
        except regex.error as exc:
            self._problem(cp, key, f"invalid {key} regex: {exc}", problems)
            return None

    def _compile_pattern(self, cp: CompiledPattern, lists: Mapping[str, list[str]], problems: list[Problem]) -> bool:
        spec = cp.spec
        n = len(problems)
        if spec.not_before:
            cp.not_before = self._compile_regex(cp, "not_before", spec.not_before, lists, problems, "(?<=(?:{}))")
        if spec.not_after:
            cp.not_after = self._compile_regex(cp, "not_after", spec.not_after, lists, problems, "(?:{})")
        if spec.regex is not None:
            cp.regex = self._compile_regex(cp, "regex", spec.regex, lists, problems)
        elif spec.tokens is not None:
            self._compile_tokens(cp, lists, problems)
        else:
            return False
        if spec.span and len(problems) == n:
            groups = list(cp.regex.groupindex) if cp.regex is not None else [g for g in cp.token_groups if g]
            if spec.span not in groups:
                self._problem(cp, "span", f"span '{spec.span}' is not a named group of the pattern"
                                          f"{did_you_mean(spec.span, groups)} (groups: {', '.join(groups) or 'none'})",
                              problems)
        return len(problems) == n

    def _compile_tokens(self, cp: CompiledPattern, lists: Mapping[str, list[str]], problems: list[Problem]) -> None:
        pattern: list[dict] = []
        for token in cp.spec.tokens or []:
            token = dict(token)
            group = token.pop(TOKEN_GROUP_KEY, None)
            if group is not None and not isinstance(group, str):
                self._problem(cp, "tokens", f"token '{TOKEN_GROUP_KEY}' must be a name, got {group!r}", problems)
            cp.token_groups.append(group)
            pattern.append(self._expand_lists(cp, token, lists, problems))
        from spacy.matcher import Matcher
        from spacy.schemas import validate_token_pattern
        from spacy.vocab import Vocab

        if self.matcher is None:
            self.vocab = Vocab()
            self.matcher = Matcher(self.vocab, validate=True)
        errors = validate_token_pattern(pattern)
        for err in errors:
            self._problem(cp, "tokens", f"bad token pattern: {err}", problems)
        if errors:
            return
        try:
            self.matcher.add(cp.id, [pattern], greedy="LONGEST")
        except (ValueError, KeyError) as exc:
            self._problem(cp, "tokens", f"bad token pattern: {exc}", problems)
            return
        self._token_keys[self.vocab.strings[cp.id]] = cp

    def _expand_lists(self, cp: CompiledPattern, value: Any, lists: Mapping[str, list[str]],
                      problems: list[Problem]) -> Any:
        """``"@name"`` inside ``IN``/``NOT_IN`` becomes the forms of that lexicon or table."""
        if not isinstance(value, dict):
            return value
        out = {}
        for key, sub in value.items():
            if key in ("IN", "NOT_IN") and isinstance(sub, list):
                items: list = []
                for item in sub:
                    if isinstance(item, str) and item.startswith("@"):
                        name = item[1:]
                        if name in lists:
                            items.extend(lists[name])
                        else:
                                            self._problem(cp, "tokens", f"'{item}' refers to an unknown list"
                                                        f"{did_you_mean(name, list(lists))} "
                                                        f"(known: {', '.join(sorted(lists))})", problems)
                    else:
                        items.append(item)
                out[key] = items
            else:
                out[key] = self._expand_lists(cp, sub, lists, problems)
        return out

    # -- matching ---------------------------------------------------------------------------------------------

    @property
    def labels(self) -> set[str]:
        return {cp.label for cp in self.patterns}

    @property
    def has_token_patterns(self) -> bool:
        return bool(self._token_keys)

    def find(self, text: str, doc: Any = None) -> list[RawMatch]:
        """Every accepted match, pattern by pattern in load order, each pattern's matches in text order.

        Token patterns need ``doc`` (the segment stage's spaCy ``Doc`` over ``text``); without it they are skipped.
        """
        by_pattern: dict[int, list[RawMatch]] = {}
        positions: dict = {}  # where shared leading assertions hold in text (fastsearch.Search.finditer)
        for cp in self.patterns:
            if cp.regex is not None:
                by_pattern[cp.order] = list(self._regex_matches(cp, text, positions))
        if doc is not None and self._token_keys:
            for m in self._token_matches(text, doc):
                by_pattern.setdefault(m.pattern.order, []).append(m)
        out: list[RawMatch] = []
        for order in sorted(by_pattern):
            out.extend(sorted(by_pattern[order], key=lambda m: (m.start, m.end)))
        return out

    @staticmethod
    def _regex_matches(cp: CompiledPattern, text: str, positions: dict) -> Iterator[RawMatch]:
        names = list(cp.regex.groupindex)
        for m in cp.search.finditer(text, positions):
            start, end = m.span()
            if start == end or not cp.accepts(text, start, end):
                continue
            groups = {}
            for name in names:
                span = m.span(name)
                if span[0] >= 0:
                    groups[name] = span
            yield RawMatch(cp, start, end, groups)

    def _token_matches(self, text: str, doc: Any) -> Iterator[RawMatch]:
        for key, t_start, t_end, align in self.matcher(doc, with_alignments=True):
            cp = self._token_keys[key]
            start = doc[t_start].idx
            last = doc[t_end - 1]
            end = last.idx + len(last.text)
            if start == end or not cp.accepts(text, start, end):
                continue
            groups: dict[str, tuple[int, int]] = {}
            for tok_i, element in zip(range(t_start, t_end), align):
                name = cp.token_groups[element] if element < len(cp.token_groups) else None
                if name:
                    tok = doc[tok_i]
                    s, e = groups.get(name, (tok.idx, tok.idx + len(tok.text)))
                    groups[name] = (min(s, tok.idx), max(e, tok.idx + len(tok.text)))
            yield RawMatch(cp, start, end, groups)

    # -- values -----------------------------------------------------------------------------------------------

    def normalizer_for(self, rule_id: str):
        """The ``Normalizer`` of the file that holds ``rule_id`` (None: no such rule, or no normalizer)."""
        cp = self.by_id.get(rule_id)
        if cp is None or not cp.file.normalizer:
            return None
        return self._normalizers.get(cp.file.normalizer)

    def primary_key(self, rule_file: RuleFile) -> str:
        """The value key a scalar ``expect: value`` of ``rule_file`` is compared with (``value`` by default)."""
        normalizer = self._normalizers.get(rule_file.normalizer or "")
        return normalizer.primary if normalizer is not None else "value"

    def has_normalizer(self, rule_id: str) -> bool:
        return self.normalizer_for(rule_id) is not None

    def normalize(self, mention: Any, analysis: Any) -> dict[str, Any] | None:
        """The value of a rule mention: its file's normalizer's dict with the pattern's fixed ``value`` merged in.

        None when the normalizer rejects the mention, and when there is nothing to say (no normalizer and no fixed
        ``value``); ``has_normalizer`` tells the two apart.
        """
        cp = self.by_id.get(mention.rule_id)
        if cp is None:
            return None
        normalizer = self.normalizer_for(mention.rule_id)
        if normalizer is None:
            return dict(cp.spec.value) or None
        value = normalizer.fn(self.context(mention, analysis))
        if value is None:
            return None
        return {**value, **cp.spec.value}

    def context(self, mention: Any, analysis: Any):
        """The ``NormContext`` a normalizer gets for a rule mention (None for a mention of no rule)."""
        from pipeline.normalizers.base import NormContext

        cp = self.by_id.get(mention.rule_id)
        if cp is None:
            return None
        return NormContext(text=analysis.text, start=mention.start, end=mention.end, groups=dict(mention.groups),
                           published=analysis.article.published, config=cp.file.norm_config(),
                           lexicons=cp.file.norm_lexicons(), rule_id=cp.id, label=mention.label)

    def fixed_value(self, rule_id: str) -> dict[str, Any]:
        """The pattern's fixed ``value`` keys (merged over the normalizer's)."""
        cp = self.by_id.get(rule_id)
        return dict(cp.spec.value) if cp is not None else {}

    def user_words(self) -> tuple[tuple[str, str, float], ...]:
        """(form, tag, score) for Kiwi, from every lexicon with a ``kiwi_tag`` column (and optional ``kiwi_score``)."""
        words: dict[str, tuple[str, str, float]] = {}
        for rf in self.files:
            for lex in rf.lexicons.values():
                if "kiwi_tag" not in lex.columns:
                    continue
                for form, row in lex.rows.items():
                    tag = row.get("kiwi_tag", "")
                    if not tag or " " in form:
                        continue
                    try:
                        score = float(row.get("kiwi_score") or 0.0)
                    except ValueError:
                        score = 0.0
                    words.setdefault(form, (form, tag, score))
        return tuple(words[f] for f in sorted(words))

    def __repr__(self) -> str:
        return f"Ruleset({len(self.files)} files, {len(self.patterns)} patterns)"
