"""The report form (period and scope) and the monthly-email opt-in."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from organizations.models import Organization

from . import csv_export, formatting
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


ORDERS = (formatting.ASCENDING, formatting.DESCENDING)


def _listed(values) -> str:
    """“districts”, “organizations” (in the reader's quotation marks)."""
    return ", ".join(str(_("“%(value)s”") % {"value": value}) for value in values)


class TableForm(forms.Form):
    """``?table=``: which table of a report a CSV download holds (the figures without one)."""

    table = forms.CharField(label=_("Table"), required=False, max_length=MAX_KEY_LENGTH)

    def clean_table(self) -> str:
        value = self.cleaned_data["table"].strip() or "figures"
        if value not in csv_export.TABLES:
            raise forms.ValidationError(
                _("There is no table “%(value)s”. The tables are: %(tables)s.")
                % {"value": value, "tables": _listed(csv_export.TABLES)}
            )
        return value


class ReportQueryForm(TableForm, ReportForm):
    """The report an address names (the page, its PDF, CSV and ZIP): the period and scope,
    and how the page's tables are sorted (``?sort=organizations.utilization&order=desc``)
    and which table a CSV holds (``?table=pools``). A value that names nothing is a 400 that
    says what to give instead: never ignored, never a 500."""

    sort = forms.CharField(label=_("Sort"), required=False, max_length=MAX_KEY_LENGTH)
    order = forms.CharField(label=_("Order"), required=False, max_length=MAX_KEY_LENGTH)

    def clean_order(self) -> str:
        value = self.cleaned_data["order"].strip()
        if value and value not in ORDERS:
            raise forms.ValidationError(
                _("Please give “asc” (ascending) or “desc” (descending), not “%(value)s”.")
                % {"value": value}
            )
        return value

    def clean(self) -> dict:
        data = super().clean()
        sort, scope = data.get("sort", "").strip(), data.get("scope")
        if not sort or scope is None:
            return data
        columns = formatting.sortable_columns(scope.kind)
        table, _dot, column = sort.partition(".")
        if not columns:
            self.add_error("sort", _("This report has no table that can be sorted."))
        elif table not in columns:
            self.add_error(
                "sort",
                _(
                    "Please name a table and one of its columns, such as "
                    "“organizations.utilization”. The tables that can be sorted are: "
                    "%(tables)s."
                )
                % {"tables": _listed(columns)},
            )
        elif column not in columns[table]:
            self.add_error(
                "sort",
                _("The table “%(table)s” has no column “%(column)s”. Its columns are: %(columns)s.")
                % {"table": table, "column": column, "columns": _listed(columns[table])},
            )
        return data


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
