"""The free-text opening hours that staff typed are read into weekly hours, and what cannot be
read stays as notes (the data migration 0005 and its parser)."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps

from organizations.hours import calendar_for
from organizations.hours_text import Unreadable, parse_line, parse_opening_hours, week_as_text
from organizations.models import OpeningSchedule

from ..factories import LIBRARY_WEEK, OrganizationFactory, give_hours

T = datetime.time
migration = importlib.import_module("organizations.migrations.0005_opening_hours_from_free_text")


@pytest.mark.parametrize(
    ("line", "days", "intervals"),
    [
        ("Di–Fr 10–18 Uhr", [1, 2, 3, 4], [(T(10), T(18))]),
        ("Mo, Mi 9:00-12:00 und 14:00-17:00", [0, 2], [(T(9), T(12)), (T(14), T(17))]),
        ("Sa 10-13", [5], [(T(10), T(13))]),
        ("So geschlossen", [6], []),
        ("Montag geschlossen", [0], []),
        ("Dienstag, Mittwoch, Freitag 10:00–18:00 Uhr", [1, 2, 4], [(T(10), T(18))]),
        ("Donnerstag 10:00–12:00 und 15:00–18:00 Uhr", [3], [(T(10), T(12)), (T(15), T(18))]),
        ("Montag bis Freitag 9 Uhr - 12.30 Uhr", [0, 1, 2, 3, 4], [(T(9), T(12, 30))]),
        ("Mittwoch zusätzlich 10:00–12:00 Uhr", [2], [(T(10), T(12))]),
        ("Mo. – Do.: 8:00 – 12:00, 13:00 – 16:00", [0, 1, 2, 3], [(T(8), T(12)), (T(13), T(16))]),
        ("Fr–Mo 10–12", [4, 5, 6, 0], [(T(10), T(12))]),
    ],
)
def test_it_reads_lines_as_staff_type_them(line, days, intervals):
    assert parse_line(line) == (days, intervals)


@pytest.mark.parametrize(
    "line",
    [
        "Servicebüro Montag bis Donnerstag 9:00–12:30 Uhr",
        "Di 18-10",
        "Mi 25-26 Uhr",
        "Do nach Vereinbarung",
        "Termine nach Absprache",
        "Sa",
    ],
)
def test_it_refuses_lines_it_cannot_read(line):
    with pytest.raises(Unreadable):
        parse_line(line)


def test_a_whole_text_gives_the_week_and_keeps_what_is_no_hours_as_notes():
    parsed = parse_opening_hours(
        "Montag geschlossen\n"
        "Dienstag, Mittwoch, Freitag 10:00–18:00 Uhr\n\n"
        "Donnerstag 10:00–19:00 Uhr\n"
        "Samstag 10:00–14:00 Uhr\n"
        "Rückgabe rund um die Uhr am Medienrückgabe-Automaten"
    )
    assert parsed.week == {
        1: [(T(10), T(18))],
        2: [(T(10), T(18))],
        3: [(T(10), T(19))],
        4: [(T(10), T(18))],
        5: [(T(10), T(14))],
    }
    assert parsed.notes == ["Rückgabe rund um die Uhr am Medienrückgabe-Automaten"]


def test_lines_about_the_same_day_add_up():
    parsed = parse_opening_hours(
        "Dienstag bis Freitag 14:00–18:00 Uhr\nMittwoch zusätzlich 10:00–12:00 Uhr"
    )
    assert parsed.week[2] == [(T(10), T(12)), (T(14), T(18))]


@pytest.mark.parametrize(
    "text",
    [
        # An unreadable line that names a weekday: the week would be wrong without it.
        "Mo–Fr 9–12 Uhr\nDigitalsprechstunde Mittwoch 14:00–16:00 Uhr",
        "Mo–Fr 10–18 Uhr\nMo geschlossen",  # contradicts itself
        "Di 10–14\nDi 13–18",  # overlaps
        "Nach telefonischer Vereinbarung",  # no hours at all
        "",
    ],
)
def test_a_text_that_cannot_be_read_safely_gives_nothing(text):
    assert parse_opening_hours(text) is None


def test_the_text_written_back_reads_as_the_same_week():
    week = {1: [(T(10), T(13)), (T(14), T(18))], 3: [(T(10), T(19))], 5: [(T(10), T(13))]}
    assert parse_opening_hours(week_as_text(week)).week == week


# --- the migration -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_migration_moves_readable_text_into_weekly_hours_and_keeps_the_rest():
    readable = OrganizationFactory(
        opening_hours="Di–Fr 10–18 Uhr\nSa 10-13\nSo geschlossen\nRückgabe auch am Automaten"
    )
    unreadable = OrganizationFactory(
        opening_hours="Servicebüro Montag bis Donnerstag 9:00–12:30 und 14:00–17:00 Uhr"
    )
    empty = OrganizationFactory(opening_hours="")
    already = OrganizationFactory(opening_hours="Mo 8-9")
    give_hours(already, LIBRARY_WEEK)

    migration.free_text_to_hours(apps, None)

    for organization in (readable, unreadable, empty, already):
        organization.refresh_from_db()
    assert readable.opening_hours == "Rückgabe auch am Automaten"
    calendar = calendar_for(readable, datetime.date(2027, 3, 22), datetime.date(2027, 3, 28))
    assert calendar.intervals(datetime.date(2027, 3, 22)) == []  # Monday: not named, closed
    assert [(i.opens, i.closes) for i in calendar.intervals(datetime.date(2027, 3, 27))] == [
        (T(10), T(13))
    ]
    assert unreadable.opening_hours.startswith("Servicebüro Montag")
    assert not OpeningSchedule.objects.filter(organization__in=[unreadable, empty]).exists()
    assert already.opening_hours == "Mo 8-9"  # hours on record are not overwritten
    assert OpeningSchedule.objects.filter(organization=already).count() == 1


@pytest.mark.django_db
def test_the_reverse_puts_the_hours_back_into_the_text():
    organization = OrganizationFactory(opening_hours="Di–Fr 10–18 Uhr\nBitte klingeln")
    migration.free_text_to_hours(apps, None)
    migration.hours_to_free_text(apps, None)
    organization.refresh_from_db()
    assert organization.opening_hours.splitlines() == [
        "Mo geschlossen",
        "Di 10:00-18:00",
        "Mi 10:00-18:00",
        "Do 10:00-18:00",
        "Fr 10:00-18:00",
        "Sa geschlossen",
        "So geschlossen",
        "Bitte klingeln",
    ]


@pytest.mark.django_db(transaction=True)
def test_the_migration_runs_forward_and_back_on_the_real_schema():
    """Back to 0004 (opening hours as tables, text not yet read), a row written through the
    historical model, forward: hours and notes; back again: the text has the hours."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def migrate(target):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([target])
        return executor.loader.project_state([target]).apps

    leaf = ("organizations", "0005_opening_hours_from_free_text")
    # Going back to 0004 also unapplies the later migrations of other apps that depend on
    # organizations 0005; the test leaves the schema at every app's latest migration.
    everything = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        _forward_and_back(migrate, leaf)
    finally:
        MigrationExecutor(connection).migrate(everything)


