"""The row helpers of booking/templatetags/rows.py write what the small templates they
replace wrote (booking/includes/when.html, when_days.html, desk_person.html, the due date of
desk_loans.html), in German and English, and ``pk_url`` builds the URL ``{% url %}`` builds."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

BERLIN = ZoneInfo("Europe/Berlin")

# The templates as they were before the helpers, to compare with.
WHEN = (
    '{{ reservation.start|date:"D" }}, {{ reservation.start|date:"SHORT_DATE_FORMAT" }}, '
    '{{ reservation.start|time:"H:i" }}–{% if reservation.start|date:"Ymd" != '
    'reservation.end|date:"Ymd" %}{{ reservation.end|date:"D" }}, '
    '{{ reservation.end|date:"SHORT_DATE_FORMAT" }}, {% endif %}{{ reservation.end|time:"H:i" }}'
)
WHEN_DAYS = (
    '{% load days %}{{ reservation.start|date:"D" }}, '
    '{{ reservation.start|date:"SHORT_DATE_FORMAT" }} – {% with last=reservation.end|last_day %}'
    '{{ last|date:"D" }}, {{ last|date:"SHORT_DATE_FORMAT" }}{% endwith %}'
)
DUE = (
    '{% load days %}{% if loan.pool.booking_scope == "residents" %}'
    '{% with last=loan.due_at|last_day %}{{ last|date:"D" }}, '
    '{{ last|date:"SHORT_DATE_FORMAT" }}{% endwith %}{% else %}{{ loan.due_at|date:"D" }}, '
    '{{ loan.due_at|date:"SHORT_DATE_FORMAT" }} {{ loan.due_at|time:"H:i" }}{% endif %}'
)
PERSON = (
    "{% load i18n %}{% if person %}{{ person }}{% if person.email %} "
    '<a class="kern-link" href="mailto:{{ person.email }}">{{ person.email }}</a>{% endif %}'
    '{% else %}{% translate "a deleted account" %}{% endif %}'
)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN).astimezone(datetime.UTC)


SPANS = [
    (at(2026, 12, 7, 8, 0), at(2026, 12, 7, 9, 30)),  # one lesson
    (at(2026, 12, 7, 14, 0), at(2026, 12, 9, 10, 0)),  # over days
    (at(2026, 12, 7, 0, 0), at(2026, 12, 21, 0, 0)),  # a loan to midnight
    (at(2026, 3, 28, 23, 30), at(2026, 3, 29, 3, 0)),  # into summer time
    (at(2026, 10, 24, 22, 0), at(2026, 10, 25, 2, 30)),  # out of it
    (at(2026, 12, 31, 23, 0), at(2027, 1, 1, 0, 0)),  # to the new year's midnight
]


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize(("start", "end"), SPANS)
def test_the_dates_of_a_row_read_as_the_old_templates_wrote_them(language, start, end):
    reservation = SimpleNamespace(start=start, end=end)
    with translation.override(language):
        assert render("{% load rows %}{{ reservation|when }}", reservation=reservation) == (
            render(WHEN, reservation=reservation)
        )
        assert render("{% load rows %}{{ reservation|when_days }}", reservation=reservation) == (
            render(WHEN_DAYS, reservation=reservation)
        )
        for scope in ("residents", "members"):
            loan = SimpleNamespace(due_at=end, pool=SimpleNamespace(booking_scope=scope))
            assert render("{% load rows %}{{ loan|due }}", loan=loan) == render(DUE, loan=loan)


def test_a_lesson_reads_as_a_teacher_expects():
    reservation = SimpleNamespace(start=SPANS[0][0], end=SPANS[0][1])
    with translation.override("de"):
        assert render("{% load rows %}{{ r|when }}", r=reservation) == "Mo, 07.12.2026, 08:00–09:30"


class Person(SimpleNamespace):
    def __str__(self) -> str:
        return self.name


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize(
    "person",
    [
        Person(name="Dr. Anna <Ärztin>", email="anna@example.org"),
        Person(name="O'Brien & Söhne", email=""),
        None,
    ],
)
def test_a_person_at_the_desk_reads_as_before(language, person):
    with translation.override(language):
        assert render("{% load rows %}{{ person|contact }}", person=person) == render(
            PERSON, person=person
        )


@pytest.mark.parametrize(
    "name",
    [
        "booking:reservation_detail",
        "booking:reservation_ics",
        "booking:reservation_cancel",
        "booking:hand_out",
        "booking:loan_return",
    ],
)
def test_pk_url_builds_the_url_reverse_builds(name):
    rows = [1, 7, 42, 90817263540, 123456]
    source = "{% load rowtags %}{% for pk in rows %}{% pk_url name pk %} {% endfor %}"
    rendered = render(source, rows=rows, name=name)
    assert rendered.split() == [reverse(name, args=[pk]) for pk in rows]


FREE_OF = (
    "{% load i18n %}{% blocktranslate count counter=cell.free with capacity=cell.capacity %}"
    "{{ counter }} of {{ capacity }} free{% plural %}{{ counter }} of {{ capacity }} free"
    "{% endblocktranslate %}"
)
BOOK_SLOT = (
    '{% load i18n %}{% blocktranslate with day=cell.start|date:"l d.m." slot=label %}'
    "Book {{ day }}, {{ slot }}:{% endblocktranslate %}"
)


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("free", [1, 2, 29])
@pytest.mark.parametrize("start", [start for start, _end in SPANS])
def test_the_week_cells_say_what_their_blocktranslate_said(language, free, start):
    cell = SimpleNamespace(free=free, capacity=30, start=start)
    label = "1. Stunde <08:00 & später>"  # escaped as the block escaped it
    with translation.override(language):
        assert render("{% load rows %}{{ cell|free_of }}", cell=cell) == render(FREE_OF, cell=cell)
        assert render("{% load rows %}{{ cell|book_slot:label }}", cell=cell, label=label) == (
            render(BOOK_SLOT, cell=cell, label=label)
        )
