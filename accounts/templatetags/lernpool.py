"""Template helpers every app uses: KERN UX markup for form widgets."""

from __future__ import annotations

from django import forms, template

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
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_select(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.Select) and not isinstance(
        field.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)
    )


@register.filter
def is_choice_group(field: forms.BoundField) -> bool:
    """Checkbox lists and radio buttons: rendered as a fieldset with a legend."""
    return isinstance(field.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple))
