"""Reads a PDF back the way a viewer does, for tests: the text each line draws (through each
font's /ToUnicode map, as copy and paste gets it) and whether the embedded font has a real
glyph for every code drawn, so a "?" or an empty box can't pass for a name.

Made for fpdf2's output (an uncompressed object table, Flate streams, one page); not a
general PDF parser.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass

from fontTools.ttLib import TTFont

_OBJECT = re.compile(rb"(\d+) 0 obj\n(.*?)\nendobj", re.S)
_TOKEN = re.compile(rb"\((?:\\.|[^\\)])*\)|/[^\s/\[\]()<>]+|\[|\]|[^\s/\[\]()<>]+", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


@dataclass(frozen=True)
class Glyph:
    font: str  # the font's PDF name, e.g. "MPDFAA+DroidSansFallback" or "Helvetica-Bold"
    code: int  # as drawn: a CID in an embedded font, a byte in a core font
    text: str  # what it stands for, from /ToUnicode (Windows-1252 for a core font)
    drawn: bool  # False: the embedded font has no outline for it (.notdef, or empty but a space)


@dataclass(frozen=True)
class Line:
    glyphs: tuple[Glyph, ...]

    @property
    def text(self) -> str:
        """The characters in the order they are drawn, left to right."""
        return "".join(g.text for g in self.glyphs)

    @property
    def fonts(self) -> set[str]:
        return {g.font.split("+")[-1] for g in self.glyphs}


@dataclass
class _Font:
    name: str
    wide: bool  # two-byte codes (Identity-H) rather than one-byte
    to_unicode: dict[int, str]
    cid_to_gid: bytes = b""
    embedded: TTFont | None = None

    def drawn(self, code: int) -> bool:
        """Whether the embedded glyph for `code` has an outline: not .notdef, not empty."""
        if self.embedded is None:
            return True  # a core font: the viewer has it
        gid = int.from_bytes(self.cid_to_gid[2 * code : 2 * code + 2], "big")
        glyph = self.embedded["glyf"][self.embedded.getGlyphOrder()[gid]]
        return gid != 0 and glyph.numberOfContours != 0


def read_lines(pdf: bytes) -> list[Line]:
    """Every text object on the page with something in it, top to bottom. Raises
    AssertionError when text is drawn with no font set, as a viewer would then draw nothing."""
    objects = {int(number): body for number, body in _OBJECT.findall(pdf)}
    page = next(body for body in objects.values() if b"/Type /Page\n" in body)
    resources = objects[_ref(page, b"Resources")]
    fonts = {
        name.decode(): _read_font(objects, int(number))
        for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", resources)
    }
    content = _stream(objects[_ref(page, b"Contents")])

    lines: list[Line] = []
    glyphs: list[Glyph] = []
    font: _Font | None = None
    saved: list[_Font | None] = []
    operands: list[bytes] = []
    for token in _TOKEN.findall(content):
        if token.startswith((b"(", b"/", b"[", b"]")) or re.fullmatch(rb"-?[\d.]+", token):
            operands.append(token)
            continue
        if token == b"q":
            saved.append(font)
        elif token == b"Q":
            font = saved.pop()
        elif token == b"Tf":
            font = fonts[operands[-2][1:].decode()]
        elif token in {b"Tj", b"TJ"}:
            strings = [_unescape(o[1:-1]) for o in operands if o.startswith(b"(")]
            if any(strings):
                assert font is not None, "text drawn with no font set: viewers show nothing"
                glyphs.extend(_glyphs(font, b"".join(strings)))
        elif token == b"ET":
            if glyphs:
                lines.append(Line(tuple(glyphs)))
            glyphs = []
        operands = []
    return lines


def _glyphs(font: _Font, data: bytes) -> list[Glyph]:
    if not font.wide:
        return [Glyph(font.name, byte, bytes([byte]).decode("cp1252"), True) for byte in data]
    codes = [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]
    # A glyph without a /ToUnicode entry is part of a cluster whose text an earlier glyph holds
    # (an Indic conjunct), so it adds no characters of its own.
    glyphs = []
    for code in codes:
        text = font.to_unicode.get(code, "")
        glyphs.append(Glyph(font.name, code, text, font.drawn(code) or text.isspace()))
    return glyphs


def _read_font(objects: dict[int, bytes], number: int) -> _Font:
    body = objects[number]
    name = re.search(rb"/BaseFont /(\S+)", body)[1].decode()
    if b"/Subtype /Type0" not in body:
        return _Font(name, wide=False, to_unicode={})
    to_unicode = {
        int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
        for code, text in re.findall(
            rb"<([0-9A-Fa-f]+)> <([0-9A-Fa-f]+)>", _stream(objects[_ref(body, b"ToUnicode")])
        )
    }
    descendant = objects[int(re.search(rb"/DescendantFonts \[(\d+) 0 R\]", body)[1])]
    cid_to_gid = _stream(objects[_ref(descendant, b"CIDToGIDMap")])
    descriptor = objects[_ref(descendant, b"FontDescriptor")]
    embedded = TTFont(io.BytesIO(_stream(objects[_ref(descriptor, b"FontFile2")])))
    return _Font(name, True, to_unicode, cid_to_gid, embedded)


def _ref(body: bytes, key: bytes) -> int:
    match = re.search(rb"/" + key + rb" (\d+) 0 R", body)
    assert match, f"no /{key.decode()} in {body[:200]!r}"
    return int(match[1])


def _stream(body: bytes) -> bytes:
    head, _, rest = body.partition(b"stream\n")
    data = rest[: int(re.search(rb"/Length (\d+)", head)[1])]
    return zlib.decompress(data) if b"/FlateDecode" in head else data


def _unescape(literal: bytes) -> bytes:
    """A PDF literal string's bytes, its backslash escapes undone."""
    out = bytearray()
    i = 0
    while i < len(literal):
        char = literal[i : i + 1]
        if char != b"\\":
            out += char
            i += 1
            continue
        following = literal[i + 1 : i + 2]
        octal = re.match(rb"[0-7]{1,3}", literal[i + 1 : i + 4])
        if octal:
            out.append(int(octal[0], 8) & 0xFF)
            i += 1 + len(octal[0])
        else:
            out += _ESCAPES.get(following, following if following != b"\n" else b"")
            i += 2
    return bytes(out)
