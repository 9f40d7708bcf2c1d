from __future__ import annotations

import datetime

from django import forms
from django.db.models import Expression
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import TemplatesSetting
from django.utils.choices import BaseChoiceIterator
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
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


def _attributes(attrs: dict) -> str:
    """HTML attributes as django/forms/widgets/attrs.html writes them: ``False`` leaves the
    attribute out, ``True`` writes its name alone, anything else is escaped."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class LongSelect(forms.Select):
    """A ``<select>`` written in Python: the same HTML as Django's ``Select`` (which renders
    select_option.html and attrs.html through the template engine once per option), for
    lists of hundreds of options such as the catalog's providers. Values, labels and
    attributes are escaped as the templates escape them."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"']
        parts.append(_attributes(widget["attrs"]) + ">")
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attributes(option['attrs'])}>{conditional_escape(option['label'])}"
                    "</option>\n"  # select_option.html ends with a line break
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every part above is escaped)


class _PlainChoices(BaseChoiceIterator):
    """The empty choice, then ``(key, label)`` rows; read when iterated, as Django's own
    ``ModelChoiceIterator`` is (``Select`` peeks at the first choice without a query)."""

    def __init__(self, field: forms.ModelChoiceField, label: str | Expression):
        self.field, self.label = field, label

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.field.queryset.values_list(self.field.to_field_name or "pk", self.label)


class _ReadChoices(ModelChoiceIterator):
    """A model choice field's options from objects the view has read already: the same
    ``(value, label)`` pairs as Django's iterator, without its query each time the widget
    is rendered (and once more when ``Select`` peeks at the first option)."""

    def __init__(self, field: forms.ModelChoiceField, objects: list):
        super().__init__(field)
        self.objects = objects

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.objects:
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.objects) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self.objects)


def read_choices(field: forms.ModelChoiceField, objects: list) -> None:
    """Let ``field``'s widget list ``objects``, read by the view from the field's queryset for
    the page anyway; the field still validates against its queryset. Call it after setting
    the queryset."""
    field.widget.choices = _ReadChoices(field, objects)


def plain_choices(field: forms.ModelChoiceField, label: str | Expression) -> None:
    """Let ``field``'s widget list ``(key, label)`` pairs read in one plain query, instead of
    a model instance per option read through a server-side cursor (300 providers cost the
    catalog more than its courses). ``label`` names the field ``str()`` of the model shows,
    or is an expression that writes what it shows (``Concat("make", Value(" "), "model")``);
    the field still validates against its queryset. Call it after setting the queryset."""
    field.widget.choices = _PlainChoices(field, label)
