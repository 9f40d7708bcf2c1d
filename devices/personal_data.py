"""What devices holds about a person: export, erase (registered with accounts.privacy).

A device's history names who changed it (``DeviceEvent.actor``); erasure leaves the events
to the device, without the person (SET_NULL).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.privacy import PersonalData, register

from .models import Device, DeviceEvent


def export_device_events(user: User) -> list[dict[str, Any]]:
    kinds = dict(DeviceEvent.Kind.choices)
    statuses = dict(Device.Status.choices)
    return [
        {
            "time": row["created_at"],
            "device": f"{row['device__name']} ({row['device__asset_tag']})"
            if row["device__name"]
            else row["device__asset_tag"],
            "organization": row["device__organization__name"],
            "event": str(kinds.get(row["kind"], row["kind"])),
            "from_status": str(statuses.get(row["from_status"], row["from_status"])),
            "to_status": str(statuses.get(row["to_status"], row["to_status"])),
            "reason": row["reason"],
        }
        for row in DeviceEvent.objects.filter(actor=user)
        .order_by("-created_at", "-pk")
        .values(
            "created_at",
            "kind",
            "from_status",
            "to_status",
            "reason",
            "device__name",
            "device__asset_tag",
            "device__organization__name",
        )
    ]


register(
    PersonalData(
        key="device_events",
        label=_("Changes to devices you recorded"),
        covers=("devices.DeviceEvent.actor",),
        export=export_device_events,
        columns=(
            ("time", _("Time")),
            ("device", _("Device")),
            ("organization", _("Organization")),
            ("event", _("Event")),
            ("from_status", _("Status before")),
            ("to_status", _("Status after")),
            ("reason", _("Reason")),
        ),
    )
)
