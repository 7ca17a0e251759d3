"""The normalizer contract and registry.

A normalizer turns one mention into the value columns of its table. It is a plain function registered by name;
a rule file names it (``normalizer: money``). It receives a ``NormContext`` and returns a dict (the value) or
``None`` to reject the mention (a bare 억 amount with no money word nearby is a count, not money).

>>> from pipeline.normalizers.base import NormContext, get_normalizer
>>> ctx = NormContext(text="12.5%", start=0, end=5, groups={"number": (0, 4), "unit": (4, 5)},
...                   config={"units": {"%": 1}})
>>> get_normalizer("number").fn(ctx)
{'value': 12.5, 'unit': '%'}
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class NormContext:
    """What a normalizer may look at.

    ``text`` is the whole article text and ``start``/``end`` the mention span in it, so a normalizer can read the
    context around the mention. ``groups`` are the rule's named groups as (start, end) offsets into ``text``
    (missing or unmatched groups are absent). ``config`` holds the rule file's tables (``units``, ``tables``) and
    ``lexicons`` the file's lexicons (name -> {form: row dict}).
    """

    text: str
    start: int
    end: int
    groups: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    published: dt.date | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    lexicons: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)
    rule_id: str = ""
    label: str = ""

    @property
    def surface(self) -> str:
        return self.text[self.start:self.end]

    def group(self, name: str) -> str | None:
        span = self.groups.get(name)
        return None if span is None else self.text[span[0]:span[1]]

    def before(self, n: int) -> str:
        return self.text[max(0, self.start - n):self.start]

    def after(self, n: int) -> str:
        return self.text[self.end:self.end + n]


NormalizerFn = Callable[[NormContext], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Normalizer:
    name: str
    fn: NormalizerFn
    primary: str  # the value key a scalar ``expect: value`` in a rule file is compared with
    # optional pass over the normalized mentions of one article, in text order, as (mention, context) pairs: a value
    # may depend on the mentions before it (11월 29일 after 2012년 10월 26일과 takes its year); it edits values in place
    sequence: "Callable[[list[tuple[Any, NormContext]]], None] | None" = None


_REGISTRY: dict[str, Normalizer] = {}


def register(name: str, primary: str = "value", sequence: Callable | None = None
             ) -> Callable[[NormalizerFn], NormalizerFn]:
    """Register ``fn`` as the normalizer ``name`` (used by rule files); ``sequence`` is its optional pass over an
    article's mentions (see ``Normalizer.sequence``)."""

    def deco(fn: NormalizerFn) -> NormalizerFn:
        _REGISTRY[name] = Normalizer(name, fn, primary, sequence)
        return fn

    return deco


def _load_builtins() -> None:
    # importing the modules registers their normalizers
    from pipeline.normalizers import builtin  # noqa: F401


def get_normalizer(name: str) -> Normalizer:
    _load_builtins()
    return _REGISTRY[name]


def normalizer_names() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)
