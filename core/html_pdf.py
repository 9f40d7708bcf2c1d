"""Documents people read (reports, certificates, borrowing agreements) as tagged PDF/UA-1,
rendered by WeasyPrint from an HTML template: the structure a screen reader needs (language,
title, headings, tables with header cells, figures with alternative text, bookmarks) comes
from the HTML itself.

Templates extend ``pdf/document.html``, which brings the fonts of the pages (Fira Sans from
KERN UX, embedded) and the print stylesheet ``css/pdf.css``. Stylesheets, fonts and images
are read from the app's own static files; nothing is fetched over the network.

Print layouts at exact positions (label sheets, sign-in sheets) stay with reportlab.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import mimetypes
import os
import re
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from fontTools.ttLib import woff2
from weasyprint import CSS, HTML, Attachment
from weasyprint import html as weasyprint_html
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# The documents' own address: a name that resolves nowhere, so that no URL in a template
# can reach the network; /static/… under it is read from disk.
BASE_URL = "https://lernpool.invalid/"
PDF_VARIANT = "pdf/ua-1"
# Letters Fira Sans lacks (Arabic in residents' names) come from the DejaVu Sans Condensed
# that the reportlab PDFs use (core/fonts), never from whatever the system has.
FONTS = Path(__file__).resolve().parent / "fonts"
FALLBACK_FONTS_URL = BASE_URL + "core-fonts/"
FALLBACK_FONTS = {"DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"}


class StaticFilesFetcher(URLFetcher):
    """Serves the app's static files (and ``data:`` URLs) to WeasyPrint, refuses the rest."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        static = BASE_URL.rstrip("/") + settings.STATIC_URL
        path = None
        if url.startswith(static):
            with contextlib.suppress(SuspiciousFileOperation):  # ../ out of the static dirs
                path = finders.find(url.removeprefix(static).split("?")[0].split("#")[0])
        elif url.startswith(FALLBACK_FONTS_URL):
            name = url.removeprefix(FALLBACK_FONTS_URL)
            path = str(FONTS / name) if name in FALLBACK_FONTS else None
        if path:
            # Answered under its own address, so that the URLs inside a stylesheet (fonts)
            # resolve under /static/ as well.
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, _read(path), {"Content-Type": content_type})
        raise ValueError(f"Documents load nothing from outside the app's static files: {url}")


@cache
def _read(path: str) -> bytes:
    """A static file's bytes; a WOFF2 font unpacked (unpacking the fonts took half the time
    of a short document), kept for the process and in ``_unpacked``'s files."""
    content = Path(path).read_bytes()
    if content[:4] == b"wOF2":
        content = _unpacked(content)
    return content


def _unpacked(content: bytes) -> bytes:
    """A WOFF2 font as TrueType. Unpacking the three faces of a report costs ≈0.4–0.8 s of
    CPU, the first document of every process (a worker, a gunicorn worker) paid it, so the
    result is kept in ``LERNPOOL_PDF_FONT_CACHE_DIR`` under the WOFF2 file's hash (a new
    KERN UX release is a new file). Written atomically; a folder that cannot be written
    only costs the time."""
    folder = settings.LERNPOOL_PDF_FONT_CACHE_DIR
    kept = Path(folder) / f"{hashlib.sha256(content).hexdigest()}.ttf" if folder else None
    if kept is not None:
        with contextlib.suppress(OSError):
            return kept.read_bytes()
    unpacked = io.BytesIO()
    woff2.decompress(io.BytesIO(content), unpacked)
    if kept is not None:
        with contextlib.suppress(OSError):
            _write_atomically(kept, unpacked.getvalue())
    return unpacked.getvalue()


