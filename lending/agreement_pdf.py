"""A borrowing agreement as an A4 PDF, for a resident to sign at the desk.

The organization, the title, the version and its date, the full text, then lines for the
name (filled in when known), the date and the signature. Nothing here touches the database:
pass an agreement fetched with ``select_related("organization")``.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import pdf_fonts

from .models import BorrowingAgreement

# DejaVu Sans: Helvetica lacks the letters of many residents' names (config/pdf_fonts.py).
REGULAR, BOLD = pdf_fonts.register()
MARGIN = 20 * mm
LINE_WIDTH = A4[0] - 2 * MARGIN

_BODY = ParagraphStyle("body", fontName=REGULAR, fontSize=11, leading=15, spaceAfter=8)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=9, leading=12, spaceAfter=2)
_TITLE = ParagraphStyle(
    "title", fontName=BOLD, fontSize=18, leading=22, spaceBefore=6, spaceAfter=4, alignment=TA_LEFT
)
_FIELD = ParagraphStyle("field", parent=_BODY, fontSize=10, leading=12, spaceAfter=0)


def _text(value: str) -> str:
    """Plain text for a Paragraph, which reads a little XML: escaped, line breaks kept."""
    return escape(value).replace("\n", "<br/>")


def render_agreement(agreement: BorrowingAgreement, *, name: str = "") -> bytes:
    organization = agreement.organization
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{agreement.title} (v{agreement.version})",
        author=organization.name,
        creator="Lernpool",
        lang="de-DE",
    )
    published = date_format(timezone.localtime(agreement.created_at).date(), "DATE_FORMAT")
    story = [
        Paragraph(_text(organization.name), _SMALL),
        Paragraph(_text(organization.address), _SMALL),
        Paragraph(_text(agreement.title), _TITLE),
        Paragraph(
            _text(
                _("Version %(version)d of %(date)s")
                % {"version": agreement.version, "date": published}
            ),
            _SMALL,
        ),
        Spacer(1, 6 * mm),
    ]
    story += [Paragraph(_text(paragraph), _BODY) for paragraph in agreement.paragraphs()]
    story.append(Spacer(1, 10 * mm))
    story.append(KeepTogether(_signature_block(name)))
    document.build(story)
    return buffer.getvalue()


def _signature_block(name: str) -> list:
    intro = Paragraph(_text(_("I have read and accept these conditions.")), _BODY)
    rows = [
        [Paragraph(_text(_("Name")), _FIELD), Paragraph(_text(name), _BODY)],
        [Paragraph(_text(_("Date")), _FIELD), ""],
        [Paragraph(_text(_("Signature")), _FIELD), ""],
    ]
    table = Table(rows, colWidths=[35 * mm, LINE_WIDTH - 35 * mm], rowHeights=[14 * mm] * 3)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (1, 0), (1, -1), 0.75, "#000000"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [intro, Spacer(1, 2 * mm), table]
