"""Offsets between Python (code points) and JavaScript annotation tools (UTF-16 code units).

Python's ``str`` indexes code points; a browser's string indexes UTF-16 code units, so every character outside the
Basic Multilingual Plane (emoji, mathematical letters like 𝟘) counts 2 there and 1 here. Korean syllables and jamo
are all in the BMP, so a Korean article without emoji has identical offsets in both units.

>>> t = "💰3억원"
>>> OffsetMap(t).to_utf16(1), OffsetMap(t).from_utf16(2)
(2, 1)
"""
from __future__ import annotations

from bisect import bisect_left

UNITS = ("utf16", "codepoints")


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (JavaScript's ``text.length``)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class OffsetMap:
    """Converts offsets of one text both ways; built once per text, O(log n) per offset."""

    def __init__(self, text: str):
        self.text = text
        # code-point indices of the astral characters; empty for almost every Korean article (the fast path)
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        # UTF-16 offset at which each astral character starts
        self._astral16 = [i + k for k, i in enumerate(self._astral)]

    def to_utf16(self, offset: int) -> int:
        """Code-point offset to UTF-16 offset: add one per astral character before ``offset``."""
        return offset + bisect_left(self._astral, offset)

    def from_utf16(self, offset: int) -> int | None:
        """UTF-16 offset to code-point offset; None when ``offset`` falls between the two halves of a surrogate pair."""
        k = bisect_left(self._astral16, offset)  # astral characters starting before ``offset``
        if k and self._astral16[k - 1] + 1 == offset:
            return None
        return offset - k

    def convert(self, offset: int, unit: str, *, to_python: bool) -> int | None:
        """Offset in ``unit`` to Python (``to_python``) or Python to ``unit``."""
        if unit == "codepoints":
            return offset
        if unit != "utf16":
            raise ValueError(f"unknown offset unit {unit!r} (expected one of {', '.join(UNITS)})")
        return self.from_utf16(offset) if to_python else self.to_utf16(offset)
