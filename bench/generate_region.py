"""Region-scale data for the report benchmarks: 300 organizations, 20,000 devices,
1,000,000 reservations, 5,000 courses and 100,000 enrolments (at ``--scale 1``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_bench \\
        .venv/bin/python bench/generate_region.py [--scale 0.01] [--seed 7]

PostgreSQL only. The database named in DATABASE_URL is DROPPED, created again and migrated
under the settings it will be used with (DJANGO_SETTINGS_MODULE, config.settings.dev by
default): their cache is the database cache, whose table the migration creates, so logins
work on the generated database; under the test settings (an in-memory cache) there would be
no cache table. Its name must contain "bench" so that a slip never drops a real one. Rows
go in with COPY (psycopg's ``cursor.copy()``), with ids chosen here, then the sequences are
reset and the tables analysed.

Names, towns, device types and course texts come from the demo (``demo/vocabulary.py``),
every choice value (kinds, statuses, topics, audiences …) from the models' choices.

What it writes, over two calendar years (the last one and this one):

- 3 districts; organizations: about 62 % schools (lesson periods 08:00, 50 minutes apart),
  20 % libraries, 10 % adult-education centres, 8 % other providers; the region's public
  holidays and Bavarian school holidays as closures.
- devices in pools of 16–32 (libraries: one pool lent to residents), 95 % in service, the
  rest in repair, lost or retired (with a status event each).
- reservations: lesson periods (schools, Mon–Fri outside holidays) or two-hour blocks
  08:00–20:00 (others, Mon–Sat) that never overbook a pool; 92 % confirmed. Pools lent to
  residents get 14-day loans (with items, some late, some returned damaged) instead.
- courses of four weekly meetings (88 % published, 7 % cancelled, 5 % drafts), a tenth of
  them with devices (a reservation per meeting); enrolments up to the seats and a waiting
  list beyond; attendance for past meetings; certificates for those who came often enough.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import math
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent

FULL = {
    "organizations": 300,
    "devices": 20_000,
    "reservations": 1_000_000,
    "courses": 5_000,
    "enrollments": 100_000,
}
# Shares of the organizations' kinds (Organization.Kind values).
KIND_SHARES = {"school": 0.62, "library": 0.20, "adult_education": 0.10, "other": 0.08}
# Shares of the devices' statuses (Device.Status values) and the courses' (Course.Status).
DEVICE_STATUS_WEIGHTS = {"in_service": 95, "in_repair": 2.5, "lost": 1, "retired": 1.5}
COURSE_STATUS_WEIGHTS = {"published": 88, "cancelled": 7, "draft": 5}
SCHOOL_NAMES = ["Grundschule", "Mittelschule", "Realschule", "Gymnasium", "Förderzentrum"]
OTHER_NAMES = {
    "library": "Stadtbibliothek",
    "adult_education": "Volkshochschule",
    "other": "Medienzentrum",
}
PERIODS = 10  # lesson periods a day: 45 minutes each, every 50 minutes from 08:00
BLOCKS = 6  # two-hour blocks 08:00–20:00 at organizations that are not schools
LOAN_DAYS = 14
# (first closed day, first open day again); Bavarian school holidays, approximately.
SCHOOL_HOLIDAYS = {
    2025: [("01-01", "01-07"), ("03-03", "03-08"), ("04-14", "04-26"), ("06-10", "06-21"),
           ("08-01", "09-16"), ("11-03", "11-08"), ("11-19", "11-20"), ("12-22", "12-31")],
    2026: [("01-01", "01-06"), ("02-16", "02-21"), ("03-30", "04-11"), ("05-26", "06-06"),
           ("08-03", "09-15"), ("11-02", "11-07"), ("11-18", "11-19"), ("12-24", "12-31")],
}  # fmt: skip
PUBLIC_HOLIDAYS = ["01-01", "01-06", "05-01", "08-15", "10-03", "11-01", "12-25", "12-26"]


def scaled(name: str, scale: float, minimum: int) -> int:
    return max(minimum, round(FULL[name] * scale))


class Ids:
    """The next primary key per table: rows go in with their ids, so related rows can point
    to them before anything is written."""

    def __init__(self) -> None:
        self._counters: dict[str, Iterator[int]] = {}

    def __call__(self, table: str) -> int:
        return next(self._counters.setdefault(table, itertools.count(1)))


def copy_in(model, objects: Iterable) -> int:
    """COPY model instances into the model's table (every concrete column, ids included)."""
    from django.db import connection

    fields = list(model._meta.concrete_fields)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for instance in objects:
            copy.write_row(
                [
                    field.get_db_prep_save(getattr(instance, field.attname), connection)
                    for field in fields
                ]
            )
            count += 1
    return count


