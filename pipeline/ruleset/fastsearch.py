"""Faster equivalents of a rule regex: the same matches as ``pattern.finditer(text)``, found with less work.

``compiler.Ruleset`` asks ``plan_searches`` for one ``Search`` per regex pattern; the rule files do not change.
Three rewrites:

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

**First characters.** Where a pattern can begin matching, ``finditer`` tries it at every position, unless
``regex`` works out from the pattern a set of characters every match begins with and skips to the next one of
them. It gives up on some patterns that have such a set: ``(?:(?<![가-힣])(?P<ampm>\\L<ampm>)\\s*)?(?P<hour>2[0-3]|
1[0-9]|0?[0-9])시`` (an optional start, and a set that is one range) is tried at every position. ``first_chars``
reads the set from the source: the first characters of a list's forms, of a literal, the members of a set as
written, those of every alternative, and, after an item that can match the empty string (an optional one, an
assertion), those of the next item too; a larger set than needed is still a right one. When every match is
non-empty and begins with a character of the set ``F``, ``(?=[F])P`` matches at exactly the positions where ``P``
does, with the same match (the assertion consumes nothing and holds no group, and no match of ``P`` begins
elsewhere), so ``finditer`` finds the same matches; ``regex`` takes ``F`` from the assertion and skips to it. The
check is put in only where ``regex`` finds no set of its own (``engine_scans_for_first_chars`` asks its parser;
where it has one, the check only adds work) and the set is narrow (no ``\\w``, no range of 256 characters or
more: a set of all Hangul syllables rejects hardly a position of a Korean text). The reader gives up (no check)
where a match can be empty, on a case-insensitive part, on a complemented or nested set, ``.``, back-references
and any escape it does not know.

``analyse`` reads a pattern's source for its lists and leading assertions. It knows the ``regex`` syntax the rule
files use and gives up, leaving the pattern as written, on anything else: flags other than ``x s m a u w``
(``i`` only scoped, as ``(?i:...)``), conditionals, branch resets, recursion, ``\\G``, fuzzy constraints, nested
sets. A rewrite that does not compile, or has other groups than the pattern, is dropped the same way.

**Compiling less** (loading the rules is on every run's start-up path). A pattern searched after shared
assertions is not compiled whole as well. The pattern as written is a ``LazyPattern``, compiled only if a search
uses it: one ``analyse`` gives up on, a rewrite that failed, an empty match after shared assertions; ``compiler``
checks it with a one-form stand-in for each list, which says the same errors, flags and groups (a list's forms
are strings to match, nothing to parse).
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


# -- first characters -------------------------------------------------------------------------------------------

_CLASS_SHORTHANDS = set("dDwWsS")  # escapes that stand for a set of characters, the same inside a set
_CHAR_ESCAPES = set("ntrfv")  # escapes of one character, the same inside a set
_ZERO_WIDTH_ESCAPES = set("bBAZmM")


class _FirstChars:
    """One pass over a pattern source (already accepted by ``analyse``) for the characters a match can begin with.

    ``read`` gives the members of a set (sources valid inside ``[...]``) that holds the first character of every
    match, or None: the pattern can match the empty string, or it uses syntax this reader does not follow.
    """

    def __init__(self, source: str, verbose: bool, lists: Mapping[str, list[str]]):
        self.s, self.verbose, self.lists, self.i = source, verbose, lists, 0
        self.skipping = 0  # inside an assertion: read only to find its end
        self.body_start = 0  # where the pattern begins after leading global flags, blanks and comments

    def read(self) -> list[str] | None:
        try:
            self._skip_flags()
            members, nullable = self._alternation()
            if self.i != len(self.s) or nullable or not members:
                return None
            return sorted(set(members))
        except (_Unsupported, IndexError, KeyError, ValueError):
            return None

    def _skip_blank(self) -> None:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if self.verbose and c.isspace():
                self.i += 1
            elif self.verbose and c == "#":
                end = s.find("\n", self.i)
                self.i = len(s) if end < 0 else end + 1
            elif s.startswith("(?#", self.i):
                self.i = s.index(")", self.i) + 1
            else:
                return

    def _skip_flags(self) -> None:
        while True:
            self._skip_blank()
            m = _INLINE_FLAGS.match(self.s, self.i + 2) if self.s.startswith("(?", self.i) else None
            if m is None or m.group(3) != ")":
                self.body_start = self.i
                return
            if m.group(2) or "i" in m.group(1) or not set(m.group(1)) <= _GLOBAL_FLAG_LETTERS:
                raise _Unsupported
            self.i = m.end()

    def _alternation(self) -> tuple[list[str], bool]:
        members, nullable = self._sequence()
        while self.i < len(self.s) and self.s[self.i] == "|":
            self.i += 1
            more, more_nullable = self._sequence()
            members += more
            nullable = nullable or more_nullable
        return members, nullable

    def _sequence(self) -> tuple[list[str], bool]:
        members: list[str] = []
        nullable = True  # every item so far can match the empty string
        while True:
            self._skip_blank()
            if self.i >= len(self.s) or self.s[self.i] in "|)":
                return members, nullable
            item, item_nullable = self._item()
            if self._quantifier() == 0:
                item_nullable = True
            if nullable:
                members += item
                nullable = item_nullable

    def _quantifier(self) -> int | None:
        """Reads a quantifier after an item: its least count (None: there is none)."""
        self._skip_blank()
        s, i = self.s, self.i
        if i >= len(s) or s[i] not in _QUANTIFIERS:
            return None
        if s[i] == "{":
            m = _COUNTED_REPEAT.match(s, i)
            if m is None:
                raise _Unsupported
            least = int(m.group(0)[1:-1].split(",")[0] or 0)
            self.i = m.end()
        else:
            least = 1 if s[i] == "+" else 0
            self.i = i + 1
        if self.i < len(s) and s[self.i] in "?+":  # lazy, possessive
            self.i += 1
        self._skip_blank()
        if self.i < len(s) and s[self.i] in _QUANTIFIERS:
            raise _Unsupported
        return least

    def _item(self) -> tuple[list[str], bool]:
        s, i = self.s, self.i
        c = s[i]
        if c == "(":
            return self._group()
        if self.skipping and c in "[\\.":
            self.i = _Reader(s, self.verbose)._char_class(i) if c == "[" else _skip_escape(s, i) if c == "\\" else i + 1
            return [], False
        if c == "[":
            return self._set(), False
        if c == "\\":
            return self._escape()
        if c in "^$":
            self.i += 1
            return [], True
        if c in ".*+?{":
            raise _Unsupported
        self.i += 1
        return [_literal(c)], False

    def _group(self) -> tuple[list[str], bool]:
        s, i = self.s, self.i
        if s[i + 1] != "?":
            self.i = i + 1
        elif s[i + 2] in ":>":
            self.i = i + 3
        elif s[i + 2] in "=!" or s.startswith(("<=", "<!"), i + 2):  # an assertion: nothing consumed
            self.i = i + (3 if s[i + 2] in "=!" else 4)
            self.skipping += 1
            self._alternation()
            self._close()
            self.skipping -= 1
            return [], True
        elif _GROUP_NAME.match(s, i + 2):
            self.i = _GROUP_NAME.match(s, i + 2).end()
        else:
            m = _INLINE_FLAGS.match(s, i + 2)
            if m is None or m.group(3) != ":" or "i" in m.group(1) + (m.group(2) or "") or not set(
                    m.group(1) + (m.group(2) or "")) <= _SCOPED_FLAG_LETTERS:
                raise _Unsupported
            self.i = m.end()
        result = self._alternation()
        self._close()
        return result

    def _close(self) -> None:
        if self.s[self.i] != ")":
            raise _Unsupported
        self.i += 1

    def _escape(self) -> tuple[list[str], bool]:
        s, i = self.s, self.i
        c = s[i + 1]
        if c == "L":
            m = _LIST_NAME.match(s, i)
            forms = [f for f in self.lists[m.group(1)] if f] if m else []
            if not forms:
                raise _Unsupported
            self.i = m.end()
            return [_literal(f[0]) for f in forms], False
        if c in _ZERO_WIDTH_ESCAPES:
            self.i = i + 2
            return [], True
        return [self._set_escape(i)], False

    def _set_escape(self, i: int) -> str:
        """A member for the escape at ``i`` (also inside a set), moving past it."""
        s = self.s
        c = s[i + 1]
        if c in _CLASS_SHORTHANDS or c in _CHAR_ESCAPES:
            self.i = i + 2
            return s[i:i + 2]
        if c in "pP" and s[i + 2] == "{":
            self.i = s.index("}", i) + 1
            return s[i:self.i]
        for letter, digits in (("x", 2), ("u", 4), ("U", 8)):
            if c == letter:
                code = s[i + 2:i + 2 + digits]
                if len(code) != digits or any(d not in "0123456789abcdefABCDEF" for d in code):
                    raise _Unsupported
                self.i = i + 2 + digits
                return s[i:self.i]
        if c.isalnum() or c == "_":  # back-references, \X, \N{...}, \G, \K, ...
            raise _Unsupported
        self.i = i + 2
        return _literal(c)

    def _set(self) -> list[str]:
        s = self.s
        self.i += 1
        if s[self.i] in "^[":  # a complement, a nested set
            raise _Unsupported
        members: list[str] = []
        first = True
        while True:
            c = s[self.i]
            if c == "]" and not first:
                self.i += 1
                return members
            first = False
            if c == "[":
                raise _Unsupported
            low = self._set_atom()
            if s[self.i] == "-" and s[self.i + 1] != "]":
                self.i += 1
                high = self._set_atom()
                if not (_is_char(low) and _is_char(high)):
                    raise _Unsupported
                members.append(f"{low}-{high}")
            else:
                members.append(low)

    def _set_atom(self) -> str:
        c = self.s[self.i]
        if c == "\\":
            if self.s[self.i + 1] == "b":  # a backspace in a set
                self.i += 2
                return "\\b"
            return self._set_escape(self.i)
        self.i += 1
        return _literal(c)


def _skip_escape(s: str, i: int) -> int:
    """The end of the escape at ``i`` (as ``_Reader._escape`` reads it)."""
    c = s[i + 1]
    if c == "L":
        return _LIST_NAME.match(s, i).end()
    if c in "pPNx" and s[i + 2: i + 3] == "{":
        return s.index("}", i) + 1
    if c == "g" and s[i + 2: i + 3] == "<":
        return s.index(">", i) + 1
    return i + 2


def _is_char(member: str) -> bool:
    """Whether a set member stands for one character (it can end a range)."""
    return len(member) == 1 or member[1] in "xuUntrfvb"


_BROAD_MEMBERS = ("\\w", "\\W", "\\S", "\\D", "\\s", "\\p", "\\P")
_BROAD_RANGE = 0x100  # a range of more characters (all Hangul syllables, ...) rejects too few positions


def _selective(members: list[str]) -> bool:
    """Whether a set of first characters is worth checking at every position: no broad class or range."""
    for member in members:
        if member.startswith(_BROAD_MEMBERS):
            return False
        size = _atom_size(member)
        if len(member) > size and _ord(member[size + 1:]) - _ord(member[:size]) >= _BROAD_RANGE:
            return False
    return True


def _atom_size(member: str) -> int:
    """The length of the first character of a set member (``a``, ``\\u00a0``, ``\\n``, ...)."""
    return {"x": 4, "u": 6, "U": 10}.get(member[1], 2) if member.startswith("\\") else 1


def _ord(atom: str) -> int:
    if len(atom) == 1:
        return ord(atom)
    if atom[1] in "xuU":
        return int(atom[2:], 16)
    return ord({"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "b": "\b"}[atom[1]])


def engine_scans_for_first_chars(source: str, flags: int, lists: Mapping[str, list[str]]) -> bool:
    """Whether ``regex`` itself skips ahead to the positions where a match of ``source`` can begin (a first set or
    a plain start it finds from the parsed pattern, as ``regex.compile`` does). The module's parser is internal:
    when it cannot be asked, the answer is yes (and the pattern is left as it is)."""
    try:
        from regex import _regex_core as core

        src = core.Source(source)
        info = core.Info(flags, src.char_type, dict(lists))  # flags: those compiled, inline ones included
        src.ignore_space = bool(info.flags & regex.VERBOSE)
        parsed = core._parse_pattern(src, info)
        parsed.fix_groups(source, False, False)
        parsed = parsed.optimise(info, False).pack_characters(info)
        if parsed.has_simple_start():
            return True
        try:
            found = core._check_firstset(info, False, parsed.get_firstset(False))
        except core._FirstSetError:
            return False
        return bool(found)
    except Exception:  # noqa: BLE001 - another version of the module: assume it does
        return True


def first_chars(source: str, flags: int, lists: Mapping[str, list[str]]) -> tuple[str, int] | None:
    """``(check, at)``: an assertion ``(?=[...])`` that holds where any match of the pattern begins, and where it
    can go in ``source`` (after the leading global flags); None when the pattern can match the empty string or
    the reader is unsure (see the module docstring)."""
    if flags & (~_PLAIN_FLAGS | regex.IGNORECASE):
        return None
    reader = _FirstChars(source, bool(flags & regex.VERBOSE), lists)
    members = reader.read()
    if members is None or not _selective(members):
        return None
    return "(?=[" + "".join(members) + "])", reader.body_start


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


class LazyPattern:
    """A pattern as written, compiled only when something needs it to match (``compiled``); its ``pattern``,
    ``flags``, ``groups`` and ``groupindex`` are known before (from ``shape``, the same source compiled with other
    forms in its lists: what those attributes say does not depend on the forms)."""

    def __init__(self, source: str, lists: Mapping[str, list[str]], shape: Any):
        self.pattern, self._lists = source, dict(lists)
        self.flags, self.groups, self.groupindex = shape.flags, shape.groups, shape.groupindex
        self._compiled: Any = None

    def compiled(self) -> Any:
        if self._compiled is None:
            self._compiled = regex.compile(self.pattern, **self._lists)
        return self._compiled

    def __getattr__(self, name: str) -> Any:  # match, finditer, named_lists, ...: those of the compiled pattern
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.compiled(), name)

    def __reduce__(self):
        return _compile_lazy, (self.pattern, self._lists)


def _compile_lazy(source: str, lists: Mapping[str, list[str]]) -> Any:
    return regex.compile(source, **lists)


def _real(pattern: Any) -> Any:
    """A compiled pattern for ``pattern`` (compiled now if it is a ``LazyPattern``)."""
    return pattern.compiled() if isinstance(pattern, LazyPattern) else pattern


def _compile_part(source: str, analysis: Analysis, lists: Mapping[str, list[str]], original: Any, start: int = 0,
                  end: int | None = None) -> Any:
    """``source[start:end]`` compiled with its lists as tries and the flags of ``original`` (None: it fails)."""
    text, named = expand_lists(source, analysis, lists, start, end)
    if text == source:
        return _real(original)
    try:
        return regex.compile(text, flags=original.flags, **named)
    except (regex.error, ValueError, TypeError):
        return None


def _compile_whole(source: str, analysis: Analysis, lists: Mapping[str, list[str]], original: Any) -> Any:
    """The whole pattern with its lists as tries, behind the check of its first characters when it has one."""
    first = first_chars(source, original.flags, lists)
    if first is not None and all(ref.start >= first[1] for ref in analysis.lists) and not engine_scans_for_first_chars(
            source, original.flags, {name: forms[:1] and ["x"] for name, forms in lists.items()}):
        check, at = first
        text, named = expand_lists(source, analysis, lists)
        try:
            pattern = regex.compile(text[:at] + check + text[at:], flags=original.flags, **named)
        except (regex.error, ValueError, TypeError):
            pattern = None
        if _same_groups(pattern, original):
            return pattern
    pattern = _compile_part(source, analysis, lists, original)
    return pattern if _same_groups(pattern, original) else _real(original)


def _same_groups(pattern: Any, original: Any) -> bool:
    return pattern is not None and (pattern.groups, pattern.groupindex) == (original.groups, original.groupindex)


def plan_searches(patterns: list[tuple[str, Any, Mapping[str, list[str]]]]) -> list[Search]:
    """A ``Search`` for each ``(source, source compiled, named lists)``; the compiled source may be a
    ``LazyPattern``, compiled here only if the search needs it.

    Leading assertions are shared by the patterns that start with the same ones (same text, flags and lists)
    when there are several and the assertions look ahead: a lookbehind alone holds at every word start, where
    trying the rest from Python costs more than ``finditer``'s own scan. The other patterns are searched whole
    (lists as tries, behind the check of their first characters).
    """
    searches: list[Search | None] = [None] * len(patterns)
    analyses: list[Analysis | None] = []
    sharing: dict[tuple, list[int]] = {}
    for i, (source, original, lists) in enumerate(patterns):
        analysis = analyse(source, original.flags)
        analyses.append(analysis)
        if analysis is None:
            searches[i] = Search(_real(original), original)
            continue
        if "ahead" in analysis.prefix_kinds and source[analysis.prefix_end:].strip():
            prefix_lists = sorted({(ref.name, tuple(lists[ref.name])) for ref in analysis.lists
                                   if ref.end <= analysis.prefix_end})
            sharing.setdefault((source[:analysis.prefix_end], original.flags, tuple(prefix_lists)), []).append(i)
    for members in sharing.values():
        if len(members) < 2:
            continue
        source, original, lists = patterns[members[0]]
        analysis = analyses[members[0]]
        prefix = _compile_part(source, analysis, lists, original, end=analysis.prefix_end)
        if prefix is None or prefix.groups:
            continue
        checks = LeadingChecks(prefix)
        for i in members:
            source, original, lists = patterns[i]
            rest = _compile_part(source, analyses[i], lists, original, start=analyses[i].prefix_end)
            if _same_groups(rest, original):
                searches[i] = Search(rest, original, checks)
    for i, (source, original, lists) in enumerate(patterns):
        if searches[i] is None:
            searches[i] = Search(_compile_whole(source, analyses[i], lists, original), original)
    return searches  # type: ignore[return-value]
