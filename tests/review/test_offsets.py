"""Code-point ↔ UTF-16 offsets, the unit JavaScript annotation tools count in."""
from __future__ import annotations

import pytest

from pipeline.review.offsets import OffsetMap, utf16_len


@pytest.mark.parametrize("text, py, js", [
    ("삼성전자 3억원", 5, 5),           # Hangul is in the BMP: same offsets
    ("💰3억원", 0, 0),
    ("💰3억원", 1, 2),                   # after one emoji: +1
    ("💰3억원", 4, 5),
    ("𝟘𝟘 카카오", 2, 4),                 # mathematical digits are astral too
    ("a💵b💵c", 5, 7),
    ("👨‍👩‍👧 가족", 5, 8),                 # a ZWJ family: three astral people, two BMP joiners
    ("", 0, 0),
])
def test_python_to_utf16_and_back(text, py, js):
    omap = OffsetMap(text)
    assert omap.to_utf16(py) == js
    assert omap.from_utf16(js) == py
    assert omap.convert(py, "utf16", to_python=False) == js
    assert omap.convert(js, "codepoints", to_python=True) == js


@pytest.mark.parametrize("text, js", [("💰3억원", 1), ("가💵나", 2), ("𝟘𝟘", 3)])
def test_offset_inside_a_surrogate_pair_is_none(text, js):
    assert OffsetMap(text).from_utf16(js) is None


@pytest.mark.parametrize("text", ["", "서울", "💰", "a💵b💵c", "👨‍👩‍👧 가족 𝟘"])
def test_every_offset_round_trips_and_matches_utf16_slicing(text):
    omap = OffsetMap(text)
    units = text.encode("utf-16-le")
    assert utf16_len(text) == len(units) // 2
    for i in range(len(text) + 1):
        j = omap.to_utf16(i)
        assert omap.from_utf16(j) == i
        assert units[: 2 * j].decode("utf-16-le") == text[:i]


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="unknown offset unit 'bytes'"):
        OffsetMap("가").convert(0, "bytes", to_python=True)
