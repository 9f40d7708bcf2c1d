"""Demo data for courses: a realistic programme across the region's providers.

``manage.py seed_demo`` calls :func:`seed` (listed in ``demo/seeders.py``) after the
bookings and the lending demo. The programme is in ``demo/data/courses.py``: about forty
courses of the adult-education centres, libraries, the Seniorenbüro and some schools, from a
few weeks back to three months ahead, relative to the day of seeding. Past courses have
their attendance and certificates, a running one the attendance so far; upcoming ones are
full with a waiting list, half full, below their minimum, or have cancellations; one is a
draft and one was cancelled. Courses that use a provider's device pool hold a confirmed
reservation for every meeting (handed out and returned for the meetings that are over).

Rows are written directly and in bulk, like the other demo seeders, from a ``random.Random``
with a fixed seed, keeping the rules of ``courses.services``: never more confirmed than
seats, the waiting list in the order people joined (those who moved up when someone
cancelled included), attendance only for confirmed participants, meetings only on days the
provider is open, device reservations within the pool's devices in service. Seeding again
adds nothing once the providers have any course.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking.models import Loan, LoanItem, Reservation
from booking.services import free_count, local_datetime
from courses.models import (
    Attendance,
    Certificate,
    Course,
    Enrollment,
    Meeting,
    new_certificate_code,
)
from demo.data import courses as data
from demo.data import organizations as organization_demo_data
from demo.data.lending import RESIDENTS
from demo.lending import demo_users, ensure_people
from devices.models import Device, DevicePool
from organizations.hours import calendars_for
from organizations.models import Location, Organization, Role
from reports.periods import school_year_of

SEED = 20261127
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
# Last school year's programme is centred on this many days after its 1 August (mid-December),
# so that its runs (weeks -9 to +8 around it, plus their meetings) end before 31 July.
LAST_YEAR_FROM_START = datetime.timedelta(days=135)


@dataclass
class PlannedEnrollment:
    user: User
    status: str
    created_at: datetime.datetime
    waitlisted_at: datetime.datetime | None = None
    confirmed_at: datetime.datetime | None = None
    cancelled_at: datetime.datetime | None = None
    answers: dict[str, str] = field(default_factory=dict)


@dataclass
class PlannedCourse:
    course: Course
    meetings: list[tuple[datetime.datetime, datetime.datetime]]
    enrollments: list[PlannedEnrollment]
    staff: User | None
    # The demo people a run names come to every meeting (their certificate is part of it).
    named: set[int] = field(default_factory=set)


def seed(stdout: TextIO, *, now: datetime.datetime | None = None) -> str:
    """Write the demo programme, unless the demo providers have courses already."""
    now = now or timezone.now()
    with transaction.atomic():
        organizations = _organizations()
        locations = _seed_locations(organizations)
        existing = Course.objects.filter(organization__in=organizations.values())
        if existing.exists():
            return _summary(existing, now=now, created=0)
        users = demo_users()
        residents = ensure_people([*RESIDENTS, *data.COURSE_PEOPLE])
        pools = {
            (pool.organization_id, pool.name): pool
            for pool in DevicePool.objects.filter(
                organization__in=organizations.values()
            ).with_capacity()
        }
        planner = _Planner(now, organizations, locations, pools, users, residents)
        planned = [planner.plan(run) for run in data.RUNS]
        planned += [planner.plan(run, last_year=True) for run in last_years_runs()]
        _write(planned, now)
        return _summary(
            Course.objects.filter(organization__in=organizations.values()),
            now=now,
            created=len(planned),
        )


def last_years_runs() -> list[dict[str, Any]]:
    """The programme of the school year before, for the reports' comparison: every published
    run once more, without the featured demo people (what they see is this year's), and
    without the waiting list (a course that is over has none)."""
    left_out = ("people", "waitlist_people", "waiting", "promoted", "registration_closes_in")
    return [
        {key: value for key, value in run.items() if key not in left_out}
        for run in data.RUNS
        if run.get("state", Course.Status.PUBLISHED) == Course.Status.PUBLISHED
    ]


def last_school_years_monday(today: datetime.date) -> datetime.date:
    """The Monday from which the school year before today's is planned: in its autumn, so
    that its runs (nine weeks before to nine weeks after, as this year's are around today)
    all fall inside it, whatever the day of seeding."""
    year = school_year_of(today) - 1
    day = datetime.date(year, 8, 1) + LAST_YEAR_FROM_START
    return day - DAY * day.weekday()


def _summary(courses, *, now: datetime.datetime, created: int) -> str:
    counted = courses.with_counts()
    published = counted.filter(status=Course.Status.PUBLISHED)
    full = sum(1 for course in published if course.waiting_count)
    past = published.filter(last_end__lte=now).count()
    enrollments = Enrollment.objects.filter(course__in=courses).count()
    certificates = Certificate.objects.filter(enrollment__course__in=courses).count()
    return (
        f"Kurse: {courses.count()} Kurse ({past} vorbei, {full} mit Warteliste), "
        f"{enrollments} Anmeldungen, {certificates} Teilnahmebescheinigungen "
        f"({created} neu angelegt)"
    )


def _organizations() -> dict[str, Organization]:
    slugs = {run["organization"] for run in data.RUNS}
    slugs |= {entry["organization"] for entry in data.LOCATIONS}
    found = Organization.objects.in_bulk(list(slugs), field_name="slug")
    missing = sorted(slugs - set(found))
    if missing:
        raise CommandError(f"demo/data/courses.py names unknown organizations: {missing}")
    return found


def _seed_locations(
    organizations: dict[str, Organization],
) -> dict[tuple[str, str], Location]:
    for entry in data.LOCATIONS:
        Location.objects.update_or_create(
            organization=organizations[entry["organization"]],
            name=entry["name"],
            defaults={
                "street": entry.get("street", ""),
                "step_free": entry["step_free"],
                "accessibility_notes": entry["accessibility_notes"],
            },
        )
    slug_of = {organization.pk: slug for slug, organization in organizations.items()}
    return {
        (slug_of[location.organization_id], location.name): location
        for location in Location.objects.filter(organization__in=organizations.values())
    }


def course_staff(organization: Organization, users: dict[str, User]) -> User | None:
    """Who runs an organization's courses in the demo: its staff, else its head."""
    for role in (Role.STAFF, Role.ORG_ADMIN):
        for person in organization_demo_data.USERS:
            if (organization.slug, role) in person.get("memberships", []):
                return users.get(person["email"].split("@")[0])
    return None


class _Planner:
    def __init__(self, now, organizations, locations, pools, users, residents) -> None:
        self.now = now
        self.today = timezone.localtime(now).date()
        self.monday = self.today - DAY * self.today.weekday()
        self.rng = random.Random(SEED)
        self.organizations = organizations
        self.locations = locations
        self.pools = pools
        self.users = users
        self.last_years_monday = last_school_years_monday(self.today)
        # As courses.services plans a series: a closure skips a date; a weekday outside the
        # venue's opening hours does not (courses run in the evening or on a Saturday).
        first, last = self.last_years_monday - DAY * 100, self.monday + DAY * 140
        calendars = calendars_for(organizations.values(), first, last)
        self.closed = {
            slug: {
                day
                for day in (first + DAY * n for n in range((last - first).days + 1))
                if calendars[organization.pk].closure_on(day)
            }
            for slug, organization in organizations.items()
        }
        # Everyone who may fill a course, in a fixed order; teachers apart. The featured demo
        # residents take only the courses that name them, so that what they see is planned.
        people = [users[local] for local in ("buerger", "leonie.arnold")]
        people += sorted(residents.values(), key=lambda user: user.email)
        self.people = people
        self.teachers = [users[local] for local in data.TEACHERS if local in users]
        # Devices planned per pool: (start, end, quantity).
        self.load: dict[int, list[tuple[datetime.datetime, datetime.datetime, int]]] = defaultdict(
            list
        )

    def dates(self, slug: str, first: datetime.date, count: int) -> list[datetime.date]:
        """``count`` weekly dates from ``first``, skipping the provider's closed days."""
        days, day = [], first
        while len(days) < count:
            if day not in self.closed[slug]:
                days.append(day)
            day += DAY * 7
        return days

    def person(self, key: str) -> User:
        if key not in self.users:
            raise CommandError(f"demo/data/courses.py names an unknown user: {key}")
        return self.users[key]

    def plan(self, run: dict[str, Any], *, last_year: bool = False) -> PlannedCourse:
        """One run as a course: this school year's around today, or (``last_year``) the same
        run in the school year before, all of it over."""
        rng = self.rng
        template = {
            **data.TEMPLATES[run["template"]],
            **{k: run[k] for k in ("title",) if k in run},
        }
        slug = run["organization"]
        organization = self.organizations[slug]
        location = self.locations.get((slug, run["location"]))
        if location is None:
            raise CommandError(f"demo/data/courses.py names an unknown room: {run['location']}")
        monday = self.last_years_monday if last_year else self.monday
        first = monday + DAY * (7 * run["weeks"] + run["day"])
        start_time, end_time = run["time"]
        meetings = [
            (local_datetime(day, start_time), local_datetime(day, end_time))
            for day in self.dates(slug, first, run["count"])
        ]
        first_start = meetings[0][0]
        state = run.get("state", Course.Status.PUBLISHED)
        staff = course_staff(organization, self.users)
        published_at = None
        if state != Course.Status.DRAFT:
            published_at = min(
                first_start - DAY * rng.randint(35, 56), self.now - DAY * rng.randint(3, 9)
            )
        created_at = (published_at or self.now) - DAY * rng.randint(1, 6)
        registration_closes = None
        if "registration_closes_in" in run:
            registration_closes = min(
                self.now + DAY * run["registration_closes_in"], first_start - HOUR
            )
        price = Decimal(run.get("price", "0"))
        pool = None
        if "pool" in run:
            pool = self.pools.get((organization.pk, run["pool"]))
            if pool is None:
                raise CommandError(f"demo/data/courses.py names an unknown pool: {run['pool']}")
        course = Course(
            organization=organization,
            title=template["title"],
            summary=template["summary"],
            description=template["description"],
            prerequisites=template.get("prerequisites", ""),
            topic=template["topic"],
            audience=template["audience"],
            level=template.get("level", "beginner"),
            language=template.get("language", "de"),
            location=location,
            capacity=run["capacity"],
            min_participants=run["min"],
            registration_closes=registration_closes,
            cancellation_deadline=first_start - DAY * 2 if price else None,
            price=price,
            pool=pool,
            devices_needed=run.get("devices", 0),
            questions=template.get("questions", ""),
            status=state,
            published_at=published_at,
            created_by=staff,
            created_at=created_at,
        )
        if state == Course.Status.CANCELLED:
            course.cancelled_at = self.now - DAY * rng.randint(1, 3)
            course.cancel_reason = run.get("cancel_reason", "")
            course.minimum_checked_at = course.cancelled_at - HOUR * 20
        if pool is not None and state != Course.Status.DRAFT:
            if last_year and not self._devices_free(pool, meetings, course.devices_needed):
                course.pool, course.devices_needed = None, 0  # taught without the pool then
            else:
                self._check_devices(pool, meetings, course.devices_needed)
        enrollments = []
        if state != Course.Status.DRAFT:
            closes = min(
                registration_closes or first_start, course.cancelled_at or self.now, self.now
            )
            enrollments = self._enrollments(run, course, published_at, closes)
        named = {self.person(key).pk for key in run.get("people", [])}
        return PlannedCourse(course, meetings, enrollments, staff, named)

    def _devices_free(self, pool: DevicePool, meetings, quantity: int) -> bool:
        return all(
            sum(q for s, e, q in self.load[pool.pk] if s < end and start < e) + quantity
            <= free_count(pool, start, end)
            for start, end in meetings
        )

    def _check_devices(self, pool: DevicePool, meetings, quantity: int) -> None:
        for start, end in meetings:
            planned = sum(q for s, e, q in self.load[pool.pk] if s < end and start < e)
            if planned + quantity > free_count(pool, start, end):
                raise CommandError(
                    f"demo/data/courses.py: {pool} has too few devices on {start:%Y-%m-%d}"
                )
            self.load[pool.pk].append((start, end, quantity))

    def _enrollments(self, run, course: Course, opened: datetime.datetime, closes):
        """Who enrolled and when: the first come are confirmed, the rest wait in order; some
        cancel, and when a confirmed person cancels, the first waiting moves up."""
        rng = self.rng
        capacity = course.capacity
        confirmed = min(capacity, round(capacity * run["fill"]))
        cancelled = run.get("cancelled", 0)
        promoted = run.get("promoted", 0) if confirmed == capacity else 0
        waiting = run.get("waiting", 0) if confirmed == capacity else 0
        required = [self.person(key) for key in run.get("people", [])]
        queued = [self.person(key) for key in run.get("waitlist_people", [])]
        named = required + queued
        remaining = list(self.teachers) if run.get("teachers") else []
        others = [user for user in self.people if user not in remaining]
        rng.shuffle(others)
        remaining = [user for user in remaining + others if user not in named]
        # First come (confirmed, and those who later cancel), then those who moved up when
        # someone cancelled, then those still waiting. Named demo people come first in their
        # group.
        first = confirmed - promoted + cancelled
        first_come = required + remaining[: max(first - len(required), 0)]
        remaining = remaining[max(first - len(required), 0) :]
        moved_up, remaining = remaining[:promoted], remaining[promoted:]
        still_waiting = queued + remaining[: max(waiting - len(queued), 0)]
        if not first_come + moved_up + still_waiting:
            return []
        span = max((closes - opened).total_seconds(), 3600)
        times = sorted(
            opened + datetime.timedelta(seconds=rng.uniform(0, span * 0.8))
            for _ in range(len(first_come) + len(moved_up) + len(still_waiting))
        )
        people = first_come + moved_up + still_waiting
        planned: list[PlannedEnrollment] = []
        leaving = set(rng.sample(range(len(required), len(first_come)), cancelled))
        cancel_from = times[len(first_come) + len(moved_up) - 1] if people else opened
        deadline = min(course.cancellation_deadline or closes, closes, self.now)
        for index, (user, at) in enumerate(zip(people, times, strict=True)):
            entry = PlannedEnrollment(user=user, status=Enrollment.Status.CONFIRMED, created_at=at)
            if index < len(first_come):
                entry.confirmed_at = at
                if index in leaving:
                    entry.status = Enrollment.Status.CANCELLED
                    entry.cancelled_at = _between(rng, max(cancel_from, at), deadline)
            elif index < len(first_come) + len(moved_up):
                entry.waitlisted_at = at
                entry.confirmed_at = None  # set below, when a place came free
            else:
                entry.status = Enrollment.Status.WAITLISTED
                entry.waitlisted_at = at
            if course.question_list() and rng.random() < 0.8:
                question = course.question_list()[0]
                options = ["Android", "iPhone"] if "Smartphone" in question else ["Ja", "Nein"]
                entry.answers = {question: rng.choice(options)}
            planned.append(entry)
        # Each cancellation of a confirmed place moved the next waiting person up.
        freed = sorted(
            entry.cancelled_at
            for entry in planned
            if entry.status == Enrollment.Status.CANCELLED and entry.cancelled_at
        )
        for entry, at in zip(
            planned[len(first_come) : len(first_come) + len(moved_up)], freed, strict=False
        ):
            entry.confirmed_at = max(at, entry.created_at)
        for entry in planned[len(first_come) : len(first_come) + len(moved_up)]:
            if entry.confirmed_at is None:
                entry.status = Enrollment.Status.WAITLISTED
        return planned


def _between(rng: random.Random, start: datetime.datetime, end: datetime.datetime):
    if end <= start:
        return start
    return start + (end - start) * rng.uniform(0.1, 0.9)


# --- Writing ------------------------------------------------------------------------------------


def _write(planned: list[PlannedCourse], now: datetime.datetime) -> None:
    rng = random.Random(SEED + 1)
    courses = Course.objects.bulk_create([plan.course for plan in planned])
    if not all(course.pk for course in courses):
        raise CommandError("demo/courses.py needs a database that returns ids.")
    # Device reservations: confirmed for every meeting of a published course (cancelled with
    # the course), handed to its staff and back for the meetings that are over.
    with_devices = [
        (plan, start, end)
        for plan in planned
        if plan.course.pool_id and plan.course.status != Course.Status.DRAFT
        for start, end in plan.meetings
    ]
    reservations = Reservation.objects.bulk_create(
        [
            Reservation(
                pool_id=plan.course.pool_id,
                user=plan.staff,
                quantity=plan.course.devices_needed,
                start=start,
                end=end,
                purpose=plan.course.title[:200],
                status=(
                    Reservation.Status.CANCELLED
                    if plan.course.status == Course.Status.CANCELLED
                    else Reservation.Status.CONFIRMED
                ),
                created_at=plan.course.published_at,
                cancelled_at=plan.course.cancelled_at,
            )
            for plan, start, end in with_devices
        ]
    )
    reservation_at = {
        (plan.course.pk, start): reservation
        for (plan, start, _end), reservation in zip(with_devices, reservations, strict=True)
    }
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                course=plan.course,
                start=start,
                end=end,
                reservation=reservation_at.get((plan.course.pk, start)),
            )
            for plan in planned
            for start, end in plan.meetings
        ]
    )
    # What the course services keep after writing meetings (the catalog filters on it).
    Course.objects.filter(pk__in=[plan.course.pk for plan in planned]).refresh_meetings_end()
    _write_device_loans(with_devices, reservations, now, rng)
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                course=plan.course,
                user=entry.user,
                status=entry.status,
                answers=entry.answers,
                created_at=entry.created_at,
                waitlisted_at=entry.waitlisted_at,
                confirmed_at=entry.confirmed_at,
                cancelled_at=entry.cancelled_at,
            )
            for plan in planned
            for entry in plan.enrollments
        ]
    )
    _write_attendance(planned, meetings, enrollments, now, rng)


