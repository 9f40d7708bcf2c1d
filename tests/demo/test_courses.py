"""The demo programme that ``manage.py seed_demo`` adds through ``demo.courses.seed``. The
region is seeded once for the module, inside a transaction rolled back at the end; each test
runs in a savepoint within it."""

from __future__ import annotations

import datetime
import itertools
import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import User
from booking.availability import reserved_intervals
from booking.models import Reservation
from courses.models import (
    CODE_ALPHABET,
    Attendance,
    Certificate,
    Course,
    Enrollment,
    Language,
    Meeting,
)
from organizations.models import Closure, Location, Membership, Organization, Role
from tests.courses.test_meetings_end import wrong_meetings_end
from tests.demo.conftest import seed_once

SUMMARY = re.compile(
    r"^Kurse: (\d+) Kurse \((\d+) vorbei, (\d+) mit Warteliste\), (\d+) Anmeldungen, "
    r"(\d+) Teilnahmebescheinigungen \((\d+) neu angelegt\)$",
    re.MULTILINE,
)


def email(local: str) -> str:
    return f"{local}@demo.lernpool.example"


@pytest.fixture(scope="module")
def seeded_region(django_db_setup, django_db_blocker):
    with seed_once(django_db_blocker) as output:
        yield output


@pytest.fixture
def programme(seeded_region, db) -> str:
    return seeded_region


def counted():
    """This school year's programme (the one around today); last school year's is apart."""
    return Course.objects.with_counts().filter(first_start__gt=timezone.now() - LAST_YEAR)


# The runs go back nine weeks from today; last school year's lie months further back.
LAST_YEAR = datetime.timedelta(days=120)


def test_about_forty_courses_across_the_providers_over_the_coming_months(programme):
    now = timezone.now()
    courses = counted()
    assert 35 <= courses.count() <= 50
    kinds = Counter(courses.values_list("organization__kind", flat=True))
    assert kinds[Organization.Kind.ADULT_EDUCATION] >= 12
    assert kinds[Organization.Kind.LIBRARY] >= 8
    assert kinds[Organization.Kind.SCHOOL] >= 4
    assert kinds[Organization.Kind.OTHER] >= 2
    published = courses.filter(status=Course.Status.PUBLISHED)
    upcoming = published.filter(first_start__gt=now)
    assert upcoming.count() >= 20
    assert upcoming.filter(first_start__gt=now + datetime.timedelta(days=60)).exists()
    assert courses.filter(status=Course.Status.DRAFT).count() == 1
    assert courses.filter(status=Course.Status.CANCELLED).count() == 1
    assert set(courses.values_list("topic", flat=True)) >= {
        "smartphone", "online_banking", "safety", "office", "ai", "coding",
        "digital_teaching", "administration", "media",
    }  # fmt: skip
    languages = Counter(courses.values_list("language", flat=True))
    assert languages[Language.EASY_GERMAN] >= 2
    assert (
        languages[Language.TURKISH] + languages[Language.UKRAINIAN] + languages[Language.ENGLISH]
        >= 2
    )
    prices = [course.price for course in courses]
    assert (
        sum(price == 0 for price in prices) > len(prices) / 2 > sum(price > 0 for price in prices)
    )
    titles = set(courses.values_list("title", flat=True))
    assert "Smartphone-Grundlagen für Seniorinnen und Senioren" in titles
    assert "Digitale Behördengänge: BayernID und ELSTER" in titles
    assert courses.filter(audience="teachers", organization__kind="school").count() >= 2


def test_every_course_knows_when_its_last_meeting_ends(programme):
    """The seed writes meetings in bulk and sets what the catalog filters on, as the course
    services do (``Course.meetings_end``)."""
    assert Course.objects.filter(meetings_end__isnull=False).count() >= 35
    assert wrong_meetings_end() == []