class Region:
    """Builds the region in memory-light steps; each step COPYs its rows."""

    def __init__(self, scale: float, seed: int) -> None:
        from django.utils import timezone

        self.scale = scale
        self.rng = random.Random(seed)
        self.ids = Ids()
        self.today = timezone.localdate()
        self.first_day = datetime.date(self.today.year - 1, 1, 1)
        self.last_day = datetime.date(self.today.year, 12, 31)
        self.now = timezone.now()
        self.counts: dict[str, int] = {}

    # -- helpers ----------------------------------------------------------------------

    def at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        from booking.services import local_datetime

        return local_datetime(day, datetime.time(hour, minute))

    def write(self, label: str, model, objects: Iterable) -> None:
        started = time.perf_counter()
        count = copy_in(model, objects)
        self.counts[label] = self.counts.get(label, 0) + count
        print(f"  {label:<24} {count:>10,}  {time.perf_counter() - started:6.1f} s", flush=True)

    def days(self, school: bool) -> list[datetime.date]:
        """Open days: Mon–Fri outside holidays for schools, Mon–Sat outside public holidays
        for the others."""
        closed = self.public_holidays | (self.school_holidays if school else set())
        last_weekday = 4 if school else 5
        day, days = self.first_day, []
        while day <= self.last_day:
            if day.weekday() <= last_weekday and day not in closed:
                days.append(day)
            day += datetime.timedelta(days=1)
        return days

    # -- steps --------------------------------------------------------------------------

    def organizations(self) -> None:
        from demo.vocabulary import DISTRICTS, TOWNS
        from organizations.models import Closure, District, LessonPeriod, Organization

        districts = [
            District(pk=self.ids("district"), name=name, slug=slug) for name, slug in DISTRICTS
        ]
        self.write("districts", District, districts)
        count = scaled("organizations", self.scale, 4)
        kinds = [Organization.Kind(kind) for kind in KIND_SHARES]
        self.orgs: list[Organization] = []
        for number in range(count):
            kind = (
                kinds[number]
                if number < len(kinds)
                else self.rng.choices(kinds, weights=list(KIND_SHARES.values()))[0]
            )
            town, postal_code = self.rng.choice(TOWNS)
            label = self.rng.choice(SCHOOL_NAMES) if kind == "school" else OTHER_NAMES[kind]
            self.orgs.append(
                Organization(
                    pk=self.ids("organization"),
                    name=f"{label} {town} {number + 1}",
                    slug=f"org-{number + 1}",
                    kind=kind,
                    district_id=districts[number % len(districts)].pk,
                    street="Hauptstraße 1",
                    postal_code=postal_code,
                    city=town,
                )
            )
        self.write("organizations", Organization, self.orgs)
        self.write(
            "lesson periods",
            LessonPeriod,
            (
                LessonPeriod(
                    pk=self.ids("period"),
                    organization_id=org.pk,
                    number=number + 1,
                    name=f"{number + 1}. Stunde",
                    start=datetime.time(8 + (50 * number) // 60, (50 * number) % 60),
                    end=datetime.time(8 + (50 * number + 45) // 60, (50 * number + 45) % 60),
                )
                for org in self.orgs
                if org.kind == "school"
                for number in range(PERIODS)
            ),
        )
        closures, self.public_holidays, self.school_holidays = [], set(), set()
        for year in range(self.first_day.year, self.last_day.year + 1):
            for day in PUBLIC_HOLIDAYS:
                first = datetime.date.fromisoformat(f"{year}-{day}")
                self.public_holidays.add(first)
                closures.append((Closure.Kind.PUBLIC_HOLIDAY, "Feiertag", first, first))
            for first, last in SCHOOL_HOLIDAYS.get(year, []):
                first = datetime.date.fromisoformat(f"{year}-{first}")
                last = datetime.date.fromisoformat(f"{year}-{last}")
                self.school_holidays.update(
                    first + datetime.timedelta(days=n) for n in range((last - first).days + 1)
                )
                closures.append((Closure.Kind.SCHOOL_HOLIDAY, "Schulferien", first, last))
        self.write(
            "closures",
            Closure,
            (
                Closure(
                    pk=self.ids("closure"),
                    kind=kind,
                    name=name,
                    start=first,
                    end=last + datetime.timedelta(days=1),
                )
                for kind, name, first, last in closures
            ),
        )

    def people(self) -> None:
        from accounts.models import User
        from organizations.models import Membership, Role

        self.teachers: dict[int, list[int]] = {}
        # Each organization's admin: creates its courses, hands out and takes back its devices.
        self.admins: dict[int, int] = {}
        members: list[tuple[int, int, str]] = []
        users: list[User] = []

        def person(kind: str) -> int:
            pk = self.ids("user")
            users.append(
                User(
                    pk=pk,
                    email=f"{kind}{pk}@bench.example",
                    name=f"Person {pk}",
                    password="!",
                    date_joined=self.now,
                )
            )
            return pk

        for org in self.orgs:
            bookers = [person("lehrkraft") for _ in range(12 if org.kind == "school" else 3)]
            self.teachers[org.pk] = bookers
            role = Role.TEACHER if org.kind == "school" else Role.STAFF
            members += [(user, org.pk, role) for user in bookers]
            self.admins[org.pk] = person("admin")
            members.append((self.admins[org.pk], org.pk, Role.ORG_ADMIN))
        # Enough residents for the enrolments (one per person and course) and the loans.
        residents = max(50, round(40_000 * self.scale))
        self.residents = [person("buerger") for _ in range(residents)]
        self.write("users", User, users)
        self.write(
            "memberships",
            Membership,
            (
                Membership(
                    pk=self.ids("membership"),
                    user_id=user,
                    organization_id=org,
                    role=role,
                    created_at=self.now,
                )
                for user, org, role in members
            ),
        )

    def devices(self) -> None:
        from demo.vocabulary import DEVICE_TYPES, serial_number
        from devices.models import Device, DeviceEvent, DevicePool, DeviceType

        types: dict[str, list[DeviceType]] = {}
        serial_pattern: dict[int, str] = {}
        for kind, entries in DEVICE_TYPES.items():
            for entry in entries:
                device_type = DeviceType(
                    pk=self.ids("type"),
                    kind=kind,
                    make=entry["make"],
                    model=entry["model"],
                    operating_system=entry["operating_system"],
                )
                types.setdefault(kind, []).append(device_type)
                serial_pattern[device_type.pk] = entry["serial"]
        self.write("device types", DeviceType, [t for kind in types.values() for t in kind])
        # Lent to residents: laptops; booked by members: tablets and laptops.
        lent_types = types[DeviceType.Kind.LAPTOP]
        member_types = types[DeviceType.Kind.TABLET] + types[DeviceType.Kind.LAPTOP]
        total = scaled("devices", self.scale, 40)
        weights = [3.0 if org.kind == "school" else 1.0 for org in self.orgs]
        share = total / sum(weights)
        self.pools: list[DevicePool] = []
        self.pool_size: dict[int, int] = {}
        devices: list[Device] = []
        events: list[DeviceEvent] = []
        created = self.at(self.first_day - datetime.timedelta(days=200), 9)
        for org, weight in zip(self.orgs, weights, strict=True):
            budget = max(8, round(share * weight))
            number = 0
            while budget > 0:
                number += 1
                lent = org.kind == "library" and number == 1
                size = min(
                    budget, self.rng.choice((10, 12)) if lent else self.rng.choice((16, 24, 30, 32))
                )
                budget -= size
                kind = self.rng.choice(lent_types if lent else member_types)
                pool = DevicePool(
                    pk=self.ids("pool"),
                    organization_id=org.pk,
                    name=f"{'Leih-Laptops' if lent else 'Koffer'} {number}",
                    booking_scope=DevicePool.Scope.RESIDENTS if lent else DevicePool.Scope.MEMBERS,
                    max_days_ahead=400,
                    loan_period_days=LOAN_DAYS,
                )
                self.pools.append(pool)
                self.pool_size[pool.pk] = size
                for _ in range(size):
                    status = Device.Status(
                        self.rng.choices(
                            list(DEVICE_STATUS_WEIGHTS), list(DEVICE_STATUS_WEIGHTS.values())
                        )[0]
                    )
                    device = Device(
                        pk=self.ids("device"),
                        organization_id=org.pk,
                        pool_id=pool.pk,
                        device_type_id=kind.pk,
                        name=f"{kind.model} {len(devices) + 1}",
                        asset_tag=f"INV-{len(devices) + 1:06}",
                        label_code=f"B{len(devices) + 1:07}",
                        serial_number=serial_number(
                            serial_pattern[kind.pk], f"{org.slug}/{len(devices) + 1}"
                        ),
                        status=status,
                        created_at=created,
                    )
                    devices.append(device)
                    if status != Device.Status.IN_SERVICE:
                        changed = self.at(
                            self.first_day + datetime.timedelta(days=self.rng.randrange(600)), 10
                        )
                        events.append(
                            DeviceEvent(
                                pk=self.ids("event"),
                                device_id=device.pk,
                                kind=DeviceEvent.Kind.STATUS,
                                from_status=Device.Status.IN_SERVICE,
                                to_status=status,
                                reason="Bench",
                                created_at=changed,
                            )
                        )
        self.devices_by_pool: dict[int, list[int]] = {}
        for device in devices:
            self.devices_by_pool.setdefault(device.pool_id, []).append(device.pk)
        self.write("device pools", DevicePool, self.pools)
        self.write("devices", Device, devices)
        self.write("device events", DeviceEvent, events)

    def courses(self) -> None:
        """Courses and meetings first (their device reservations count towards the total);
        enrolments, attendance and certificates in ``people_in_courses``."""
        from courses.models import Course, Meeting
        from demo.vocabulary import AUDIENCES, TOPICS, course_text

        count = scaled("courses", self.scale, 10)
        providers = [org for org in self.orgs if org.kind != "school"] or self.orgs
        schools = [org for org in self.orgs if org.kind == "school"]
        member_pools: dict[int, list[int]] = {}
        for pool in self.pools:
            if pool.booking_scope == "members":
                member_pools.setdefault(pool.organization_id, []).append(pool.pk)
        self.course_rows: list[Course] = []
        self.meetings: list[Meeting] = []
        # (reservation id, pool, start, end, booked by)
        self.meeting_reservations: list[
            tuple[int, int, datetime.datetime, datetime.datetime, int]
        ] = []
        span = (self.last_day - self.first_day).days - 35
        for number in range(count):
            org = self.rng.choice(schools if schools and number % 10 == 0 else providers)
            status = Course.Status(
                self.rng.choices(list(COURSE_STATUS_WEIGHTS), list(COURSE_STATUS_WEIGHTS.values()))[
                    0
                ]
            )
            pool = None
            if member_pools.get(org.pk) and self.rng.random() < 0.1:
                pool = self.rng.choice(member_pools[org.pk])
            capacity = self.rng.randint(8, 20)
            topic = self.rng.choice(TOPICS)
            course = Course(
                pk=self.ids("course"),
                organization_id=org.pk,
                **course_text(self.rng, topic),
                topic=topic,
                audience=self.rng.choice(AUDIENCES),
                capacity=capacity,
                pool_id=pool,
                devices_needed=min(capacity, self.pool_size[pool]) if pool else 0,
                status=status,
                published_at=self.now if status != "draft" else None,
                cancelled_at=self.now if status == "cancelled" else None,
                created_at=self.now,
                created_by_id=self.admins[org.pk],
            )
            self.course_rows.append(course)
            first = self.first_day + datetime.timedelta(days=self.rng.randrange(span))
            hour = self.rng.choice((10, 14, 18))
            for week in range(4):
                day = first + datetime.timedelta(days=7 * week)
                meeting = Meeting(
                    pk=self.ids("meeting"),
                    course_id=course.pk,
                    start=self.at(day, hour),
                    end=self.at(day, hour, 0) + datetime.timedelta(minutes=90),
                )
                if pool and status == "published":
                    meeting.reservation_id = self.ids("reservation")
                    self.meeting_reservations.append(
                        (
                            meeting.reservation_id,
                            pool,
                            meeting.start,
                            meeting.end,
                            course.created_by_id,
                        )
                    )
                self.meetings.append(meeting)
            # What the course service keeps (``Course.meetings_end``); COPY writes it as is.
            course.meetings_end = meeting.end
        # Course meetings reserve at 10:00, 14:00 or 18:00 local; the blocks below are
        # booked separately, so a pool may briefly hold more than its devices. The report
        # only adds hours; nothing here checks capacity.

    def reservations(self) -> None:
        from booking.models import Loan, LoanItem, Reservation

        Status, Condition = Reservation.Status, LoanItem.Condition

        total = scaled("reservations", self.scale, 200)
        lent = [pool for pool in self.pools if pool.booking_scope == "residents"]
        members = [pool for pool in self.pools if pool.booking_scope == "members"]
        org_kind = {org.pk: org.kind for org in self.orgs}
        desk = {pool.pk: self.admins[pool.organization_id] for pool in self.pools}
        # (loan id, pool, reservation id, device, handed out, closed or None)
        loans: list[tuple[int, int, int, int, datetime.datetime, datetime.datetime | None]] = []

        def loan_reservations() -> Iterator[Reservation]:
            """Each device of a pool lent to residents goes out for 14 days, comes back (12 %
            late), and goes out again after a few days. Loans from today on are only
            reservations."""
            last = self.at(self.last_day, 10)
            for pool in lent:
                for device in self.devices_by_pool[pool.pk]:
                    start = self.at(
                        self.first_day + datetime.timedelta(days=self.rng.randrange(7)), 10
                    )
                    while start < last:
                        start = start.replace(hour=self.rng.choice((10, 14, 16)))
                        due = start + datetime.timedelta(days=LOAN_DAYS)
                        if self.rng.random() < 0.12:
                            closed = due + datetime.timedelta(days=self.rng.randint(1, 20))
                        else:
                            closed = start + datetime.timedelta(
                                days=self.rng.randint(3, LOAN_DAYS - 1)
                            )
                        pk = self.ids("reservation")
                        if start < self.now:
                            returned = closed if closed < self.now else None
                            loans.append((self.ids("loan"), pool.pk, pk, device, start, returned))
                        yield Reservation(
                            pk=pk,
                            pool_id=pool.pk,
                            user_id=self.rng.choice(self.residents),
                            quantity=1,
                            start=start,
                            end=due,
                            status="confirmed",
                            created_at=start - datetime.timedelta(days=3),
                        )
                        start = closed + datetime.timedelta(days=self.rng.randint(1, 10))

        def meeting_reservations() -> Iterator[Reservation]:
            for pk, pool, start, end, user in self.meeting_reservations:
                yield Reservation(
                    pk=pk,
                    pool_id=pool,
                    user_id=user,
                    quantity=1,
                    start=start,
                    end=end,
                    status="confirmed",
                    created_at=self.now,
                )

        self.write("reservations (loans)", Reservation, loan_reservations())
        self.write("reservations (courses)", Reservation, meeting_reservations())
        remaining = max(
            0, total - self.counts["reservations (loans)"] - len(self.meeting_reservations)
        )
        capacity = {pool.pk: self.pool_size[pool.pk] for pool in members}
        weight = sum(capacity.values()) or 1
        school_days, other_days = self.days(school=True), self.days(school=False)

        def lessons() -> Iterator[Reservation]:
            for pool in members:
                school = org_kind[pool.organization_id] == "school"
                days = school_days if school else other_days
                blocks = [
                    (day, block)
                    for day in days
                    for block in range(PERIODS // 2 if school else BLOCKS)
                ]
                wanted = round(remaining * capacity[pool.pk] / weight)
                per_block = max(1, math.ceil(wanted / len(blocks)))
                chosen = self.rng.sample(blocks, min(len(blocks), math.ceil(wanted / per_block)))
                size = capacity[pool.pk]
                bookers = self.teachers[pool.organization_id]
                made = 0
                for day, block in chosen:
                    for share in range(per_block):
                        if made >= wanted:
                            break
                        made += 1
                        if school:
                            first = 2 * block + (
                                share % 2 if per_block > 1 else self.rng.choice((0, 0, 1))
                            )
                            length = 1 if per_block > 1 or first % 2 else self.rng.choice((1, 2))
                            start = self.at(day, 8 + (50 * first) // 60, (50 * first) % 60)
                            end = start + datetime.timedelta(minutes=50 * (length - 1) + 45)
                        else:
                            start = self.at(day, 8 + 2 * block)
                            end = start + datetime.timedelta(hours=2)
                        status = self.rng.choices(
                            [Status.CONFIRMED, Status.CANCELLED, Status.REQUESTED, Status.DECLINED],
                            weights=[92, 5, 2, 1],
                        )[0]
                        quantity = self.rng.randint(
                            max(1, size // (3 * per_block)), max(1, size // per_block)
                        )
                        yield Reservation(
                            pk=self.ids("reservation"),
                            pool_id=pool.pk,
                            user_id=self.rng.choice(bookers),
                            quantity=quantity,
                            start=start,
                            end=end,
                            purpose=f"Klasse {5 + made % 8}{'abcd'[made % 4]}",
                            status=status,
                            shortfall=status == "confirmed" and self.rng.random() < 0.002,
                            created_at=start - datetime.timedelta(days=7),
                            cancelled_at=start - datetime.timedelta(days=1)
                            if status == "cancelled"
                            else None,
                        )

        self.write("reservations (lessons)", Reservation, lessons())

        def loan_rows() -> Iterator[Loan]:
            for pk, pool, reservation, _device, start, closed in loans:
                yield Loan(
                    pk=pk,
                    pool_id=pool,
                    reservation_id=reservation,
                    borrower_id=self.rng.choice(self.residents),
                    handed_out_at=start,
                    handed_out_by_id=desk[pool],
                    due_at=start + datetime.timedelta(days=LOAN_DAYS),
                    closed_at=closed,
                )

        def item_rows() -> Iterator[LoanItem]:
            for loan, pool, _reservation, device, _start, returned in loans:
                condition = ""
                if returned:
                    condition = self.rng.choices(
                        [Condition.COMPLETE, Condition.DAMAGED, Condition.MISSING_PARTS],
                        weights=[95, 3, 2],
                    )[0]
                yield LoanItem(
                    pk=self.ids("loan item"),
                    loan_id=loan,
                    device_id=device,
                    returned_at=returned,
                    returned_to_id=desk[pool] if returned else None,
                    condition=condition,
                )

        self.write("loans", Loan, loan_rows())
        self.write("loan items", LoanItem, item_rows())

    def meetings_and_people(self) -> None:
        from courses.models import Attendance, Certificate, Course, Enrollment, Meeting

        self.write("courses", Course, self.course_rows)
        self.write("meetings", Meeting, self.meetings)
        total = scaled("enrollments", self.scale, 40)
        per_course = total / len(self.course_rows)
        meetings_of: dict[int, list] = {}
        for meeting in self.meetings:
            meetings_of.setdefault(meeting.course_id, []).append(meeting)
        enrollments: list[Enrollment] = []
        attendance: list[Attendance] = []
        certificates: list[Certificate] = []
        made = 0
        for index, course in enumerate(self.course_rows):
            wanted = round(per_course * (index + 1)) - made
            if course.status == "draft":
                continue
            people = self.rng.sample(self.residents, min(wanted, len(self.residents)))
            made += len(people)
            meetings = meetings_of[course.pk]
            held = [m for m in meetings if m.start < self.now and course.status == "published"]
            for place, user in enumerate(people):
                status = (
                    Enrollment.Status.CONFIRMED
                    if place < course.capacity
                    else Enrollment.Status.WAITLISTED
                )
                if course.status == Course.Status.CANCELLED or self.rng.random() < 0.06:
                    status = Enrollment.Status.CANCELLED
                created = meetings[0].start - datetime.timedelta(days=self.rng.randint(3, 40))
                enrollment = Enrollment(
                    pk=self.ids("enrollment"),
                    course_id=course.pk,
                    user_id=user,
                    status=status,
                    answers={},
                    created_at=created,
                    waitlisted_at=created if status == "waitlisted" else None,
                    confirmed_at=created if status == "confirmed" else None,
                    cancelled_at=created if status == "cancelled" else None,
                )
                enrollments.append(enrollment)
                if status != "confirmed" or not held:
                    continue
                present = 0
                for meeting in held:
                    here = self.rng.random() < 0.85
                    present += here
                    attendance.append(
                        Attendance(
                            pk=self.ids("attendance"),
                            enrollment_id=enrollment.pk,
                            meeting_id=meeting.pk,
                            present=here,
                            recorded_at=meeting.start,
                            recorded_by_id=course.created_by_id,
                        )
                    )
                if len(held) == len(meetings) and present / len(meetings) >= 0.75:
                    last = timezone_date(meetings[-1].start)
                    certificates.append(
                        Certificate(
                            pk=self.ids("certificate"),
                            enrollment_id=enrollment.pk,
                            code=f"C{enrollment.pk:09}",
                            holder_name=f"Person {user}",
                            course_title=course.title,
                            provider_name="Bench",
                            first_day=timezone_date(meetings[0].start),
                            last_day=last,
                            hours=6,
                            issued_at=meetings[-1].end,
                        )
                    )
        self.write("enrollments", Enrollment, enrollments)
        self.write("attendance", Attendance, attendance)
        self.write("certificates", Certificate, certificates)


def timezone_date(value: datetime.datetime) -> datetime.date:
    from django.utils import timezone

    return timezone.localtime(value).date()


def finish() -> None:
    """Point every sequence past the ids written here, and give the planner statistics."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("ANALYZE")


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop {name!r}: the database name must contain 'bench'.")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def generate(url: str, scale: float, seed: int) -> dict[str, int]:
    """Drop, create, migrate and fill the database at ``url``. Returns the row counts."""
    recreate_database(url)
    os.environ["DATABASE_URL"] = url
    # The settings the database will be used with (runserver, the benchmarks of the pages):
    # migrating creates the cache table of *their* cache. The test settings' in-memory cache
    # would leave the database without one, and every login on it would fail.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return fill(scale, seed)


def migrate_database() -> None:
    """Migrate, and create the table of every database cache the settings name (the migration
    that creates it runs once; a database migrated under other settings would lack it)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def fill(scale: float, seed: int, *, migrate: bool = True) -> dict[str, int]:
    """Migrate the configured database and fill it (used by ``generate`` and, without
    migrating, by the smoke test in tests/reports)."""
    from django.db import transaction

    started = time.perf_counter()
    if migrate:
        migrate_database()
    print(f"migrated in {time.perf_counter() - started:.1f} s", flush=True)
    region = Region(scale, seed)
    with transaction.atomic():
        region.organizations()
        region.people()
        region.devices()
        region.courses()
        region.reservations()
        region.meetings_and_people()
    finish()
    print(f"generated in {time.perf_counter() - started:.1f} s (scale {scale})", flush=True)
    return region.counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the full region")
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lernpool_bench")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must point to PostgreSQL (postgres://…).")
    generate(url, arguments.scale, arguments.seed)


if __name__ == "__main__":
    main()
