"""Words for the audit log of reports: registered when the app loads (apps.py), looked up
through organizations.log_labels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.audit import register_log_labels


def register() -> None:
    # Reports belong to no group of the log's filter.
    register_log_labels(
        {
            "reports.requested": _("Report requested"),
        },
    )
