"""The report form (period and scope) and the monthly-email opt-in."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from organizations.models import Organization

from .periods import Period, parse_period, period_choices
from .scope import Scope

# "Other period": the two date fields below say which.
RANGE = "range"
# What a scope key looks like; anything else is bad input (400), while a well-formed key the
# person may not report on is a 404, like any object outside their organizations.
SCOPE_KEY = re.compile(r"^(region|org:[\w-]{1,80}|district:[\w-]{1,80})$")
MAX_KEY_LENGTH = 40


def _date_field(label, help_text) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ReportForm(forms.Form):
    """Which report: a period (a preset, any period key, or two days) and a scope the person
    may report on. Valid, ``cleaned_data`` holds the ``Period`` and the ``Scope``."""

    period = forms.CharField(
        label=pgettext_lazy("time span", "Period"), max_length=MAX_KEY_LENGTH, widget=forms.Select
    )
    start = _date_field(_("First day"), _("Only for “Other period”."))
    end = _date_field(_("Last day"), _("Only for “Other period”; this day is included."))
    scope = forms.CharField(label=_("Organization or area"), max_length=120, widget=forms.Select)

    def __init__(self, *args, scopes: list[Scope], today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # A select has no maxlength in HTML (the Nu checker says so); the limit still applies.
        for name in ("period", "scope"):
            self.fields[name].widget.attrs.pop("maxlength", None)
        self.scopes = {scope.key: scope for scope in scopes}
        self.today = today
        presets = period_choices(today)
        self.fields["period"].widget.choices = [
            *presets,
            (RANGE, _("Other period (choose the days below)")),
        ]
        self.fields["scope"].widget.choices = [(scope.key, scope.label) for scope in scopes]
        if not self.is_bound:
            self.initial.setdefault("period", presets[1][0])  # last month
            if scopes:
                self.initial.setdefault("scope", scopes[0].key)

    def clean_period(self) -> str:
        value = self.cleaned_data["period"].strip()
        if value == RANGE:
            return value
        try:
            return parse_period(value, today=self.today)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_scope(self) -> Scope:
        value = self.cleaned_data["scope"].strip()
        if not SCOPE_KEY.match(value):
            raise forms.ValidationError(_("Please choose an organization or area from the list."))
        scope = self.scopes.get(value)
        if scope is None:
            raise Http404
        return scope

    def clean(self) -> dict:
        data = super().clean()
        if data.get("period") == RANGE:
            start, end = data.get("start"), data.get("end")
            if start is None:
                self.add_error("start", _("Please enter the first day."))
            if end is None:
                self.add_error("end", _("Please enter the last day."))
            if start is not None and end is not None:
                try:
                    data["period"] = parse_period(f"{start.isoformat()}..{end.isoformat()}")
                except ValueError as error:
                    self.add_error("end", str(error))
        return data

    @property
    def chosen_period(self) -> Period:
        return self.cleaned_data["period"]

    @property
    def chosen_scope(self) -> Scope:
        return self.cleaned_data["scope"]


class SubscriptionForm(forms.Form):
    """Which of the organizations a person administers send them last month's report."""

    organizations = forms.ModelMultipleChoiceField(
        label=_("Send me last month's report by email, at the start of each month, for"),
        queryset=Organization.objects.none(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = organizations
