"""Label glyphs: MapLibre's glyph protobuf, read back field by field by an independent reader."""

from __future__ import annotations

from typing import Any

import pytest

from fortress.maps.glyphs import SIZE, UnknownFont, glyph_range


def _fields(data: bytes) -> list[tuple[int, Any]]:
    """Protocol-buffer fields (number, value): varints as ints, length-delimited as bytes."""
    found, at = [], 0
    while at < len(data):
        key, at = _varint(data, at)
        number, kind = key >> 3, key & 7
        if kind == 0:
            value, at = _varint(data, at)
        elif kind == 2:
            size, at = _varint(data, at)
            value, at = data[at : at + size], at + size
        else:
            raise AssertionError(f"unexpected wire type {kind}")
        found.append((number, value))
    return found


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if not byte & 0x80:
            return value, at


def _unzigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def _glyphs(fontstack: str, start: int) -> tuple[str, str, dict[int, dict[int, Any]]]:
    [(number, stack)] = _fields(glyph_range(fontstack, start))
    assert number == 1
    fields = _fields(stack)
    name = next(v for n, v in fields if n == 1).decode()
    span = next(v for n, v in fields if n == 2).decode()
    glyphs = {}
    for glyph in (dict(_fields(v)) for n, v in fields if n == 3):
        glyphs[glyph[1]] = glyph
    return name, span, glyphs


def test_a_range_holds_each_latin_character_with_its_distance_field() -> None:
    name, span, glyphs = _glyphs("Noto Sans Regular,Arial Unicode MS Regular", 0)
    assert (name, span) == ("Noto Sans Regular", "0-255")
    assert set(range(0x20, 0x7F)) <= set(glyphs) and 0xE9 in glyphs  # é, for "Café Road"
    letter = glyphs[ord("T")]
    width, height = letter[3], letter[4]
    assert 8 < width < SIZE and 12 < height < SIZE
    assert len(letter[2]) == (width + 6) * (height + 6)  # a 3-pixel border all round
    field = letter[2]
    assert max(field) > 191 > min(field)  # inside the stroke above MapLibre's edge, outside below
    assert _unzigzag(letter[6]) < 0  # the top of a capital sits below the ascender line
    space = glyphs[ord(" ")]
    assert 2 not in space and space[7] > 0  # a space: no bitmap, an advance


def test_a_bold_stack_and_ranges_beyond_the_font() -> None:
    assert _glyphs("Noto Sans Bold", 0)[0] == "Noto Sans Bold"
    assert _glyphs("Noto Sans Regular", 0x2000)[2].keys() >= {
        0x2013,
        0x2019,
    }  # en dash, right quote
    assert _glyphs("Noto Sans Regular", 0x4E00)[2] == {}  # CJK: not in the latin subset


def test_unknown_fonts_and_ranges_are_refused() -> None:
    with pytest.raises(UnknownFont, match="Noto Sans Regular"):
        glyph_range("Open Sans Regular", 0)
    with pytest.raises(ValueError, match="multiple of 256"):
        glyph_range("Noto Sans Regular", 100)