def _forward_and_back(migrate, leaf):
    old_apps = migrate(("organizations", "0004_opening_hours"))
    District = old_apps.get_model("organizations", "District")
    Organization = old_apps.get_model("organizations", "Organization")
    district = District.objects.create(name="Stadt", slug="stadt")
    Organization.objects.create(
        name="Bücherei",
        slug="buecherei",
        kind="library",
        district=district,
        opening_hours="Di–Fr 10–18 Uhr\nSa 10-13\nBitte klingeln",
    )
    migrate(leaf)
    from organizations.models import Organization as Current

    organization = Current.objects.get(slug="buecherei")
    assert organization.opening_hours == "Bitte klingeln"
    assert calendar_for(
        organization, datetime.date(2027, 3, 27), datetime.date(2027, 3, 27)
    ).bounds(datetime.date(2027, 3, 27)) == (T(10), T(13))
    old_apps = migrate(("organizations", "0004_opening_hours"))
    text = old_apps.get_model("organizations", "Organization").objects.get().opening_hours
    assert text.splitlines()[1:3] == ["Di 10:00-18:00", "Mi 10:00-18:00"]
    assert text.endswith("Bitte klingeln")
    migrate(leaf)


# The demo libraries' free text before the hours became data, and their hours as data now.
DEMO_TEXTS = {
    "stadtbibliothek-aschaffenburg": (
        "Montag geschlossen\n"
        "Dienstag, Mittwoch, Freitag 10:00–18:00 Uhr\n"
        "Donnerstag 10:00–19:00 Uhr\n"
        "Samstag 10:00–14:00 Uhr"
    ),
    "stadtbibliothek-alzenau": (
        "Dienstag und Donnerstag 14:00–18:00 Uhr\n"
        "Mittwoch und Freitag 10:00–13:00 Uhr\n"
        "Samstag 10:00–12:00 Uhr"
    ),
    "stadtbuecherei-obernburg": (
        "Dienstag 15:00–18:00 Uhr\nDonnerstag 10:00–12:00 und 15:00–18:00 Uhr\n"
        "Samstag 10:00–12:00 Uhr"
    ),
    "stadtbuecherei-miltenberg": (
        "Dienstag bis Freitag 14:00–18:00 Uhr\nMittwoch zusätzlich 10:00–12:00 Uhr\n"
        "Samstag 10:00–13:00 Uhr"
    ),
}


@pytest.mark.parametrize("slug", DEMO_TEXTS)
def test_the_libraries_texts_read_as_their_hours(slug):
    from demo.data.organizations import HOURS

    assert parse_opening_hours(DEMO_TEXTS[slug]).week == HOURS[slug]


@pytest.mark.parametrize(
    "text",
    [
        "Servicebüro Montag bis Donnerstag 9:00–12:30 und 14:00–17:00 Uhr\nFreitag 9:00–12:30 Uhr",
        "Montag bis Donnerstag 9:00–12:00 Uhr\nDigitalsprechstunde Mittwoch 14:00–16:00 Uhr",
        "Geschäftsstelle Montag bis Freitag 9:00–12:00 Uhr",
    ],
)
def test_the_providers_texts_stay_as_notes(text):
    assert parse_opening_hours(text) is None
