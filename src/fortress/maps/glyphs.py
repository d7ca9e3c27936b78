"""Map label glyphs: signed-distance-field glyph ranges in MapLibre's protobuf format.

MapLibre GL draws text from pre-rendered glyphs (`{fontstack}/{start}-{end}.pbf`), which public
maps fetch from a glyph server. Fortress makes them from the vendored Noto Sans (OFL; see
`fonts/vendor.json`): each character is rendered at 24 px by FreeType (through Pillow) and turned
into a signed distance field with the constants MapLibre's own generator (tiny-sdf) uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy.ndimage import distance_transform_edt

FONTS = Path(__file__).parent / "fonts"
FONT_FILES = {
    "Noto Sans Regular": FONTS / "noto-sans-latin-400-normal.woff",
    "Noto Sans Bold": FONTS / "noto-sans-latin-700-normal.woff",
}
"""The font stacks Fortress serves, by the name map styles ask for."""

SIZE = 24
BORDER = 3  # MapLibre expects a 3-pixel border around every glyph bitmap
RADIUS = 8
CUTOFF = 0.25

# What the vendored latin subset holds (its unicode-range in @fontsource/noto-sans/latin.css).
COVERED = (
    (0x0000, 0x00FF), (0x0131, 0x0131), (0x0152, 0x0153), (0x02BB, 0x02BC), (0x02C6, 0x02C6),
    (0x02DA, 0x02DA), (0x02DC, 0x02DC), (0x0304, 0x0304), (0x0308, 0x0308), (0x0329, 0x0329),
    (0x2000, 0x206F), (0x20AC, 0x20AC), (0x2122, 0x2122), (0x2191, 0x2191), (0x2193, 0x2193),
    (0x2212, 0x2212), (0x2215, 0x2215), (0xFEFF, 0xFEFF), (0xFFFD, 0xFFFD),
)  # fmt: skip


class UnknownFont(LookupError):
    """A style asked for a font stack Fortress does not have."""


@dataclass(frozen=True, slots=True)
class Glyph:
    """One character's distance field and the metrics MapLibre lays text out with."""

    codepoint: int
    bitmap: bytes
    width: int
    height: int
    left: int
    top: int
    advance: int


def glyph_range(fontstack: str, start: int) -> bytes:
    """The protobuf of the 256 characters from `start` (a multiple of 256) in `fontstack`.

    A stack names fonts separated by commas; the first Fortress has is used.
    """
    if start % 256 or not 0 <= start <= 65280:
        raise ValueError(f"a glyph range starts at a multiple of 256 up to 65280, not {start}")
    name = next((n.strip() for n in fontstack.split(",") if n.strip() in FONT_FILES), None)
    if name is None:
        raise UnknownFont(f"no font {fontstack!r}; Fortress has {', '.join(FONT_FILES)}")
    return _encoded_range(name, start)


@lru_cache(maxsize=64)
def _encoded_range(name: str, start: int) -> bytes:
    font = ImageFont.truetype(str(FONT_FILES[name]), SIZE, layout_engine=ImageFont.Layout.BASIC)
    glyphs = [
        _glyph(font, codepoint) for codepoint in range(start, start + 256) if _covered(codepoint)
    ]
    stack = _string(1, name) + _string(2, f"{start}-{start + 255}")
    stack += b"".join(_message(3, _glyph_message(g)) for g in glyphs)
    return _message(1, stack)


def _covered(codepoint: int) -> bool:
    return any(low <= codepoint <= high for low, high in COVERED)


def _glyph(font: ImageFont.FreeTypeFont, codepoint: int) -> Glyph:
    character = chr(codepoint)
    advance = round(font.getlength(character))
    x0, y0, x1, y1 = (int(v) for v in font.getbbox(character))  # from the ascender line
    width, height = max(x1 - x0, 0), max(y1 - y0, 0)
    if width == 0 or height == 0:
        return Glyph(codepoint, b"", 0, 0, 0, 0, advance)
    canvas = Image.new("L", (width + 2 * BORDER, height + 2 * BORDER), 0)
    ImageDraw.Draw(canvas).text((BORDER - x0, BORDER - y0), character, font=font, fill=255)
    return Glyph(codepoint, _distance_field(np.asarray(canvas)), width, height, x0, -y0, advance)


def _distance_field(coverage: np.ndarray) -> bytes:
    inside = coverage >= 128
    outside_distance = distance_transform_edt(~inside)
    inside_distance = distance_transform_edt(inside)
    signed = np.where(inside, -(inside_distance - 0.5), outside_distance - 0.5)
    field = 255 - 255 * (signed / RADIUS + CUTOFF)
    return bytes(np.clip(np.round(field), 0, 255).astype(np.uint8).ravel())


def _glyph_message(glyph: Glyph) -> bytes:
    body = _varint_field(1, glyph.codepoint)
    if glyph.bitmap:
        body += _bytes(2, glyph.bitmap)
    body += _varint_field(3, glyph.width) + _varint_field(4, glyph.height)
    body += _varint_field(5, _zigzag(glyph.left)) + _varint_field(6, _zigzag(glyph.top))
    return body + _varint_field(7, glyph.advance)


def _varint(value: int) -> bytes:
    out = BytesIO()
    while True:
        low = value & 0x7F
        value >>= 7
        out.write(bytes([low | (0x80 if value else 0)]))
        if not value:
            return out.getvalue()


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 31)


def _varint_field(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _bytes(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def _string(number: int, value: str) -> bytes:
    return _bytes(number, value.encode())


_message = _bytes
