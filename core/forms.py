from __future__ import annotations

import datetime

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from .dates import EARLIEST_YEAR, LATEST_YEAR, in_sensible_years


class KernFormRenderer(TemplatesSetting):
    """Every Django form renders with KERN UX markup, an error summary and linked errors."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"


def years_error() -> forms.ValidationError:
    return forms.ValidationError(
        _("Please choose a date between the years %(first)d and %(last)d."),
        code="year",
        params={"first": EARLIEST_YEAR, "last": LATEST_YEAR},
    )


def check_year(
    day: datetime.date | datetime.datetime | None,
) -> datetime.date | datetime.datetime | None:
    """``day`` if it lies in a sensible year (or is empty), else a ValidationError saying
    which years are allowed."""
    if day is not None and not in_sensible_years(day):
        raise years_error()
    return day


class SensibleDateField(forms.DateField):
    """A day in a sensible year (core.dates): the one year check of the HTML forms."""

    def validate(self, value):
        super().validate(value)
        check_year(value)


class SensibleDateTimeField(forms.DateTimeField):
    """A time on a day in a sensible year."""

    def validate(self, value):
        super().validate(value)
        check_year(value)
