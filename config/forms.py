from __future__ import annotations

import datetime

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

# Days outside these years are typing errors, and keep far dates (year 9999) away from date
# arithmetic. One place for every form, API and service that checks a day.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


class KernFormRenderer(TemplatesSetting):
    """Every Django form renders with KERN UX markup, an error summary and linked errors."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"


def check_year(day: datetime.date | None) -> datetime.date | None:
    """``day`` if it lies in a sensible year (or is empty), else a ValidationError saying
    which years are allowed."""
    if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise forms.ValidationError(
            _("Please choose a date between the years %(first)d and %(last)d."),
            params={"first": EARLIEST_YEAR, "last": LATEST_YEAR},
        )
    return day
