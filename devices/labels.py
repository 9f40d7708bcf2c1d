"""Asset labels with a QR code, as a PDF for A4 label sheets of 3 × 8 labels of 70 × 37 mm.

The layout fits sheets such as Avery Zweckform 3474/3475: no margin left and right, half a
millimetre top and bottom. Each label carries a QR code that opens the device's page
(``<base_url>/d/<label_code>``), the asset tag, the device name, the owner and the label
code for typing it in by hand.

Nothing here touches the database: pass devices fetched with
``select_related("organization", "device_type")``.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Iterator, Sequence

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from core import pdf_fonts

from .models import Device

PAGE_WIDTH, PAGE_HEIGHT = A4
COLUMNS = 3
ROWS = 8
LABELS_PER_PAGE = COLUMNS * ROWS
LABEL_WIDTH = 70 * mm
LABEL_HEIGHT = 37 * mm
SIDE_MARGIN = (PAGE_WIDTH - COLUMNS * LABEL_WIDTH) / 2  # 0 mm
TOP_MARGIN = (PAGE_HEIGHT - ROWS * LABEL_HEIGHT) / 2  # 0.5 mm

# The QR code's size includes its quiet zone of four modules, so it may sit close to the
# label's edge and the text beside it still keeps clear of the code.
QR_SIZE = 28 * mm
QR_LEFT = 2 * mm
TEXT_LEFT = QR_LEFT + QR_SIZE
# Most printers cannot print the outer 3–4 mm of an A4 page; the labels of the outer
# columns reach the page edge, so the text keeps that far from the label's right edge.
TEXT_RIGHT_PADDING = 4 * mm
TEXT_WIDTH = LABEL_WIDTH - TEXT_LEFT - TEXT_RIGHT_PADDING
TEXT_TOP_PADDING = 6 * mm
CODE_BASELINE = 6.5 * mm

# DejaVu Sans: Helvetica lacks the letters of many residents' names (core/pdf_fonts.py).
REGULAR, BOLD = pdf_fonts.register()
TAG_SIZES = (14, 13, 12, 11, 10, 9)
NAME_SIZE, NAME_LEADING, NAME_LINES = 9, 10.5, 2
ORG_SIZE, ORG_LEADING, ORG_LINES = 7, 8.5, 2
CODE_SIZE = 7
ELLIPSIS = "…"

TITLE = "Lernpool – Inventaretiketten"


def render_labels(devices: Iterable[Device], *, base_url: str) -> bytes:
    """One label per device, in the given order, on as many A4 sheets as needed.

    Raises ``ValueError`` for no devices: a sheet of blank labels helps nobody.
    """
    devices = list(devices)
    if not devices:
        raise ValueError("No devices to print labels for.")
    base_url = base_url.rstrip("/")
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, lang="de-DE")
    canvas.setTitle(TITLE)
    canvas.setAuthor("Lernpool")
    canvas.setCreator("Lernpool")
    canvas.setSubject(f"{len(devices)} Etiketten")
    for page in _chunks(devices, LABELS_PER_PAGE):
        for index, device in enumerate(page):
            row, column = divmod(index, COLUMNS)
            x = SIDE_MARGIN + column * LABEL_WIDTH
            y = PAGE_HEIGHT - TOP_MARGIN - (row + 1) * LABEL_HEIGHT
            _draw_label(canvas, device, x, y, url=f"{base_url}/d/{device.label_code}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _chunks(items: Sequence[Device], size: int) -> Iterator[Sequence[Device]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _draw_label(canvas: Canvas, device: Device, x: float, y: float, *, url: str) -> None:
    """Draw one label whose lower left corner is at (x, y)."""
    _draw_qr(canvas, url, x + QR_LEFT, y + (LABEL_HEIGHT - QR_SIZE) / 2)

    text_x = x + TEXT_LEFT
    cursor = y + LABEL_HEIGHT - TEXT_TOP_PADDING

    tag, tag_size = _fit_one_line(device.asset_tag, BOLD, TAG_SIZES, TEXT_WIDTH)
    canvas.setFont(BOLD, tag_size)
    # The top padding is measured to the top of the capitals (0.72 em in Helvetica).
    cursor -= 0.72 * tag_size
    canvas.drawString(text_x, cursor, tag)
    cursor -= 0.4 * tag_size

    canvas.setFont(REGULAR, NAME_SIZE)
    for line in _wrap(device.display_name, REGULAR, NAME_SIZE, TEXT_WIDTH, NAME_LINES):
        cursor -= NAME_LEADING
        canvas.drawString(text_x, cursor, line)
    cursor -= 1 * mm

    canvas.setFont(REGULAR, ORG_SIZE)
    for line in _wrap(device.organization.name, REGULAR, ORG_SIZE, TEXT_WIDTH, ORG_LINES):
        cursor -= ORG_LEADING
        canvas.drawString(text_x, cursor, line)

    canvas.setFont(REGULAR, CODE_SIZE)
    canvas.drawString(text_x, y + CODE_BASELINE, device.label_code)


def _draw_qr(canvas: Canvas, url: str, x: float, y: float) -> None:
    """The QR code of ``url`` as one filled path of its dark runs, QR_SIZE square with its
    lower left corner at (x, y): the modules that reportlab's QrCodeWidget draws, without a graphics
    object per module (that took most of the time of a 240-label PDF; bench/bench_labels.py)."""
    # Level M survives a scratched or smudged label and keeps the modules large enough
    # for phone cameras at 28 mm.
    widget = QrCodeWidget(url, barLevel="M", barBorder=4)
    encoder = widget.qr
    encoder.make()
    count = encoder.getModuleCount()
    box = QR_SIZE / (count + 2 * widget.barBorder)
    path = canvas.beginPath()
    for row_number, row in enumerate(encoder.modules):
        column = 0
        for dark, run in itertools.groupby(bool(module) for module in row):
            length = len(list(run))
            if dark:
                left = x + (column + widget.barBorder) * box
                bottom = y + QR_SIZE - (row_number + widget.barBorder + 1) * box
                path.rect(left, bottom, length * box, box)
            column += length
    canvas.drawPath(path, stroke=0, fill=1)


def _fits(text: str, font: str, size: float, width: float) -> bool:
    return stringWidth(text, font, size) <= width


def _fit_one_line(text: str, font: str, sizes: Sequence[float], width: float) -> tuple[str, float]:
    """The largest of ``sizes`` at which the text fits; else the smallest, shortened."""
    for size in sizes:
        if _fits(text, font, size, width):
            return text, size
    smallest = sizes[-1]
    return _shorten(text, font, smallest, width), smallest


def _shorten(text: str, font: str, size: float, width: float) -> str:
    """The text if it fits the width, else cut and ended with an ellipsis."""
    if _fits(text, font, size, width):
        return text
    return _with_ellipsis(text, font, size, width)


def _with_ellipsis(text: str, font: str, size: float, width: float) -> str:
    while text and not _fits(text.rstrip() + ELLIPSIS, font, size, width):
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Break the text into at most ``max_lines`` lines that fit the width.

    Words too long for a line are split; what does not fit on the last line is cut off
    with an ellipsis.
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if _fits(candidate, font, size, width):
            current = candidate
            continue
        if current:
            lines.append(current)
        while not _fits(word, font, size, width):
            cut = len(word) - 1
            while cut > 1 and not _fits(word[:cut], font, size, width):
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = _with_ellipsis(lines[max_lines - 1], font, size, width)
        lines = [*lines[: max_lines - 1], last]
    return lines
