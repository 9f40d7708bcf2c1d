"""Template helpers every app uses: KERN UX markup for form widgets, the language of parts."""

from __future__ import annotations

from django import forms, template
from django.conf import settings
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


def _kern_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "kern-form-check__checkbox"
    if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
        return ""
    if isinstance(widget, forms.Select):
        return "kern-form-input__select"
    return "kern-form-input__input"


@register.simple_tag
def kern_widget(field: forms.BoundField) -> str:
    """Render a bound field's widget with KERN classes and the ARIA links to hint and error."""
    widget = field.field.widget
    css = _kern_class(widget)
    attrs: dict[str, str] = {}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
        if css:
            css += f" {css}--error"
    if css:
        attrs["class"] = " ".join(filter(None, [widget.attrs.get("class", ""), css]))
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.filter
def marked_optional(field: forms.BoundField) -> bool:
    """Whether the label says "optional": a field that is not required, in a form that marks
    them (``mark_optional = True``; most forms have few optional fields and say so in hints)."""
    return not field.field.required and getattr(field.form, "mark_optional", False)


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_select(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.Select) and not isinstance(
        field.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)
    )


@register.filter
def has_link(help_text) -> bool:
    """Whether a field's hint holds a link (allauth's "Forgot your password?")."""
    return "<a " in str(help_text or "")


@register.filter
def is_choice_group(field: forms.BoundField) -> bool:
    """Checkbox lists and radio buttons: rendered as a fieldset with a legend."""
    return isinstance(field.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple))


# Course languages that are variants of a language the browser knows by its primary code.
_LANG_TAGS = {"de-simple": "de"}
_RIGHT_TO_LEFT = {"ar", "fa", "he", "ur"}


@register.simple_tag
def lang_attrs(code: str | None) -> str:
    """` lang="…"` (and ` dir="rtl"` for Arabic and the like) for a text in the language
    `code`, when that is not the page's language (WCAG 3.1.2, language of parts): an English
    course on a German page, a German agreement in the English interface."""
    if not code:
        return ""
    tag = _LANG_TAGS.get(code, code)
    page = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if tag.split("-")[0] == page:
        return ""
    attrs = f' lang="{escape(tag)}"'
    if tag.split("-")[0] in _RIGHT_TO_LEFT:
        attrs += ' dir="rtl"'
    return mark_safe(attrs)  # noqa: S308 (the code is escaped)
