"""A certificate as a PDF file: one A4 landscape page, drawn with fpdf2.

Text is set in Helvetica, a PDF core font, whenever it fits Windows-1252, so most certificates
need no font files and come out the same on every machine. A name or title with letters beyond
that (Łukasz, Čapek, Анна) is set in DejaVu Sans, embedded, when the machine has it. Without it,
`core_font_text` makes the text printable: accents are dropped only where Windows-1252 lacks the
letter (Łukasz → Lukasz) and "?" stands only for what has no Latin form. Whatever the name, the
PDF renders.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path

from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
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

CORE_FAMILY = "helvetica"
UNICODE_FAMILY = "certificatesans"
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
) -> bytes:
    """The certificate as PDF bytes (starting with b"%PDF"). No query: it reads only the
    certificate's own fields. Labels follow the active language; the date is the issue date in
    the current time zone, in the active locale's date format.

    `font_candidates` lists Unicode fonts to try when some text doesn't fit the core fonts;
    pass () to always use Helvetica with transliteration.
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
    family, printable = _choose_font(pdf, texts.values(), font_candidates)
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
    pdf: FPDF, texts: Iterable[str], candidates: Sequence[FontFiles]
) -> tuple[str, Callable[[str], bool]]:
    """Helvetica when every text fits it unchanged; otherwise the first Unicode font whose files
    exist (registered on `pdf`); otherwise Helvetica after all. Returns the family and a test
    for which characters it can print."""
    if all(core_font_text(t) == unicodedata.normalize("NFC", t) for t in texts):
        return CORE_FAMILY, _in_core_encoding
    for regular, bold in candidates:
        if regular.is_file() and bold.is_file():
            pdf.add_font(UNICODE_FAMILY, "", regular)
            pdf.add_font(UNICODE_FAMILY, "B", bold)
            regular_font = pdf.fonts[UNICODE_FAMILY]
            bold_font = pdf.fonts[f"{UNICODE_FAMILY}B"]
            assert isinstance(regular_font, TTFFont) and isinstance(bold_font, TTFFont)
            return UNICODE_FAMILY, _has_glyph(regular_font.cmap.keys() & bold_font.cmap.keys())
    return CORE_FAMILY, _in_core_encoding


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
