"""core/templatetags/rowtags.py: ``|weekday_date`` and ``|weekday_date_time`` write what the
``|date`` and ``|time`` filters they replace wrote, in German and English, in Berlin's time
across midnight and the DST changes; ``{% pk_url %}`` with a key that every row shares."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

BERLIN = ZoneInfo("Europe/Berlin")

DATE = '{{ value|date:"D" }}, {{ value|date:"SHORT_DATE_FORMAT" }}'
DATE_TIME = DATE + ', {{ value|time:"H:i" }}'

MOMENTS = [
    datetime.datetime(2026, 12, 7, 8, 0, tzinfo=BERLIN),
    datetime.datetime(2026, 12, 7, 23, 30, tzinfo=BERLIN),  # another day in UTC
    datetime.datetime(2026, 3, 29, 3, 0, tzinfo=BERLIN),  # summer time begins
    datetime.datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN),  # and ends
    datetime.datetime(2026, 12, 31, 23, 59, tzinfo=BERLIN),
]


def render(source: str, **context) -> str:
    return Template("{% load rowtags %}" + source).render(Context(context))


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("moment", MOMENTS)
def test_the_filters_write_what_the_date_filters_wrote(language, moment):
    value = moment.astimezone(datetime.UTC)
    with translation.override(language):
        assert render("{{ value|weekday_date }}", value=value) == render(DATE, value=value)
        assert render("{{ value|weekday_date_time }}", value=value) == render(
            DATE_TIME, value=value
        )
        day = moment.date()
        assert render("{{ value|weekday_date }}", value=day) == render(DATE, value=day)


def test_the_filters_write_nothing_for_no_date():
    assert render("[{{ value|weekday_date }}|{{ value|weekday_date_time }}]", value=None) == "[|]"


def test_the_german_page_says_it_the_german_way():
    value = datetime.datetime(2026, 12, 7, 8, 0, tzinfo=BERLIN)
    with translation.override("de"):
        assert render("{{ value|weekday_date_time }}", value=value) == "Mo, 07.12.2026, 08:00"
    with translation.override("en"):
        assert render("{{ value|weekday_date_time }}", value=value) == "Mon, 12/07/2026, 08:00"


def test_pk_url_with_a_fixed_key_builds_the_url_reverse_builds():
    source = (
        "{% for pk in rows %}{% pk_url 'provide:enrollment_cancel' course pk %} {% endfor %}"
        "{% pk_url 'provide:enrollment_cancel' other 5 %}"
    )
    rendered = render(source, rows=[1, 42, 123456], course=7, other=8)
    assert rendered.split() == [
        *(reverse("provide:enrollment_cancel", args=[7, pk]) for pk in [1, 42, 123456]),
        reverse("provide:enrollment_cancel", args=[8, 5]),
    ]
