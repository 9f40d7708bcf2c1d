"""Errors of a group of radio buttons or checkboxes (WCAG 1.3.1, 3.3.1): the fieldset points
to its error with aria-describedby, and every link of the error summary at the top of the
form leads to something on the page (for a group, its first option)."""

from __future__ import annotations

import re

from django import forms
from django.template.loader import render_to_string


class RepeatForm(forms.Form):
    title = forms.CharField(label="Titel")
    repeat = forms.ChoiceField(
        label="Wiederholen",
        choices=[("once", "Einmal"), ("weekly", "Jede Woche")],
        widget=forms.RadioSelect,
        help_text="Bis zum Ende des Schuljahres.",
    )
    days = forms.MultipleChoiceField(
        label="Tage",
        choices=[("mo", "Montag"), ("di", "Dienstag")],
        widget=forms.CheckboxSelectMultiple,
    )


def _render(form) -> str:
    summary = render_to_string("includes/form_errors.html", {"form": form})
    fields = "".join(render_to_string("includes/field.html", {"field": field}) for field in form)
    return summary + fields


def test_a_group_with_an_error_is_described_by_it_and_the_summary_links_reach_the_page():
    form = RepeatForm({"title": "", "repeat": "yearly"})
    assert not form.is_valid()
    html = _render(form)
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    targets = re.findall(r'<a class="kern-link" href="#([^"]+)"', html)
    assert len(targets) == 3
    assert [target for target in targets if target not in ids] == []
    assert "id_repeat_0" in targets and "id_days_0" in targets
    fieldsets = dict(re.findall(r'<fieldset id="([^"]+)"[^>]*aria-describedby="([^"]+)"', html))
    assert fieldsets["id_repeat"].split() == ["id_repeat_helptext", "id_repeat_error"]
    assert fieldsets["id_days"].split() == ["id_days_error"]
    for described in ("id_repeat_helptext", "id_repeat_error", "id_days_error"):
        assert described in ids
    assert "Jede Woche" in html
    assert html.count('aria-invalid="true"') >= 5  # the text input and every option


def test_a_group_without_an_error_points_only_to_its_hint():
    form = RepeatForm({"title": "Tablets", "repeat": "once", "days": ["mo"]})
    assert form.is_valid()
    html = _render(form)
    assert 'aria-describedby="id_repeat_helptext"' in html
    assert "error-summary" not in html and "aria-invalid" not in html
