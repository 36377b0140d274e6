"""A certificate as a PDF file: one A4 landscape page, drawn with fpdf2.

Text is set in Helvetica, a PDF core font, whenever it fits Windows-1252, so most certificates
need no font files and come out the same on every machine. A name or title with letters beyond
that (Łukasz, Ελένη, Анна, محمد, 王小明, 김민준, देवनागरी) is set in DejaVu Sans, embedded, with
a fallback font for each script DejaVu Sans lacks (Noto Sans for Devanagari, Thai, Bengali and
the rest; Droid Sans Fallback for Chinese, Japanese and Korean). Text in a Unicode font is
shaped with HarfBuzz, so Arabic letters join and right-to-left text runs right to left.

Without those fonts, `fit_text` keeps the text printable: accents are dropped only where the
font lacks the letter (Łukasz → Lukasz) and "?" stands only for what has no Latin form and no
font. Whatever the name, the PDF renders.
"""

from __future__ import annotations

import functools
import glob
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path

from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fontTools.ttLib import TTFont, TTLibError
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import TTFFont

from .models import Certificate

FontFiles = tuple[Path, Path]  # regular, bold


def _dejavu(directory: str) -> FontFiles:
    return Path(directory, "DejaVuSans.ttf"), Path(directory, "DejaVuSans-Bold.ttf")


