"""Demo bookings: a school year of the demo schools' device sets, with loans.

``manage.py seed_demo`` calls :func:`seed` (listed in ``demo/seeders.py``) once the
region, its people and the inventory exist. The teachers of the six demo schools book their
schools' pools for lesson periods (one period, a double period, now and then a project
morning), a few of them every week or every second week; teachers of other schools ask for
the region-wide iPad case of the HSG Erlenbach; past bookings were handed out and came back,
mostly complete; today has hand-outs still to do, sets in use, and the previous school day's
last set with two devices still out, so that the staff desk has something to show.

The dates are relative to the day of seeding: the school year that contains it (or the next
one in the summer holidays) and the one before it (for the reports of last school year),
widened so that there are always a few weeks of history and of upcoming bookings. Weekends
and the closures in ``demo/data/organizations.py`` are skipped; where no holiday data is
known, the summer holidays are taken as 1 August to 14 September. The school year before
was quieter (``LAST_YEAR_USE``) and had no series. A request of another school whose day
does not fit moves on to the next school day that does.

Like ``demo.devices``, the rows are written directly with the ORM (the demo is a fixture, not
something a person did), in bulk, from a ``random.Random`` with a fixed seed. Every booking
is planned against a budget per pool, so that at no instant do the confirmed (and requested)
bookings need more devices than the pool has in service; devices are handed out so that none
is in two loans at once. Seeding again adds nothing once the demo pools have any booking.
"""

from __future__ import annotations

import datetime
import math
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TextIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking.models import Loan, LoanItem, Reservation, Series
from booking.services import closed_dates
from booking.services.dates import OpeningRule
from demo.data import booking as demo_data
from demo.data import devices as device_demo_data
from demo.data import organizations as organization_demo_data
from demo.data.booking import LAPTOP, SCHOOLS, TABLET, SeriesSpec
from devices.models import Device, DeviceEvent, DevicePool
from organizations.models import Closure, LessonPeriod, Organization, Role, SpecialHours

SEED = 20260915
DAY = datetime.timedelta(days=1)
CONFIRMED = Reservation.Status.CONFIRMED
REQUESTED = Reservation.Status.REQUESTED
DECLINED = Reservation.Status.DECLINED
CANCELLED = Reservation.Status.CANCELLED

# Always at least this many school days of history and of upcoming bookings, even on the
# first or the last day of a school year.
SCHOOL_DAYS_AROUND_TODAY = 15
SHARE_CANCELLED = 0.03
SHARE_MISSING_PARTS = 0.03
# Two devices of the previous school day's last booking have not come back yet.
STILL_OUT = 2
# The sets were used less in the school year before (the reports show the growth).
LAST_YEAR_USE = 0.6
# How many school days a request of another school may move on when its day does not fit.
REQUEST_MOVES = 20


# --- The plan -------------------------------------------------------------------------------


