"""Open data statistics (reports.opendata) and their CSV download /opendata/statistics.csv:
one row per organization and month, SQL aggregates, small counts of people hidden."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Loan
from core.dates import local_datetime
from courses.models import Attendance
from organizations.models import District, Organization
from reports import opendata
from reports.figures import utilization_by_org_month
from reports.periods import parse_period
from tests.factories import (
    CourseFactory,
    DeviceFactory,
    DevicePoolFactory,
    EnrollmentFactory,
    LendingPoolFactory,
    MeetingFactory,
    OrganizationFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_default")]

URL = "/opendata/statistics.csv"
FEBRUARY = datetime.date(2026, 2, 1)


def at(day: int, hour: int, month: datetime.date = FEBRUARY) -> datetime.datetime:
    return local_datetime(month.replace(day=day), datetime.time(hour))


def booking(pool, day: int, month: datetime.date = FEBRUARY, **values):
    return ReservationFactory(
        pool=pool,
        start=at(day, 8, month),
        end=at(day, 10, month),
        **values,
    )


def loan(pool, day: int, borrower=None):
    start = at(day, 10)
    return Loan.objects.create(
        pool=pool,
        borrower=borrower or UserFactory(),
        handed_out_at=start,
        due_at=start + datetime.timedelta(days=14),
    )


@pytest.fixture
def school(organization):
    """Kronberg-Gymnasium: 3 devices in service, one in repair; 6 bookings in February
    (besides a cancelled one and a course meeting's), 2 in March."""
    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer 1")
    for status in ("in_service", "in_service", "in_service", "in_repair"):
        DeviceFactory(pool=pool, status=status, created_at=at(1, 8, datetime.date(2025, 9, 1)))
    for day in (2, 3, 4, 5, 6, 9):
        booking(pool, day)
    booking(pool, 10, status="cancelled")
    meeting_reservation = booking(pool, 11)
    course = CourseFactory(organization=organization)
    MeetingFactory(
        course=course,
        start=meeting_reservation.start,
        end=meeting_reservation.end,
        reservation=meeting_reservation,
    )
    booking(pool, 3, month=datetime.date(2026, 3, 1))
    booking(pool, 4, month=datetime.date(2026, 3, 1))
    return organization


@pytest.fixture
def library(db):
    """A library in another district: 2 loans in February, a course with 6 people (9 of 12
    present) and a course with 2 people (both present at its one meeting)."""
    district = District.objects.create(name="Landkreis Miltenberg", slug="lk-miltenberg")
    library = OrganizationFactory(
        name="Stadtbibliothek Miltenberg", slug="stb-miltenberg", kind="library", district=district
    )
    pool = LendingPoolFactory(organization=library)
    loan(pool, 5)
    loan(pool, 19)
    course = CourseFactory(organization=library, capacity=8)
    meetings = [
        MeetingFactory(course=course, start=at(day, 18), end=at(day, 19)) for day in (10, 17)
    ]
    people = [EnrollmentFactory(course=course) for _ in range(6)]
    EnrollmentFactory(course=course, status="waitlisted", waitlisted_at=at(1, 9))
    for index, enrollment in enumerate(people):
        Attendance.objects.create(enrollment=enrollment, meeting=meetings[0], present=True)
        Attendance.objects.create(enrollment=enrollment, meeting=meetings[1], present=index < 3)
    small = CourseFactory(organization=library)
    meeting = MeetingFactory(course=small, start=at(24, 18), end=at(24, 19))
    for enrollment in EnrollmentFactory.create_batch(2, course=small):
        Attendance.objects.create(enrollment=enrollment, meeting=meeting, present=True)
    return library


def rows_by_org_month(statistics) -> dict:
    return {(row.organization, row.month_key): row for row in statistics.rows}


def build(value="2026-02-01..2026-03-31", scope="region"):
    return opendata.build_statistics(
        scope=opendata.public_scope(scope), period=opendata.public_period(value)
    )


# --- the figures --------------------------------------------------------------------------


def test_it_counts_per_organization_and_month_with_zeros(school, library):
    rows = rows_by_org_month(build())
    assert sorted(rows) == [
        ("Kronberg-Gymnasium", "2026-02"),
        ("Kronberg-Gymnasium", "2026-03"),
        ("Stadtbibliothek Miltenberg", "2026-02"),
        ("Stadtbibliothek Miltenberg", "2026-03"),
    ]
    february = rows["Kronberg-Gymnasium", "2026-02"]
    assert february.organization_kind == "school"
    assert february.devices_in_service == 3
    assert february.bookings == 6
    assert february.loans == 0
    assert rows["Kronberg-Gymnasium", "2026-03"].bookings == "< 5"
    library_february = rows["Stadtbibliothek Miltenberg", "2026-02"]
    assert library_february.district == "Landkreis Miltenberg"
    assert library_february.loans == "< 5"
    assert library_february.courses == 2
    assert library_february.meetings == 3
    assert library_february.enrolments == 8
    # 9 present of 6 people × 2 meetings, 2 of 2 × 1: 11 of 14, so 3 absences, which the
    # rate (79 %) beside 8 enrolments would give away.
    assert library_february.attendance is None
    assert rows["Stadtbibliothek Miltenberg", "2026-03"].enrolments == 0


def test_small_counts_of_people_are_hidden_and_zero_stays_zero():
    assert [opendata.public_count(n) for n in (0, 1, 4, 5, 120)] == [0, "< 5", "< 5", 5, 120]


def test_attendance_is_left_out_where_fewer_than_five_people_are_enrolled(library):
    small = CourseFactory(organization=library)
    meeting = MeetingFactory(course=small, start=at(3, 18, datetime.date(2026, 3, 1)))
    for enrollment in EnrollmentFactory.create_batch(3, course=small):
        Attendance.objects.create(enrollment=enrollment, meeting=meeting, present=True)
    row = rows_by_org_month(build())["Stadtbibliothek Miltenberg", "2026-03"]
    assert row.enrolments == "< 5"
    assert row.meetings == 1
    assert row.attendance is None


def test_attendance_is_published_only_when_neither_present_nor_absent_are_few(library):
    course = CourseFactory(organization=library)
    meeting = MeetingFactory(course=course, start=at(3, 18, datetime.date(2026, 3, 1)))
    enrollments = EnrollmentFactory.create_batch(10, course=course)
    for enrollment in enrollments[:6]:
        Attendance.objects.create(enrollment=enrollment, meeting=meeting, present=True)

    row = rows_by_org_month(build())["Stadtbibliothek Miltenberg", "2026-03"]
    assert (row.enrolments, row.attendance) == (10, None)  # 4 absent: a small count

    Attendance.objects.filter(enrollment=enrollments[5]).delete()
    row = rows_by_org_month(build())["Stadtbibliothek Miltenberg", "2026-03"]
    assert (row.enrolments, row.attendance) == (10, 50)  # 5 present, 5 absent


def test_utilization_is_whole_per_cent_and_none_without_available_hours(
    school, library, monkeypatch
):
    figures = {
        (school.pk, FEBRUARY): (12.5, 100.0),
        (school.pk, datetime.date(2026, 3, 1)): (0.0, 0.0),
    }
    monkeypatch.setattr(opendata, "use_by_org_month", lambda ids, period: (figures, {}))
    rows = rows_by_org_month(build())
    assert rows["Kronberg-Gymnasium", "2026-02"].utilization == 12
    assert rows["Kronberg-Gymnasium", "2026-03"].utilization is None
    assert rows["Stadtbibliothek Miltenberg", "2026-02"].utilization is None


def test_utilization_comes_from_the_reports_figures(school):
    (february, _march) = build().rows
    reserved, available = utilization_by_org_month([school.pk], parse_period("2026-02"))[
        school.pk, FEBRUARY
    ]
    assert available > 0
    assert february.utilization == round(100 * reserved / available)


def test_months_are_counted_in_berlin_time(school):
    pool = school.pools.get()
    # 23:30 on 31 March in Berlin is 21:30 UTC, and 00:30 on 1 April is 22:30 UTC on 31 March.
    march = local_datetime(datetime.date(2026, 3, 31), datetime.time(23, 30))
    april = local_datetime(datetime.date(2026, 4, 1), datetime.time(0, 30))
    for _ in range(3):
        ReservationFactory(pool=pool, start=march, end=march + datetime.timedelta(minutes=20))
        ReservationFactory(pool=pool, start=april, end=april + datetime.timedelta(minutes=20))
    rows = rows_by_org_month(build("2026-03-01..2026-04-30"))
    assert rows["Kronberg-Gymnasium", "2026-03"].bookings == 5
    assert rows["Kronberg-Gymnasium", "2026-04"].bookings == "< 5"


def test_devices_added_later_are_not_counted_in_earlier_months(school):
    DeviceFactory(pool=school.pools.get(), created_at=at(10, 9, datetime.date(2026, 3, 1)))
    rows = rows_by_org_month(build())
    assert rows["Kronberg-Gymnasium", "2026-02"].devices_in_service == 3
    assert rows["Kronberg-Gymnasium", "2026-03"].devices_in_service == 4


def test_a_scope_narrows_the_organizations(school, library):
    assert {row.organization for row in build(scope="district:lk-miltenberg").rows} == {
        "Stadtbibliothek Miltenberg"
    }
    assert {row.organization for row in build(scope=f"org:{school.slug}").rows} == {
        "Kronberg-Gymnasium"
    }
    assert opendata.public_scope("region").key == "region"


@pytest.mark.parametrize(
    "value",
    ["world", "org:", "org:nowhere", "district:nowhere", "district", "org:a:b", "org:a\x00b"],
)
def test_an_unknown_scope_is_refused_with_a_message(value, school):
    with pytest.raises(ValueError, match="scope"):
        opendata.public_scope(value)


@pytest.mark.parametrize("value", ["2026-13", "soon", "2024-01-01..2026-12-31", "sy20255"])
def test_a_bad_or_too_long_period_is_refused_with_a_message(value):
    with pytest.raises(ValueError):
        opendata.public_period(value)


def test_without_a_period_it_is_the_current_year():
    today = datetime.date(2026, 11, 26)
    period = opendata.public_period("", today=today)
    assert (period.start, period.end) == (datetime.date(2026, 1, 1), datetime.date(2027, 1, 1))


def test_two_school_years_are_allowed_but_not_more():
    assert len(opendata.public_period("2024-08-01..2026-07-31").months()) == 24
    with pytest.raises(ValueError, match="24 months"):
        opendata.public_period("2024-08-01..2026-08-01")


def _organizations_with_bookings(count: int) -> None:
    for number in range(count):
        pool = DevicePoolFactory(organization=OrganizationFactory())
        DeviceFactory(pool=pool, created_at=at(1, 8, datetime.date(2025, 9, 1)))
        booking(pool, 2 + number % 20)
        loan(LendingPoolFactory(organization=pool.organization), 3)
        course = CourseFactory(organization=pool.organization)
        meeting = MeetingFactory(course=course, start=at(12, 18), end=at(12, 19))
        enrollment = EnrollmentFactory(course=course)
        Attendance.objects.create(enrollment=enrollment, meeting=meeting)


def test_the_number_of_queries_does_not_grow_with_organizations():
    _organizations_with_bookings(3)
    with CaptureQueriesContext(connection) as few:
        assert len(build().rows) == 6
    _organizations_with_bookings(27)
    with CaptureQueriesContext(connection) as many:
        assert len(build().rows) == 60
    assert len(many) == len(few)


def test_its_own_queries_are_few(monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(opendata, "use_by_org_month", lambda ids, period: ({}, {}))
    _organizations_with_bookings(30)
    with django_assert_max_num_queries(10):
        build()


# --- the CSV download ---------------------------------------------------------------------


def read_csv(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def test_the_csv_has_the_same_rows_and_the_licence_in_a_link_header(client, school, library):
    response = client.get(URL, {"period": "2026-02", "scope": "region"})
    assert response.status_code == 200
    assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    assert response["Content-Disposition"] == (
        'attachment; filename="lernpool-statistics-region-2026-02.csv"'
    )
    rows = read_csv(response)
    assert list(rows[0]) == opendata.CSV_COLUMNS
    by_name = {row["organization"]: row for row in rows}
    assert by_name["Kronberg-Gymnasium"] == by_name["Kronberg-Gymnasium"] | {
        "organization_id": str(school.pk),
        "organization_kind": "school",
        "month": "2026-02",
        "devices_in_service": "3",
        "bookings": "6",
        "loans": "0",
        "courses": "1",
        "meetings": "1",
        "enrolments": "0",
        "attendance_percent": "",
    }
    assert by_name["Stadtbibliothek Miltenberg"]["loans"] == "< 5"
    assert by_name["Stadtbibliothek Miltenberg"]["enrolments"] == "8"
    assert by_name["Stadtbibliothek Miltenberg"]["attendance_percent"] == ""  # 3 absences: left out


def test_the_csv_names_no_person(client, school, library):
    people = [enrollment.user for enrollment in library.courses.first().enrollments.all()]
    content = client.get(URL, {"period": "2026-02"}).content.decode()
    for person in people:
        assert person.email not in content
        assert person.name not in content


def test_the_csv_follows_the_licence_setting(client, school, settings):
    settings.LERNPOOL_OPEN_DATA_LICENSE = {
        "name": "DL-DE-0-2.0",
        "url": "https://www.govdata.de/dl-de/zero-2-0",
    }
    response = client.get(URL, {"period": "2026-02"})
    assert response["Link"] == '<https://www.govdata.de/dl-de/zero-2-0>; rel="license"'


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "2026-13"}, ""),
        ({"period": "2024-01-01..2026-01-01"}, "24 months"),
        ({"period": "2026-02", "scope": "org:nowhere"}, "Unknown scope"),
    ],
)
def test_a_bad_csv_request_is_a_422_with_the_reason(client, school, query, message):
    response = client.get(URL, query)
    assert response.status_code == 422
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert message in response.content.decode()
    assert response.content


