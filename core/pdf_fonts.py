"""The fonts of the PDFs Lernpool draws with reportlab (label sheets, sign-in sheets; the
report charts measure their text with them). The documents rendered from HTML
(core/html_pdf.py) embed the pages' own Fira Sans instead.

reportlab's built-in Helvetica knows only Western European letters; residents' names are
also Turkish, Polish, Ukrainian, Russian or Arabic. DejaVu Sans Condensed (vendored in
core/fonts, under its free licence) covers them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = "LernpoolSans"
BOLD = "LernpoolSans-Bold"


@cache
def register() -> tuple[str, str]:
    """Register the fonts with reportlab once per process; returns (regular, bold)."""
    pdfmetrics.registerFont(TTFont(REGULAR, FONTS / "DejaVuSansCondensed.ttf"))
    pdfmetrics.registerFont(TTFont(BOLD, FONTS / "DejaVuSansCondensed-Bold.ttf"))
    # So that <b> in a Paragraph picks the bold face.
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)
    return REGULAR, BOLD
