"""The course form's "Anmeldung" block says in German what each field means: when
registration opens, when it closes, and until when participants can cancel (#18)."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from courses.provider_forms import CourseForm

pytestmark = pytest.mark.django_db

# What the English labels and help texts mean, in German.
INTENDED = {
    "registration_opens": ("Anmeldung ab", "Leer: ab Veröffentlichung."),
    "registration_closes": (
        "Anmeldung bis",
        "Leer: bis zum Beginn des ersten Termins. Dann wird auch die "
        "Mindestteilnehmerzahl geprüft.",
    ),
    "cancellation_deadline": (
        "Abmeldung möglich bis",
        "Leer: bis zum Beginn des ersten Termins.",
    ),
}


@pytest.mark.parametrize("name", INTENDED)
def test_the_course_form_labels_the_registration_block_in_german(organization, name):
    label, help_text = INTENDED[name]
    with translation.override("de"):
        html = CourseForm(organization=organization)[name].as_field_group()
    assert re.search(rf"<label[^>]*>\s*{re.escape(label)}", html), html
    assert help_text in html


def test_the_course_form_page_shows_the_registration_block_in_german(client, staff):
    client.force_login(staff)
    client.cookies["django_language"] = "de"
    page = client.get("/manage/courses/new/").content.decode()
    for label, help_text in INTENDED.values():
        assert label in page
        assert help_text in page
    assert page.count("Abmeldung möglich bis") == 1
