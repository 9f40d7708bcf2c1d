"""Retention and the log of actions: when a person is unlinked from a reservation, loan,
waiting-list entry, series or enrolment, the log entries about that row stop naming them
(the entries they made lose their actor, their id goes from the data). What staff did keeps
its actor until the log entry itself is deleted; everything inside its period is untouched."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import AuditLog, User
from accounts.personal_data import export_audit_log
from accounts.privacy import apply_retention
from booking import services as booking
from booking.models import Loan, LoanItem, Reservation
from booking.retention import unlink_people
from booking.services.loans import ItemReturn, return_items
from courses.models import Attendance
from courses.retention import unlink_participants
from courses.services.enrollment import enrol
from lending import services as lending_services
from organizations.models import Role
from tests.factories import (
    CourseFactory,
    DeviceFactory,
    DevicePoolFactory,
    EnrollmentFactory,
    LendingPoolFactory,
    MeetingFactory,
    MembershipFactory,
    UserFactory,
)

from .conftest import NOW, days_ago
from .test_booking import _organization_world
from .test_courses import _course

pytestmark = pytest.mark.django_db


def _entry(by, action, target, **data) -> AuditLog:
    return log_action(by, action, target, organization_id=None, **data)


def _log_about(world) -> dict[str, dict[str, AuditLog]]:
    """For each row of the world (past and inside): what the person did to it, and what
    staff did to it, in the shapes the services log."""
    entries: dict[str, dict[str, AuditLog]] = {}
    for bucket_name in ("past", "inside"):
        bucket = getattr(world, bucket_name)
        reservation, loan = bucket["reservation"], bucket["loan"]
        person, staff = reservation.user, loan.handed_out_by
        entries[bucket_name] = {
            "reserved": _entry(person, "booking.reserved", reservation, pool=1, quantity=1),
            "approved": _entry(staff, "booking.approved", reservation),
            "cancelled": _entry(person, "booking.cancelled", bucket["cancelled"]),
            "lent_at_desk": _entry(
                staff,
                "booking.lent_at_desk",
                loan,
                reservation=reservation.pk,
                devices=[7],
                borrower=person.pk,
            ),
            "renewed": _entry(person, "booking.renewed", loan, due="2027-01-01"),
            "waitlist_joined": _entry(
                person, "booking.waitlist_joined", bucket["waitlist"], pool=1, quantity=1
            ),
            "series_reserved": _entry(person, "booking.series_reserved", bucket["series"], dates=2),
        }
    return entries


def _keys(rows) -> set[tuple[str, str]]:
    return {(row._meta.label_lower, str(row.pk)) for row in rows}


def _shown(person: User) -> set[tuple[str, str]]:
    """The rows the log entries in the person's "my data" export are about."""
    return {(row["object"], row["object_id"]) for row in export_audit_log(person)}


def _state(entry: AuditLog) -> tuple[int | None, dict]:
    entry.refresh_from_db()
    return entry.actor_id, entry.data


def test_the_log_entries_about_unlinked_bookings_no_longer_name_the_person():
    world = _organization_world(None, 90)
    person = world.past["reservation"].user
    staff = world.past["loan"].handed_out_by
    log = _log_about(world)
    elsewhere = _entry(person, "booking.calendar_token_reset", None)

    unlink_people(NOW)

    past = {name: _state(entry) for name, entry in log["past"].items()}
    assert past == {
        "reserved": (None, {"pool": 1, "quantity": 1}),
        "approved": (staff.pk, {}),  # staff stay accountable until the log entry goes
        "cancelled": (None, {}),
        "lent_at_desk": (staff.pk, {"reservation": world.past["reservation"].pk, "devices": [7]}),
        "renewed": (None, {"due": "2027-01-01"}),
        "waitlist_joined": (None, {"pool": 1, "quantity": 1}),
        "series_reserved": (None, {"dates": 2}),
    }
    # One day inside the period: nothing changes.
    inside = {name: _state(entry) for name, entry in log["inside"].items()}
    assert inside["reserved"] == (person.pk, {"pool": 1, "quantity": 1})
    assert inside["lent_at_desk"][1]["borrower"] == person.pk
    assert {actor for actor, _data in inside.values()} == {person.pk, staff.pk}
    # What the person did elsewhere is not about these rows.
    assert _state(elsewhere) == (person.pk, {})
    assert not _shown(person) & _keys(world.past.values())


def test_the_log_of_an_ended_course_no_longer_names_its_participants():
    course = _course(days_ago(400))
    running = _course(days_ago(10))
    staff = course.created_by
    ended_enrollment = course.enrollments.get(status="confirmed")
    enrolments = {}
    for which in (course, running):
        enrollment = which.enrollments.get(status="confirmed")
        attendance = Attendance.objects.filter(enrollment=enrollment).first()
        enrolments[which.pk] = {
            "enrolled": _entry(enrollment.user, "courses.enrolled", enrollment, course=which.pk),
            "cancelled": _entry(
                enrollment.user, "courses.enrollment_cancelled", enrollment, course=which.pk
            ),
            "by_staff": _entry(staff, "courses.enrolled", enrollment, course=which.pk),
            "attendance": _entry(
                staff, "courses.attendance_recorded", attendance, enrollment=enrollment.pk
            ),
        }
    person = running.enrollments.get(status="confirmed").user

    unlink_participants(NOW)

    ended = {name: _state(entry) for name, entry in enrolments[course.pk].items()}
    assert ended == {
        "enrolled": (None, {"course": course.pk}),
        "cancelled": (None, {"course": course.pk}),
        "by_staff": (staff.pk, {"course": course.pk}),
        "attendance": (staff.pk, {"enrollment": ended_enrollment.pk}),
    }
    assert _state(enrolments[running.pk]["enrolled"]) == (person.pk, {"course": running.pk})


