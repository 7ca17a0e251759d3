"""Faster equivalents of a rule regex: the same matches as ``pattern.finditer(text)``, found with less work.

``compiler.Ruleset`` asks ``plan_searches`` for one ``Search`` per regex pattern; the rule files do not change.
Two rewrites:

**Named lists as tries.** The ``regex`` module matches ``\\L<name>`` as one alternative per form, longest first,
tried one after another (a few hundred for ``organizations``, at every word start). ``list_source`` writes the
same forms as a trie, ``(?=[김남이…])(?:남(?:궁|)|…|[김이…])``: a node follows the one branch whose character comes
next, and when a form also ends at the node, it then tries the empty alternative (``남`` after ``남궁``). Read
left to right, the trie thus offers exactly the forms that match at a position, longest first, which is the order
in which the list offers them (two forms of the same length cannot both match). The trie holds no group, so the
rest of a match (its span, its groups) comes out the same. Read right to left, as inside a lookbehind, a trie
would offer the forms in another order: lists there stay as written; so do lists in a case-insensitive part of a
pattern (case folding can make forms of different lengths match the same text) and lists of fewer than
``MIN_TRIE_FORMS`` forms, which the module handles well.

**Shared leading assertions.** The ``person.*`` patterns all begin with the same zero-width checks (a word start,
a surname ahead, not an ordinary word). An assertion consumes nothing: it holds or fails at a position whatever
comes after it. So a pattern ``P R`` (assertions ``P`` holding no group, then the rest ``R``) matches at a position
exactly when ``P`` holds there and ``R`` matches there, and the match is ``R``'s (same span, same groups).
``LeadingChecks`` finds the positions where ``P`` holds, once per text for all the patterns that begin with it;
each pattern tries its ``R`` at those positions, in order, going on after each match's end as ``finditer`` does
(the positions skipped are those where no match can start). A top-level alternation leaves no prefix
(``P R|S``: ``S`` is not behind ``P``), nor does an assertion with a quantifier. Should ``R`` match the empty
string, the pattern is searched with ``finditer`` after all (``finditer`` decides where a match may follow an
empty one).

``analyse`` reads a pattern's source for its lists and leading assertions. It knows the ``regex`` syntax the rule
files use and gives up, leaving the pattern as written, on anything else: flags other than ``x s m a u w``
(``i`` only scoped, as ``(?i:...)``), conditionals, branch resets, recursion, ``\\G``, fuzzy constraints, nested
sets. A rewrite that does not compile, or has other groups than the pattern, is dropped the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

import regex

MIN_TRIE_FORMS = 12  # shorter lists stay \L<name>

# flags under which analyse reads a pattern (effective flags of the compiled original, inline ones included)
_PLAIN_FLAGS = regex.VERBOSE | regex.DOTALL | regex.MULTILINE | regex.ASCII | regex.UNICODE | regex.WORD | regex.V0
_GLOBAL_FLAG_LETTERS = set("amsuwx")
_SCOPED_FLAG_LETTERS = set("amsuwi")  # x would change how the rest of the source reads: not supported scoped
_LIST_NAME = regex.compile(r"\\L<(\w+)>")
_GROUP_NAME = regex.compile(r"P?<(\w+)>")
_INLINE_FLAGS = regex.compile(r"([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])")
_COUNTED_REPEAT = regex.compile(r"\{\d*(?:,\d*)?\}")
_QUANTIFIERS = "?*+{"


class _Unsupported(Exception):
    pass


@dataclass
class ListRef:
    name: str
    start: int
    end: int
    expandable: bool  # read left to right, case-sensitively


@dataclass
class Analysis:
    lists: list[ListRef] = field(default_factory=list)
    prefix_end: int = 0  # source[:prefix_end]: the leading zero-width assertions without groups (0: none)
    prefix_kinds: list[str] = field(default_factory=list)  # "ahead" or "behind", one per leading assertion


@dataclass
class _Group:
    kind: str  # group, capture, ahead, behind
    backwards: bool  # a lookbehind, or inside one
    casefold: bool  # case-insensitive: inside (?i:...)
    has_capture: bool = False


def analyse(source: str, flags: int) -> Analysis | None:
    """The lists and leading assertions of a pattern (``flags``: those of the compiled pattern), or None."""
    if flags & ~_PLAIN_FLAGS:
        return None
    try:
        return _Reader(source, bool(flags & regex.VERBOSE)).read()
    except (_Unsupported, IndexError, ValueError):  # ran off the end
        return None


class _Reader:
    """One pass over a pattern source, tracking groups (see ``analyse``)."""

    def __init__(self, source: str, verbose: bool):
        self.s = source
        self.verbose = verbose

    def read(self) -> Analysis:
        s, out = self.s, Analysis()
        stack: list[_Group] = []
        in_prefix = True  # still reading leading assertions at the top level
        before_last = 0  # prefix_end before the last assertion read (undone if a quantifier follows it)
        top_alternation = False
        i = 0
        while i < len(s):
            c = s[i]
            if self.verbose and c.isspace():
                i += 1
                continue
            if self.verbose and c == "#":
                end = s.find("\n", i)
                i = len(s) if end < 0 else end + 1
                continue
            if c == "(":
                group, i = self._open(i, stack)
                if group is None:  # a global flag group: no group, not an item of the match
                    continue
                if not stack and group.kind not in ("ahead", "behind"):
                    in_prefix = False
                if group.kind == "capture":
                    for g in stack:
                        g.has_capture = True
                stack.append(group)
                continue
            if c == ")":
                if not stack:
                    raise _Unsupported
                group = stack.pop()
                i += 1
                if not stack and in_prefix:
                    if group.has_capture:
                        in_prefix = False
                    else:
                        before_last, out.prefix_end = out.prefix_end, i
                        out.prefix_kinds.append(group.kind)
                continue
            if not stack and in_prefix:
                if c in _QUANTIFIERS and out.prefix_kinds:  # the last assertion is optional: not part of the prefix
                    out.prefix_end = before_last
                    out.prefix_kinds.pop()
                in_prefix = False
            if c == "\\":
                i = self._escape(i, stack, out)
            elif c == "[":
                i = self._char_class(i)
            elif c == "{":
                m = _COUNTED_REPEAT.match(s, i)
                if m is None:  # a fuzzy constraint, or a literal brace
                    raise _Unsupported
                i = m.end()
            else:
                if c == "|" and not stack:
                    top_alternation = True
                i += 1
        if stack:
            raise _Unsupported
        if top_alternation:
            out.prefix_end, out.prefix_kinds = 0, []
        return out

    def _open(self, i: int, stack: list[_Group]) -> tuple[_Group | None, int]:
        s = self.s
        outer = stack[-1] if stack else _Group("group", backwards=False, casefold=False)

        def group(kind: str, length: int, casefold: bool = outer.casefold) -> tuple[_Group, int]:
            return _Group(kind, outer.backwards or kind == "behind", casefold), i + length

        if s[i + 1] != "?":
            if s[i + 1] == "*":  # (*PRUNE) and other verbs
                raise _Unsupported
            return group("capture", 1)
        head = s[i + 2]
        if head == ":" or head == ">":
            return group("group", 3)
        if head in "=!":
            return group("ahead", 3)
        if s.startswith(("<=", "<!"), i + 2):
            return group("behind", 4)
        name = _GROUP_NAME.match(s, i + 2)
        if name is not None:
            return group("capture", name.end() - i)
        if head == "#":
            end = s.index(")", i)
            return None, end + 1
        flags = _INLINE_FLAGS.match(s, i + 2)
        if flags is None:
            raise _Unsupported  # (?P=name), (?|...), (?(1)...), (?R), (?&name) ...
        on, off, kind = flags.group(1), flags.group(2) or "", flags.group(3)
        if kind == ")":  # global: already among the flags the pattern was compiled with
            if off or not set(on) <= _GLOBAL_FLAG_LETTERS:  # (?R) is a recursion, not a flag
                raise _Unsupported
            return None, flags.end()
        if not set(on + off) <= _SCOPED_FLAG_LETTERS:
            raise _Unsupported
        return group("group", flags.end() - i, casefold=("i" in on) or (outer.casefold and "i" not in off))

    def _escape(self, i: int, stack: list[_Group], out: Analysis) -> int:
        s = self.s
        c = s[i + 1]
        if c == "L":
            m = _LIST_NAME.match(s, i)
            if m is None:
                raise _Unsupported
            expandable = not stack or not (stack[-1].backwards or stack[-1].casefold)  # both are inherited
            out.lists.append(ListRef(m.group(1), i, m.end(), expandable))
            return m.end()
        if c == "G":  # the search start: differs between finditer and match at a position
            raise _Unsupported
        if c in "pPNx" and s[i + 2: i + 3] == "{":
            return s.index("}", i) + 1
        if c == "g" and s[i + 2: i + 3] == "<":
            return s.index(">", i) + 1
        return i + 2

    def _char_class(self, i: int) -> int:
        s = self.s
        j = i + 1
        if s[j] == "^":
            j += 1
        if s[j] == "]":
            j += 1
        while True:
            c = s[j]
            if c == "\\":
                j += 2
            elif c == "[":
                if s[j + 1] != ":":  # a nested set
                    raise _Unsupported
                j = s.index(":]", j + 2) + 2
            elif c == "]":
                return j + 1
            else:
                j += 1


# -- named lists as tries ---------------------------------------------------------------------------------------

_END = ""  # marks, in a trie node, that a form ends there


def _literal(ch: str) -> str:
    if ch.isalnum():
        return ch
    return f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}"


def _one_of(chars: list[str]) -> str:
    return _literal(chars[0]) if len(chars) == 1 else "[" + "".join(_literal(c) for c in sorted(chars)) + "]"


def _node_source(node: dict) -> str:
    branches, single = [], []
    for ch, child in node.items():
        if ch == _END:
            continue
        if list(child) == [_END]:  # a form ends here and nothing longer goes on
            single.append(ch)
        else:
            branches.append(_literal(ch) + _node_source(child))
    if single:
        branches.append(_one_of(single))
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if _END in node:  # a shorter form ends here: tried after the longer ones
        body = f"(?:{body}|)"
    return body


def list_source(forms: list[str]) -> str:
    """A regex source matching any of ``forms``, longest first, as ``\\L<name>`` does (see the module docstring)."""
    root: dict = {}
    for form in forms:
        if not form:
            continue
        node = root
        for ch in form:
            node = node.setdefault(ch, {})
        node[_END] = {}
    if not root:
        raise ValueError("no forms")
    check = f"(?={_one_of(list(root))})" if len(root) > 1 else ""  # rejects most positions at once
    return f"(?:{check}{_node_source(root)})"


def expand_lists(source: str, analysis: Analysis, lists: Mapping[str, list[str]], start: int = 0,
                 end: int | None = None) -> tuple[str, dict[str, list[str]]]:
    """``source[start:end]`` with its expandable list references written as tries, and the lists it still names."""
    end = len(source) if end is None else end
    parts, named, at = [], {}, start
    for ref in analysis.lists:
        if ref.start < start or ref.end > end:
            continue
        forms = [f for f in lists[ref.name] if f]
        if ref.expandable and len(set(forms)) >= MIN_TRIE_FORMS:
            parts += [source[at:ref.start], list_source(forms)]
            at = ref.end
        else:
            named[ref.name] = forms
    parts.append(source[at:end])
    return "".join(parts), named


# -- searching ----------------------------------------------------------------------------------------------------

class LeadingChecks:
    """Leading assertions that several patterns share, tried once per text (see the module docstring)."""

    def __init__(self, pattern: Any):
        self.pattern = pattern  # zero-width: each match is a position where the assertions hold

    def positions(self, text: str) -> list[int]:
        return [m.start() for m in self.pattern.finditer(text)]


@dataclass
class Search:
    """How one rule regex is searched. Without ``checks``, ``regex`` is the whole pattern (lists as tries); with
    them, it is the rest of the pattern after the assertions ``checks`` holds."""

    regex: Any
    original: Any
    checks: LeadingChecks | None = None

    def finditer(self, text: str, positions: dict[LeadingChecks, list[int]]) -> Iterator[Any]:
        """The matches of ``original.finditer(text)``. ``positions`` keeps, for one text, the positions of each
        ``LeadingChecks`` already tried, for the next pattern that shares them."""
        if self.checks is None:
            return self.regex.finditer(text)
        if self.checks not in positions:
            positions[self.checks] = self.checks.positions(text)
        matches, resume = [], 0
        for pos in positions[self.checks]:
            if pos < resume:
                continue
            m = self.regex.match(text, pos)
            if m is None:
                continue
            if m.end() == pos:  # an empty match: finditer's own rules say where the next one may start
                return self.original.finditer(text)
            matches.append(m)
            resume = m.end()
        return iter(matches)


def _compile_part(source: str, analysis: Analysis, lists: Mapping[str, list[str]], original: Any, start: int = 0,
                  end: int | None = None) -> Any:
    """``source[start:end]`` compiled with its lists as tries and the flags of ``original`` (None: it fails)."""
    text, named = expand_lists(source, analysis, lists, start, end)
    if text == source:
        return original
    try:
        return regex.compile(text, flags=original.flags, **named)
    except (regex.error, ValueError, TypeError):
        return None


def _same_groups(pattern: Any, original: Any) -> bool:
    return pattern is not None and (pattern.groups, pattern.groupindex) == (original.groups, original.groupindex)


def plan_searches(patterns: list[tuple[str, Any, Mapping[str, list[str]]]]) -> list[Search]:
    """A ``Search`` for each ``(source, source compiled, named lists)``.

    Leading assertions are shared by the patterns that start with the same ones (same text, flags and lists)
    when there are several and the assertions look ahead: a lookbehind alone holds at every word start, where
    trying the rest from Python costs more than ``finditer``'s own scan.
    """
    searches: list[Search] = []
    sharing: dict[tuple, list[tuple[int, Analysis]]] = {}
    for i, (source, original, lists) in enumerate(patterns):
        analysis = analyse(source, original.flags)
        if analysis is None:
            searches.append(Search(original, original))
            continue
        whole = _compile_part(source, analysis, lists, original)
        searches.append(Search(whole if _same_groups(whole, original) else original, original))
        if "ahead" in analysis.prefix_kinds and source[analysis.prefix_end:].strip():
            prefix_lists = sorted({(ref.name, tuple(lists[ref.name])) for ref in analysis.lists
                                   if ref.end <= analysis.prefix_end})
            sharing.setdefault((source[:analysis.prefix_end], original.flags, tuple(prefix_lists)), []).append(
                (i, analysis))
    for members in sharing.values():
        if len(members) < 2:
            continue
        first, analysis = members[0]
        source, original, lists = patterns[first]
        prefix = _compile_part(source, analysis, lists, original, end=analysis.prefix_end)
        if prefix is None or prefix.groups:
            continue
        checks = LeadingChecks(prefix)
        for i, analysis in members:
            source, original, lists = patterns[i]
            rest = _compile_part(source, analysis, lists, original, start=analysis.prefix_end)
            if _same_groups(rest, original):
                searches[i] = Search(rest, original, checks)
    return searches
