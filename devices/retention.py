"""What devices forgets by itself, and its privacy-notice lines (see accounts/privacy.py).

A device's history names the staff member who changed its status (accountability, like the
audit log); after ``audit_days`` the entry stays, without the person.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy, ngettext

from accounts.privacy import Retention, register_retention, retention_setting

from .models import DeviceEvent


def unlink_actors(now: datetime.datetime) -> int:
    """Remove the staff member from device-history entries older than ``audit_days``."""
    cutoff = now - datetime.timedelta(days=retention_setting("audit_days"))
    return DeviceEvent.objects.filter(created_at__lte=cutoff, actor__isnull=False).update(
        actor=None
    )


def _kept() -> str:
    days = retention_setting("audit_days")
    return ngettext(
        "%(days)d day; then the entry stays without the person",
        "%(days)d days; then the entry stays without the person",
        days,
    ) % {"days": days}


register_retention(
    Retention(
        key="devices.history",
        purpose=gettext_lazy("The history of each device (for staff)"),
        stored=gettext_lazy("Who changed a device's status or details, when, and why."),
        kept=_kept,
        apply=unlink_actors,
        order=40,
    )
)
