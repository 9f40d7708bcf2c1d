from __future__ import annotations

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import check_year

from .log_labels import GROUP_ACTIONS, GROUPS
from .models import District, Organization, Role


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Organization.Kind.choices]
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        required=False,
        queryset=District.objects.all(),
        to_field_name="slug",
        empty_label=_("All districts"),
    )

    def filter(self, organizations):
        if not self.is_valid():
            return organizations
        data = self.cleaned_data
        if data["q"]:
            organizations = organizations.filter(
                Q(name__icontains=data["q"]) | Q(city__icontains=data["q"])
            )
        if data["kind"]:
            organizations = organizations.filter(kind=data["kind"])
        if data["district"]:
            organizations = organizations.filter(district=data["district"])
        return organizations


class LogFilterForm(forms.Form):
    """The audit log's filters: a group of actions and a range of days (both ends included)."""

    group = forms.ChoiceField(label=_("What"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", _("Everything")), *GROUPS.items()]

    def clean_date_from(self):
        return check_year(self.cleaned_data.get("date_from"))

    def clean_date_to(self):
        return check_year(self.cleaned_data.get("date_to"))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Please choose a day on or after the first day."))
        return data

    def filter(self, entries):
        """The entries that match; call after ``is_valid()``."""
        data = self.cleaned_data
        if data.get("group"):
            entries = entries.filter(action__in=GROUP_ACTIONS[data["group"]])
        if data.get("date_from"):
            entries = entries.filter(created_at__gte=_start_of(data["date_from"]))
        if data.get("date_to"):
            entries = entries.filter(
                created_at__lt=_start_of(data["date_to"] + datetime.timedelta(days=1))
            )
        return entries


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AddMemberForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("The address the person signed up with."),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("New role"), choices=Role.choices)