def _write_atomically(path: Path, content: bytes) -> None:
    """``content`` as the file ``path``, which other processes see whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        os.replace(name, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


_thread = threading.local()


def _font_config() -> FontConfiguration:
    """This thread's font configuration, kept from one document to the next: WeasyPrint
    registers each ``@font-face`` with Fontconfig once per configuration (writing the font
    out and rescanning it) and caches line metrics in it, which a new configuration per
    document repeated every time. One per thread: Fontconfig and Pango objects are not
    shared between threads."""
    config = getattr(_thread, "font_config", None)
    if config is None:
        config = _thread.font_config = FontConfiguration()
    return config


def _fetcher() -> StaticFilesFetcher:
    """This thread's fetcher, kept from one document to the next: a new one builds an
    HTTPS context with the system's certificates (≈30 ms, twice per report: the document's
    and its attachments'), although it never opens a connection."""
    fetcher = getattr(_thread, "fetcher", None)
    if fetcher is None:
        fetcher = _thread.fetcher = StaticFilesFetcher()
    return fetcher


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off while a document is rendered. WeasyPrint
    allocates hundreds of thousands of small objects (boxes, styles, PDF objects); each
    allocation burst starts a collection that walks every object of the process, about a
    tenth of a report's CPU time. Nearly all of them are freed by reference counting as it
    goes; the few cycles wait for the next collection after the document (a few MB). Left
    alone if it is off already (another thread's document), and back on even on an error."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@cache
def _ua_stylesheet() -> CSS:
    """WeasyPrint's user-agent stylesheet without the pseudo-elements our documents never
    have. Its ``::marker``, ``::footnote-call``, ``::footnote-marker``, ``::note-call``,
    ``::note-marker`` and ``::note-callback`` rules match every element, so each table cell
    got six computed styles besides its own (about 90,000 for a region's report, a quarter
    of the time the styles took). Markers are kept for the list items; the documents have
    no footnotes or notes."""
    text, markers = re.subn(
        r"^::marker \{", "li::marker, summary::marker {", weasyprint_html.UA, flags=re.M
    )
    text, notes = re.subn(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}$", "", text, flags=re.M)
    if (markers, notes) != (1, 5):  # a new WeasyPrint: check what its stylesheet has
        raise RuntimeError("WeasyPrint's user-agent stylesheet has changed")
    return CSS(string=text, counter_style={})


class _Document(HTML):
    """An HTML document with the trimmed user-agent stylesheet."""

    def _ua_stylesheets(self, forms=False):
        return [_ua_stylesheet(), *super()._ua_stylesheets(forms)[1:]]


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def page_counter() -> str:
    """The CSS ``content`` of "Page x of y" in the active language."""
    marker = "\x00"
    text = _("Page %(number)s of %(total)s") % {"number": marker + "1", "total": marker + "2"}
    parts = []
    for index, piece in enumerate(text.split(marker)):
        if index:
            parts.append("counter(page)" if piece[0] == "1" else "counter(pages)")
            piece = piece[1:]
        if piece:
            parts.append(_css_string(piece))
    return " ".join(parts)


@dataclass(frozen=True)
class AttachedFile:
    """A file embedded in the PDF (its attachments, which a PDF viewer lists): its name, bytes,
    a description (PDF/UA asks for one) and when it was made."""

    name: str
    content: bytes
    description: str
    made: datetime


def render_pdf(
    template_name: str, context: dict, attachments: Iterable[AttachedFile] = ()
) -> bytes:
    """The template rendered in the active language, as tagged PDF/UA-1 bytes, with the
    ``attachments`` embedded."""
    with _collector_paused():
        html = render_to_string(template_name, {**context, "page_counter": page_counter()})
        fetcher = _fetcher()
        document = _Document(string=html, base_url=BASE_URL, url_fetcher=fetcher)
        embedded = [
            Attachment(
                string=attached.content,
                name=attached.name,
                description=attached.description,
                created=attached.made.astimezone(UTC),
                modified=attached.made.astimezone(UTC),
                url_fetcher=fetcher,
            )
            for attached in attachments
        ]
        return document.write_pdf(
            pdf_variant=PDF_VARIANT, font_config=_font_config(), attachments=embedded or None
        )
