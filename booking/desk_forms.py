"""Forms of the staff desk: the day and the scan field, hand-out, return, and decisions."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.forms import check_year
from devices.models import Device, DevicePool

from .models import LoanItem, Reservation
from .services import (
    DECISION_REASON_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    ItemReturn,
    end_of_day,
    last_day,
    loan_due_at,
)

# A barcode or QR scanner types a code and Enter; people type spaces, commas or semicolons.
CODE_SEPARATORS = re.compile(r"[\s,;]+")
MAX_SCANNED_CODES = 200


def due_at(day: datetime.date | None) -> datetime.datetime | None:
    """A loan due on ``day`` is due by the end of that (local) day, as the services count
    loans to residents; None keeps the pool's loan period."""
    return end_of_day(day) if day else None


def split_codes(text: str) -> list[str]:
    """The codes in a scan field, in order, each once (case-insensitively)."""
    codes: list[str] = []
    seen: set[str] = set()
    for code in CODE_SEPARATORS.split(text or ""):
        if code and code.upper() not in seen:
            seen.add(code.upper())
            codes.append(code)
    return codes


def find_devices(
    devices,
    codes: list[str],
    *,
    prefer_pool_id: int | None = None,
    prefer_organization_id: int | None = None,
):
    """Map each code (label code or asset tag, any case) to one of ``devices``. An asset tag
    is unique only within an organization: a device of the preferred pool (or organization)
    wins. One query. Returns (found devices in code order, unknown codes)."""
    if not codes:
        return [], []
    wanted = {code.upper() for code in codes}
    candidates = list(
        devices.annotate(tag_upper=Upper("asset_tag"))
        .filter(Q(label_code__in=wanted) | Q(tag_upper__in=wanted))
        .order_by("pk")
    )
    found: list[Device] = []
    unknown: list[str] = []
    for code in codes:
        key = code.upper()
        matches = [d for d in candidates if d.label_code == key or d.tag_upper == key]
        if not matches:
            unknown.append(code)
            continue
        matches.sort(
            key=lambda device: (
                device.pool_id != prefer_pool_id,
                device.organization_id != prefer_organization_id,
            )
        )
        if matches[0] not in found:
            found.append(matches[0])
    return found, unknown


class DeskForm(forms.Form):
    """The desk's day (defaults to today) and its scan field; both live in the URL."""

    date = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    code = forms.CharField(
        label=_("Scan or type a device label/asset tag"),
        required=False,
        max_length=60,
        strip=True,
    )

    def clean_date(self):
        return check_year(self.cleaned_data["date"])