# Where distributions install DejaVu Sans. A fixed list, not `fc-list`, so a request never
# starts a process; a machine with none of these falls back to Helvetica and transliteration.
UNICODE_FONTS: tuple[FontFiles, ...] = (
    _dejavu("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu: fonts-dejavu-core
    _dejavu("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    _dejavu("/usr/share/fonts/dejavu"),  # Alpine
    _dejavu("/usr/share/fonts/TTF"),  # Arch
)

# Fonts for the scripts DejaVu Sans lacks, searched in this order for each character it can't
# print; only the files that print something in this certificate are embedded.
FALLBACK_FONTS: tuple[str, ...] = (
    # Debian: fonts-noto-core, one file per script (Devanagari, Bengali, Tamil, Thai, Ethiopic,
    # Georgian, ...), most with a bold face beside it.
    "/usr/share/fonts/truetype/noto/NotoSans*-Regular.ttf",
    # Debian: fonts-droid-fallback. Chinese, Japanese and every Korean syllable in one file;
    # its sibling DroidSansFallbackFull.ttf has almost no Hangul.
    "/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf",
)

CORE_FAMILY = "helvetica"
UNICODE_FAMILY = "certificatesans"
FALLBACK_FAMILY = "certificatefallback"
CORE_ENCODING = "windows-1252"

# Letters that Unicode does not decompose into a base letter plus an accent, so NFKD alone
# would turn them into "?".
_LATIN_FALLBACKS = {
    "Ł": "L",
    "ł": "l",
    "Đ": "D",
    "đ": "d",
    "Ħ": "H",
    "ħ": "h",
    "\u0131": "i",  # dotless i
    "Ŧ": "T",
    "ŧ": "t",
    "Ŋ": "N",
    "ŋ": "n",
    "ĸ": "k",
    "ƀ": "b",
    "Ɨ": "I",
    "ɨ": "i",
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2212": "-",  # minus sign
}

_PT = 0.3528  # millimetres per point
_NAVY = (11, 61, 145)
_INK = (33, 37, 41)
_MUTED = (74, 85, 96)


def render_certificate_pdf(
    certificate: Certificate,
    *,
    site_name: str,
    verify_url: str,
    font_candidates: Sequence[FontFiles] = UNICODE_FONTS,
    fallback_fonts: Sequence[str] = FALLBACK_FONTS,
) -> bytes:
    """The certificate as PDF bytes (starting with b"%PDF"). No query: it reads only the
    certificate's own fields. Labels follow the active language; the date is the issue date in
    the current time zone, in the active locale's date format.

    `font_candidates` lists Unicode fonts to try when some text doesn't fit the core fonts;
    pass () to always use Helvetica with transliteration. `fallback_fonts` lists the files (glob
    patterns) that print what the Unicode font can't; pass () to replace that instead.
    """
    issued_on = formats.date_format(timezone.localdate(certificate.issued_at), "DATE_FORMAT")
    texts = {
        "site": site_name,
        "heading": _("Certificate of completion"),
        "intro": _("This certifies that"),
        "name": certificate.learner_name,
        "completed": _("has completed the course"),
        "course": certificate.course_title,
        "issued": _("Issued on %(date)s") % {"date": issued_on}
        if certificate.expires_at is None
        else _("Issued on %(date)s, valid until %(until)s")
        % {
            "date": issued_on,
            "until": formats.date_format(timezone.localdate(certificate.expires_at), "DATE_FORMAT"),
        },
        "code": _("Verification code: %(code)s") % {"code": certificate.code},
        "verify": _("Check that it is genuine at %(url)s") % {"url": verify_url},
    }

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.core_fonts_encoding = CORE_ENCODING
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(left=28, top=20, right=28)
    family, printable = _choose_font(pdf, texts.values(), font_candidates, fallback_fonts)
    text = {key: fit_text(value, printable) for key, value in texts.items()}

    # Document properties are stored as UTF-16, so they keep the text exactly as written.
    pdf.set_title(f"{texts['heading']}: {texts['course']}")
    pdf.set_subject(texts["course"])
    pdf.set_author(texts["site"])
    pdf.set_creator(texts["site"])
    pdf.set_lang(get_language() or "en")
    # The issue date, not "now", so downloading twice gives the same document.
    pdf.set_creation_date(certificate.issued_at)

    pdf.add_page()
    _frame(pdf)
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.set_y(30)
    _line(pdf, family, text["site"], size=14, style="B", width=width, colour=_NAVY)
    pdf.ln(8)
    _line(pdf, family, text["heading"], size=34, style="B", width=width, colour=_INK)
    pdf.ln(10)
    _line(pdf, family, text["intro"], size=14, width=width, colour=_MUTED)
    pdf.ln(3)
    _line(pdf, family, text["name"], size=30, style="B", min_size=18, width=width, colour=_INK)
    pdf.ln(3)
    _line(pdf, family, text["completed"], size=14, width=width, colour=_MUTED)
    pdf.ln(3)
    _line(pdf, family, text["course"], size=22, style="B", min_size=14, width=width, colour=_INK)
    pdf.ln(8)
    _line(pdf, family, text["issued"], size=13, width=width, colour=_INK)

    pdf.set_y(168)
    _line(pdf, family, text["code"], size=11, style="B", width=width, colour=_INK)
    pdf.ln(1)
    _line(pdf, family, text["verify"], size=10, min_size=7, width=width, colour=_MUTED)
    return bytes(pdf.output())


def core_font_text(text: str) -> str:
    """`text` as the PDF core fonts can print it (Windows-1252): "Zoë O'Brien-Łukasz" becomes
    "Zoë O'Brien-Lukasz". Never raises; "?" marks a character with no Latin form."""
    return fit_text(text, _in_core_encoding)


def fit_text(text: str, printable: Callable[[str], bool]) -> str:
    """`text` (NFC-normalised) keeping every character `printable` accepts; others are replaced
    by a Latin form (a known fallback, else the NFKD letters without accents), else "?".
    Control and format characters are dropped."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if unicodedata.category(char) in {"Cc", "Cf"}:
            continue
        if printable(char):
            out.append(char)
        elif unicodedata.combining(char):
            continue  # an accent with no precomposed letter: its base letter is already out
        else:
            out.append(_latin_form(char, printable) or "?")
    return "".join(out)


def _latin_form(char: str, printable: Callable[[str], bool]) -> str:
    if char in _LATIN_FALLBACKS:
        return _LATIN_FALLBACKS[char]
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if printable(c) and not unicodedata.combining(c))


def _in_core_encoding(char: str) -> bool:
    try:
        char.encode(CORE_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _choose_font(
    pdf: FPDF, texts: Iterable[str], candidates: Sequence[FontFiles], fallbacks: Sequence[str]
) -> tuple[str, Callable[[str], bool]]:
    """Helvetica when every text fits it unchanged; otherwise the first Unicode font whose files
    exist (registered on `pdf`, with text shaping on), plus a fallback font for each script it
    lacks that `fallbacks` has; otherwise Helvetica after all. Returns the family and a test
    for which characters it can print."""
    texts = [unicodedata.normalize("NFC", t) for t in texts]
    if all(core_font_text(t) == t for t in texts):
        return CORE_FAMILY, _in_core_encoding
    files = next((f for f in candidates if f[0].is_file() and f[1].is_file()), None)
    if files is None:
        return CORE_FAMILY, _in_core_encoding
    pdf.add_font(UNICODE_FAMILY, "", files[0])
    pdf.add_font(UNICODE_FAMILY, "B", files[1])
    # Both faces must have a letter: the name and title are bold, the rest regular.
    printable = _ttf(pdf, UNICODE_FAMILY).cmap.keys() & _ttf(pdf, f"{UNICODE_FAMILY}B").cmap.keys()
    missing = {
        ord(char)
        for text in texts
        for char in text
        if unicodedata.category(char) not in {"Cc", "Cf"} and ord(char) not in printable
    }
    families: list[str] = []
    for path in _fallback_files(tuple(fallbacks)):
        if not missing:
            break
        covered = missing & _codepoints(path)
        if not covered:
            continue
        family = f"{FALLBACK_FAMILY}{len(families)}"
        pdf.add_font(family, "", path)
        bold = path.with_name(path.name.replace("-Regular.", "-Bold."))
        if bold != path and bold.is_file():
            pdf.add_font(family, "B", bold)
        families.append(family)
        printable |= covered
        missing -= covered
    if families:
        # Not exact: a script without a bold face prints its letters in the regular one.
        pdf.set_fallback_fonts(families, exact_match=False)
    # HarfBuzz joins Arabic letters, orders right-to-left runs and places Indic vowel signs.
    pdf.set_text_shaping(True)
    return UNICODE_FAMILY, _has_glyph(printable)


def _ttf(pdf: FPDF, fontkey: str) -> TTFFont:
    font = pdf.fonts[fontkey]
    assert isinstance(font, TTFFont)
    return font


@functools.cache
def _fallback_files(patterns: tuple[str, ...]) -> tuple[Path, ...]:
    """The font files matching `patterns`, in pattern order, then by name. Listed once per
    process: fonts are installed with the system, not while it runs."""
    return tuple(Path(name) for pattern in patterns for name in sorted(glob.glob(pattern)))


@functools.cache
def _codepoints(path: Path) -> frozenset[int]:
    """The characters the font at `path` has glyphs for; empty when it can't be read. Read
    once per process (about a millisecond a file; the Noto files number some 150)."""
    try:
        with TTFont(path, lazy=True) as font:
            return frozenset(font.getBestCmap() or ())
    except (OSError, TTLibError):
        return frozenset()


def _has_glyph(codepoints: AbstractSet[int]) -> Callable[[str], bool]:
    return lambda char: ord(char) in codepoints


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*_NAVY)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, pdf.w - 28, pdf.h - 28)


def _line(
    pdf: FPDF,
    family: str,
    text: str,
    *,
    size: float,
    width: float,
    colour: tuple[int, int, int],
    style: str = "",
    min_size: float | None = None,
) -> None:
    """Centre `text` across `width`, shrinking it towards `min_size` to fit on one line and
    wrapping it if it still doesn't."""
    pdf.set_font(family, style, size)
    while min_size is not None and size > min_size and pdf.get_string_width(text) > width:
        size -= 1
        pdf.set_font(family, style, size)
    _put_font_on_page(pdf)
    pdf.set_text_color(*colour)
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(
        w=width,
        h=size * _PT * 1.3,
        text=text,
        align=Align.C,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )


def _put_font_on_page(pdf: FPDF) -> None:
    """Write the current font into the page before a line that may start in a fallback font.

    fpdf2 2.8.9 writes a font lazily, with the first line that uses it. When that line starts
    with a fallback font's character (a Chinese name), it sets the main font only inside the
    line's saved graphics state (q ... Q), so every later line has no font and viewers draw
    nothing (py-pdf/fpdf2#1772). An empty text object sets it for the page.
    """
    pdf.text(pdf.l_margin, pdf.y, "")
