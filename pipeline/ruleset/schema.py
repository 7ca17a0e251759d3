"""What a rule file is once read: typed records, the keys each level accepts, and the load error.

The YAML format itself is documented in ``rules/README.md``; the key tables here are the single place the loader
checks against (and they feed the did-you-mean hints).
"""
from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

FILE_KEYS = ("entity", "normalizer", "description", "priority", "confidence", "units", "tables", "lexicons",
             "patterns", "examples", "counterexamples")
PATTERN_KEYS = ("id", "regex", "tokens", "context", "not_before", "not_after", "value", "label", "priority",
                "confidence", "description", "span")
DEFAULT_CONFIDENCE = 1.0  # a rule file that states none: its matches are taken as certain
CONTEXT_KEYS = ("lexicon", "before", "after")
EXAMPLE_KEYS = ("text", "expect", "published")
EXPECT_KEYS = ("text", "value")
COUNTEREXAMPLE_KEYS = ("text", "published")
TOKEN_GROUP_KEY = "group"  # our one addition to a spaCy token pattern: names the token(s) as a group

# A name usable as \L<name>, "@name" and context: lexicon; `units` is always one of them.
UNITS_LIST = "units"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a rule file, at ``path:line``; ``where`` is a rule id (or ``example-3``) when known."""

    path: str
    line: int
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.path}:{self.line}" if self.line else self.path
        return f"{place} {self.where}: {self.message}" if self.where else f"{place}: {self.message}"


class RulesetError(ValueError):
    """Every problem of one load, reported together before any article is read.

    >>> print(RulesetError([Problem("rules/x.yaml", 3, "x.a", "unknown key 'tokns' (did you mean 'tokens'?)")]))
    1 problem in rule files:
    rules/x.yaml:3 x.a: unknown key 'tokns' (did you mean 'tokens'?)
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in rule files:"
        super().__init__("\n".join([head] + [str(p) for p in self.problems]))


@dataclass
class Lexicon:
    """A TSV word list: ``rows`` maps each form (first column) to its row (header name -> cell)."""

    name: str
    path: Path
    columns: list[str]
    rows: dict[str, dict[str, str]]

    @property
    def forms(self) -> list[str]:
        return list(self.rows)


@dataclass
class Context:
    lexicon: str
    before: int = 0
    after: int = 0


@dataclass
class PatternSpec:
    """One pattern of a rule file, as written (the compiler turns it into a matcher)."""

    id: str
    line: int
    regex: str | None = None
    tokens: list[dict[str, Any]] | None = None
    context: Context | None = None
    not_before: str | None = None
    not_after: str | None = None
    value: dict[str, Any] = field(default_factory=dict)
    label: str | None = None
    priority: int | None = None
    confidence: float | None = None  # how sure a match is (0-1]; None: the file's
    span: str | None = None  # a named group: the mention covers it, the whole match becomes ``Mention.extent``
    lines: dict[str, int] = field(default_factory=dict)  # key -> line, for errors found when compiling


@dataclass
class Expected:
    text: str
    value: Any = None
    has_value: bool = False  # `value:` given (it may be null)


@dataclass
class Example:
    """A text and the mentions it must yield (``expect``), or none of the file's labels (a counterexample)."""

    text: str
    line: int
    index: int  # 1-based, within the file's examples (or counterexamples)
    expect: list[Expected] = field(default_factory=list)
    published: dt.date | None = None


@dataclass
class RuleFile:
    path: Path
    display: str  # the path as printed in messages
    entity: str
    normalizer: str | None = None
    description: str = ""
    priority: int = 0
    confidence: float = DEFAULT_CONFIDENCE
    units: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict)
    lexicons: dict[str, Lexicon] = field(default_factory=dict)
    patterns: list[PatternSpec] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    counterexamples: list[Example] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def labels(self) -> set[str]:
        """Every label this file's patterns can write (``entity`` and any pattern ``label``)."""
        return {self.entity} | {p.label for p in self.patterns if p.label}

    def named_lists(self) -> dict[str, list[str]]:
        """Name -> forms for ``\\L<name>``, ``"@name"`` and ``context``: lexicons, tables (keys) and ``units``."""
        lists: dict[str, list[str]] = {UNITS_LIST: [str(k) for k in self.units]}
        for name, table in self.tables.items():
            lists[name] = [str(k) for k in table] if isinstance(table, (Mapping, list)) else []
        for name, lex in self.lexicons.items():
            lists[name] = lex.forms
        return lists

    def norm_config(self) -> dict[str, Any]:
        return {"units": self.units, **self.tables}

    def norm_lexicons(self) -> dict[str, dict[str, dict[str, str]]]:
        return {name: lex.rows for name, lex in self.lexicons.items()}


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def known_normalizers() -> tuple[list[str], str]:
    """Registered normalizer names, and why some may be missing (a built-in normalizer module failed to import)."""
    from pipeline.normalizers import base

    try:
        return base.normalizer_names(), ""
    except ImportError as exc:  # the modules imported before the failing one are registered all the same
        return sorted(base._REGISTRY), f"; pipeline.normalizers.builtin failed to import: {exc}"