def test_a_second_run_changes_no_log_entry():
    world = _organization_world(None, 90)
    _log_about(world)
    unlink_people(NOW)
    before = list(AuditLog.objects.order_by("pk").values())

    assert unlink_people(NOW) == 0

    assert list(AuditLog.objects.order_by("pk").values()) == before


def test_the_real_services_log_is_cleared_for_the_person_and_kept_for_staff(
    django_capture_on_commit_callbacks,
):
    """Through the services (not hand-made entries): a teacher books, a resident borrows at
    the desk and returns, a participant enrols; 400 days later nobody of them is in the log
    about those rows, and the staff's hand-out and return are."""
    now = timezone.now()
    school_pool = DevicePoolFactory()
    DeviceFactory(pool=school_pool)
    teacher = MembershipFactory(organization=school_pool.organization, role=Role.TEACHER).user
    lending_pool = LendingPoolFactory()
    device = DeviceFactory(pool=lending_pool)
    staff = MembershipFactory(organization=lending_pool.organization, role=Role.STAFF).user
    resident = UserFactory()
    course = CourseFactory()
    MeetingFactory(course=course)
    participant = UserFactory()
    start = now + datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        reservation = booking.reserve(
            by=teacher,
            pool=school_pool,
            quantity=1,
            start=start,
            end=start + datetime.timedelta(hours=1),
        )
        loan = lending_services.lend_at_desk(
            by=staff, pool=lending_pool, borrower=resident, devices=[device]
        )
        item = LoanItem.objects.get(loan=loan)
        return_items(by=staff, loan=loan, returns=[ItemReturn(item.pk, "complete", "")])
        enrollment = enrol(by=participant, course=course)
    people = (teacher, resident, participant)
    rows = _keys([reservation, loan, enrollment])
    assert _shown(teacher) & rows and _shown(participant) & rows
    lent = AuditLog.objects.get(action="booking.lent_at_desk")
    assert lent.data["borrower"] == resident.pk

    with django_capture_on_commit_callbacks(execute=True):
        apply_retention(now + datetime.timedelta(days=400))

    assert Reservation.objects.get(pk=reservation.pk).user_id is None
    assert Loan.objects.get(pk=loan.pk).borrower_id is None
    assert not any(_shown(person) & rows for person in people)
    about_rows = [
        entry
        for entry in AuditLog.objects.select_related("target_type")
        if entry.target_type
        and (entry.target_type.natural_key(), entry.target_id)
        in {(tuple(label.split(".")), pk) for label, pk in rows}
    ]
    ids = {person.pk for person in people}
    for entry in about_rows:
        assert entry.actor_id not in ids, entry.action
        assert not ids & {entry.data.get("user"), entry.data.get("borrower")}, entry.action
    by_staff = {entry.action for entry in about_rows if entry.actor_id == staff.pk}
    assert by_staff == {"booking.lent_at_desk", "booking.returned"}
    lent.refresh_from_db()
    assert set(lent.data) == {"reservation", "devices"}
    assert User.objects.filter(pk__in=ids).count() == 3


# The savepoint and its release, the distinct periods, the log entry of the run; per period:
# for reservations, loans, waiting-list entries and series the locking read, the update, the
# look-up in the log and one bulk update of the entries, and the update of the loan items.
def _queries(periods: int) -> int:
    return 2 + 1 + 1 + periods * (4 * 4 + 1)


@pytest.mark.parametrize("per_period", [1, 10])
def test_clearing_the_log_takes_the_same_queries_for_any_number_of_rows(
    django_assert_num_queries, per_period
):
    for _ in range(per_period):
        for period in (30, 90):
            _log_about(_organization_world(period, period))

    with django_assert_num_queries(_queries(2)):
        unlink_people(NOW)

    # Every past reservation's entry lost its actor, every inside one kept it.
    reserved = AuditLog.objects.filter(action="booking.reserved")
    assert reserved.filter(actor__isnull=True).count() == per_period * 2
    assert reserved.filter(actor__isnull=False).count() == per_period * 2


def test_an_enrolment_made_by_staff_for_someone_keeps_the_staff_actor():
    course = CourseFactory()
    MeetingFactory(course=course, start=days_ago(401), end=days_ago(400))
    staff, person = UserFactory(), UserFactory()
    enrollment = EnrollmentFactory(course=course, user=person)
    by_staff = _entry(staff, "courses.enrolled", enrollment, course=course.pk, user=person.pk)

    unlink_participants(NOW)

    assert _state(by_staff) == (staff.pk, {"course": course.pk})
