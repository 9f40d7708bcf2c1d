"""PDFs of the provider pages: the sign-in sheet of a meeting, a print layout drawn with
reportlab, and the certificates of participation, documents people read, rendered as tagged
PDF/UA-1 from templates/courses/certificates_pdf.html (one A4 page each, with a signature
line and a QR code of the public page that verifies it).

Texts are in the active language (the reader's). Nothing here touches the database: pass
what is printed.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterable, Sequence
from xml.sax.saxutils import escape

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import html_pdf, pdf_fonts

from .models import Certificate, Course, Meeting

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
# DejaVu Sans: Helvetica lacks the letters of many residents' names (core/pdf_fonts.py).
REGULAR, BOLD = pdf_fonts.register()
# Room to sign by hand, and a few empty rows for people who come without enrolling.
SIGNATURE_ROW_HEIGHT = 11 * mm
EMPTY_ROWS = 3
QR_SIZE = 38 * mm

_BASE = ParagraphStyle("base", fontName=REGULAR, fontSize=11, leading=15)
_SMALL = ParagraphStyle("small", parent=_BASE, fontSize=9, leading=12, textColor=colors.grey)
_TITLE = ParagraphStyle("title", parent=_BASE, fontName=BOLD, fontSize=18, leading=23)
_CELL = ParagraphStyle("cell", parent=_BASE, fontSize=11, leading=13)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _document(buffer: io.BytesIO, *, title: str, subject: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="Lernpool",
        creator="Lernpool",
        subject=subject,
        lang=translation.get_language() or "de",
    )


def _day(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def meeting_when(meeting: Meeting) -> str:
    """ "Tuesday, 3 March 2026, 18:00–19:30" in the reader's language and local time."""
    start, end = timezone.localtime(meeting.start), timezone.localtime(meeting.end)
    weekday = formats.date_format(start, "l")
    if start.date() == end.date():
        return f"{weekday}, {_day(start)}, {start:%H:%M}–{end:%H:%M}"
    return f"{weekday}, {_day(start)}, {start:%H:%M} – {_day(end)}, {end:%H:%M}"


def venue_text(course: Course) -> str:
    location = course.location
    if location is None:
        return _("Venue not set")
    address = location.street or course.organization.address
    return f"{location.name}, {address}" if address else location.name


# ---------------------------------------------------------------------------------------
# The sign-in sheet


def render_sign_in_sheet(*, course: Course, meeting: Meeting | None, names: Sequence[str]) -> bytes:
    """A4: the course, the date and the venue on top, then a table "No. | Name |
    Signature" whose header row repeats on every page."""
    buffer = io.BytesIO()
    title = _("Sign-in sheet")
    document = _document(buffer, title=f"{title}: {course.title}", subject=course.title)
    when = meeting_when(meeting) if meeting is not None else _("No date yet")
    date, venue, provider = _("Date"), _("Venue"), _("Provider")  # xgettext skips f-strings
    story = [
        _p(title, _TITLE),
        _p(course.title, ParagraphStyle("course-name", parent=_BASE, fontName=BOLD, fontSize=13)),
        Spacer(0, 2 * mm),
        _p(f"{date}: {when}", _BASE),
        _p(f"{venue}: {venue_text(course)}", _BASE),
        _p(f"{provider}: {course.organization.name}", _BASE),
        Spacer(0, 6 * mm),
    ]
    header = [_p(_("No."), _CELL), _p(_("Name"), _CELL), _p(_("Signature"), _CELL)]
    rows = [[_p(str(number), _CELL), _p(name, _CELL), ""] for number, name in enumerate(names, 1)]
    rows += [[_p(str(len(names) + n), _CELL), "", ""] for n in range(1, EMPTY_ROWS + 1)]
    width = PAGE_WIDTH - 2 * MARGIN
    table = Table(
        [header, *rows],
        colWidths=[12 * mm, width * 0.5 - 12 * mm, width * 0.5],
        rowHeights=[None] + [SIGNATURE_ROW_HEIGHT] * len(rows),
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), BOLD),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf1")),
                ("GRID", (0, 0), (-1, -1), 0.6, colors.HexColor("#5a6472")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story.append(table)
    document.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return buffer.getvalue()


def _page_number(canvas, document) -> None:
    canvas.saveState()
    canvas.setFont(REGULAR, 8)
    canvas.setFillColor(colors.grey)
    canvas.drawRightString(
        PAGE_WIDTH - MARGIN,
        MARGIN / 2,
        _("Page %(number)d") % {"number": canvas.getPageNumber()},
    )
    canvas.restoreState()


# ---------------------------------------------------------------------------------------
# Certificates


def _qr(url: str) -> str:
    """The QR code of ``url`` as an SVG ``data:`` address for an ``<img>``."""
    # Level M survives a creased or smudged printout; the border is the quiet zone.
    widget = QrCodeWidget(url, barLevel="M", barBorder=4)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIZE,
        QR_SIZE,
        transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0],
    )
    drawing.add(widget)
    svg = renderSVG.drawToString(drawing).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _hours(certificate: Certificate) -> str:
    value = certificate.hours
    number = formats.number_format(value, decimal_pos=0 if value == int(value) else 1)
    return _("%(hours)s hours") % {"hours": number}


def _dates(certificate: Certificate) -> str:
    if certificate.first_day == certificate.last_day:
        return _("on %(day)s") % {"day": _day(certificate.first_day)}
    return _("from %(first)s to %(last)s") % {
        "first": _day(certificate.first_day),
        "last": _day(certificate.last_day),
    }


def render_certificates(
    certificates: Iterable[Certificate], *, verify_url: Callable[[str], str]
) -> bytes:
    """One A4 page per certificate, as tagged PDF. ``verify_url(code)`` is the public page's
    full address, which the QR code holds. Raises ``ValueError`` for none."""
    certificates = list(certificates)
    if not certificates:
        raise ValueError("No certificates to print.")
    pages = []
    for certificate in certificates:
        url = verify_url(certificate.code)
        pages.append(
            {
                "certificate": certificate,
                "url": url,
                "qr": _qr(url),
                "dates": _dates(certificate),
                "hours": _hours(certificate),
                "issued": _day(timezone.localtime(certificate.issued_at)),
            }
        )
    context = {"pages": pages, "subject": certificates[0].course_title}
    return html_pdf.render_pdf("courses/certificates_pdf.html", context)