def _write_device_loans(with_devices, reservations, now, rng) -> None:
    devices: dict[int, list[int]] = defaultdict(list)
    pool_ids = {plan.course.pool_id for plan, _s, _e in with_devices}
    for device_id, pool_id in (
        Device.objects.filter(pool__in=pool_ids, status=Device.Status.IN_SERVICE)
        .order_by("asset_tag")
        .values_list("pk", "pool_id")
    ):
        devices[pool_id].append(device_id)
    over = [
        (plan, reservation)
        for (plan, _start, end), reservation in zip(with_devices, reservations, strict=True)
        if end <= now and reservation.status == Reservation.Status.CONFIRMED
    ]
    loans = Loan.objects.bulk_create(
        [
            Loan(
                pool_id=reservation.pool_id,
                reservation=reservation,
                borrower=plan.staff,
                handed_out_by=plan.staff,
                handed_out_at=reservation.start - datetime.timedelta(minutes=rng.randint(10, 30)),
                due_at=reservation.end,
                closed_at=reservation.end + datetime.timedelta(minutes=rng.randint(5, 25)),
            )
            for plan, reservation in over
        ]
    )
    LoanItem.objects.bulk_create(
        [
            LoanItem(
                loan=loan,
                device_id=device_id,
                returned_at=loan.closed_at,
                returned_to=plan.staff,
                condition=LoanItem.Condition.COMPLETE,
            )
            for (plan, reservation), loan in zip(over, loans, strict=True)
            for device_id in devices[reservation.pool_id][: reservation.quantity]
        ]
    )


