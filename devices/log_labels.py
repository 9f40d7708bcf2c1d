"""Words for the audit log of devices: registered when the app loads (apps.py), looked up
through organizations.log_labels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.audit import register_log_labels


def register() -> None:
    register_log_labels(
        {
            "devices.created": _("Device added"),
            "devices.edited": _("Device changed"),
            "devices.status_changed": _("Device status changed"),
            "devices.imported": _("Devices imported from CSV"),
            "devices.pool_created": _("Device pool created"),
            "devices.pool_edited": _("Device pool changed"),
        },
        groups={"devices": (40, pgettext_lazy("log group", "Devices"))},
        group_actions={
            "devices": (
                "devices.created",
                "devices.edited",
                "devices.status_changed",
                "devices.imported",
                "devices.pool_created",
                "devices.pool_edited",
            )
        },
        target_urls={
            "devices.device": "devices:device_detail",
            "devices.devicepool": "devices:pool_detail",
        },
    )