def test_meetings_are_weekly_on_open_days_in_the_providers_rooms(programme):
    for course in Course.objects.select_related("organization", "location"):
        meetings = list(course.meetings.all())
        assert 1 <= len(meetings) <= 8, course
        assert course.location.organization_id == course.organization_id
        closures = Closure.objects.for_organization(course.organization)
        times = set()
        for meeting in meetings:
            start, end = timezone.localtime(meeting.start), timezone.localtime(meeting.end)
            assert start.date() == end.date() and start < end
            assert start.hour >= 8 and end.hour <= 21
            assert not closures.filter(start__lte=start.date(), end__gt=start.date()).exists()
            times.add((start.weekday(), start.time(), end.time()))
        assert len(times) == 1, course
        for a, b in itertools.pairwise(meetings):
            assert (b.start.date() - a.start.date()).days % 7 == 0
    rooms = Location.objects.filter(courses__isnull=False).distinct()
    assert rooms.filter(step_free=True).count() > 2 * rooms.filter(step_free=False).count()
    assert all(room.accessibility_notes for room in rooms)


def test_no_course_has_more_confirmed_than_seats_and_the_waiting_list_is_in_order(programme):
    courses = counted()
    full_with_waiting = 0
    for course in courses:
        assert course.confirmed_count <= course.capacity, course
        if course.waiting_count:
            full_with_waiting += 1
            assert course.confirmed_count == course.capacity, course
        waiting = list(course.enrollments.waitlisted())
        stamps = [entry.waitlisted_at for entry in waiting]
        assert stamps == sorted(stamps)
        for entry in course.enrollments.all():
            assert entry.created_at <= timezone.now()
            if entry.status == Enrollment.Status.CONFIRMED:
                assert entry.confirmed_at is not None and entry.confirmed_at >= entry.created_at
            if entry.status == Enrollment.Status.CANCELLED:
                assert entry.cancelled_at is not None and entry.cancelled_at >= entry.created_at
            if course.status != Course.Status.DRAFT:
                assert course.published_at <= entry.created_at
        # Anyone who moved up joined the list before everyone still waiting.
        moved_up = course.enrollments.filter(status="confirmed", waitlisted_at__isnull=False)
        for entry in moved_up:
            assert all(entry.waitlisted_at < stamp for stamp in stamps)
            assert course.enrollments.filter(
                status="cancelled", cancelled_at__lte=entry.confirmed_at
            ).exists()
    assert full_with_waiting >= 4
    assert Enrollment.objects.filter(status="confirmed", waitlisted_at__isnull=False).exists()
    assert courses.filter(status="published", confirmed_count__lte=F("capacity") * 0.6).count() >= 5
    assert Enrollment.objects.filter(status="cancelled").count() >= 3
    assert not Enrollment.objects.filter(course__status=Course.Status.DRAFT).exists()


def test_an_upcoming_course_is_below_its_minimum_and_the_cancelled_one_says_why(programme):
    now = timezone.now()
    below = counted().filter(
        status="published",
        first_start__gt=now,
        min_participants__gt=0,
        confirmed_count__lt=F("min_participants"),
    )
    assert below.count() >= 1
    assert below.filter(registration_closes__gt=now).exists()
    cancelled = Course.objects.get(status=Course.Status.CANCELLED)
    assert cancelled.cancel_reason and cancelled.cancelled_at <= now
    assert cancelled.published_at < cancelled.cancelled_at