def _write_attendance(planned, meetings, enrollments, now, rng) -> None:
    """Staff ticked who came to every meeting that is over; those who came to enough of a
    finished course have their certificate."""
    meetings_of: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        meetings_of[meeting.course_id].append(meeting)
    attendance, certificates = [], []
    by_course: dict[int, list[Enrollment]] = defaultdict(list)
    for enrollment in enrollments:
        by_course[enrollment.course_id].append(enrollment)
    for plan in planned:
        course = plan.course
        if course.status != Course.Status.PUBLISHED:
            continue
        held = [meeting for meeting in meetings_of[course.pk] if meeting.end <= now]
        if not held:
            continue
        confirmed = [e for e in by_course[course.pk] if e.status == Enrollment.Status.CONFIRMED]
        for enrollment in confirmed:
            keen = 1.0 if enrollment.user_id in plan.named else rng.uniform(0.6, 1.0)
            came = 0
            for meeting in held:
                present = rng.random() < keen
                came += present
                attendance.append(
                    Attendance(
                        enrollment=enrollment,
                        meeting=meeting,
                        present=present,
                        recorded_by=plan.staff,
                        recorded_at=meeting.start + datetime.timedelta(minutes=rng.randint(5, 20)),
                    )
                )
            finished = len(held) == len(meetings_of[course.pk])
            # Certificates carry a name, never an email address: only people with a name get one.
            if (
                finished
                and enrollment.user.name
                and came * 100 >= course.attendance_threshold * len(held)
            ):
                certificates.append(_certificate(course, enrollment, held, now, rng))
    Attendance.objects.bulk_create(attendance, batch_size=1000)
    Certificate.objects.bulk_create(certificates)


def _certificate(course, enrollment, meetings, now, rng) -> Certificate:
    hours = sum((meeting.end - meeting.start).total_seconds() for meeting in meetings) / 3600
    issued = min(meetings[-1].end + DAY * rng.randint(1, 4), now - HOUR)
    return Certificate(
        enrollment=enrollment,
        code=new_certificate_code(),
        holder_name=enrollment.user.name,
        course_title=course.title,
        provider_name=course.organization.name,
        first_day=timezone.localtime(meetings[0].start).date(),
        last_day=timezone.localtime(meetings[-1].start).date(),
        hours=Decimal(str(round(hours, 1))),
        issued_at=max(issued, meetings[-1].end),
    )
