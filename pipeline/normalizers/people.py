"""The ``person`` normalizer: a person's name, title and organization from the groups of ``rules/person.yaml``.

Groups: ``name``; ``title`` (absent for 이영수 씨); and at most one of ``org`` (the organization written apart:
이재용 삼성전자 회장), ``place``/``place_suffix`` (a title fused to a place: 서울시장) or ``stem`` (a title fused to
an organization's stem: 질병관리청장). A fused title rebuilds its organization with the title's ``org_suffix``
from the ``titles`` lexicon (서울 + 시 from 시장 = 서울시), and is rejected when the title does not fuse that way
(``fuse`` column). Titles marked ``ambiguous`` (시장 is also "market") need a name of three syllables or more when
no organization stands next to them.

>>> from pipeline.normalizers.base import NormContext
>>> lex = {"titles": {"대표": {"fuse": "", "org_suffix": "", "ambiguous": ""}}}
>>> person(NormContext(text="이영수 대표는", start=0, end=3, groups={"name": (0, 3), "title": (4, 6)}, lexicons=lex))
{'name': '이영수', 'title': '대표', 'organization': None}
"""
from __future__ import annotations

from typing import Any

from pipeline.normalizers.base import NormContext, register
from pipeline.normalizers.orgs import Lexicons, canonical, clean_name, place_suffix_ok


def fused_place_org(place: str, suffix: str, org_suffix: str, lexicons: Lexicons) -> str | None:
    """서울 + (시) + 교육청 → 서울시교육청; None when the place does not take that suffix (경기시장)."""
    combined = suffix if suffix.endswith(org_suffix) else suffix + org_suffix
    if not combined or not place_suffix_ok(place, combined, lexicons):
        return None
    return place + combined


def fused_org(stem: str, org_suffix: str, lexicons: Lexicons) -> str:
    """질병관리 + 청 → 질병관리청; 국토교통부 + (nothing) → 국토교통부; 한은 → 한국은행 (canonical)."""
    written = stem if stem.endswith(org_suffix) else stem + org_suffix
    return canonical(written, lexicons)[0]


@register("person", primary="name")
def person(ctx: NormContext) -> dict[str, Any] | None:
    name = ctx.group("name")
    if not name:
        return None
    title = ctx.group("title")
    row = ctx.lexicons.get("titles", {}).get(title or "", {})
    fuse, org_suffix = row.get("fuse", ""), row.get("org_suffix", "")
    organization = None
    if ctx.group("org") is not None:
        organization = canonical(clean_name(ctx.group("org")), ctx.lexicons)[0]
    elif ctx.group("place") is not None:
        if fuse != "place":
            return None
        organization = fused_place_org(ctx.group("place"), ctx.group("place_suffix") or "", org_suffix, ctx.lexicons)
        if organization is None:
            return None
    elif ctx.group("stem") is not None:
        if fuse != "org":
            return None
        organization = fused_org(ctx.group("stem"), org_suffix, ctx.lexicons)
    elif row.get("ambiguous") == "yes" and len(name) < 3:
        return None
    return {"name": name, "title": title, "organization": organization}