@dataclass
class PoolPlan:
    """A pool, its devices, and the bookings planned so far, by day, for the budget."""

    pool: DevicePool
    key: tuple[str, str]
    organization: Organization
    capacity: int
    kind: str
    use: float
    periods: dict[int, tuple[datetime.time, datetime.time]]
    accessories: list[str]
    in_service: list[int] = field(default_factory=list)
    # Devices out of service now, with when that happened and why.
    out_of_service: dict[int, tuple[datetime.datetime, str, str]] = field(default_factory=dict)
    load: dict[datetime.date, list[tuple[datetime.datetime, datetime.datetime, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def free(self, start: datetime.datetime, end: datetime.datetime) -> int:
        """Devices not yet planned for the whole of [start, end) (same-day bookings only)."""
        entries = self.load[timezone.localtime(start).date()]
        points = [start] + [s for s, _e, _q in entries if start < s < end]
        peak = max(sum(q for s, e, q in entries if s <= point < e) for point in points)
        return self.capacity - peak

    def hold(self, start: datetime.datetime, end: datetime.datetime, quantity: int) -> None:
        self.load[timezone.localtime(start).date()].append((start, end, quantity))


@dataclass
class Booking:
    plan: PoolPlan
    user: User
    start: datetime.datetime
    end: datetime.datetime
    quantity: int
    purpose: str
    created_at: datetime.datetime
    status: str = CONFIRMED
    series: int | None = None  # index into the planned series
    cancelled_at: datetime.datetime | None = None
    decided_by: User | None = None
    decision_reason: str = ""
    # A device now in repair that came back damaged from this booking: id → note.
    damaged: dict[int, str] = field(default_factory=dict)
    still_out: int = 0
    # False for a booking that has begun but whose devices nobody has picked up yet.
    picked_up: bool = True


@dataclass
class SeriesRow:
    spec: SeriesSpec
    plan: PoolPlan
    user: User
    first_date: datetime.date
    until: datetime.date
    created_at: datetime.datetime


class Planner:
    """The bookings planned so far, with the teachers' busy times and a seeded random."""

    def __init__(self, now: datetime.datetime, users: dict[str, User]) -> None:
        self.now = now
        self.users = users
        self.today = timezone.localtime(now).date()
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.rng = random.Random(SEED)
        self.bookings: list[Booking] = []
        self.series: list[SeriesRow] = []
        self.busy: dict[tuple[int, datetime.date], list[tuple[datetime.datetime, ...]]] = (
            defaultdict(list)
        )

    # -- time ------------------------------------------------------------------------------

    def at(self, day: datetime.date, time: datetime.time) -> datetime.datetime:
        return datetime.datetime.combine(day, time, tzinfo=self.zone)

    def span(self, plan: PoolPlan, day: datetime.date, periods: tuple[int, int]):
        return self.at(day, plan.periods[periods[0]][0]), self.at(day, plan.periods[periods[1]][1])

    def created_before(
        self, start: datetime.datetime, plan: PoolPlan, days: float
    ) -> datetime.datetime:
        """When a booking for ``start`` was made: some days before, in the pool's notice,
        and never after now."""
        notice = datetime.timedelta(hours=max(plan.pool.min_notice_hours, 1))
        created = start - notice - datetime.timedelta(days=days, minutes=self.rng.randint(0, 600))
        return min(created, self.now - datetime.timedelta(minutes=self.rng.randint(5, 300)))

    # -- who ---------------------------------------------------------------------------------

    def is_free(self, user: User, start: datetime.datetime, end: datetime.datetime) -> bool:
        day = timezone.localtime(start).date()
        return all(end <= s or start >= e for s, e in self.busy[user.pk, day])

    def add(self, booking: Booking) -> Booking:
        """Plan a booking; a confirmed one or a request holds its devices and its teacher."""
        if booking.status in (CONFIRMED, REQUESTED):
            booking.plan.hold(booking.start, booking.end, booking.quantity)
            day = timezone.localtime(booking.start).date()
            self.busy[booking.user.pk, day].append((booking.start, booking.end))
        self.bookings.append(booking)
        return booking


def _grade(name: str) -> int:
    found = re.search(r"\d+", name)
    return int(found.group()) if found else 9  # the Praxisklasse is a 9th grade


def _purpose(style: str, school_class: str, subject: str) -> str:
    if style == "long" and school_class[0].isdigit():
        return f"Klasse {school_class}, {subject}"
    return f"{school_class} {subject}"


def _fit(size: int, free: int, kind: str) -> tuple[int, str] | None:
    """How many devices a class takes when not all are free: pairs share a tablet, half a
    class works on laptops while the other half does something else."""
    if size <= free:
        return size, ""
    half = math.ceil(size / 2)
    if half <= free and half >= 6:
        return half, " (Partnerarbeit)" if kind == TABLET else " (halbe Klasse)"
    return None


# --- Seeding --------------------------------------------------------------------------------


def seed(stdout: TextIO, *, now: datetime.datetime | None = None) -> str:
    """Plan and write the demo bookings and loans, unless the demo pools have bookings."""
    now = now or timezone.now()
    with transaction.atomic():
        plans = _pool_plans()
        pools = [plan.pool for plan in plans.values()]
        existing = Reservation.objects.filter(pool__in=pools)
        if existing.exists():
            return _summary(existing, now=now, created=0)
        users = _users()
        planner = Planner(now, users)
        calendar = Calendar.build(planner.today, plans)
        _plan_series(planner, calendar, plans, users)
        _plan_region_requests(planner, calendar, plans, users)
        _plan_damage(planner, calendar, plans, users)
        _plan_overdue(planner, calendar, plans, users)
        _plan_singles(planner, calendar, plans, users)
        _plan_today(planner, calendar, plans, users)
        loans = _hand_out(planner)
        created = _write(planner, loans)
        return _summary(Reservation.objects.filter(pool__in=pools), now=now, created=created)


def _summary(reservations, *, now: datetime.datetime, created: int) -> str:
    counts = Counter(reservations.values_list("status", flat=True))
    series = Series.objects.filter(reservations__in=reservations).distinct().count()
    loans = Loan.objects.filter(reservation__in=reservations)
    overdue = loans.filter(closed_at__isnull=True, due_at__lt=now).count()
    return (
        f"Buchungen: {sum(counts.values())} Reservierungen ({series} Serien, "
        f"{counts[REQUESTED]} Anfragen, {counts[CANCELLED]} storniert), {loans.count()} "
        f"Ausgaben ({overdue} überfällig; {created} neu angelegt)"
    )


def _pool_plans() -> dict[tuple[str, str], PoolPlan]:
    school_slugs = set(SCHOOLS)
    entries = {
        (entry["organization"], entry["name"]): entry
        for entry in device_demo_data.POOLS
        if entry["organization"] in school_slugs
    }
    pools = (
        DevicePool.objects.filter(organization__slug__in=school_slugs)
        .select_related("organization")
        .with_capacity()
    )
    found = {
        (pool.organization.slug, pool.name): pool
        for pool in pools
        if (pool.organization.slug, pool.name) in entries
    }
    periods: dict[int, dict[int, tuple[datetime.time, datetime.time]]] = defaultdict(dict)
    for period in LessonPeriod.objects.filter(organization__slug__in=school_slugs):
        periods[period.organization_id][period.number] = (period.start, period.end)
    plans = {}
    for key, pool in sorted(found.items()):
        entry = entries[key]
        kind = device_demo_data.DEVICE_TYPES[entry["device_type"]]["kind"]
        plans[key] = PoolPlan(
            pool=pool,
            key=key,
            organization=pool.organization,
            capacity=pool.capacity(),
            kind=TABLET if kind == TABLET else LAPTOP,
            use=demo_data.POOL_USE.get(key, 1.0),
            periods=periods[pool.organization_id],
            accessories=[part.strip() for part in entry["accessories"].split(",")],
        )
    by_pool = {plan.pool.pk: plan for plan in plans.values()}
    for device_id, pool_id, status in (
        Device.objects.filter(pool__in=by_pool)
        .values_list("pk", "pool_id", "status")
        .order_by("asset_tag")
    ):
        if status == Device.Status.IN_SERVICE:
            by_pool[pool_id].in_service.append(device_id)
    events = DeviceEvent.objects.filter(
        kind=DeviceEvent.Kind.STATUS, device__pool__in=by_pool
    ).exclude(device__status=Device.Status.IN_SERVICE)
    for event in events.select_related("device").order_by("created_at"):
        by_pool[event.device.pool_id].out_of_service[event.device_id] = (
            event.created_at,
            event.to_status,
            event.reason,
        )
    return plans


def _users() -> dict[str, User]:
    """The demo people, by the local part of their email address."""
    emails = {person["email"] for person in organization_demo_data.USERS}
    users = {
        email.split("@")[0]: user
        for email, user in User.objects.in_bulk(emails, field_name="email").items()
    }
    named = {name for school in SCHOOLS.values() for name, _weight, _style in school.bookers}
    named |= {spec.user for spec in demo_data.SERIES}
    named |= {request.user for request in demo_data.REGION_REQUESTS}
    missing = named - set(users)
    if missing:
        raise CommandError(f"demo/data/booking.py names unknown demo users: {sorted(missing)}")
    return users


def desk_person(users: dict[str, User], organization: Organization) -> User | None:
    """Who hands out a school's devices: its staff member, else its head (the Grundschule
    has no staff in the demo)."""
    for role in (Role.STAFF, Role.ORG_ADMIN):
        for person in organization_demo_data.USERS:
            if (organization.slug, role) in person.get("memberships", []):
                return users.get(person["email"].split("@")[0])
    return None


@dataclass
class Calendar:
    """School days of each demo school within the window of days the demo covers."""

    year_start: datetime.date
    year_end: datetime.date
    first: datetime.date
    last: datetime.date
    school_days: dict[int, set[datetime.date]]

    @classmethod
    def build(cls, today: datetime.date, plans: dict[tuple[str, str], PoolPlan]) -> Calendar:
        years = range(today.year - 2, today.year + 3)
        summers = _summers(years)
        ends = [end for start, end in summers if start <= today]
        year_start = ends[-1]
        # The school year before too, so that a report of last school year has figures.
        last_year_start = ends[-2] if len(ends) > 1 else year_start - DAY * 365
        year_end = next(start for start, _end in summers if start >= year_start) - DAY
        holidays = {
            day
            for start, end in summers
            for day in (start + DAY * n for n in range((end - start).days))
        }
        region = Closure.objects.filter(
            organization=None,
            kind__in=[Closure.Kind.PUBLIC_HOLIDAY, Closure.Kind.SCHOOL_HOLIDAY],
            start__lt=today + DAY * 400,
            end__gt=today - DAY * 400,
        )
        for closure in region:
            holidays.update(
                closure.start + DAY * n for n in range((closure.end - closure.start).days)
            )

        def school_day(day: datetime.date) -> bool:
            return day.weekday() < 5 and day not in holidays

        first = _nth_school_day(today, -1, school_day)
        last = _nth_school_day(today, 1, school_day)
        first, last = min(first, last_year_start), max(last, year_end)
        school_days = {}
        for organization in {plan.organization for plan in plans.values()}:
            closed = closed_dates(organization, first, last)
            school_days[organization.pk] = {
                first + DAY * n
                for n in range((last - first).days + 1)
                if school_day(first + DAY * n) and first + DAY * n not in closed
            }
        return cls(year_start, year_end, first, last, school_days)

    def days(self, organization: Organization) -> list[datetime.date]:
        return sorted(self.school_days[organization.pk])

    def near(
        self, organization: Organization, day: datetime.date, step: int
    ) -> datetime.date | None:
        """The organization's school day on ``day`` or the nearest one in direction ``step``."""
        days = self.school_days[organization.pk]
        for _ in range(60):
            if day in days:
                return day
            day += DAY * step
        return None


def _summers(years: range) -> list[tuple[datetime.date, datetime.date]]:
    """The summer holidays (first day, first school day after), from the closures where
    known, else 1 August to 14 September."""
    known = [
        (closure.start, closure.end)
        for closure in Closure.objects.filter(
            organization=None, kind=Closure.Kind.SCHOOL_HOLIDAY, start__month__in=[6, 7, 8, 9]
        )
        if (closure.end - closure.start).days >= 28
    ]
    known_years = {start.year for start, _end in known}
    assumed = [
        (datetime.date(year, 8, 1), datetime.date(year, 9, 15))
        for year in years
        if year not in known_years
    ]
    return sorted(known + assumed)


def _nth_school_day(today: datetime.date, step: int, school_day) -> datetime.date:
    day, found = today, 0
    while found < SCHOOL_DAYS_AROUND_TODAY and abs((day - today).days) < 200:
        day += DAY * step
        found += school_day(day)
    return day


# --- Planning -------------------------------------------------------------------------------


def _plan_series(planner: Planner, calendar: Calendar, plans, users) -> None:
    for spec in demo_data.SERIES:
        plan = plans.get(spec.pool)
        if plan is None:
            continue
        user = users[spec.user]
        start = calendar.year_start
        if spec.from_next_week:
            start = max(start, planner.today + DAY * (7 - planner.today.weekday()))
        first_date = start + DAY * ((spec.weekday - start.weekday()) % 7)
        if first_date > calendar.year_end:
            continue
        first_start, _end = planner.span(plan, first_date, spec.periods)
        created_at = (
            planner.now - DAY
            if spec.from_next_week
            else min(first_start - DAY * 4, planner.now - DAY)
        )
        row = SeriesRow(spec, plan, user, first_date, calendar.year_end, created_at)
        planner.series.append(row)
        index = len(planner.series) - 1
        cancel_rest = (
            max(planner.now - DAY * 2, created_at + datetime.timedelta(hours=1))
            if spec.rest_cancelled
            else None
        )
        day = first_date
        while day <= calendar.year_end:
            if day in calendar.school_days[plan.organization.pk]:
                start_at, end_at = planner.span(plan, day, spec.periods)
                if spec.quantity <= plan.free(start_at, end_at) and planner.is_free(
                    user, start_at, end_at
                ):
                    booking = Booking(
                        plan,
                        user,
                        start_at,
                        end_at,
                        spec.quantity,
                        spec.purpose,
                        created_at=created_at,
                        series=index,
                    )
                    if cancel_rest and start_at >= cancel_rest:
                        booking.status, booking.cancelled_at = CANCELLED, cancel_rest
                    elif planner.rng.random() < SHARE_CANCELLED * 1.5:
                        _cancel(planner, booking)
                    planner.add(booking)
            day += DAY * 7 * spec.interval_weeks


def _cancel(planner: Planner, booking: Booking) -> None:
    """A single date called off (a trip, a test) some time between booking and start."""
    latest = min(booking.start, planner.now)
    if latest <= booking.created_at:
        return
    seconds = (latest - booking.created_at).total_seconds()
    booking.status = CANCELLED
    booking.cancelled_at = booking.created_at + datetime.timedelta(
        seconds=planner.rng.uniform(0.2, 0.95) * seconds
    )


def _plan_region_requests(planner: Planner, calendar: Calendar, plans, users) -> None:
    """The requests of other schools for the HSG's region-wide case. Each is planned for its
    day relative to today; where that day does not fit (the teacher already has a class
    then, the case is taken, the notice is too short), it moves on to the next school day
    that fits, so that seeding on any day has the requests the README promises."""
    plan = plans.get(demo_data.HSG_REGION)
    if plan is None:
        return
    staff = desk_person(users, plan.organization)
    for request in demo_data.REGION_REQUESTS:
        step = -1 if request.days < 0 else 1
        day = planner.today + DAY * request.days
        for _attempt in range(REQUEST_MOVES):
            day = calendar.near(plan.organization, day, step)
            if day is None or not calendar.first <= day <= calendar.last:
                break
            if _plan_request(planner, plan, staff, users[request.user], request, day):
                break
            day += DAY * step


def _plan_request(
    planner: Planner,
    plan: PoolPlan,
    staff: User | None,
    user: User,
    request: demo_data.RegionRequest,
    day: datetime.date,
) -> bool:
    """Plan ``request`` on ``day`` if it fits there; whether it did."""
    start, end = planner.span(plan, day, request.periods)
    if request.days > 0 and not (
        planner.now + datetime.timedelta(hours=plan.pool.min_notice_hours) < start
        and start < planner.now + DAY * plan.pool.max_days_ahead
    ):
        return False
    if request.quantity > plan.free(start, end) or not planner.is_free(user, start, end):
        return False
    if request.status == DECLINED:
        # What the reason says: the media team has the whole case that morning.
        setup_start, setup_end = planner.span(plan, day, (1, 6))
        if plan.free(setup_start, setup_end) < plan.capacity or staff is None:
            return False
        planner.add(
            Booking(
                plan,
                staff,
                setup_start,
                setup_end,
                plan.capacity,
                demo_data.REGION_SETUP_PURPOSE,
                created_at=planner.created_before(setup_start, plan, 20),
            )
        )
    created_at = planner.created_before(start, plan, planner.rng.uniform(3, 10))
    if request.status == REQUESTED:
        created_at = planner.now - datetime.timedelta(hours=planner.rng.randint(5, 60))
    booking = Booking(
        plan,
        user,
        start,
        end,
        request.quantity,
        request.purpose,
        created_at=created_at,
        status=request.status,
        decision_reason=request.reason,
    )
    if request.status != REQUESTED:
        booking.decided_by = staff
    planner.add(booking)
    return True


def _single(
    planner: Planner,
    plan: PoolPlan,
    day: datetime.date,
    users: dict[str, User],
    *,
    periods: tuple[int, int] | None = None,
    ends_by: datetime.datetime | None = None,
) -> Booking | None:
    """One booking by a teacher of the pool's school for a class, if anything fits. Where
    the whole class would fit at another time, the teacher tries another period or two
    before settling for partner work."""
    rng = planner.rng
    school = SCHOOLS[plan.organization.slug]
    school_class = rng.choice(sorted(school.classes))
    grade = _grade(school_class)
    subjects = [
        subject
        for subject in school.subjects
        if plan.kind in subject.kinds and subject.grades[0] <= grade <= subject.grades[1]
    ]
    if not subjects:
        return None
    size = _class_size(school_class, school.classes[school_class], plan.organization.slug)
    attempts = 1 if periods is not None else 3
    found = None
    for attempt in range(attempts):
        start, end = planner.span(plan, day, periods or _periods(rng, sorted(plan.periods)))
        if ends_by is not None and end > ends_by:
            continue
        bookers = [
            (users[email], weight, style)
            for email, weight, style in school.bookers
            if planner.is_free(users[email], start, end)
        ]
        fitted = _fit(size, plan.free(start, end), plan.kind) if bookers else None
        if fitted is None:
            continue
        found = start, end, bookers, fitted
        if not fitted[1] or size > plan.capacity or attempt == attempts - 1:
            break
    if found is None:
        return None
    start, end, bookers, (quantity, note) = found
    user, _weight, style = rng.choices(bookers, weights=[b[1] for b in bookers])[0]
    purpose = _purpose(style, school_class, rng.choice(subjects).text) + note
    booking = Booking(
        plan,
        user,
        start,
        end,
        quantity,
        purpose,
        created_at=planner.created_before(start, plan, rng.choice([1, 2, 3, 5, 7, 10, 14, 21])),
    )
    return planner.add(booking)


def _class_size(name: str, sizes: tuple[int, int], school: str) -> int:
    """The same class has the same number of pupils all year."""
    return random.Random(f"{school}/{name}").randint(*sizes)


def _periods(rng: random.Random, numbers: list[int]) -> tuple[int, int]:
    roll = rng.random()
    if roll < 0.45:
        weights = [1.0 if number <= 6 else 0.4 for number in numbers]
        number = rng.choices(numbers, weights=weights)[0]
        return number, number
    if roll < 0.96:
        doubles = [(n, n + 1) for n in numbers if n % 2 == 1 and n + 1 in numbers]
        weights = [1.0 if first <= 4 else 0.8 if first == 5 else 0.4 for first, _ in doubles]
        return rng.choices(doubles, weights=weights)[0]
    return rng.choice([(1, 4), (3, 6)])  # a project morning


def _plan_damage(planner: Planner, calendar: Calendar, plans, users) -> None:
    """The devices in repair came back damaged from a booking shortly before their status
    changed (the device demo dates that change and gives its reason)."""
    for plan in plans.values():
        for device_id, (changed_at, status, reason) in sorted(plan.out_of_service.items()):
            if status != Device.Status.IN_REPAIR:
                continue
            day = timezone.localtime(changed_at).date()
            for _attempt in range(5):
                day = calendar.near(plan.organization, day, -1)
                if day is None or day < calendar.first:
                    break
                booking = None
                for periods in [(3, 4), (1, 2), (5, 6), (3, 3), (1, 1)]:
                    booking = _single(
                        planner, plan, day, users, periods=periods, ends_by=changed_at
                    )
                    if booking is not None:
                        break
                if booking is not None:
                    # One of the booked devices was this one (in service then).
                    booking.damaged[device_id] = reason
                    break
                day -= DAY


def _plan_overdue(planner: Planner, calendar: Calendar, plans, users) -> None:
    """The last booking of the previous school day: two devices have not come back."""
    for key in demo_data.OVERDUE_POOLS:
        plan = plans.get(key)
        if plan is None:
            continue
        day = calendar.near(plan.organization, planner.today - DAY, -1)
        if day is None:
            continue
        today = (
            planner.at(planner.today, datetime.time(0)),
            planner.at(planner.today + DAY, datetime.time(0)),
        )
        if plan.free(*today) < STILL_OUT:
            continue
        last = max(plan.periods)
        booking = _single(planner, plan, day, users, periods=(last - 1, last)) or _single(
            planner, plan, day, users, periods=(last - 3, last - 2)
        )
        if booking is None or booking.quantity <= STILL_OUT:
            continue
        booking.still_out = STILL_OUT
        # The missing devices cannot go out again, later that day or today.
        plan.hold(booking.end, planner.at(day + DAY, datetime.time(0)), STILL_OUT)
        plan.hold(*today, STILL_OUT)
        return


def _plan_singles(planner: Planner, calendar: Calendar, plans, users) -> None:
    rng = planner.rng
    for plan in plans.values():
        for day in calendar.days(plan.organization):
            ahead = (day - planner.today).days
            if ahead > plan.pool.max_days_ahead:
                continue
            # Most bookings are made a week or two ahead.
            mean = plan.use * (1.0 if ahead <= 7 else math.exp(-(ahead - 7) / 21))
            if ahead == 0:
                mean *= 1.5
            if day < calendar.year_start:
                mean *= LAST_YEAR_USE
            for _ in range(sum(rng.random() < mean / 4 for _ in range(4))):
                booking = _single(planner, plan, day, users)
                if booking is not None and rng.random() < SHARE_CANCELLED:
                    _cancel(planner, booking)
                    if booking.status == CANCELLED:
                        plan.load[day].remove((booking.start, booking.end, booking.quantity))
        for day in calendar.days(plan.organization)[:: rng.choice([17, 19, 23])]:
            user = users.get(demo_data.MAINTENANCE.get(plan.key, ""))
            if user is None or (day - planner.today).days > 14:
                continue
            last = max(plan.periods)
            start, end = planner.span(plan, day, (last - 1, last))
            if plan.free(start, end) == plan.capacity and planner.is_free(user, start, end):
                planner.add(
                    Booking(
                        plan,
                        user,
                        start,
                        end,
                        plan.capacity,
                        demo_data.MAINTENANCE_PURPOSE,
                        created_at=planner.created_before(start, plan, 2),
                    )
                )


def _plan_today(planner: Planner, calendar: Calendar, plans, users) -> None:
    """Make sure the desk has a booking still to hand out today, whatever the time: a
    parents' evening on a school day, an open day at the weekend, the media team's holiday
    maintenance on a weekday without school."""
    for booking in planner.bookings:
        if (
            booking.status == CONFIRMED
            and timezone.localtime(booking.start).date() == planner.today
            and booking.start > planner.now
        ):
            return
    plan = plans.get(demo_data.TODAY_POOL)
    if plan is None:
        return
    school_day = planner.today in calendar.school_days[plan.organization.pk]
    if school_day:
        (name, purpose), opening = demo_data.TODAY_ON_SCHOOL_DAYS, datetime.time(18, 30)
    elif planner.today.weekday() >= 5:
        (name, purpose), opening = demo_data.TODAY_AT_WEEKENDS, datetime.time(10, 0)
    else:
        (name, purpose), opening = demo_data.TODAY_IN_HOLIDAYS, datetime.time(9, 0)
    user = users.get(name)
    if user is None:
        return
    midnight = planner.at(planner.today + DAY, datetime.time(0))
    local = timezone.localtime(planner.now)
    quarter = local.replace(minute=local.minute // 15 * 15, second=0, microsecond=0)
    start = max(planner.at(planner.today, opening), quarter + datetime.timedelta(minutes=30))
    late = start >= midnight - datetime.timedelta(minutes=30)
    if late:
        start = quarter  # late at night: it has begun, but nobody has picked it up yet
    end = min(start + datetime.timedelta(hours=2, minutes=30), midnight)
    quantity = min(20, plan.free(start, end))
    if quantity >= 1:
        booking = Booking(
            plan,
            user,
            start,
            end,
            quantity,
            purpose,
            created_at=planner.created_before(start, plan, 10),
            picked_up=not late,
        )
        planner.add(booking)
        if school_day:
            _open_for(plan.organization, start, end, demo_data.TODAY_SPECIAL_HOURS_NOTE)


def _open_for(
    organization: Organization, start: datetime.datetime, end: datetime.datetime, note: str
) -> None:
    """Keep the school open for this evening's event: special hours today, its usual hours
    and the event's, as a school enters a parents' evening. So the booking is one the booking
    service accepts (``OpeningRule``), and the school's hours say when it is open.

    Only on a school day: special hours on a weekend or in the holidays would open the school
    that day, and the week view would open on it (``booking.views._coming_week``) instead of
    on the coming school week with its bookings."""
    day = timezone.localtime(start).date()
    rule = OpeningRule.over(organization, day, day)
    if rule.allows(start, end):
        return
    local_end = timezone.localtime(end)
    # Until midnight: the whole rest of the day, as OpeningRule reads an end at 00:00.
    closes = local_end.time() if local_end.date() == day else datetime.time.max
    hours = sorted(
        [(i.opens, i.closes) for i in rule.calendar.intervals(day) or []]
        + [(timezone.localtime(start).time(), closes)]
    )
    merged: list[tuple[datetime.time, datetime.time]] = []
    for opens, until in hours:
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(until, merged[-1][1]))
        else:
            merged.append((opens, until))
    SpecialHours.objects.bulk_create(
        SpecialHours(organization=organization, day=day, opens=opens, closes=until, note=note)
        for opens, until in merged
    )


# --- Hand-outs ------------------------------------------------------------------------------


@dataclass
class PlannedLoan:
    """A hand-out: items are (device id, returned at or None, condition, note)."""

    booking: Booking
    handed_out_by: User | None
    handed_out_at: datetime.datetime
    items: list[tuple[int, datetime.datetime | None, str, str]]


def _hand_out(planner: Planner) -> list[PlannedLoan]:
    """Concrete devices for every booking that has begun: chosen among those back in the
    case at hand-out time, so that no device is ever in two loans at once."""
    rng, now = planner.rng, planner.now
    never = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    free_at: dict[int, datetime.datetime] = {}
    users = planner.users
    desk: dict[int, User | None] = {}
    loans = []
    begun = [
        b for b in planner.bookings if b.status == CONFIRMED and b.start <= now and b.picked_up
    ]
    for booking in sorted(begun, key=lambda b: (b.start, b.end, b.plan.pool.pk)):
        plan = booking.plan
        if plan.organization.pk not in desk:
            desk[plan.organization.pk] = desk_person(users, plan.organization)
        wanted = booking.quantity - len(booking.damaged)
        handed_out_at = booking.start - datetime.timedelta(minutes=rng.randint(2, 12))
        available = [d for d in plan.in_service if free_at.get(d, handed_out_at) <= handed_out_at]
        if len(available) < wanted:
            handed_out_at = booking.start
            available = [
                d for d in plan.in_service if free_at.get(d, handed_out_at) <= handed_out_at
            ]
        chosen = sorted(rng.sample(available, min(wanted, len(available))))
        if not chosen and not booking.damaged:
            continue
        ended = booking.end <= now
        returned_at = booking.end - datetime.timedelta(minutes=rng.randint(0, 6)) if ended else None
        items = [
            (d, returned_at, LoanItem.Condition.DAMAGED if returned_at else "", note)
            for d, note in booking.damaged.items()
        ]
        missing = (
            rng.choice(chosen) if ended and chosen and rng.random() < SHARE_MISSING_PARTS else None
        )
        out = set(chosen[-booking.still_out :]) if booking.still_out else set()
        for device_id in chosen:
            back = None if device_id in out else returned_at
            condition = LoanItem.Condition.COMPLETE if back else ""
            note = ""
            if device_id == missing and back:
                condition = LoanItem.Condition.MISSING_PARTS
                note = f"{rng.choice(plan.accessories)} fehlt"
            items.append((device_id, back, condition, note))
            free_at[device_id] = back or never
        loans.append(PlannedLoan(booking, desk[plan.organization.pk], handed_out_at, items))
    return loans


# --- Writing --------------------------------------------------------------------------------


def _write(planner: Planner, loans: list[PlannedLoan]) -> int:
    series = Series.objects.bulk_create(
        [
            Series(
                pool=row.plan.pool,
                user=row.user,
                quantity=row.spec.quantity,
                purpose=row.spec.purpose,
                first_date=row.first_date,
                until=row.until,
                start_time=row.plan.periods[row.spec.periods[0]][0],
                end_time=row.plan.periods[row.spec.periods[1]][1],
                interval_weeks=row.spec.interval_weeks,
                created_at=row.created_at,
            )
            for row in planner.series
        ]
    )
    bookings = sorted(planner.bookings, key=lambda b: (b.start, b.plan.pool.pk, b.end))
    reservations = Reservation.objects.bulk_create(
        [
            Reservation(
                pool_id=booking.plan.pool.pk,
                user_id=booking.user.pk,
                quantity=booking.quantity,
                start=booking.start,
                end=booking.end,
                purpose=booking.purpose,
                status=booking.status,
                series=series[booking.series] if booking.series is not None else None,
                decision_reason=booking.decision_reason,
                decided_by_id=booking.decided_by.pk if booking.decided_by else None,
                created_at=booking.created_at,
                cancelled_at=booking.cancelled_at,
            )
            for booking in bookings
        ],
        batch_size=500,
    )
    if not all(reservation.pk for reservation in reservations):
        raise CommandError("demo/booking.py needs a database that returns ids from bulk inserts.")
    reservation_of = {
        id(booking): reservation
        for booking, reservation in zip(bookings, reservations, strict=True)
    }
    created_loans = Loan.objects.bulk_create(
        [
            Loan(
                pool_id=loan.booking.plan.pool.pk,
                reservation_id=reservation_of[id(loan.booking)].pk,
                borrower_id=loan.booking.user.pk,
                handed_out_by_id=loan.handed_out_by.pk if loan.handed_out_by else None,
                handed_out_at=loan.handed_out_at,
                due_at=loan.booking.end,
                closed_at=(
                    max(back for _d, back, _c, _n in loan.items)
                    if all(back for _d, back, _c, _n in loan.items)
                    else None
                ),
            )
            for loan in loans
        ],
        batch_size=500,
    )
    LoanItem.objects.bulk_create(
        [
            LoanItem(
                loan_id=created.pk,
                device_id=device_id,
                returned_at=back,
                returned_to_id=loan.handed_out_by.pk if back and loan.handed_out_by else None,
                condition=condition,
                note=note,
            )
            for loan, created in zip(loans, created_loans, strict=True)
            for device_id, back, condition, note in loan.items
        ],
        batch_size=1000,
    )
    return len(reservations)
