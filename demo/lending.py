"""Demo data for lending to residents: the libraries' pools with their loans since last school
year.

``manage.py seed_demo`` calls :func:`seed` (listed in ``demo/seeders.py``) after the
school bookings. The data is in ``demo/data/lending.py``: each lending library gets
its lending policy and borrowing agreement (the Stadtbibliothek Aschaffenburg a second
version), its readers their library cards and accepted agreements, and every pool lent to
residents loans since the start of last school year, relative to the day of seeding (so that
a report of this school year or of last month compares with loans of the year before, as
the schools' bookings do): returned ones (a few late, with
the reminders and notices they got, and the damaged return of each device now in repair),
open ones (two or three overdue, one renewed), reservations to pick up on the next two opening days,
and a pool lent out completely with a waiting list, the first of whom has a device held.

Like ``demo.booking``, rows are written directly and in bulk (the demo is a fixture, not
something a person did), from a ``random.Random`` with a fixed seed, but keep what the
services keep: every loan has its reservation ``[pick-up day 00:00, due day + 1 00:00)``
local, the reservations of a pool never need more devices than it has in service (each
loan takes one device's "slot" and the next loan of a slot starts once the last one's
reservation has ended and its device is back), nobody holds two reservations of one pool at
once or reserves while something of theirs is overdue, and the waiting list is in order.
Seeding again adds nothing once the lending pools have any reservation.
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, TextIO

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking.models import Loan, LoanItem, Reservation
from booking.services import local_datetime
from booking.services.dates import due_day
from demo.data import devices as device_demo_data
from demo.data import lending as data
from demo.data import organizations as organization_demo_data
from devices.models import Device, DeviceEvent, DevicePool
from lending.models import (
    AgreementAcceptance,
    BorrowingAgreement,
    LendingPolicy,
    LibraryCard,
    OverdueNotice,
    WaitlistEntry,
)
from organizations.hours import Interval, OpeningCalendar, calendars_for
from organizations.models import Organization, Role
from reports.periods import school_year_of, school_year_period

SEED = 20261126
DAY = datetime.timedelta(days=1)
MIDNIGHT = datetime.time(0)
# When the daily job sends reminders and notices, and offers held devices.
DAILY_JOB_AT = datetime.time(7, 0)
# The demo password is public; a fixed salt keeps the hash the same on every run (see
# demo/management/commands/seed_demo.py).
DEMO_PASSWORD_SALT = "lernpooldemo"


# --- People -----------------------------------------------------------------------------------

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i"})


def email_local_part(name: str) -> str:
    """``Günter Fischer`` → ``guenter.fischer``, ``Ayşe Yılmaz`` → ``ayse.yilmaz``."""
    text = unicodedata.normalize("NFKD", name.lower().translate(_GERMAN))
    text = "".join(c for c in text if c.isascii())
    return ".".join(part for part in text.replace("'", "").split() if part)


def demo_email(local_part: str) -> str:
    return f"{local_part}@{organization_demo_data.DEMO_EMAIL_DOMAIN}"


def ensure_people(entries: list[dict[str, Any]]) -> dict[str, User]:
    """Demo residents (no role anywhere) by email local part, created where missing, with
    the demo password and a verified address. ``entries`` have a ``name`` and optionally a
    ``language``; the email is made from the name. A constant number of queries."""
    wanted = {email_local_part(entry["name"]): entry for entry in entries}
    emails = {demo_email(local): local for local in wanted}
    found = User.objects.in_bulk(list(emails), field_name="email")
    missing = [email for email in emails if email not in found]
    if missing:
        password = _demo_password_hash()
        created = User.objects.bulk_create(
            [
                User(
                    email=email,
                    name=wanted[emails[email]]["name"],
                    preferred_language=wanted[emails[email]].get("language", "de"),
                    password=password,
                    is_active=True,
                )
                for email in missing
            ]
        )
        if not all(user.pk for user in created):
            created = list(User.objects.filter(email__in=missing))
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user=user, email=user.email, verified=True, primary=True)
                for user in created
            ]
        )
        found.update({user.email: user for user in created})
    return {emails[email]: user for email, user in found.items()}


def _demo_password_hash() -> str:
    """The demo password's hash as seed_demo stored it for the demo people (hashing is slow
    on purpose, and the salt is fixed, so the hash is the same)."""
    first = organization_demo_data.USERS[0]["email"]
    stored = User.objects.filter(email=first).values_list("password", flat=True).first()
    return stored or make_password(organization_demo_data.DEMO_PASSWORD, salt=DEMO_PASSWORD_SALT)


def demo_users() -> dict[str, User]:
    """The people of demo/data/organizations.py by email local part."""
    emails = [person["email"] for person in organization_demo_data.USERS]
    return {
        email.split("@")[0]: user
        for email, user in User.objects.in_bulk(emails, field_name="email").items()
    }


# --- The plan ---------------------------------------------------------------------------------


@dataclass
class Lending:
    """One reservation of one device, with its loan once handed out."""

    pool: DevicePool
    user: User
    pickup: datetime.date
    due: datetime.date
    created_at: datetime.datetime
    renewals: int = 0
    device_id: int | None = None
    handed_out_by: User | None = None
    handed_out_at: datetime.datetime | None = None
    returned_at: datetime.datetime | None = None
    condition: str = ""
    note: str = ""
    # A held device's reservation starts when it was offered, not at midnight.
    starts_at: datetime.datetime | None = None

    @property
    def start(self) -> datetime.datetime:
        return self.starts_at or local_datetime(self.pickup, MIDNIGHT)

    @property
    def end(self) -> datetime.datetime:
        return local_datetime(self.due + DAY, MIDNIGHT)


@dataclass
class Waiting:
    pool: DevicePool
    user: User
    created_at: datetime.datetime
    offer: Lending | None = None
    hold_until: datetime.datetime | None = None


@dataclass
class PoolState:
    pool: DevicePool
    key: tuple[str, str]
    organization: Organization
    in_service: list[int]
    # Devices in repair now: id → (when their status changed, why).
    in_repair: dict[int, tuple[datetime.datetime, str]]
    added: datetime.date
    # Per slot: the history must be over (reservation ended, device back) by this day.
    limits: list[datetime.date] = field(default_factory=list)


def _minutes(time: datetime.time) -> int:
    return time.hour * 60 + time.minute


def history_start(today: datetime.date) -> datetime.date:
    """The first day of the loan history: shortly before last school year began."""
    last_school_year = school_year_period(school_year_of(today) - 1)
    return last_school_year.start - DAY * data.HISTORY_MARGIN_DAYS


class Planner:
    def __init__(self, now: datetime.datetime, organizations: dict[str, Organization]) -> None:
        self.now = now
        self.today = timezone.localtime(now).date()
        self.history_start = history_start(self.today)
        self.rng = random.Random(SEED)
        self.organizations = organizations
        # When each library is open: its opening calendar, as the loan service reads it (weekly
        # hours, holidays, and special hours such as Christmas Eve on a day it is otherwise
        # closed).
        by_pk = calendars_for(
            organizations.values(), self.history_start - DAY * 60, self.today + DAY * 60
        )
        self.calendars: dict[str, OpeningCalendar] = {
            slug: by_pk[organization.pk] for slug, organization in organizations.items()
        }
        self.lendings: list[Lending] = []
        self.waiting: list[Waiting] = []
        # (user, pool) → reserved days [first, last) and overdue windows per user.
        self.busy: dict[tuple[int, int], list[tuple[datetime.date, datetime.date]]] = defaultdict(
            list
        )
        self.late: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = defaultdict(list)
        # When each person reserved or joined a waiting list.
        self.activity: dict[int, list[datetime.datetime]] = defaultdict(list)

    # -- days and times ------------------------------------------------------------------------

    def is_open(self, slug: str, day: datetime.date) -> bool:
        return self.calendars[slug].is_open(day)

    def due(self, slug: str, pickup: datetime.date, period_days: int, renewals: int = 0):
        """The due day of a loan picked up on ``pickup`` and renewed ``renewals`` times, as the
        loan service counts it: a loan period of calendar days each time, moved to the next
        day the library is open."""
        day = due_day(period_days, pickup, self.calendars[slug])
        for _ in range(renewals):
            day = due_day(period_days, day, self.calendars[slug])
        return day

    def open_on_or_before(self, slug: str, day: datetime.date) -> datetime.date:
        if self.is_open(slug, day):
            return day
        return self.calendars[slug].last_open_day_before(day) or day

    def open_on_or_after(self, slug: str, day: datetime.date) -> datetime.date:
        return self.calendars[slug].roll_forward(day)

    def desk_time(self, slug: str, day: datetime.date) -> datetime.datetime:
        """A time at the desk on a day: inside the opening hours where it is open."""
        intervals = self.calendars[slug].intervals(day) or [
            Interval(datetime.time(10), datetime.time(17))
        ]
        interval = self.rng.choice(intervals)
        minutes = _minutes(interval.closes) - _minutes(interval.opens) - 10
        at = datetime.datetime.combine(day, interval.opens) + datetime.timedelta(
            minutes=self.rng.randint(5, max(minutes, 6))
        )
        return local_datetime(day, at.time())

    def some_time(self, day: datetime.date) -> datetime.datetime:
        """When someone reserved online: any time between breakfast and late evening."""
        return local_datetime(day, datetime.time(self.rng.randint(7, 22), self.rng.randint(0, 59)))

    # -- people ----------------------------------------------------------------------------------

    def is_free(self, user: User, pool: DevicePool, first: datetime.date, last: datetime.date):
        return all(last <= s or first >= e for s, e in self.busy[user.pk, pool.pk])

    def is_blocked(self, user: User, at: datetime.datetime) -> bool:
        return any(s <= at < e for s, e in self.late[user.pk])

    def queue(self, entry: Waiting) -> Waiting:
        """Someone on the waiting list holds no other reservation of the pool meanwhile."""
        joined = timezone.localtime(entry.created_at).date()
        self.busy[entry.user.pk, entry.pool.pk].append((joined, datetime.date.max))
        self.activity[entry.user.pk].append(entry.created_at)
        self.waiting.append(entry)
        return entry

    def would_block(self, user: User, due: datetime.date, back: datetime.date) -> bool:
        """Whether a loan returned late would have been overdue while its borrower reserved
        or queued for something else (which a blocked person cannot do)."""
        if back <= due:
            return False
        late_from = local_datetime(due + DAY, MIDNIGHT)
        late_until = local_datetime(back + DAY, MIDNIGHT)
        return any(late_from <= at < late_until for at in self.activity[user.pk])

    def add(self, lending: Lending) -> Lending:
        back = timezone.localtime(lending.returned_at).date() if lending.returned_at else None
        last = max(lending.due + DAY, back + DAY if back else lending.due + DAY)
        if lending.device_id is not None and lending.returned_at is None:
            last = datetime.date.max
        self.busy[lending.user.pk, lending.pool.pk].append((lending.pickup, last))
        overdue_from = lending.end
        if lending.handed_out_at and (lending.returned_at or self.now) > overdue_from:
            self.late[lending.user.pk].append(
                (
                    overdue_from,
                    lending.returned_at or datetime.datetime.max.replace(tzinfo=datetime.UTC),
                )
            )
        self.activity[lending.user.pk].append(lending.created_at)
        self.lendings.append(lending)
        return lending


def seed(stdout: TextIO, *, now: datetime.datetime | None = None) -> str:
    """Write the lending demo, unless the lending pools have reservations already."""
    now = now or timezone.now()
    with transaction.atomic():
        organizations = _organizations()
        _seed_policies(organizations)
        agreements = _seed_agreements(organizations, now)
        states = _pool_states(organizations)
        pools = [state.pool for state in states.values()]
        existing = Reservation.objects.filter(pool__in=pools)
        if existing.exists():
            return _summary(pools, now=now, created=0)
        users = demo_users()
        residents = ensure_people(data.RESIDENTS)
        planner = Planner(now, organizations)
        people = _people(users, residents)
        staff = _desk_staff(users, organizations)
        _plan_now(planner, states, people, staff)
        _plan_damage(planner, states, people, staff)
        _plan_history(planner, states, people, staff, agreements)
        created = _write(planner, organizations, agreements, staff)
        return _summary(pools, now=now, created=created)


def _summary(pools: list[DevicePool], *, now: datetime.datetime, created: int) -> str:
    loans = Loan.objects.filter(pool__in=pools)
    open_loans = loans.filter(closed_at__isnull=True)
    to_pick_up = Reservation.objects.filter(
        pool__in=pools, status=Reservation.Status.CONFIRMED, loans__isnull=True, end__gt=now
    ).count()
    waiting = WaitlistEntry.objects.filter(pool__in=pools).active().count()
    return (
        f"Ausleihe an Bürgerinnen und Bürger: {loans.count()} Ausleihen "
        f"({open_loans.count()} offen, {open_loans.filter(due_at__lt=now).count()} "
        f"überfällig), {to_pick_up} zur Abholung, {waiting} auf Wartelisten "
        f"({created} neu angelegt)"
    )


# --- Policies, agreements, pools --------------------------------------------------------------


def _organizations() -> dict[str, Organization]:
    slugs = set(data.POLICIES)
    found = Organization.objects.in_bulk(list(slugs), field_name="slug")
    missing = sorted(slugs - set(found))
    if missing:
        raise CommandError(f"demo/data/lending.py names unknown organizations: {missing}")
    return found


def _seed_policies(organizations: dict[str, Organization]) -> None:
    for slug, values in data.POLICIES.items():
        LendingPolicy.objects.update_or_create(organization=organizations[slug], defaults=values)


def _seed_agreements(
    organizations: dict[str, Organization], now: datetime.datetime
) -> dict[str, list[BorrowingAgreement]]:
    """Each library's agreement versions, oldest first. Published ``days_ago`` days before
    the first seeding; seeding again updates the text but keeps the date."""
    agreements: dict[str, list[BorrowingAgreement]] = defaultdict(list)
    for entry in data.AGREEMENTS:
        agreement, created = BorrowingAgreement.objects.get_or_create(
            organization=organizations[entry["organization"]],
            version=entry["version"],
            defaults={
                "title": entry["title"],
                "text": entry["text"],
                "created_at": now - DAY * entry["days_ago"],
            },
        )
        if not created and (agreement.title, agreement.text) != (entry["title"], entry["text"]):
            agreement.title, agreement.text = entry["title"], entry["text"]
            agreement.save(update_fields=["title", "text"])
        agreements[entry["organization"]].append(agreement)
    for versions in agreements.values():
        versions.sort(key=lambda agreement: agreement.version)
    return agreements


def _pool_states(organizations: dict[str, Organization]) -> dict[tuple[str, str], PoolState]:
    added = {
        (entry["organization"], entry["name"]): entry["added"]
        for entry in device_demo_data.POOLS
        if "name" in entry
    }
    pools = DevicePool.objects.filter(
        organization__in=organizations.values(), booking_scope=DevicePool.Scope.RESIDENTS
    ).select_related("organization")
    slug_of = {organization.pk: slug for slug, organization in organizations.items()}
    states: dict[tuple[str, str], PoolState] = {}
    for pool in pools:
        key = (slug_of[pool.organization_id], pool.name)
        if key not in data.IDLE_DAYS:
            continue
        states[key] = PoolState(
            pool=pool,
            key=key,
            organization=pool.organization,
            in_service=[],
            in_repair={},
            added=added.get(key, datetime.date(2024, 1, 1)),
        )
        note = data.PICKUP_NOTES.get(key)
        if note and not pool.pickup_note:
            pool.pickup_note = note
            pool.save(update_fields=["pickup_note"])
    by_pool = {state.pool.pk: state for state in states.values()}
    devices = Device.objects.filter(pool__in=by_pool).order_by("asset_tag")
    for device_id, pool_id, status in devices.values_list("pk", "pool_id", "status"):
        if status == Device.Status.IN_SERVICE:
            by_pool[pool_id].in_service.append(device_id)
    events = DeviceEvent.objects.filter(
        kind=DeviceEvent.Kind.STATUS,
        to_status=Device.Status.IN_REPAIR,
        device__pool__in=by_pool,
        device__status=Device.Status.IN_REPAIR,
    ).order_by("created_at")
    for device_id, pool_id, created_at, reason in events.values_list(
        "device_id", "device__pool_id", "created_at", "reason"
    ):
        by_pool[pool_id].in_repair[device_id] = (created_at, reason)
    return states


# --- Who ---------------------------------------------------------------------------------------


def _people(users: dict[str, User], residents: dict[str, User]) -> dict[str, Any]:
    """``by_key``: "buergerin" or "#3" → User; ``home``: library slug → its readers."""
    by_key: dict[str, User] = {}
    home: dict[str, list[User]] = defaultdict(list)
    for local, slug in data.DEMO_RESIDENTS.items():
        if local not in users:
            raise CommandError(f"demo/data/lending.py names an unknown user: {local}")
        by_key[local] = users[local]
        home[slug].append(users[local])
    for index, entry in enumerate(data.RESIDENTS):
        user = residents[email_local_part(entry["name"])]
        by_key[f"#{index}"] = user
        home[entry["home"]].append(user)
    return {"by_key": by_key, "home": home}


def _desk_staff(
    users: dict[str, User], organizations: dict[str, Organization]
) -> dict[str, list[User]]:
    """Who works at each library's desk: its staff, the one with no other role first (she
    is there most days), else its head."""
    staff: dict[str, list[tuple[int, User]]] = defaultdict(list)
    heads: dict[str, User] = {}
    for person in organization_demo_data.USERS:
        user = users.get(person["email"].split("@")[0])
        memberships = person.get("memberships", [])
        for slug, role in memberships:
            if slug not in organizations or user is None:
                continue
            if role == Role.STAFF:
                staff[slug].append((len(memberships), user))
            elif role == Role.ORG_ADMIN:
                heads[slug] = user
    chosen = {}
    for slug in organizations:
        people = [user for _n, user in sorted(staff[slug], key=lambda entry: entry[0])]
        chosen[slug] = people or ([heads[slug]] if slug in heads else [])
    return chosen


def _desk_person(planner: Planner, staff: dict[str, list[User]], slug: str) -> User | None:
    people = staff.get(slug) or [None]
    weights = [4] + [1] * (len(people) - 1)
    return planner.rng.choices(people, weights=weights)[0]


# --- Now, damage, history ----------------------------------------------------------------------


def _plan_now(planner: Planner, states, people, staff) -> None:
    rng, today = planner.rng, planner.today
    slots_used: Counter[tuple[str, str]] = Counter()
    for entry in data.NOW:
        state = states.get(entry["pool"])
        if state is None:
            continue
        pool, slug = state.pool, entry["pool"][0]
        user = people["by_key"][entry["who"]]
        period = DAY * pool.loan_period_days
        kind = entry["kind"]
        if kind == "waiting":
            joined = today + DAY * entry["joined"]
            planner.queue(Waiting(pool, user, planner.some_time(joined)))
            continue
        if slots_used[entry["pool"]] >= len(state.in_service):
            raise CommandError(f"demo/data/lending.py: too many loans for {entry['pool']}")
        slots_used[entry["pool"]] += 1
        if kind == "loan":
            renewals = entry.get("renewals", 0)
            wanted = today + DAY * entry["pickup"]
            days = pool.loan_period_days
            pickup = planner.open_on_or_before(slug, wanted)
            due = planner.due(slug, pickup, days, renewals)
            if wanted + period * (1 + renewals) >= today > due:
                # Moving to an opening day must not make an on-time loan overdue.
                pickup = min(
                    planner.open_on_or_after(slug, wanted),
                    planner.open_on_or_before(slug, today - DAY),
                )
                due = planner.due(slug, pickup, days, renewals)
            planner.add(
                Lending(
                    pool,
                    user,
                    pickup,
                    due,
                    created_at=planner.some_time(pickup - DAY * rng.randint(1, 6)),
                    renewals=renewals,
                    device_id=state.in_service[len(state.limits)],
                    handed_out_by=_desk_person(planner, staff, slug),
                    handed_out_at=planner.desk_time(slug, pickup),
                )
            )
            state.limits.append(pickup)
        elif kind == "pickup":
            # The library's next opening day (today where it is open) and the ones after.
            pickup = planner.open_on_or_after(slug, today)
            for _ in range(entry["pickup"]):
                pickup = planner.open_on_or_after(slug, pickup + DAY)
            # A day's notice: reserved at least the day before.
            created = planner.some_time(pickup - DAY * rng.randint(2, 5))
            due = planner.due(slug, pickup, pool.loan_period_days)
            planner.add(Lending(pool, user, pickup, due, created_at=created))
            state.limits.append(today)
        elif kind == "offered":
            _plan_offer(planner, state, entry, people, staff)
    # The other slots are free now: their history ends by today.
    for state in states.values():
        state.limits += [today] * (len(state.in_service) - len(state.limits))


def _plan_offer(planner: Planner, state: PoolState, entry, people, staff) -> None:
    """A device came back on time at the last opening day ``returned`` days ago; the next
    morning the daily job held it for the first person on the waiting list."""
    pool, slug, today = state.pool, entry["pool"][0], planner.today
    period = DAY * pool.loan_period_days
    hold_days = data.POLICIES[slug]["hold_days"]
    back = planner.open_on_or_before(slug, today + DAY * entry["returned"])
    if back + DAY * (1 + hold_days) < today:
        back = today + DAY * entry["returned"]
    previous = people["by_key"][entry["previous"]]
    # Picked up on the library's first open day a loan period before, due on or after
    # ``back`` (returned on time).
    pickup = planner.open_on_or_after(slug, back - period)
    due = planner.due(slug, pickup, pool.loan_period_days)
    device = state.in_service[len(state.limits)]
    planner.add(
        Lending(
            pool,
            previous,
            pickup,
            due,
            created_at=planner.some_time(pickup - DAY * planner.rng.randint(1, 6)),
            device_id=device,
            handed_out_by=_desk_person(planner, staff, slug),
            handed_out_at=planner.desk_time(slug, pickup),
            returned_at=planner.desk_time(slug, back),
            condition=LoanItem.Condition.COMPLETE,
        )
    )
    offered_at = local_datetime(back + DAY, DAILY_JOB_AT)
    hold_until = local_datetime(back + DAY * (2 + hold_days), MIDNIGHT)
    user = people["by_key"][entry["who"]]
    offer = planner.add(
        Lending(
            pool,
            user,
            back + DAY,
            back + DAY * (1 + hold_days) + period,
            created_at=offered_at,
            starts_at=offered_at,
        )
    )
    joined = planner.some_time(today + DAY * entry["joined"])
    planner.queue(Waiting(pool, user, min(joined, offered_at - DAY), offer, hold_until))
    state.limits.append(pickup)


def _plan_damage(planner: Planner, states, people, staff) -> None:
    """Each device in repair came back damaged on the day its status changed, from a loan
    whose due day that was; its slot is free since."""
    for state in states.values():
        slug = state.key[0]
        for device_id, (changed_at, reason) in sorted(state.in_repair.items()):
            back = timezone.localtime(changed_at).date()
            slot = next((n for n, limit in enumerate(state.limits) if limit == planner.today), None)
            if slot is None or back >= planner.today:
                continue
            pickup = planner.open_on_or_after(slug, back - DAY * state.pool.loan_period_days)
            if pickup >= back:
                continue
            due = planner.due(slug, pickup, state.pool.loan_period_days)
            if due + DAY > planner.today:
                continue
            candidates = [
                user
                for user in people["home"][slug]
                if planner.is_free(user, state.pool, pickup, due + DAY)
            ]
            if not candidates:
                continue
            returned_at = min(
                changed_at - datetime.timedelta(minutes=planner.rng.randint(10, 50)),
                planner.desk_time(slug, back),
            )
            planner.add(
                Lending(
                    state.pool,
                    planner.rng.choice(candidates),
                    pickup,
                    due,
                    created_at=planner.some_time(pickup - DAY * planner.rng.randint(1, 6)),
                    device_id=device_id,
                    handed_out_by=_desk_person(planner, staff, slug),
                    handed_out_at=planner.desk_time(slug, pickup),
                    returned_at=returned_at,
                    condition=LoanItem.Condition.DAMAGED,
                    note=reason,
                )
            )
            state.limits[slot] = pickup


def _plan_history(planner: Planner, states, people, staff, agreements) -> None:
    """Loans per device slot since the history's start, one after the other, until the slot's
    limit."""
    rng = planner.rng
    for key in sorted(states):
        state = states[key]
        slug, pool = key[0], state.pool
        idle = data.IDLE_DAYS[key]
        first = max(planner.history_start, state.added + DAY * 7)
        readers = people["home"][slug]
        newest = agreements[slug][-1] if agreements.get(slug) else None
        for slot, limit in enumerate(state.limits):
            device = state.in_service[slot]
            day = first + DAY * rng.randint(0, 2 * idle + 7)
            while day < limit:
                pickup = planner.open_on_or_after(slug, day)
                renewals = 1 if pool.max_renewals and rng.random() < data.SHARE_RENEWED else 0
                due = planner.due(slug, pickup, pool.loan_period_days, renewals)
                if rng.random() < data.SHARE_LATE:
                    back = planner.open_on_or_after(slug, due + DAY * rng.randint(1, 8))
                else:
                    back = planner.open_on_or_before(
                        slug, due - DAY * rng.choice([0, 0, 1, 2, 4, 7])
                    )
                    if back <= pickup:
                        back = due
                if back >= limit or due + DAY > limit or pickup >= limit:
                    break
                created = planner.some_time(pickup - DAY * rng.randint(1, 10))
                candidates = [
                    user
                    for user in readers
                    if planner.is_free(user, pool, pickup, max(due, back) + DAY)
                    and not planner.is_blocked(user, created)
                    and not planner.would_block(user, due, back)
                    # The English-speaking demo resident has not yet seen the new version.
                    and not (
                        user.email.startswith("resident.en@")
                        and newest is not None
                        and newest.version > 1
                        and created >= newest.created_at
                    )
                ]
                if candidates:
                    planner.add(
                        Lending(
                            pool,
                            rng.choice(candidates),
                            pickup,
                            due,
                            created_at=created,
                            renewals=renewals,
                            device_id=device,
                            handed_out_by=_desk_person(planner, staff, slug),
                            handed_out_at=planner.desk_time(slug, pickup),
                            returned_at=planner.desk_time(slug, back),
                            condition=LoanItem.Condition.COMPLETE,
                        )
                    )
                day = max(due, back) + DAY * (1 + rng.randint(0, 2 * idle))


# --- Writing ------------------------------------------------------------------------------------


def _notices(planner: Planner, lending: Lending, policy: LendingPolicy) -> list[OverdueNotice]:
    """The reminder and the overdue notices the daily job sent for a loan up to now."""
    if lending.handed_out_at is None:
        return []
    back = lending.returned_at or datetime.datetime.max.replace(tzinfo=datetime.UTC)
    steps = []
    if policy.reminder_days_before:
        steps.append((OverdueNotice.Kind.REMINDER, policy.reminder_days_before, -1))
    steps += [(OverdueNotice.Kind.OVERDUE, days, 1) for days in policy.notice_days()]
    notices = []
    for kind, days, sign in steps:
        sent = local_datetime(lending.due + DAY * (sign * days), DAILY_JOB_AT)
        if lending.handed_out_at < sent < back and sent <= planner.now:
            notices.append(OverdueNotice(kind=kind, days=days, sent_at=sent))
    return notices


def _acceptances(
    planner: Planner, agreements, staff, slug_of: dict[int, str]
) -> list[AgreementAcceptance]:
    """Everyone who reserved or queued accepted the version current at that moment, just
    before; about a third signed the paper form at the desk instead."""
    accepted: dict[tuple[int, int], AgreementAcceptance] = {}
    activities = [(lending.pool, lending.user, lending.created_at) for lending in planner.lendings]
    activities += [(entry.pool, entry.user, entry.created_at) for entry in planner.waiting]
    for pool, user, at in sorted(activities, key=lambda activity: activity[2]):
        slug = slug_of[pool.organization_id]
        current = [
            agreement for agreement in agreements.get(slug, []) if agreement.created_at <= at
        ]
        if not current or (current[-1].pk, user.pk) in accepted:
            continue
        on_paper = planner.rng.random() < 0.3
        accepted[current[-1].pk, user.pk] = AgreementAcceptance(
            agreement=current[-1],
            user=user,
            accepted_at=at - datetime.timedelta(minutes=planner.rng.randint(1, 5)),
            recorded_by=staff[slug][0] if on_paper and staff.get(slug) else None,
        )
    return list(accepted.values())


def _cards(planner: Planner, slug_of: dict[int, str]) -> list[LibraryCard]:
    cards: dict[tuple[str, int], LibraryCard] = {}
    numbers: set[tuple[str, str]] = set()
    for lending in [*planner.lendings, *planner.waiting]:
        slug = slug_of[lending.pool.organization_id]
        if (slug, lending.user.pk) in cards:
            continue
        prefix, digits = data.CARD_FORMATS[slug]
        while True:
            number = prefix + "".join(planner.rng.choice("0123456789") for _ in range(digits))
            if (slug, number) not in numbers and number[len(prefix)] != "0":
                break
        numbers.add((slug, number))
        cards[slug, lending.user.pk] = LibraryCard(
            organization_id=lending.pool.organization_id,
            user=lending.user,
            number=number,
            created_at=lending.created_at - DAY,
        )
    return list(cards.values())


def _write(planner: Planner, organizations, agreements, staff) -> int:
    slug_of = {organization.pk: slug for slug, organization in organizations.items()}
    policies = {
        policy.organization_id: policy
        for policy in LendingPolicy.objects.filter(organization__in=organizations.values())
    }
    lendings = sorted(planner.lendings, key=lambda lending: (lending.start, lending.pool.pk))
    reservations = Reservation.objects.bulk_create(
        [
            Reservation(
                pool=lending.pool,
                user=lending.user,
                quantity=1,
                start=lending.start,
                end=lending.end,
                status=Reservation.Status.CONFIRMED,
                created_at=lending.created_at,
            )
            for lending in lendings
        ],
        batch_size=500,
    )
    if not all(reservation.pk for reservation in reservations):
        raise CommandError("demo/lending.py needs a database that returns ids.")
    handed_out = [
        (lending, reservation)
        for lending, reservation in zip(lendings, reservations, strict=True)
        if lending.device_id is not None
    ]
    loans = Loan.objects.bulk_create(
        [
            Loan(
                pool=lending.pool,
                reservation=reservation,
                borrower=lending.user,
                handed_out_by=lending.handed_out_by,
                handed_out_at=lending.handed_out_at,
                due_at=lending.end,
                renewals=lending.renewals,
                closed_at=lending.returned_at,
            )
            for lending, reservation in handed_out
        ],
        batch_size=500,
    )
    LoanItem.objects.bulk_create(
        [
            LoanItem(
                loan=loan,
                device_id=lending.device_id,
                returned_at=lending.returned_at,
                returned_to=(
                    _desk_person(planner, staff, slug_of[lending.pool.organization_id])
                    if lending.returned_at
                    else None
                ),
                condition=lending.condition if lending.returned_at else "",
                note=lending.note,
            )
            for (lending, _reservation), loan in zip(handed_out, loans, strict=True)
        ],
        batch_size=1000,
    )
    notices = []
    for (lending, _reservation), loan in zip(handed_out, loans, strict=True):
        for notice in _notices(planner, lending, policies[lending.pool.organization_id]):
            notice.loan = loan
            notices.append(notice)
    OverdueNotice.objects.bulk_create(notices, batch_size=1000)
    reservation_of = {
        id(lending): reservation
        for lending, reservation in zip(lendings, reservations, strict=True)
    }
    WaitlistEntry.objects.bulk_create(
        [
            WaitlistEntry(
                pool=entry.pool,
                user=entry.user,
                status=WaitlistEntry.Status.OFFERED
                if entry.offer
                else WaitlistEntry.Status.WAITING,
                created_at=entry.created_at,
                offered_at=entry.offer.created_at if entry.offer else None,
                hold_until=entry.hold_until,
                reservation=reservation_of[id(entry.offer)] if entry.offer else None,
            )
            for entry in sorted(planner.waiting, key=lambda entry: entry.created_at)
        ]
    )
    AgreementAcceptance.objects.bulk_create(_acceptances(planner, agreements, staff, slug_of))
    LibraryCard.objects.bulk_create(_cards(planner, slug_of), ignore_conflicts=True)
    return len(reservations)
