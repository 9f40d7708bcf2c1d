from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounts.models import User
from demo.data import organizations as demo_data
from demo.data.organizations import DEMO_PASSWORD
from organizations.hours import calendars_for
from organizations.models import (
    Closure,
    District,
    LessonPeriod,
    Location,
    Membership,
    OpeningInterval,
    OpeningSchedule,
    Organization,
    Role,
    SpecialHours,
)
from tests.demo.conftest import seed_once

pytestmark = pytest.mark.django_db

DEMO_EMAIL = re.compile(r"[\w.+-]+@demo\.lernpool\.example")


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The region seeded once for the module; each test runs in a savepoint within it."""
    with seed_once(django_db_blocker) as output:
        yield output


@pytest.fixture
def output(seeded_once, db) -> str:
    return seeded_once


def counts() -> dict[str, int]:
    models = (
        District,
        Organization,
        Location,
        LessonPeriod,
        Closure,
        User,
        Membership,
        OpeningSchedule,
        OpeningInterval,
        SpecialHours,
    )
    counted = {model.__name__: model.objects.count() for model in models}
    counted["EmailAddress"] = EmailAddress.objects.count()
    return counted


def test_every_printed_login_authenticates(output):
    printed = DEMO_EMAIL.findall(output)
    assert printed[0] == "regionadmin@demo.lernpool.example"
    assert set(printed) == {email for _role, email in demo_data.FEATURED_LOGINS}
    assert DEMO_PASSWORD in output
    for email in printed:
        user = authenticate(None, email=email, password=DEMO_PASSWORD)
        assert user is not None, email
        assert user.email == email


def test_every_demo_user_has_a_verified_primary_address_and_the_demo_password(output):
    for entry in demo_data.USERS:
        user = User.objects.get(email=entry["email"])
        assert user.check_password(DEMO_PASSWORD)
        assert EmailAddress.objects.filter(
            user=user, email=user.email, verified=True, primary=True
        ).exists()


def test_the_table_lists_region_admin_school_roles_library_staff_and_a_resident_first(output):
    first_six = DEMO_EMAIL.findall(output)[:6]
    users = [User.objects.get(email=email) for email in first_six]
    roles = [set(user.memberships.values_list("role", flat=True)) for user in users]
    kinds = [set(user.memberships.values_list("organization__kind", flat=True)) for user in users]

    assert users[0].is_region_admin
    assert roles[1:5] == [{Role.ORG_ADMIN}, {Role.STAFF}, {Role.TEACHER}, {Role.STAFF}]
    assert kinds[1:4] == [{Organization.Kind.SCHOOL}] * 3
    assert kinds[4] == {Organization.Kind.LIBRARY}
    assert roles[5] == set() and not users[5].is_region_admin


def test_every_role_exists(output):
    region_admin = User.objects.get(email="regionadmin@demo.lernpool.example")
    assert region_admin.is_region_admin
    assert region_admin.is_staff and region_admin.is_superuser

    for role in Role:
        assert Membership.objects.filter(role=role).exists(), role
    residents = User.objects.filter(memberships__isnull=True, is_region_admin=False)
    assert residents.count() >= 3
    assert not User.objects.filter(is_superuser=True).exclude(pk=region_admin.pk).exists()
    english = User.objects.filter(preferred_language="en")
    assert english.filter(email="resident.en@demo.lernpool.example").exists()
    assert english.count() < User.objects.count() / 10
    assert User.objects.exclude(preferred_language="en").filter(preferred_language="de").exists()


def test_a_teacher_is_also_staff_at_a_library(output):
    assert (
        User.objects.filter(
            memberships__role=Role.TEACHER,
            memberships__organization__kind=Organization.Kind.SCHOOL,
        )
        .filter(
            memberships__role=Role.STAFF,
            memberships__organization__kind=Organization.Kind.LIBRARY,
        )
        .exists()
    )


def test_the_region_is_the_city_and_both_districts(output):
    assert set(District.objects.values_list("slug", flat=True)) == {
        "aschaffenburg",
        "lk-aschaffenburg",
        "lk-miltenberg",
    }
    for district in District.objects.all():
        kinds = set(district.organizations.values_list("kind", flat=True))
        assert {Organization.Kind.SCHOOL, Organization.Kind.LIBRARY} <= kinds, district
    assert Organization.objects.filter(kind=Organization.Kind.ADULT_EDUCATION).count() == 2
    assert 12 <= Organization.objects.count() <= 15
    for organization in Organization.objects.all():
        assert organization.locations.exists(), organization
        assert organization.description and organization.phone and organization.postal_code
        assert organization.opening_schedules.exists(), organization


def test_every_organization_has_realistic_opening_hours(output):
    monday, christmas_eve = datetime.date(2026, 12, 7), datetime.date(2026, 12, 24)
    week = [monday + datetime.timedelta(days=n) for n in range(7)]
    calendars = calendars_for(Organization.objects.all(), monday, datetime.date(2027, 9, 30))
    for organization in Organization.objects.all():
        calendar = calendars[organization.pk]
        open_days = {day.weekday() for day in week if calendar.is_open(day)}
        if organization.kind == Organization.Kind.LIBRARY:
            assert not open_days & {0, 6}, organization  # closed on Sunday and Monday
            assert [(i.opens, i.closes) for i in calendar.intervals(christmas_eve)] == [
                (datetime.time(10), datetime.time(12))
            ], organization
        elif organization.kind == Organization.Kind.SCHOOL:
            assert open_days == {0, 1, 2, 3, 4}, organization
            assert calendar.bounds(monday) == (datetime.time(7, 30), datetime.time(16))
            assert not calendar.is_open(christmas_eve)  # school holidays
        else:
            assert open_days and not open_days & {5, 6}, organization
    vhs = calendars[Organization.objects.get(slug="vhs-aschaffenburg").pk]
    assert vhs.bounds(datetime.date(2027, 8, 3)) == (datetime.time(9), datetime.time(12, 30))
    assert vhs.bounds(datetime.date(2027, 9, 14)) == (datetime.time(9), datetime.time(17))


def test_contact_data_reaches_no_real_person(output):
    for organization in Organization.objects.all():
        assert organization.email.endswith(".example.org"), organization.email
        assert organization.phone.startswith("069 90009 "), organization.phone
    assert not User.objects.exclude(email__endswith="@demo.lernpool.example").exists()


def test_schools_have_lesson_periods_and_libraries_do_not(output):
    for school in Organization.objects.filter(kind=Organization.Kind.SCHOOL):
        numbers = list(school.lesson_periods.values_list("number", flat=True))
        expected = 6 if school.name.startswith("Grundschule") else 8
        assert numbers == list(range(1, expected + 1)), school

    first = LessonPeriod.objects.get(organization__slug="kronberg-gymnasium", number=1)
    assert (first.name, first.start, first.end) == (
        "1. Stunde",
        datetime.time(8, 0),
        datetime.time(8, 45),
    )
    assert not LessonPeriod.objects.exclude(organization__kind=Organization.Kind.SCHOOL).exists()


def test_school_holidays_close_a_school_but_not_a_library(output):
    school = Organization.objects.get(slug="kronberg-gymnasium")
    library = Organization.objects.get(slug="stadtbibliothek-aschaffenburg")
    school_closures = set(Closure.objects.for_organization(school).values_list("name", flat=True))
    library_closures = set(Closure.objects.for_organization(library).values_list("name", flat=True))

    assert {"Herbstferien 2026", "Buß- und Bettag", "Pfingstferien 2027"} <= school_closures
    assert not {"Herbstferien 2026", "Buß- und Bettag"} & library_closures
    assert {"Allerheiligen", "Karfreitag"} <= school_closures & library_closures
    assert "Inventur" in library_closures
    assert "Inventur" not in school_closures


def test_closures_are_stored_half_open(output):
    christmas = Closure.objects.get(organization=None, name="Weihnachtsferien 2026/27")
    assert (christmas.start, christmas.end) == (
        datetime.date(2026, 12, 24),
        datetime.date(2027, 1, 9),
    )
    assert christmas.last_day == datetime.date(2027, 1, 8)

    summer = Closure.objects.get(organization=None, name="Sommerferien 2026")
    assert summer.end == datetime.date(2026, 9, 15)  # school starts again on 15 September

    library = Organization.objects.get(slug="stadtbibliothek-aschaffenburg")
    on_inventory_monday = Closure.objects.for_organization(library).overlapping(
        datetime.date(2027, 1, 11), datetime.date(2027, 1, 12)
    )
    assert list(on_inventory_monday.values_list("name", flat=True)) == ["Inventur"]


@pytest.mark.parametrize(
    "easter", [datetime.date(2026, 4, 5), datetime.date(2027, 3, 28)], ids=["2026", "2027"]
)
def test_the_moveable_holidays_follow_easter(output, easter):
    offsets = {
        "Karfreitag": -2,
        "Ostermontag": 1,
        "Christi Himmelfahrt": 39,
        "Pfingstmontag": 50,
        "Fronleichnam": 60,
    }
    for name, offset in offsets.items():
        holiday = Closure.objects.get(
            organization=None,
            kind=Closure.Kind.PUBLIC_HOLIDAY,
            name=name,
            start__year=easter.year,
        )
        assert holiday.start == easter + datetime.timedelta(days=offset), name
        assert holiday.end == holiday.start + datetime.timedelta(days=1), name


def test_seeding_twice_duplicates_nothing(output):
    before = counts()
    password_hashes = dict(User.objects.values_list("email", "password"))

    again = seed()

    assert counts() == before
    assert "(0 neu angelegt)" in again
    # The same hash again: seeding does not log demo users out.
    assert dict(User.objects.values_list("email", "password")) == password_hashes


def test_seeding_keeps_what_people_added(output):
    library = Organization.objects.get(slug="stadtbibliothek-aschaffenburg")
    Location.objects.create(organization=library, name="Makerspace")
    resident = User.objects.get(email="buergerin@demo.lernpool.example")
    Membership.objects.create(user=resident, organization=library, role=Role.STAFF)

    seed("--quiet")

    assert library.locations.filter(name="Makerspace").exists()
    assert resident.memberships.filter(organization=library).exists()


def test_quiet_prints_nothing(db):
    assert seed("--quiet") == ""
    assert Organization.objects.exists()


def test_seed_demo_refuses_to_run_outside_a_demo(settings):
    settings.LERNPOOL_DEMO = False
    before = counts()
    with pytest.raises(CommandError, match="not a demo"):
        call_command("seed_demo", quiet=True)
    assert counts() == before