def test_past_courses_have_attendance_for_confirmed_people_and_certificates(programme):
    now = timezone.now()
    assert not Attendance.objects.exclude(enrollment__status=Enrollment.Status.CONFIRMED).exists()
    assert not Attendance.objects.exclude(meeting__course=F("enrollment__course")).exists()
    assert not Attendance.objects.filter(meeting__end__gt=now).exists()
    past = counted().filter(status="published", last_end__lte=now)
    assert past.count() >= 5
    for course in past:
        held = course.meetings.count()
        for enrollment in course.enrollments.confirmed():
            assert enrollment.attendance.count() == held
        attended = {
            enrollment.pk: enrollment.attendance.filter(present=True).count()
            for enrollment in course.enrollments.confirmed()
        }
        certified = set(
            Certificate.objects.filter(enrollment__course=course).values_list(
                "enrollment", flat=True
            )
        )
        eligible = {
            pk for pk, n in attended.items() if n * 100 >= course.attendance_threshold * held
        }
        assert certified == eligible, course
    running = counted().filter(status="published", first_start__lte=now, last_end__gt=now)
    assert running.exists()
    assert Attendance.objects.filter(meeting__course__in=running).exists()
    certificates = Certificate.objects.select_related("enrollment__user", "enrollment__course")
    assert certificates.count() >= 20
    for certificate in certificates:
        course = certificate.enrollment.course
        meetings = list(course.meetings.all())
        assert certificate.holder_name == certificate.enrollment.user.name
        assert certificate.course_title == course.title
        assert certificate.provider_name == course.organization.name
        assert certificate.first_day == timezone.localtime(meetings[0].start).date()
        assert certificate.last_day == timezone.localtime(meetings[-1].start).date()
        hours = sum(meeting.hours for meeting in meetings)
        assert abs(float(certificate.hours) - hours) < 0.06
        assert meetings[-1].end <= certificate.issued_at <= now
        assert len(certificate.code) == 10 and set(certificate.code) <= set(CODE_ALPHABET)


def test_courses_with_devices_hold_a_reservation_for_every_meeting_within_the_pool(programme):
    now = timezone.now()
    with_devices = Course.objects.filter(pool__isnull=False).exclude(status="draft")
    assert with_devices.count() >= 4
    for course in with_devices.select_related("pool"):
        assert course.pool.organization_id == course.organization_id
        for meeting in course.meetings.select_related("reservation"):
            reservation = meeting.reservation
            assert reservation is not None
            assert (reservation.start, reservation.end) == (meeting.start, meeting.end)
            assert reservation.pool_id == course.pool_id
            assert reservation.quantity == course.devices_needed
            expected = "cancelled" if course.status == "cancelled" else "confirmed"
            assert reservation.status == expected
            if expected == "confirmed" and meeting.end <= now:
                assert reservation.loans.get().items.count() == course.devices_needed
    pools = {course.pool for course in with_devices}
    for pool in pools:
        reservations = Reservation.objects.filter(pool=pool)
        span = (
            reservations.order_by("start").first().start,
            reservations.order_by("-end").first().end,
        )
        peak = max(interval.reserved for interval in reserved_intervals(pool.pk, *span))
        assert peak <= pool.capacity(), pool
    assert not Meeting.objects.filter(course__pool__isnull=True, reservation__isnull=False)


def test_the_demo_logins_have_courses_to_try(programme, client):
    maria = User.objects.get(email=email("buergerin"))
    mine = Enrollment.objects.filter(user=maria, course__status="published")
    upcoming = mine.filter(course__meetings__start__gt=timezone.now()).distinct()
    assert upcoming.filter(status="confirmed").count() >= 2
    assert upcoming.filter(status="waitlisted").count() == 1
    waiting = upcoming.get(status="waitlisted")
    assert waiting.course.enrollments.waitlisted().first() == waiting
    emily = User.objects.get(email=email("resident.en"))
    assert Enrollment.objects.filter(user=emily, course__language="en").exists()
    assert Certificate.objects.filter(enrollment__user=emily).exists()
    # The vhs staff login runs courses with participants and a waiting list.
    staff = User.objects.get(email=email("kurse.vhs"))
    managed = counted().filter(
        organization__in=Membership.objects.filter(user=staff, role=Role.STAFF).values(
            "organization"
        )
    )
    assert managed.count() >= 8
    assert managed.filter(waiting_count__gt=0).exists()
    assert managed.filter(created_by=staff).count() == managed.count()
    # Teachers take the teacher trainings.
    teachers = Enrollment.objects.filter(course__audience="teachers").values_list(
        "user__email", flat=True
    )
    assert email("lehrerin.kronberg") in set(teachers)
    assert client.login(email=email("hatice.celik"), password="lernpool-demo")