def test_the_csv_takes_only_get_and_head(client, school):
    assert client.post(URL + "?period=2026-02").status_code == 405
    assert client.head(URL, {"period": "2026-02"}).status_code == 200


def test_the_csv_is_public(client, school, outsider):
    client.force_login(outsider)
    assert client.get(URL, {"period": "2026-02", "scope": f"org:{school.slug}"}).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_the_csv_takes_the_same_queries_for_3_and_30_organizations(
    client, count, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(opendata, "use_by_org_month", lambda ids, period: ({}, {}))
    _organizations_with_bookings(count)
    with django_assert_max_num_queries(10):
        response = client.get(URL, {"period": "2026-02"})
    assert len(read_csv(response)) == count


def test_inactive_organizations_keep_their_history(school):
    Organization.objects.filter(pk=school.pk).update(is_active=False)
    assert {row.organization for row in build().rows} == {"Kronberg-Gymnasium"}


def test_a_range_counts_whole_months_so_no_small_count_leaks_by_subtraction(school):
    """6 bookings in February, one of them on the 9th: asked for 1–8 February, the row of
    February must not say 5, or 6 − 5 tells everyone that one booking was made after the 8th
    (and the day-by-day ranges would single people out)."""
    part = rows_by_org_month(build("2026-02-01..2026-02-08"))
    whole = rows_by_org_month(build("2026-02"))
    key = ("Kronberg-Gymnasium", "2026-02")
    assert part[key].bookings == whole[key].bookings == 6
    period = opendata.public_period("2026-02-10..2026-03-03")
    assert (period.start, period.end) == (datetime.date(2026, 2, 1), datetime.date(2026, 4, 1))


def test_devices_in_service_of_a_month_is_the_count_at_its_end_and_the_reports(school):
    """A device that left service in March (and one that came back from repair in March)
    counts as it was at the end of each month, in the open data and in the report alike
    (#15: the open data counted today's status for every month)."""
    from devices.models import DeviceEvent
    from reports.figures import build_report
    from reports.periods import parse_period
    from reports.scope import organization_scope

    pool = school.pools.get()
    retired = pool.devices.filter(status="in_service").first()
    repaired = pool.devices.get(status="in_repair")
    for device, before, after in (
        (retired, "in_service", "retired"),
        (repaired, "in_repair", "in_service"),
    ):
        device.status = after
        device.save()
        DeviceEvent.objects.create(
            device=device,
            kind=DeviceEvent.Kind.STATUS,
            from_status=before,
            to_status=after,
            created_at=at(15, 9, datetime.date(2026, 3, 1)),
        )
    rows = rows_by_org_month(build())
    assert rows["Kronberg-Gymnasium", "2026-02"].devices_in_service == 3
    assert rows["Kronberg-Gymnasium", "2026-03"].devices_in_service == 3
    february = build_report(scope=organization_scope(school), period=parse_period("2026-02"))
    assert february.devices.in_service == 3
    retired.refresh_from_db()
    # Only the retirement: February's end had 3 in service, March's end 2.
    repaired.status = "in_repair"
    repaired.save()
    DeviceEvent.objects.filter(device=repaired).delete()
    rows = rows_by_org_month(build())
    assert rows["Kronberg-Gymnasium", "2026-02"].devices_in_service == 3
    assert rows["Kronberg-Gymnasium", "2026-03"].devices_in_service == 2
    march = build_report(scope=organization_scope(school), period=parse_period("2026-03"))
    assert march.devices.in_service == 2


def test_the_reports_per_type_and_per_pool_tables_count_devices_at_the_periods_end(school):
    """A device retired after February still counted in February everywhere: the figure,
    the per-pool table and the per-type table agree with the open data (#15: the per-type
    table counted today's devices)."""
    from devices.models import DeviceEvent
    from reports.figures import build_report
    from reports.periods import parse_period
    from reports.scope import organization_scope

    pool = school.pools.get()
    retired = pool.devices.filter(status="in_service").first()
    retired.status = "retired"
    retired.save()
    DeviceEvent.objects.create(
        device=retired,
        kind=DeviceEvent.Kind.STATUS,
        from_status="in_service",
        to_status="retired",
        created_at=at(15, 9, datetime.date(2026, 3, 1)),
    )
    report = build_report(scope=organization_scope(school), period=parse_period("2026-02"))
    (pool_row,) = report.devices.pools
    (type_row,) = report.devices.by_type
    opendata_count = rows_by_org_month(build())["Kronberg-Gymnasium", "2026-02"]
    assert report.devices.in_service == 3
    assert pool_row.capacity == 3
    assert type_row.devices == 3
    assert opendata_count.devices_in_service == 3
