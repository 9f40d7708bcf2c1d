"""The course rules in courses.services: enrol with a waiting list that moves up in order,
cancel, publish with the devices a course needs, plan dates around closures, copy, cancel a
course, attendance and certificates, and the minimum check."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AuditLog
from booking.models import Reservation
from courses import services
from courses.models import Attendance, Certificate, Course, Enrollment, Meeting
from courses.services import (
    AlreadyEnrolled,
    CourseError,
    EnrollmentClosed,
    NotCancellable,
    NotPublishable,
)
from organizations.models import Role
from tests.courses.conftest import in_days, weekly
from tests.factories import (
    ClosureFactory,
    CourseFactory,
    DeviceFactory,
    DevicePoolFactory,
    EnrollmentFactory,
    LocationFactory,
    MeetingFactory,
    MembershipFactory,
    ReservationFactory,
)

from .conftest import BERLIN, NOW, TODAY, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_english")]


def enrol(person, course, *, minutes: int = 0, **kwargs):
    return services.enrol(
        by=person, course=course, now=NOW + datetime.timedelta(minutes=minutes), **kwargs
    )


# --- enrolment and the waiting list -----------------------------------------------------------


def test_people_are_confirmed_while_seats_are_free_then_wait_in_order(course, residents):
    first, second, third, fourth = (
        enrol(person, course, minutes=n) for n, person in enumerate(residents[:4])
    )

    assert [first.status, second.status] == [Enrollment.Status.CONFIRMED] * 2
    assert [third.status, fourth.status] == [Enrollment.Status.WAITLISTED] * 2
    assert services.waitlist_position(third) == 1
    assert services.waitlist_position(fourth) == 2
    assert services.waitlist_position(first) is None
    assert services.positions(course) == {third.pk: 1, fourth.pk: 2}


def test_positions_take_one_query(course, residents, django_assert_num_queries):
    for n, person in enumerate(residents):
        enrol(person, course, minutes=n)
    with django_assert_num_queries(1):
        assert list(services.positions(course).values()) == [1, 2, 3]


def test_a_cancelled_seat_goes_to_the_first_person_waiting(course, residents):
    confirmed = enrol(residents[0], course)
    enrol(residents[1], course, minutes=1)
    first_waiting = enrol(residents[2], course, minutes=2)
    second_waiting = enrol(residents[3], course, minutes=3)

    services.cancel_enrollment(by=residents[0], enrollment=confirmed, now=NOW)

    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == Enrollment.Status.CONFIRMED
    assert first_waiting.confirmed_at == NOW
    assert second_waiting.status == Enrollment.Status.WAITLISTED
    assert services.waitlist_position(second_waiting) == 1
    assert course.enrollments.confirmed().count() == 2


def test_leaving_the_waiting_list_moves_nobody_up_into_a_seat(course, residents):
    for n, person in enumerate(residents[:2]):
        enrol(person, course, minutes=n)
    waiting = enrol(residents[2], course, minutes=2)
    behind = enrol(residents[3], course, minutes=3)

    services.cancel_enrollment(by=residents[2], enrollment=waiting, now=NOW)

    behind.refresh_from_db()
    assert behind.status == Enrollment.Status.WAITLISTED
    assert services.waitlist_position(behind) == 1


def test_a_draft_takes_no_enrolments(course, residents):
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
    with pytest.raises(EnrollmentClosed, match="not open for enrolment yet"):
        enrol(residents[0], course)
    assert not Enrollment.objects.exists()


def test_a_cancelled_course_takes_no_enrolments(course, residents):
    Course.objects.filter(pk=course.pk).update(status=Course.Status.CANCELLED)
    with pytest.raises(EnrollmentClosed, match="has been cancelled"):
        enrol(residents[0], course)
    assert not Enrollment.objects.exists()


def test_enrolment_before_the_window_opens_says_when_it_opens(course, residents):
    Course.objects.filter(pk=course.pk).update(registration_opens=at(2, 9))
    with pytest.raises(EnrollmentClosed, match=r"Enrolment opens on 02/03/2027"):
        enrol(residents[0], course)
    assert enrol(residents[0], course, minutes=2 * 24 * 60 + 2 * 60 + 1).status == "confirmed"


def test_enrolment_after_the_window_closes_is_refused(course, residents):
    Course.objects.filter(pk=course.pk).update(
        registration_closes=NOW - datetime.timedelta(hours=1)
    )
    with pytest.raises(EnrollmentClosed, match="Enrolment closed on"):
        enrol(residents[0], course)
    assert not Enrollment.objects.exists()


def test_without_a_closing_date_enrolment_closes_when_the_first_meeting_starts(course, residents):
    first_start = course.meetings.order_by("start").first().start
    with pytest.raises(EnrollmentClosed, match="Enrolment closed on"):
        services.enrol(by=residents[0], course=course, now=first_start)
    just_before = first_start - datetime.timedelta(minutes=1)
    assert services.enrol(by=residents[0], course=course, now=just_before).status == "confirmed"


def test_a_course_that_is_over_takes_no_enrolments(course, residents):
    with pytest.raises(EnrollmentClosed, match="is over"):
        services.enrol(by=residents[0], course=course, now=at(40, 9))


def test_enrolling_twice_is_refused(course, residents):
    enrol(residents[0], course)
    with pytest.raises(AlreadyEnrolled, match="enrolled in this course already"):
        enrol(residents[0], course, minutes=1)
    assert Enrollment.objects.count() == 1


def test_waiting_twice_is_refused_with_the_place(course, residents):
    for n, person in enumerate(residents[:3]):
        enrol(person, course, minutes=n)
    with pytest.raises(AlreadyEnrolled, match="waiting list of this course already, in place 1"):
        enrol(residents[2], course, minutes=5)


def test_enrolling_again_after_cancelling_reuses_the_row_at_the_end_of_the_queue(course, residents):
    for n, person in enumerate(residents[:2]):
        enrol(person, course, minutes=n)
    returning = enrol(residents[2], course, minutes=2)
    other = enrol(residents[3], course, minutes=3)
    services.cancel_enrollment(by=residents[2], enrollment=returning, now=NOW)

    again = enrol(residents[2], course, minutes=4)

    assert again.pk == returning.pk
    assert again.status == Enrollment.Status.WAITLISTED
    assert again.cancelled_at is None
    assert services.positions(course) == {other.pk: 1, again.pk: 2}
    assert Enrollment.objects.filter(user=residents[2]).count() == 1


def test_the_queue_is_in_lock_order_even_when_a_clock_runs_behind(course, residents):
    for n, person in enumerate(residents[:3]):
        enrol(person, course, minutes=10 + n)
    late = enrol(residents[3], course, minutes=0)  # another server's clock, 12 minutes behind
    assert services.waitlist_position(late) == 2


def test_answers_to_the_course_questions_are_kept(course, residents):
    Course.objects.filter(pk=course.pk).update(questions="Bringen Sie ein eigenes Gerät mit?")
    course.refresh_from_db()
    enrollment = enrol(residents[0], course, answers={"Bringen Sie ein eigenes Gerät mit?": " Ja "})
    assert enrollment.answers == {"Bringen Sie ein eigenes Gerät mit?": "Ja"}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"Wie alt sind Sie?": "80"}, "only the questions of this course"),
        ({"Bringen Sie ein eigenes Gerät mit?": "x" * 201}, "under 200 characters"),
        ({"Bringen Sie ein eigenes Gerät mit?": 3}, "in words"),
    ],
)
def test_answers_that_are_not_asked_or_too_long_are_refused(course, residents, answers, message):
    Course.objects.filter(pk=course.pk).update(questions="Bringen Sie ein eigenes Gerät mit?")
    course.refresh_from_db()
    with pytest.raises(CourseError, match=message):
        enrol(residents[0], course, answers=answers)
    assert not Enrollment.objects.exists()


def test_nobody_enrols_without_logging_in(course):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.enrol(by=AnonymousUser(), course=course, now=NOW)


# --- cancelling -------------------------------------------------------------------------------


def test_the_person_cannot_cancel_after_the_deadline(course, residents):
    Course.objects.filter(pk=course.pk).update(cancellation_deadline=at(3, 12))
    enrollment = enrol(residents[0], course)
    with pytest.raises(NotCancellable, match="You could cancel until 02/04/2027"):
        services.cancel_enrollment(by=residents[0], enrollment=enrollment, now=at(3, 12))
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.CONFIRMED
    services.cancel_enrollment(by=residents[0], enrollment=enrollment, now=at(3, 11, 59))
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.CANCELLED


def test_without_a_deadline_cancelling_ends_when_the_first_meeting_starts(course, residents):
    enrollment = enrol(residents[0], course)
    with pytest.raises(NotCancellable):
        services.cancel_enrollment(by=residents[0], enrollment=enrollment, now=at(8, 18))


def test_staff_take_someone_off_after_the_deadline_and_the_seat_moves_on(
    course, residents, provider_staff
):
    enrollment = enrol(residents[0], course)
    enrol(residents[1], course, minutes=1)
    waiting = enrol(residents[2], course, minutes=2)

    services.cancel_enrollment(by=provider_staff, enrollment=enrollment, now=at(9, 9))

    waiting.refresh_from_db()
    assert waiting.status == Enrollment.Status.CONFIRMED
    assert AuditLog.objects.filter(
        action="courses.enrollment_cancelled", actor=provider_staff
    ).exists()


def test_a_waiting_person_may_leave_the_list_after_the_deadline(course, residents):
    for n, person in enumerate(residents[:3]):
        enrol(person, course, minutes=n)
    waiting = Enrollment.objects.get(user=residents[2])
    services.cancel_enrollment(by=residents[2], enrollment=waiting, now=at(9, 9))
    waiting.refresh_from_db()
    assert waiting.status == Enrollment.Status.CANCELLED


def test_cancelling_twice_is_refused(course, residents):
    enrollment = enrol(residents[0], course)
    services.cancel_enrollment(by=residents[0], enrollment=enrollment, now=NOW)
    with pytest.raises(NotCancellable, match="cancelled already"):
        services.cancel_enrollment(by=residents[0], enrollment=enrollment, now=NOW)


def test_someone_else_cannot_cancel_an_enrolment(course, residents, outsider):
    enrollment = enrol(residents[0], course)
    for person in (residents[1], outsider):
        with pytest.raises(PermissionDenied):
            services.cancel_enrollment(by=person, enrollment=enrollment, now=NOW)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.CONFIRMED


# --- counts and helpers on the model ---------------------------------------------------------


def test_with_counts_annotates_seats_waiting_and_dates_in_one_query(
    course, residents, django_assert_num_queries
):
    for n, person in enumerate(residents[:3]):
        enrol(person, course, minutes=n)
    CourseFactory(organization=course.organization)  # no meetings, no people

    with django_assert_num_queries(1):
        rows = {c.pk: c for c in Course.objects.with_counts()}
        annotated = rows[course.pk]
        assert (annotated.confirmed_count, annotated.waiting_count) == (2, 1)
        assert annotated.meeting_count == 3
        assert annotated.first_start == at(8, 18)
        assert annotated.last_end == at(22, 19, 30)
        assert annotated.seats_left == 0
        assert annotated.effective_registration_closes == at(8, 18)
        assert annotated.registration_open(now=NOW)
        assert not annotated.registration_open(now=at(8, 18))
        empty = next(c for pk, c in rows.items() if pk != course.pk)
        assert (empty.confirmed_count, empty.meeting_count, empty.first_start) == (0, 0, None)
        assert empty.seats_left == 10


def test_upcoming_leaves_out_courses_that_are_over_or_have_no_dates(course, provider):
    over = CourseFactory(organization=provider)
    MeetingFactory(course=over, start=at(-3, 18), end=at(-3, 19))
    CourseFactory(organization=provider)
    assert list(Course.objects.upcoming(now=NOW)) == [course]
    assert list(Course.objects.with_counts().upcoming(now=NOW)) == [course]


def test_seats_left_without_annotation_counts_in_the_database(course, residents):
    enrol(residents[0], course)
    fresh = Course.objects.get(pk=course.pk)
    assert fresh.seats_left == 1
    assert fresh.effective_cancellation_deadline == at(8, 18)


# --- creating and editing courses ------------------------------------------------------------


def course_values(**overrides):
    values = {
        "title": "Smartphone für Einsteiger",
        "summary": "Das eigene Smartphone sicher bedienen.",
        "description": "Einstellungen, Apps, Fotos.",
        "topic": "smartphone",
        "audience": "seniors",
        "capacity": 12,
    }
    return values | overrides


def test_staff_create_a_draft_with_a_venue_of_their_own(provider, provider_staff, venue):
    course = services.save_course(
        by=provider_staff, organization=provider, location=venue, **course_values()
    )
    assert course.status == Course.Status.DRAFT
    assert course.location == venue
    assert course.created_by == provider_staff
    assert AuditLog.objects.filter(action="courses.created", target_id=str(course.pk)).exists()


def test_a_venue_or_pool_of_another_organization_is_refused(
    provider, provider_staff, other_organization
):
    elsewhere = LocationFactory(organization=other_organization)
    with pytest.raises(CourseError, match="venue of the provider"):
        services.save_course(
            by=provider_staff, organization=provider, location=elsewhere, **course_values()
        )
    pool = DevicePoolFactory(organization=other_organization)
    with pytest.raises(CourseError, match="device pool of the provider"):
        services.save_course(
            by=provider_staff,
            organization=provider,
            pool_id=pool.pk,
            devices_needed=2,
            **course_values(),
        )
    assert not Course.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"min_participants": 13}, "cannot exceed the seats"),
        ({"capacity": 0}, "greater than or equal to 1"),
        ({"registration_opens": at(5, 9), "registration_closes": at(4, 9)}, "open before"),
        ({"questions": "a\nb\nc\nd"}, "at most 3 questions"),
        ({"devices_needed": 3}, "choose the device pool"),
        ({"title": "x" * 201}, "at most 200 characters"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(provider, provider_staff, overrides, message):
    with pytest.raises(CourseError, match=message):
        services.save_course(by=provider_staff, organization=provider, **course_values(**overrides))
    assert not Course.objects.exists()


def test_staff_of_another_organization_cannot_create_or_edit(course, provider, outsider, teacher):
    for person in (outsider, teacher):
        with pytest.raises(PermissionDenied):
            services.save_course(by=person, organization=provider, **course_values())
        with pytest.raises(PermissionDenied):
            services.save_course(by=person, organization=provider, course=course, capacity=20)
    course.refresh_from_db()
    assert course.capacity == 2


def test_the_seats_cannot_drop_below_the_people_confirmed(
    course, provider, provider_staff, residents
):
    enrol(residents[0], course)
    enrol(residents[1], course, minutes=1)
    with pytest.raises(CourseError, match="2 people are confirmed already"):
        services.save_course(by=provider_staff, organization=provider, course=course, capacity=1)
    course.refresh_from_db()
    assert course.capacity == 2


def test_more_seats_confirm_the_people_waiting_in_order(
    course, provider, provider_staff, residents
):
    for n, person in enumerate(residents[:5]):
        enrol(person, course, minutes=n)
    services.save_course(by=provider_staff, organization=provider, course=course, capacity=4)
    statuses = dict(course.enrollments.values_list("user", "status"))
    assert [statuses[p.pk] for p in residents] == ["confirmed"] * 4 + ["waitlisted"]


# --- dates -----------------------------------------------------------------------------------


def test_plan_meetings_skips_closures_and_names_them(course):
    ClosureFactory(
        organization=course.organization,
        name="Faschingsferien",
        start=TODAY + datetime.timedelta(days=15),
        end=TODAY + datetime.timedelta(days=22),
    )
    plan = services.plan_meetings(
        course=course,
        first_date=TODAY + datetime.timedelta(days=8),
        start_time=datetime.time(18),
        end_time=datetime.time(19, 30),
        count=4,
    )
    assert [p.date.isoformat() for p in plan] == [
        "2027-02-09",
        "2027-02-16",
        "2027-02-23",
        "2027-03-02",
    ]
    assert [p.closure_name for p in plan] == [None, "Faschingsferien", None, None]
    assert plan[0].start == at(8, 18)
    assert plan[0].end == at(8, 19, 30)


def test_add_meetings_writes_the_open_dates_only(course, provider_staff):
    ClosureFactory(
        organization=course.organization,
        start=TODAY + datetime.timedelta(days=43),
        end=TODAY + datetime.timedelta(days=44),
    )
    meetings = services.add_meetings(
        by=provider_staff,
        course=course,
        first_date=TODAY + datetime.timedelta(days=29),
        start_time=datetime.time(18),
        end_time=datetime.time(19, 30),
        until=TODAY + datetime.timedelta(days=50),
        interval_weeks=1,
        now=NOW,
    )
    assert [m.start for m in meetings] == [at(29, 18), at(36, 18), at(50, 18)]
    assert course.meetings.count() == 6


def test_a_series_keeps_its_local_time_across_the_clock_change(course):
    plan = services.plan_meetings(
        course=course,
        first_date=datetime.date(2027, 3, 23),
        start_time=datetime.time(18),
        end_time=datetime.time(19, 30),
        count=2,
    )
    assert [p.start.astimezone(BERLIN).hour for p in plan] == [18, 18]
    utc = [p.start.astimezone(datetime.UTC) for p in plan]
    assert utc[1] - utc[0] == datetime.timedelta(days=7, hours=-1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": 53}, "between 1 and 52"),
        ({"until": datetime.date(2028, 6, 1)}, "at most 52 dates"),
        ({"until": datetime.date(2027, 1, 1)}, "must not be before the first"),
        ({}, "number of dates or the last date"),
        ({"count": 2, "interval_weeks": 0}, "every week"),
        ({"count": 2, "end_time": datetime.time(17)}, "end must be after the start"),
    ],
)
def test_plan_meetings_refuses_what_makes_no_sense(course, kwargs, message):
    arguments = {
        "course": course,
        "first_date": datetime.date(2027, 2, 9),
        "start_time": datetime.time(18),
        "end_time": datetime.time(19, 30),
    } | kwargs
    with pytest.raises(CourseError, match=message):
        services.plan_meetings(**arguments)


def test_a_meeting_in_the_past_is_refused(course, provider_staff):
    with pytest.raises(CourseError, match="has passed"):
        services.add_meeting(
            by=provider_staff, course=course, start=at(-1, 18), end=at(-1, 19), now=NOW
        )
    assert course.meetings.count() == 3


def test_remove_meeting_deletes_a_date_that_has_not_begun(course, provider_staff):
    meeting = course.meetings.order_by("start").last()
    services.remove_meeting(by=provider_staff, meeting=meeting, now=NOW)
    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    with pytest.raises(CourseError, match="has begun"):
        services.remove_meeting(by=provider_staff, meeting=course.meetings.first(), now=at(30, 9))


def test_outsiders_cannot_change_the_dates(course, outsider):
    with pytest.raises(PermissionDenied):
        services.add_meeting(by=outsider, course=course, start=at(30, 18), end=at(30, 19), now=NOW)
    with pytest.raises(PermissionDenied):
        services.remove_meeting(by=outsider, meeting=course.meetings.first(), now=NOW)
    assert course.meetings.count() == 3


# --- publishing with devices -----------------------------------------------------------------


@pytest.fixture
def pool(provider):
    pool = DevicePoolFactory(organization=provider, name="Tablet-Koffer VHS")
    DeviceFactory.create_batch(10, pool=pool)
    return pool


@pytest.fixture
def draft(provider, pool):
    draft = CourseFactory(
        organization=provider,
        status=Course.Status.DRAFT,
        published_at=None,
        pool=pool,
        devices_needed=8,
    )
    MeetingFactory(course=draft, start=at(8, 18), end=at(8, 19, 30))
    MeetingFactory(course=draft, start=at(15, 18), end=at(15, 19, 30))
    return draft


def test_publish_books_the_devices_for_every_meeting(draft, provider_staff):
    course = services.publish(by=provider_staff, course=draft, now=NOW)

    assert course.status == Course.Status.PUBLISHED
    assert course.published_at == NOW
    meetings = list(draft.meetings.select_related("reservation"))
    assert all(m.reservation.status == Reservation.Status.CONFIRMED for m in meetings)
    assert [(m.reservation.quantity, m.reservation.start) for m in meetings] == [
        (8, at(8, 18)),
        (8, at(15, 18)),
    ]
    assert meetings[0].reservation.purpose == draft.title
    assert services.device_conflicts(draft) == []


def test_publishing_sends_no_booking_email_per_meeting(
    draft, provider_staff, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        course = services.publish(by=provider_staff, course=draft, now=NOW)

    assert course.meetings.filter(reservation__isnull=False).count() == 2
    assert mailoutbox == []


def test_publish_refuses_with_the_conflicting_dates_and_writes_nothing(draft, pool, provider_staff):
    ReservationFactory(pool=pool, quantity=5, start=at(15, 17), end=at(15, 20))
    conflicts = services.device_conflicts(draft)
    assert [(meeting.start, free) for meeting, free in conflicts] == [(at(15, 18), 5)]

    with pytest.raises(NotPublishable) as refused:
        services.publish(by=provider_staff, course=draft, now=NOW)

    assert refused.value.problems == [
        "02/16/2027 6 p.m.: Only 5 devices are free for the whole time."
    ]
    draft.refresh_from_db()
    assert draft.status == Course.Status.DRAFT
    assert Reservation.objects.filter(purpose=draft.title).count() == 0
    assert not draft.meetings.filter(reservation__isnull=False).exists()


def test_a_course_without_dates_cannot_be_published(provider, provider_staff):
    draft = CourseFactory(organization=provider, status=Course.Status.DRAFT)
    with pytest.raises(NotPublishable, match="no dates yet"):
        services.publish(by=provider_staff, course=draft, now=NOW)
    draft.refresh_from_db()
    assert draft.status == Course.Status.DRAFT


def test_a_new_meeting_of_a_published_course_gets_its_devices(draft, provider_staff):
    services.publish(by=provider_staff, course=draft, now=NOW)
    meeting = services.add_meeting(
        by=provider_staff, course=draft, start=at(22, 18), end=at(22, 19, 30), now=NOW
    )
    assert meeting.reservation.quantity == 8
    services.remove_meeting(by=provider_staff, meeting=meeting, now=NOW)
    meeting.reservation.refresh_from_db()
    assert meeting.reservation.status == Reservation.Status.CANCELLED


def test_the_devices_of_a_published_course_are_fixed(draft, provider, provider_staff):
    services.publish(by=provider_staff, course=draft, now=NOW)
    with pytest.raises(CourseError, match="devices of a published course cannot be changed"):
        services.save_course(
            by=provider_staff, organization=provider, course=draft, devices_needed=2
        )


def test_outsiders_cannot_publish(draft, outsider):
    with pytest.raises(PermissionDenied):
        services.publish(by=outsider, course=draft, now=NOW)
    draft.refresh_from_db()
    assert draft.status == Course.Status.DRAFT


# --- copy and cancel -------------------------------------------------------------------------


def test_copy_makes_a_draft_with_the_dates_moved_and_nobody_in_it(
    course, residents, provider_staff
):
    enrol(residents[0], course)
    Course.objects.filter(pk=course.pk).update(registration_closes=at(7, 12))
    course.refresh_from_db()

    copy = services.copy_course(by=provider_staff, course=course, weeks_later=9)

    assert copy.status == Course.Status.DRAFT
    assert copy.copied_from == course
    assert (copy.title, copy.capacity, copy.location_id) == (
        course.title,
        course.capacity,
        course.location_id,
    )
    starts = [m.start.astimezone(BERLIN) for m in copy.meetings.order_by("start")]
    # nine weeks later is after the change to summer time: still 18:00 on the wall clock
    assert [(s.date().isoformat(), s.hour) for s in starts] == [
        ("2027-04-13", 18),
        ("2027-04-20", 18),
        ("2027-04-27", 18),
    ]
    assert copy.registration_closes == at(7 + 63, 12)
    assert copy.enrollments.count() == 0
    assert course.meetings.count() == 3


def test_copy_refuses_moving_backwards(course, provider_staff):
    with pytest.raises(CourseError, match="0 to 104 weeks"):
        services.copy_course(by=provider_staff, course=course, weeks_later=-1)


def test_cancel_course_tells_everyone_enrolled_or_waiting_once(
    course, residents, provider_staff, mailoutbox, django_capture_on_commit_callbacks
):
    for n, person in enumerate(residents[:4]):
        enrol(person, course, minutes=n)
    services.cancel_enrollment(
        by=residents[3], enrollment=Enrollment.objects.get(user=residents[3]), now=NOW
    )
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_course(
            by=provider_staff, course=course, reason="Die Kursleiterin ist erkrankt.", now=NOW
        )

    course.refresh_from_db()
    assert course.status == Course.Status.CANCELLED
    assert course.cancel_reason == "Die Kursleiterin ist erkrankt."
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in residents[:3])
    assert all("Die Kursleiterin ist erkrankt." in m.body for m in mailoutbox)

    with (
        pytest.raises(CourseError, match="cancelled already"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.cancel_course(by=provider_staff, course=course, reason="Noch einmal", now=NOW)
    assert len(mailoutbox) == 3


def test_cancel_course_needs_a_reason_and_releases_the_devices(draft, provider_staff):
    services.publish(by=provider_staff, course=draft, now=NOW)
    with pytest.raises(CourseError, match="give a reason"):
        services.cancel_course(by=provider_staff, course=draft, reason="  ", now=NOW)
    services.cancel_course(by=provider_staff, course=draft, reason="Zu wenige", now=NOW)
    statuses = set(draft.meetings.values_list("reservation__status", flat=True))
    assert statuses == {Reservation.Status.CANCELLED}


def test_a_course_that_is_over_cannot_be_cancelled(
    course, residents, provider_staff, mailoutbox, django_capture_on_commit_callbacks
):
    enrol(residents[0], course)
    after_the_last = course.meetings.order_by("-end").first().end
    with (
        pytest.raises(CourseError, match="is over, so it cannot be cancelled"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.cancel_course(
            by=provider_staff, course=course, reason="Zu spät", now=after_the_last
        )
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED
    assert not mailoutbox
    # A minute before its last date ends, it still can be.
    services.cancel_course(
        by=provider_staff,
        course=course,
        reason="Erkrankt",
        now=after_the_last - datetime.timedelta(minutes=1),
    )
    course.refresh_from_db()
    assert course.status == Course.Status.CANCELLED


# --- attendance and certificates -------------------------------------------------------------


def test_attendance_for_someone_not_enrolled_is_refused(course, residents, provider_staff):
    meeting = course.meetings.first()
    other_course = CourseFactory(organization=course.organization)
    elsewhere = EnrollmentFactory(course=other_course, user=residents[0])
    for n, person in enumerate(residents[1:4]):
        enrol(person, course, minutes=n)
    waiting = Enrollment.objects.get(user=residents[3])
    for enrollment in (elsewhere, waiting):
        with pytest.raises(CourseError, match="not enrolled in this course"):
            services.record_attendance(
                by=provider_staff,
                meeting=meeting,
                enrollment=enrollment,
                present=True,
                now=at(8, 18),
            )
    assert not Attendance.objects.exists()


def test_attendance_is_saved_again_and_again_with_the_last_tap_counting(
    course, residents, provider_staff
):
    meeting = course.meetings.order_by("start").first()
    enrollment = enrol(residents[0], course)
    for present in (True, False, True):
        services.record_attendance(
            by=provider_staff,
            meeting=meeting,
            enrollment=enrollment,
            present=present,
            now=at(8, 18, 5),
        )
    (attendance,) = Attendance.objects.all()
    assert attendance.present is True
    assert attendance.recorded_by == provider_staff


def test_attendance_waits_for_the_day_and_for_staff(course, residents, provider_staff, outsider):
    meeting = course.meetings.order_by("start").first()
    enrollment = enrol(residents[0], course)
    with pytest.raises(CourseError, match="from the day of the meeting"):
        services.record_attendance(
            by=provider_staff, meeting=meeting, enrollment=enrollment, present=True, now=NOW
        )
    with pytest.raises(PermissionDenied):
        services.record_attendance(
            by=outsider, meeting=meeting, enrollment=enrollment, present=True, now=at(8, 18)
        )
    assert not Attendance.objects.exists()


@pytest.fixture
def finished(course, residents, provider_staff):
    """Four meetings (threshold 75 %: three needed); the first person came to 3, the second
    to 2, the third was marked absent everywhere."""
    Course.objects.filter(pk=course.pk).update(capacity=3)
    course.refresh_from_db()
    MeetingFactory(course=course, start=at(29, 18), end=at(29, 20))
    people = [enrol(person, course, minutes=n) for n, person in enumerate(residents[:3])]
    meetings = list(course.meetings.order_by("start"))
    attended = {people[0]: meetings[:3], people[1]: meetings[1:3], people[2]: []}
    for enrollment, present_at in attended.items():
        for meeting in meetings:
            services.record_attendance(
                by=provider_staff,
                meeting=meeting,
                enrollment=enrollment,
                present=meeting in present_at,
                now=at(40, 9),
            )
    return people


def test_attendance_summary_counts_meetings_held_so_far(course, finished):
    summary = services.attendance_summary(course, now=at(40, 9))
    assert summary == {finished[0].pk: (3, 4), finished[1].pk: (2, 4), finished[2].pk: (0, 4)}
    assert set(services.attendance_summary(course, now=at(16, 9)).values()) == {
        (3, 2),
        (2, 2),
        (0, 2),
    }


def test_only_people_at_the_threshold_of_all_meetings_are_eligible(course, finished):
    assert list(services.eligible_for_certificate(course)) == [finished[0]]
    Course.objects.filter(pk=course.pk).update(attendance_threshold=50)
    course.refresh_from_db()
    assert list(services.eligible_for_certificate(course)) == finished[:2]


def test_issue_certificates_keeps_what_is_printed_and_is_idempotent(
    course, finished, provider_staff
):
    (certificate,) = services.issue_certificates(by=provider_staff, course=course, now=at(40, 9))
    holder = finished[0].user
    assert certificate.enrollment == finished[0]
    assert certificate.holder_name == holder.name
    assert certificate.course_title == "Online-Banking sicher nutzen"
    assert certificate.provider_name == "Volkshochschule Aschaffenburg"
    assert (certificate.first_day, certificate.last_day) == (
        datetime.date(2027, 2, 9),
        datetime.date(2027, 3, 2),
    )
    assert certificate.hours == Decimal("6.5")  # 3 × 1.5 h + 2 h
    assert len(certificate.code) == 10

    assert services.issue_certificates(by=provider_staff, course=course, now=at(41, 9)) == []
    assert Certificate.objects.count() == 1


def test_nobody_gets_a_certificate_with_their_email_instead_of_a_name(
    course, finished, provider_staff
):
    holder = finished[0].user
    holder.name = ""
    holder.save(update_fields=["name"])

    assert services.issue_certificates(by=provider_staff, course=course, now=at(40, 9)) == []
    assert not Certificate.objects.filter(holder_name=holder.email).exists()

    holder.name = "Aylin Demir"
    holder.save(update_fields=["name"])
    (certificate,) = services.issue_certificates(by=provider_staff, course=course, now=at(41, 9))
    assert certificate.holder_name == "Aylin Demir"


def test_certificates_wait_for_the_last_meeting(course, finished, provider_staff, outsider):
    with pytest.raises(CourseError, match="once the last meeting has begun"):
        services.issue_certificates(by=provider_staff, course=course, now=at(20, 9))
    with pytest.raises(PermissionDenied):
        services.issue_certificates(by=outsider, course=course, now=at(40, 9))
    assert not Certificate.objects.exists()


# --- the minimum -----------------------------------------------------------------------------


def test_check_minimums_tells_the_staff_once(
    course,
    residents,
    provider,
    provider_staff,
    provider_admin,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    MembershipFactory(organization=provider, role=Role.TEACHER)  # not told
    Course.objects.filter(pk=course.pk).update(
        capacity=5, min_participants=3, registration_closes=at(6, 12)
    )
    full = CourseFactory(organization=provider, capacity=5, min_participants=1)
    MeetingFactory(course=full, start=at(8, 10), end=at(8, 11))
    EnrollmentFactory(course=full)
    enrol(residents[0], course)
    Course.objects.filter(pk=full.pk).update(registration_closes=at(6, 12))
    mailoutbox.clear()

    assert services.check_minimums(now=at(6, 11)) == []
    with django_capture_on_commit_callbacks(execute=True):
        told = services.check_minimums(now=at(6, 12))

    assert told == [course]
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [provider_staff.email, provider_admin.email]
    )
    course.refresh_from_db()
    assert course.minimum_checked_at == at(6, 12)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.check_minimums(now=at(7, 12)) == []
    assert len(mailoutbox) == 2


def test_the_command_checks_the_minimums_and_runs_twice_safely(provider, capsys):
    """The command works on the real clock: the first meeting began two hours ago, so
    registration (without a date of its own) has closed with 1 of at least 2."""
    now = timezone.now()
    course = CourseFactory(organization=provider, min_participants=2)
    MeetingFactory(course=course, start=now - datetime.timedelta(hours=2), end=now)
    MeetingFactory(
        course=course,
        start=now + datetime.timedelta(days=7),
        end=now + datetime.timedelta(days=7, hours=2),
    )
    EnrollmentFactory(course=course)

    call_command("check_course_minimums")
    call_command("check_course_minimums")

    assert capsys.readouterr().out.splitlines() == [
        "1 course(s) below their minimum reported.",
        "0 course(s) below their minimum reported.",
    ]
    assert AuditLog.objects.filter(action="courses.minimum_not_reached").count() == 1


@pytest.mark.parametrize("count", [3, 40])
def test_device_conflicts_run_a_constant_number_of_queries(
    with_devices, count, django_assert_max_num_queries
):
    weekly(with_devices, count)
    # Two devices are out during the second date only; one elsewhere overlaps nothing.
    ReservationFactory(
        pool=with_devices.pool, quantity=2, start=in_days(14, 17), end=in_days(14, 18, 30)
    )
    ReservationFactory(
        pool=with_devices.pool, quantity=3, start=in_days(15, 17), end=in_days(15, 18, 30)
    )
    with django_assert_max_num_queries(4):
        conflicts = services.device_conflicts(with_devices)
    assert [(meeting.start, free) for meeting, free in conflicts] == [(in_days(14, 18), 1)]


def test_device_conflicts_count_back_to_back_bookings_as_free(with_devices):
    weekly(with_devices, 1)
    ReservationFactory(pool=with_devices.pool, quantity=3, start=in_days(7, 16), end=in_days(7, 18))
    ReservationFactory(
        pool=with_devices.pool, quantity=3, start=in_days(7, 19, 30), end=in_days(7, 21)
    )
    assert services.device_conflicts(with_devices) == []