def test_questions_are_answered_only_from_the_course_questions(programme):
    answered = Enrollment.objects.exclude(answers={})
    assert answered.exists()
    for enrollment in answered.select_related("course"):
        assert set(enrollment.answers) <= set(enrollment.course.question_list())


def test_the_summary_is_one_german_line_and_seeding_again_adds_nothing(programme):
    first = SUMMARY.search(programme)
    assert first is not None
    courses, past, with_waiting, enrollments, certificates, created = map(int, first.groups())
    assert (
        past
        == Course.objects.with_counts()
        .filter(status="published", last_end__lte=timezone.now())
        .count()
    )
    assert with_waiting >= 4
    assert courses == created == Course.objects.count()
    assert enrollments == Enrollment.objects.count()
    assert certificates == Certificate.objects.count()
    before = {
        "courses": Course.objects.count(),
        "meetings": Meeting.objects.count(),
        "enrollments": Enrollment.objects.count(),
        "attendance": Attendance.objects.count(),
        "certificates": Certificate.objects.count(),
        "reservations": Reservation.objects.count(),
        "users": User.objects.count(),
        "locations": Location.objects.count(),
    }

    out = StringIO()
    call_command("seed_demo", stdout=out)

    again = SUMMARY.search(out.getvalue())
    assert again is not None and again.group(6) == "0"
    assert again.groups()[:5] == first.groups()[:5]
    assert before["courses"] == Course.objects.count()
    assert before == {
        "courses": Course.objects.count(),
        "meetings": Meeting.objects.count(),
        "enrollments": Enrollment.objects.count(),
        "attendance": Attendance.objects.count(),
        "certificates": Certificate.objects.count(),
        "reservations": Reservation.objects.count(),
        "users": User.objects.count(),
        "locations": Location.objects.count(),
    }


def test_per_person_no_double_enrolment(programme):
    pairs = Counter(Enrollment.objects.values_list("course", "user"))
    assert max(pairs.values()) == 1
    this_year = Enrollment.objects.filter(course__in=counted().values("pk"))
    per_person = this_year.values("user").annotate(n=Count("pk"))
    assert max(row["n"] for row in per_person) <= 8
    by_user = defaultdict(set)
    for user, course in Enrollment.objects.filter(~Q(status="cancelled")).values_list(
        "user", "course"
    ):
        by_user[user].add(course)
    assert len(by_user) >= 60


def test_last_school_year_had_the_published_programme_all_of_it_over(programme):
    """So that a report of last school year has courses, enrolments, attendance and
    certificates, and this school year's report a comparison."""
    from demo.courses import last_years_runs
    from reports.periods import parse_period

    now = timezone.now()
    last_year = parse_period("last-school-year")
    start = timezone.make_aware(datetime.datetime.combine(last_year.start, datetime.time()))
    end = timezone.make_aware(datetime.datetime.combine(last_year.end, datetime.time()))
    courses = Course.objects.with_counts().filter(first_start__gte=start, first_start__lt=end)

    assert courses.count() == len(last_years_runs()) >= 30
    assert not courses.exclude(status=Course.Status.PUBLISHED).exists()
    assert not Meeting.objects.filter(course__in=courses, end__gte=min(end, now)).exists()
    assert Attendance.objects.filter(meeting__course__in=courses, present=True).exists()
    assert Certificate.objects.filter(enrollment__course__in=courses).exists()
    assert not Enrollment.objects.filter(
        course__in=courses, status=Enrollment.Status.WAITLISTED
    ).exists()
    providers = set(courses.values_list("organization", flat=True))
    assert providers == set(counted().values_list("organization", flat=True))
