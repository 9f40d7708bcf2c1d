"""A borrowing agreement as an A4 tagged PDF (PDF/UA-1), for a resident to sign at the desk,
rendered from templates/lending/agreement_pdf.html.

The organization, the title, the version and its date, the full text, then lines for the
name (filled in when known), the date and the signature. Nothing here touches the database:
pass an agreement fetched with ``select_related("organization")``.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import html_pdf

from .models import BorrowingAgreement


def render_agreement(agreement: BorrowingAgreement, *, name: str = "") -> bytes:
    published = date_format(timezone.localtime(agreement.created_at).date(), "DATE_FORMAT")
    version_line = _("Version %(version)d of %(date)s") % {
        "version": agreement.version,
        "date": published,
    }
    context = {"agreement": agreement, "name": name, "version_line": version_line}
    return html_pdf.render_pdf("lending/agreement_pdf.html", context)
