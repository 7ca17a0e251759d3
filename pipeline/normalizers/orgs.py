"""The ``org`` normalizer: an organization's canonical name and its alias.

Reads the rule file's lexicons by name: ``organizations`` (form → canonical ``name`` and ``alias``), ``places`` and
``place_suffixes`` (which suffix a place takes, so 서울 + 시 is an organization and 서울 + 도 is not). The groups
it reads: ``name`` (the written name, possibly with a parenthetical alias inside: 밀라(MILA) AI 연구소), ``alias``
(the parenthetical's text), and ``place``/``place_suffix`` for place-based names.

>>> from pipeline.normalizers.base import NormContext
>>> text = "마이크로소프트(MS)는"
>>> org(NormContext(text=text, start=0, end=11, groups={"name": (0, 7), "alias": (8, 10)}))
{'name': '마이크로소프트', 'alias': 'MS'}
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from pipeline.normalizers.base import NormContext, register

Lexicons = Mapping[str, Mapping[str, Mapping[str, str]]]

_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")
_SPACES = re.compile(r"\s+")


def clean_name(written: str) -> str:
    """The written name without parentheticals (the alias) and with single spaces: 밀라(MILA) AI 연구소 → 밀라 AI 연구소."""
    return _SPACES.sub(" ", _PARENTHETICAL.sub("", written)).strip()


def canonical(written: str, lexicons: Lexicons) -> tuple[str, str | None]:
    """(canonical name, alias) of a written organization: from ``organizations`` when listed, else as written."""
    row = lexicons.get("organizations", {}).get(written)
    if row is None:
        return written, None
    return row.get("name") or written, row.get("alias") or None


def place_suffix_ok(place: str, suffix: str, lexicons: Lexicons) -> bool:
    """Whether ``place`` + ``suffix`` names an organization: the suffix's ``needs`` is one the place takes
    (서초 + 구청 yes, 서울 + 도 no: that 도 is the particle "too")."""
    row = lexicons.get("place_suffixes", {}).get(suffix)
    if row is None:
        return False
    needs = row.get("needs", "")
    return not needs or needs in lexicons.get("places", {}).get(place, {}).get("suffixes", "").split()


@register("org", primary="name")
def org(ctx: NormContext) -> dict[str, Any] | None:
    place = ctx.group("place")
    if place is not None and not place_suffix_ok(place, ctx.group("place_suffix") or "", ctx.lexicons):
        return None
    written = clean_name(ctx.group("name") or ctx.surface)
    name, alias = canonical(written, ctx.lexicons)
    return {"name": name, "alias": ctx.group("alias") or alias}
