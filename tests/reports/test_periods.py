"""Report periods: parsing, keys that round-trip, the period before, the months touched."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from reports.periods import InvalidPeriod, parse_period, period_choices

pytestmark = pytest.mark.usefixtures("english_messages")

D = datetime.date


@pytest.mark.parametrize(
    ("value", "kind", "start", "end", "label"),
    [
        ("2026-11", "month", D(2026, 11, 1), D(2026, 12, 1), "November 2026"),
        ("2026-12", "month", D(2026, 12, 1), D(2027, 1, 1), "December 2026"),
        ("2026", "year", D(2026, 1, 1), D(2027, 1, 1), "2026"),
        ("sy2025", "school_year", D(2025, 8, 1), D(2026, 8, 1), "School year 2025/26"),
        ("sy2099", "school_year", D(2099, 8, 1), D(2100, 8, 1), "School year 2099/00"),
        ("term2025-1", "term", D(2025, 8, 1), D(2026, 2, 1), "Term 1, 2025/26"),
        ("term2025-2", "term", D(2026, 2, 1), D(2026, 8, 1), "Term 2, 2025/26"),
        (
            "2026-01-01..2026-03-31",
            "range",
            D(2026, 1, 1),
            D(2026, 4, 1),
            "01/01/2026–03/31/2026",
        ),
        ("2026-02-28..2026-02-28", "range", D(2026, 2, 28), D(2026, 3, 1), "02/28/2026–02/28/2026"),
    ],
)
def test_it_parses_every_kind_and_the_key_round_trips(value, kind, start, end, label):
    period = parse_period(value)

    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)
    assert period.key == value
    assert parse_period(period.key) == period


def test_labels_follow_the_language():
    with translation.override("de"):
        assert parse_period("2026-03").label == "März 2026"
        assert parse_period("2026-01-01..2026-03-31").label == "01.01.2026–31.03.2026"


@pytest.mark.parametrize(
    ("value", "previous"),
    [
        ("2026-03", "2026-02"),
        ("2026-01", "2025-12"),
        ("2026", "2025"),
        ("sy2025", "sy2024"),
        ("term2025-1", "term2024-2"),
        ("term2025-2", "term2025-1"),
        ("2026-03-02..2026-03-08", "2026-02-23..2026-03-01"),
        ("2026-03-01..2026-03-31", "2026-01-29..2026-02-28"),
    ],
)
def test_previous_is_the_same_length_immediately_before(value, previous):
    period = parse_period(value)

    assert period.previous().key == previous
    assert period.previous().end == period.start


def test_months_are_the_first_days_of_the_months_touched():
    assert parse_period("sy2025").months() == [D(2025, month, 1) for month in range(8, 13)] + [
        D(2026, month, 1) for month in range(1, 8)
    ]
    assert parse_period("2026-01-31..2026-02-01").months() == [D(2026, 1, 1), D(2026, 2, 1)]
    assert parse_period("2026-05").months() == [D(2026, 5, 1)]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "This is not a valid period."),
        ("November", "This is not a valid period."),
        ("2026-13", "This is not a valid period."),
        ("2026-02-30..2026-03-01", "This is not a valid period."),
        ("term2025-3", "This is not a valid period."),
        ("1999", "Please choose a year between 2000 and 2100."),
        ("sy2101", "Please choose a year between 2000 and 2100."),
        ("2026-03-31..2026-03-01", "The first day must not be after the last day."),
        ("2020-01-01..2026-12-31", "Please choose at most five years."),
        ("2026-03'; DROP TABLE", "This is not a valid period."),
    ],
)
def test_bad_periods_are_refused_with_a_message(value, message):
    with pytest.raises(ValueError) as error:
        parse_period(value)

    assert isinstance(error.value, InvalidPeriod)
    assert str(error.value) == message


def test_presets_move_with_today():
    today = D(2026, 11, 17)

    assert parse_period("this-month", today=today).key == "2026-11"
    assert parse_period("last-month", today=today).key == "2026-10"
    assert parse_period("this-term", today=today).key == "term2026-1"
    assert parse_period("last-term", today=today).key == "term2025-2"
    assert parse_period("this-school-year", today=today).key == "sy2026"
    assert parse_period("last-school-year", today=today).key == "sy2025"
    assert parse_period("last-year", today=today).key == "2025"
    assert parse_period("last-month", today=D(2026, 1, 5)).key == "2025-12"
    assert parse_period("last-term", today=D(2026, 3, 1)).key == "term2025-1"


def test_choices_are_keys_that_parse_back():
    choices = period_choices(D(2026, 11, 17))

    assert [key for key, _label in choices] == [
        "2026-11",
        "2026-10",
        "term2026-1",
        "term2025-2",
        "sy2026",
        "sy2025",
        "2026",
        "2025",
    ]
    assert choices[5][1] == "Last school year (School year 2025/26)"
    for key, _label in choices:
        assert parse_period(key).key == key
