from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from core.forms import LongSelect, plain_choices
from organizations.models import Location, Organization

from .models import Device, DevicePool, DeviceType
from .services import DEVICE_FIELDS, POOL_FIELDS


class InventoryFilterForm(forms.Form):
    """The inventory filters; they live in the URL, so a filtered list can be shared. The
    selects are ``LongSelect``s listing plain rows: the same HTML without a template and a
    model instance per option."""

    q = forms.CharField(label=_("Asset tag, serial number or name"), required=False, max_length=100)
    type = forms.ModelChoiceField(
        label=_("Type"),
        required=False,
        queryset=DeviceType.objects.all(),
        empty_label=_("All types"),
        widget=LongSelect,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Device.Status.choices],
        widget=LongSelect,
    )
    pool = forms.ModelChoiceField(
        label=_("Pool"),
        required=False,
        queryset=DevicePool.objects.none(),
        empty_label=_("All pools"),
        widget=LongSelect,
    )
    location = forms.ModelChoiceField(
        label=_("Location"),
        required=False,
        queryset=Location.objects.none(),
        empty_label=_("All locations"),
        widget=LongSelect,
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = organization.pools.all()
        self.fields["location"].queryset = organization.locations.all()
        self.fields["type"].queryset = DeviceType.objects.filter(
            pk__in=Device.objects.filter(organization=organization).values("device_type")
        )
        # The labels str() of each model gives.
        plain_choices(self.fields["type"], Concat("make", Value(" "), "model"))
        plain_choices(self.fields["pool"], "name")
        plain_choices(
            self.fields["location"],
            Concat("name", Value(" ("), "organization__name", Value(")")),
        )

    def filter(self, devices):
        if not self.is_valid():
            return devices
        data = self.cleaned_data
        if data["q"]:
            q = data["q"]
            devices = devices.filter(
                Q(asset_tag__icontains=q) | Q(serial_number__icontains=q) | Q(name__icontains=q)
            )
        for name, lookup in (
            ("type", "device_type"),
            ("status", "status"),
            ("pool", "pool"),
            ("location", "home_location"),
        ):
            if data[name]:
                devices = devices.filter(**{lookup: data[name]})
        return devices


class DeviceForm(forms.ModelForm):
    class Meta:
        model = Device
        fields = list(DEVICE_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["device_type"].empty_label = _("Choose a type")
        self.fields["pool"].queryset = organization.pools.all()
        self.fields["pool"].empty_label = _("In no pool")
        self.fields["home_location"].queryset = organization.locations.all()
        self.fields["home_location"].empty_label = _("No particular location")

    def _post_clean(self):
        # The service checks and writes (unique asset tag, same organization); the form only
        # validates its fields, so that a failed form never half-fills the instance's checks.
        pass


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Device.Status.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=300, help_text=_("e.g. “display cracked”, “back from repair”")
    )


# The largest sensible value of each pool limit (and far below the database's integer range).
POOL_LIMITS = {
    "max_booking_hours": 24 * 14,
    "min_notice_hours": 24 * 60,
    "max_days_ahead": 730,
    "per_person_limit": 1000,
    "loan_period_days": 365,
    "max_renewals": 20,
}


class PoolForm(forms.ModelForm):
    class Meta:
        model = DevicePool
        fields = [*POOL_FIELDS[:3], "device_types", *POOL_FIELDS[3:]]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "return_checklist": forms.Textarea(attrs={"rows": 4}),
            "device_types": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = organization.locations.all()
        self.fields["location"].empty_label = _("No particular location")
        for name, limit in POOL_LIMITS.items():
            self.fields[name].validators.append(MaxValueValidator(limit))
            self.fields[name].widget.attrs["max"] = limit
        # A form sent without it (an older page, a script) keeps the texts' language.
        self.fields["text_language"].required = False

    def clean_text_language(self) -> str:
        return self.cleaned_data.get("text_language") or self.instance.text_language

    def _post_clean(self):
        pass


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: asset_tag, serial_number, type, name, pool, location, status, "
            "accessories, notes (German column names work too)."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class ImportConfirmForm(forms.Form):
    """Carries the checked file back for writing, so nothing is stored between the steps."""

    data = forms.CharField(widget=forms.HiddenInput)