class DueDateField(forms.DateField):
    """A due date: not in the past, and in the years people book in. The pool's longest loan
    is the service's to check, with a message that names it."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def clean(self, value):
        day = super().clean(value)
        if day is None:
            return day
        check_year(day)
        if day < timezone.localdate():
            raise forms.ValidationError(_("The due date cannot be in the past."))
        return day


class HandOutForm(forms.Form):
    """Devices picked from the list, or scanned (label codes or asset tags), or both. The
    hand-out page ticks scanned devices in the list (its own scan field, ``add``); ``scan``
    is the one-step door of the resident's page, which hands out what it names at once."""

    devices = forms.ModelMultipleChoiceField(
        label=_("Devices of this pool that are here"),
        queryset=Device.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    scan = forms.CharField(
        label=_("Scan labels"),
        required=False,
        max_length=20000,
        help_text=_("Scan or type label codes or asset tags, one per line or separated by spaces."),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, reservation: Reservation, managed_devices, **kwargs):
        super().__init__(*args, **kwargs)
        self.reservation = reservation
        self.managed_devices = managed_devices
        # Any device of the pool is a valid choice; whether it can go out now is the
        # service's to say, with a message that names it.
        self.fields["devices"].queryset = reservation.pool.devices.all()
        # A resident's loan runs the pool's loan period from the day it is picked up, which
        # staff may shorten; a teacher's devices are due at the end of the lesson.
        if reservation.pool.booking_scope == DevicePool.Scope.RESIDENTS:
            self.fields["due_date"] = DueDateField(
                label=_("Due on"),
                required=False,
                initial=last_day(loan_due_at(reservation.pool, timezone.now())),
                help_text=_("Empty: the pool's loan period from today."),
            )

    def clean_scan(self):
        codes = split_codes(self.cleaned_data["scan"])
        if len(codes) > MAX_SCANNED_CODES:
            raise forms.ValidationError(
                _("Please scan at most %(max)d codes at once.") % {"max": MAX_SCANNED_CODES}
            )
        found, unknown = find_devices(
            self.managed_devices, codes, prefer_pool_id=self.reservation.pool_id
        )
        if unknown:
            raise forms.ValidationError(
                ngettext(
                    "No device of yours has the label or asset tag %(codes)s.",
                    "No device of yours has these labels or asset tags: %(codes)s.",
                    len(unknown),
                )
                % {"codes": ", ".join(unknown)}
            )
        return found

    def chosen_devices(self) -> list[Device]:
        chosen = {device.pk: device for device in self.cleaned_data["devices"]}
        for device in self.cleaned_data["scan"]:
            chosen.setdefault(device.pk, device)
        return list(chosen.values())


def item_for_code(items: list[LoanItem], code: str) -> LoanItem | None:
    """The loan item whose device has ``code`` as its label code or asset tag (any case)."""
    key = code.strip().upper()
    for item in items:
        if key and key in (item.device.label_code, item.device.asset_tag.upper()):
            return item
    return None


class ReturnForm(forms.Form):
    """One "returned" checkbox, a condition and a note for each device still out."""

    def __init__(self, *args, items: list[LoanItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            tag = item.device.asset_tag
            self.fields[f"returned_{item.pk}"] = forms.BooleanField(
                label=_("%(device)s returned") % {"device": tag}, required=False
            )
            self.fields[f"condition_{item.pk}"] = forms.ChoiceField(
                label=_("Condition of %(device)s") % {"device": tag},
                choices=LoanItem.Condition.choices,
                initial=LoanItem.Condition.COMPLETE,
                required=False,  # only for the devices ticked as returned: see clean()
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("Note on %(device)s") % {"device": tag},
                required=False,
                max_length=NOTE_MAX_LENGTH,
                help_text=_("Required if damaged or parts are missing."),
            )

    def rows(self):
        """Per device still out: the item and its three bound fields."""
        for item in self.items:
            yield (
                item,
                self[f"returned_{item.pk}"],
                self[f"condition_{item.pk}"],
                self[f"note_{item.pk}"],
            )

    def clean(self):
        data = super().clean()
        if self.data.get("rest_complete"):
            # "All the others came back complete": every device still out is returned, each
            # in the condition chosen for it (complete unless marked otherwise).
            for item in self.items:
                data[f"returned_{item.pk}"] = True
                if not data.get(f"condition_{item.pk}"):
                    data[f"condition_{item.pk}"] = LoanItem.Condition.COMPLETE
        chosen = [item for item in self.items if data.get(f"returned_{item.pk}")]
        for item in self.items:
            if item in chosen:
                continue
            note = (data.get(f"note_{item.pk}") or "").strip()
            condition = data.get(f"condition_{item.pk}")
            if note or (condition and condition != LoanItem.Condition.COMPLETE):
                # Never drop what someone wrote about a device: ask for the tick instead.
                self.add_error(
                    f"returned_{item.pk}",
                    _(
                        "%(device)s has a note or a damage but is not ticked as returned. "
                        "Tick it if it came back, or clear the note."
                    )
                    % {"device": item.device.asset_tag},
                )
        if not chosen and not self.errors:
            raise forms.ValidationError(_("Choose at least one device that came back."))
        for item in chosen:
            condition = data.get(f"condition_{item.pk}")
            note = (data.get(f"note_{item.pk}") or "").strip()
            if not condition and f"condition_{item.pk}" not in self.errors:
                self.add_error(f"condition_{item.pk}", _("Please choose the condition."))
            elif condition and condition != LoanItem.Condition.COMPLETE and not note:
                self.add_error(
                    f"note_{item.pk}", _("Please describe the damage or what is missing.")
                )
        return data

    def returns(self) -> list[ItemReturn]:
        data = self.cleaned_data
        return [
            ItemReturn(
                item_id=item.pk,
                condition=data[f"condition_{item.pk}"],
                note=data.get(f"note_{item.pk}") or "",
            )
            for item in self.items
            if data.get(f"returned_{item.pk}")
        ]


class DecisionForm(forms.Form):
    """Confirm a request, or decline it with a reason the person is sent."""

    action = forms.ChoiceField(
        choices=[("approve", _("Confirm")), ("decline", _("Decline"))],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason for declining"),
        required=False,
        max_length=DECISION_REASON_MAX_LENGTH,
        help_text=_("Sent to the person who asked."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Please give a reason; it is sent to the person who asked."))
        return data
