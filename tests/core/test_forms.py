"""core.forms.LongSelect writes the same HTML as Django's template-based Select."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.safestring import mark_safe

from core.forms import LongSelect, read_choices
from organizations.models import Organization
from tests.factories import OrganizationFactory

CHOICES = [
    ("", "All"),
    ("a&b", 'A <b> & "c"'),
    ("safe", mark_safe("<em>already safe</em>")),
    ("Group <1>", [("x", "X"), ("y", "Y")]),
    (3, "three"),
]


def rendered(widget: forms.Select, data: dict, **attrs) -> str:
    class Form(forms.Form):
        choice = forms.ChoiceField(choices=CHOICES, required=False, widget=widget)

    return Form(data)["choice"].as_widget(attrs=attrs)


@pytest.mark.parametrize("data", [{}, {"choice": "x"}, {"choice": "a&b"}, {"choice": "3"}])
def test_it_writes_what_the_template_based_select_writes(data):
    attrs = {"class": "kern-form-input__select", "aria-invalid": "true", "title": 'a "b"'}
    for flags in ({}, {"disabled": True, "hidden": False}):
        expected = rendered(forms.Select(attrs=flags), data, **attrs)
        assert rendered(LongSelect(attrs=flags), data, **attrs) == expected
    assert 'value="a&amp;b"' in expected and "A &lt;b&gt; &amp; &quot;c&quot;" in expected


@pytest.mark.django_db
def test_model_choices_are_the_same_too():
    OrganizationFactory(name="Volkshochschule <Nord> & Süd", slug="vhs-nord")
    OrganizationFactory(name="Bibliothek", slug="bib")
    queryset = Organization.objects.order_by("name")

    def form(widget):
        class Form(forms.Form):
            organization = forms.ModelChoiceField(
                queryset, required=False, to_field_name="slug", empty_label="All", widget=widget
            )

        return str(Form({"organization": "vhs-nord"})["organization"])

    html = form(LongSelect)
    assert html == form(forms.Select)
    assert (
        '<option value="vhs-nord" selected>Volkshochschule &lt;Nord&gt; &amp; Süd</option>' in html
    )


@pytest.mark.django_db
@pytest.mark.parametrize("empty_label", [None, "All"])
def test_read_choices_write_the_same_options_without_a_query(
    empty_label, django_assert_num_queries
):
    OrganizationFactory(name="Volkshochschule <Nord> & Süd", slug="vhs-nord")
    library = OrganizationFactory(name="Bibliothek", slug="bib")
    queryset = Organization.objects.order_by("name")

    class Form(forms.Form):
        organization = forms.ModelChoiceField(queryset, empty_label=empty_label)

    with CaptureQueriesContext(connection) as django_reads:  # a query each look at the options
        expected = str(Form({"organization": str(library.pk)})["organization"])
    assert len(django_reads) >= 2
    read = list(queryset)
    form = Form({"organization": str(library.pk)})
    read_choices(form.fields["organization"], read)
    with django_assert_num_queries(1):  # validation still asks the queryset
        assert form.is_valid() and form.cleaned_data["organization"] == read[0]
    with django_assert_num_queries(0):
        assert str(form["organization"]) == expected
