"""The demo keeps the README's promises whatever the day it is seeded.

``make run`` seeds the demo relative to the day it runs, so every promise of the README's demo
section (requests to answer, today's hand-outs, overdue loans, a waiting list with a hold, a
course below its minimum, last school year for the reports …) must hold on a Monday and a
Sunday, at midnight, on a holiday, on the day the clocks change and on 29 February. Each case
freezes the clock, runs ``manage.py seed_demo`` once and checks every promise against what a
person would see; the failures are listed together, so that one run shows all that is broken
on that day.
"""

from __future__ import annotations

import datetime
import re
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from booking.availability import peak_reserved
from booking.models import Loan, LoanItem, Reservation, Series
from booking.services import reserve
from booking.services.dates import OpeningRule
from core.errors import DomainError
from courses.models import Certificate, Course, Enrollment
from demo.data import booking as booking_demo_data
from demo.data import organizations as demo_data
from demo.data.booking import KRG_IPAD_1
from devices.models import Device, DeviceEvent, DevicePool
from lending.models import AgreementAcceptance, BorrowingAgreement, LibraryCard, WaitlistEntry
from organizations.hours import OpeningCalendar, calendars_for
from organizations.models import Membership, Organization, Role
from reports.figures import build_report
from reports.forms import ReportForm
from reports.periods import parse_period
from reports.scope import organization_scope, region_scope

BERLIN = ZoneInfo("Europe/Berlin")
README = Path(settings.BASE_DIR) / "README.md"
DAY = datetime.timedelta(days=1)


def berlin(*args: int, fold: int = 0) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BERLIN, fold=fold)


# The days that have broken demos before, or could: every weekday of one week, the weekend and
# the night between it and Monday, Christmas Eve and New Year's Eve (in 2027 on a Friday), a
# public holiday, both ends of the summer holidays, both clock changes (at the hour that does
# not exist or exists twice) and a leap day.
DAYS = {
    "monday": berlin(2026, 12, 7, 9, 30),
    "tuesday": berlin(2026, 12, 8, 11, 0),
    "wednesday": berlin(2026, 12, 9, 14, 0),
    "thursday": berlin(2026, 12, 10, 16, 30),
    "friday": berlin(2026, 12, 11, 19, 0),
    "saturday": berlin(2026, 12, 12, 10, 0),
    "sunday": berlin(2026, 12, 13, 15, 0),
    "sunday-23:59": berlin(2026, 12, 13, 23, 59),
    "monday-00:01": berlin(2026, 12, 14, 0, 1),
    "christmas-eve": berlin(2026, 12, 24, 12, 0),
    # A year later the libraries' Christmas Eve and New Year's Eve hours fall on a Friday, a
    # day Obernburg is otherwise closed.
    "before-christmas-2027": berlin(2027, 12, 23, 16, 0),
    "new-years-eve-2027": berlin(2027, 12, 31, 11, 0),
    # A public holiday on a weekday the libraries are open.
    "ascension-day": berlin(2027, 5, 6, 11, 0),
    "first-day-of-summer-holidays": berlin(2027, 8, 2, 10, 0),
    "last-day-of-summer-holidays": berlin(2027, 9, 13, 18, 0),
    "clocks-go-back": berlin(2026, 10, 25, 2, 30, fold=1),
    "clocks-go-forward": berlin(2027, 3, 28, 3, 30),
    "leap-day": berlin(2028, 2, 29, 8, 0),
}


def email(local: str) -> str:
    return f"{local}@{demo_data.DEMO_EMAIL_DOMAIN}"


def local_day(value: datetime.datetime) -> datetime.date:
    return timezone.localtime(value).date()


def readme_demo_logins() -> list[str]:
    """The addresses in the README's table of demo logins."""
    text = README.read_text(encoding="utf-8")
    table = text.split("### Demo logins", 1)[1].split("\n\n| role", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"`([\w.]+@demo\.lernpool\.example)`", table)


# --- The promises -------------------------------------------------------------------------------
# Each returns what is wrong ("" when the promise holds), in words a person would use.


def school_bookings(now: datetime.datetime) -> str:
    confirmed = Reservation.objects.confirmed().filter(pool__organization__kind="school")
    past, ahead = confirmed.filter(end__lte=now).count(), confirmed.filter(start__gt=now).count()
    if past < 50 or ahead < 15:
        return f"schools have {past} past and {ahead} upcoming bookings"
    upcoming_series = Series.objects.filter(reservations__start__gt=now).distinct().count()
    if upcoming_series < 5:
        return f"only {upcoming_series} series go on after today"
    return ""


def school_hand_out_due(now: datetime.datetime) -> str:
    """The school desk (medien.kronberg@ and the others) has a booking to hand out today."""
    today = local_day(now)
    due = [
        reservation
        for reservation in Reservation.objects.confirmed().filter(
            pool__organization__kind="school", end__gt=now, loans__isnull=True
        )
        if local_day(reservation.start) == today
    ]
    return "" if due else "no school booking is left to hand out today"


def school_overdue_loan(now: datetime.datetime) -> str:
    overdue = [
        loan
        for loan in Loan.objects.open().filter(pool__organization__kind="school")
        if loan.is_overdue(now)
    ]
    if len(overdue) != 1:
        return f"{len(overdue)} overdue school loans instead of one"
    if overdue[0].pool.organization.slug != "kronberg-gymnasium":
        return "the overdue school loan is not at the Kronberg-Gymnasium"
    return ""


def requests_to_answer(now: datetime.datetime) -> str:
    """Every planned request of another school for the HSG's region case is there, still
    to answer by medien.hsg@, and the Kronberg teacher sees hers among her bookings."""
    wanted = {
        request.purpose: request.status
        for request in booking_demo_data.REGION_REQUESTS
        if request.days > 0
    }
    found = dict(
        Reservation.objects.filter(
            pool__organization__slug="hsg-erlenbach", purpose__in=wanted
        ).values_list("purpose", "status")
    )
    missing = sorted(purpose for purpose in wanted if found.get(purpose) != wanted[purpose])
    if missing:
        return f"requests missing or in the wrong state: {missing}"
    staff = User.objects.get(email=email("medien.hsg"))
    hsg = Organization.objects.get(slug="hsg-erlenbach")
    if not Membership.objects.filter(user=staff, organization=hsg, role=Role.STAFF).exists():
        return "medien.hsg@ is not staff of the HSG"
    for request in Reservation.objects.filter(status=Reservation.Status.REQUESTED):
        if request.start < now + datetime.timedelta(hours=request.pool.min_notice_hours):
            return f"the request {request.purpose!r} starts within the pool's notice"
        if request.pool.booking_scope != DevicePool.Scope.REGION:
            return f"the request {request.purpose!r} is not for the region's pool"
    teacher = User.objects.get(email=email("lehrerin.kronberg"))
    if not Reservation.objects.filter(
        user=teacher, status=Reservation.Status.REQUESTED, start__gt=now
    ).exists():
        return "lehrerin.kronberg@ has no request waiting for an answer"
    return ""


def open_days_from(slug: str, today: datetime.date, count: int) -> list[datetime.date]:
    """The organization's next ``count`` open days from today, by its opening calendar."""
    organization = Organization.objects.get(slug=slug)
    calendar = calendars_for([organization], today, today + DAY * 30)[organization.pk]
    return list(calendar.open_days(today, today + DAY * 30))[:count]


def library_pick_ups(now: datetime.datetime) -> str:
    """The Stadtbibliothek's desk has pick-ups on its next opening day (today when it is
    open) and on the one after, and every pick-up day is an opening day."""
    slug = "stadtbibliothek-aschaffenburg"
    to_pick_up = Reservation.objects.filter(
        pool__booking_scope=DevicePool.Scope.RESIDENTS,
        loans__isnull=True,
        end__gt=now,
        status=Reservation.Status.CONFIRMED,
    )
    opening = open_days_from(slug, local_day(now), 2)
    days = {
        local_day(start)
        for start in to_pick_up.filter(pool__organization__slug=slug).values_list(
            "start", flat=True
        )
    }
    if not set(opening) <= days:
        return f"pick-ups on {sorted(days)}, not on the next opening days {opening}"
    return ""


def residents_loans(now: datetime.datetime) -> str:
    loans = Loan.objects.filter(pool__booking_scope=DevicePool.Scope.RESIDENTS)
    returned = loans.filter(closed_at__isnull=False)
    if returned.count() < 300:
        return f"only {returned.count()} returned loans of residents"
    first = returned.order_by("handed_out_at").first().handed_out_at
    if now - first < datetime.timedelta(days=330):
        return "less than a year of returned loans"
    overdue = loans.open().filter(due_at__lt=now)
    if not 2 <= overdue.count() <= 3:
        return f"{overdue.count()} overdue loans of residents instead of two or three"
    horst = overdue.filter(borrower__email=email("buerger")).first()
    if horst is None:
        return "buerger@ has no overdue laptop"
    late = (local_day(now) - local_day(horst.due_at - datetime.timedelta(seconds=1))).days
    if not 8 <= late <= 14:
        return f"buerger@'s laptop is {late} days overdue, the README says more than a week"
    on_time = loans.open().filter(due_at__gte=now)
    if on_time.count() < 12:
        return f"only {on_time.count()} loans of residents out and not yet due"
    maria = on_time.filter(borrower__email=email("buergerin")).first()
    if maria is None or maria.renewals != 1:
        return "buergerin@ has no tablet renewed once"
    return ""


def waiting_list_with_hold(now: datetime.datetime) -> str:
    pool = DevicePool.objects.with_capacity().get(
        organization__slug="stadtbibliothek-aschaffenburg", name="Leih-E-Reader"
    )
    free = pool.capacity() - peak_reserved(pool.pk, now, now + datetime.timedelta(hours=1))
    if free != 0:
        return f"{free} e-readers are free, the README says all are out"
    entries = list(WaitlistEntry.objects.filter(pool=pool).active().in_order())
    if [entry.status for entry in entries] != ["offered", "waiting", "waiting"]:
        return f"the e-reader list is {[entry.status for entry in entries]}"
    offered = entries[0]
    if not offered.offered_at <= now < offered.hold_until:
        return "the offered e-reader is not on hold now"
    if entries[1].user.email != email("buergerin"):
        return "buergerin@ is not second on the e-reader list"
    return ""


def agreements_and_cards(now: datetime.datetime) -> str:
    newest = (
        BorrowingAgreement.objects.filter(organization__slug="stadtbibliothek-aschaffenburg")
        .order_by("-version")
        .first()
    )
    if newest is None or newest.version != 2 or newest.created_at > now:
        return "the Stadtbibliothek has no version 2 of its agreement"
    if AgreementAcceptance.objects.filter(
        user__email=email("buergerin"), agreement=newest
    ).exists():
        return "buergerin@ accepted version 2 already: reserving asks for nothing"
    if not LibraryCard.objects.filter(number__startswith="AB").exists():
        return "no library card AB… to search for at the desk"
    return ""


def courses_programme(now: datetime.datetime) -> str:
    everything = Course.objects.with_counts()
    # The programme around today; last school year's runs lie months further back.
    courses = everything.filter(first_start__gt=now - datetime.timedelta(days=120))
    total = courses.count()
    if not 30 <= total <= 50:
        return f"{total} courses, the README says about 40"
    last_year = everything.filter(first_start__lte=now - datetime.timedelta(days=120))
    if last_year.count() < 30:
        return f"{last_year.count()} courses last school year, the README promises its programme"
    upcoming = courses.filter(status="published", first_start__gt=now)
    if not upcoming.filter(waiting_count__gt=0).exists():
        return "no upcoming course is full with a waiting list"
    below = upcoming.filter(
        min_participants__gt=0,
        confirmed_count__lt=F("min_participants"),
        registration_closes__gt=now,
    )
    if not below.exists():
        return "no upcoming course below its minimum"
    if (
        not courses.filter(status="draft").exists()
        or not courses.filter(status="cancelled").exists()
    ):
        return "no draft or no cancelled course"
    past = courses.filter(status="published", last_end__lte=now)
    if past.count() < 5 or not Certificate.objects.filter(issued_at__lte=now).exists():
        return "no past courses with certificates"
    maria = Enrollment.objects.filter(
        user__email=email("buergerin"),
        course__status="published",
        course__meetings__start__gt=now,
    ).distinct()
    confirmed, waiting = maria.filter(status="confirmed"), maria.filter(status="waitlisted")
    if confirmed.count() < 2 or waiting.count() != 1:
        return "buergerin@ is not enrolled in two upcoming courses and waiting for a third"
    return ""


def last_school_year_for_reports(now: datetime.datetime) -> str:
    """An admin who picks "last school year" first sees real figures, for a school and for
    the region."""
    period = parse_period("last-school-year", today=local_day(now))
    school = build_report(
        scope=organization_scope(Organization.objects.get(slug="kronberg-gymnasium")),
        period=period,
        now=now,
    )
    if not school.devices.bookings_by_teachers:
        return f"the Kronberg-Gymnasium has no bookings in {period.label}"
    region = build_report(scope=region_scope(), period=period, now=now)
    if not region.devices.loans_to_residents:
        return f"the region has no loans to residents in {period.label}"
    return ""


def devices_and_people(now: datetime.datetime) -> str:
    devices = Device.objects.count()
    readme = README.read_text(encoding="utf-8")
    said = int(re.search(r"about (\d+) devices", readme).group(1))
    if abs(devices - said) > said * 0.1:
        return f"{devices} devices, the README says about {said}"
    listed = int(re.search(r"lists all (\d+)", readme).group(1))
    if listed != len(demo_data.USERS):
        return f"demo/data/organizations.py lists {len(demo_data.USERS)}, the README says {listed}"
    more = int(re.search(r"add about (\d+) more residents", readme).group(1))
    others = User.objects.filter(email__endswith=demo_data.DEMO_EMAIL_DOMAIN).count() - listed
    if abs(others - more) > more * 0.25:
        return f"{others} more demo residents, the README says about {more}"
    return ""


# --- Nothing happens while an organization is closed ---------------------------------------------
# Each reads the organizations' opening calendars (organizations.hours), as the app does.


def calendars_around(now: datetime.datetime) -> dict[int, OpeningCalendar]:
    """Every organization's opening calendar over the days the demo covers."""
    today = local_day(now)
    return calendars_for(Organization.objects.all(), today - DAY * 800, today + DAY * 400)


def at(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%a %Y-%m-%d %H:%M}"


def some(problems: list[str], what: str) -> str:
    if not problems:
        return ""
    return f"{len(problems)} {what}, e.g. " + "; ".join(problems[:3])


def library_desk_open(now: datetime.datetime) -> str:
    """Every hand-out and return of a library's device happened at its desk while it was open,
    every loan is due on a day it is open, and every reservation still to pick up starts on
    one (the loan service's rules, ``lending.services``)."""
    calendars = calendars_around(now)
    residents = DevicePool.Scope.RESIDENTS
    problems = []
    for pk, org, handed_out_at, due_at in Loan.objects.filter(
        pool__booking_scope=residents
    ).values_list("pk", "pool__organization_id", "handed_out_at", "due_at"):
        calendar = calendars[org]
        if not calendar.is_open_at(handed_out_at):
            problems.append(f"loan {pk} handed out {at(handed_out_at)}")
        if not calendar.is_open(local_day(due_at - datetime.timedelta(microseconds=1))):
            problems.append(f"loan {pk} due on {at(due_at - DAY)}, a closed day")
    for pk, org, returned_at in LoanItem.objects.filter(
        loan__pool__booking_scope=residents, returned_at__isnull=False
    ).values_list("loan_id", "loan__pool__organization_id", "returned_at"):
        if not calendars[org].is_open_at(returned_at):
            problems.append(f"loan {pk} returned {at(returned_at)}")
    for org, start in Reservation.objects.filter(
        pool__booking_scope=residents,
        status=Reservation.Status.CONFIRMED,
        loans__isnull=True,
        end__gt=now,
        waitlist_entry__isnull=True,
    ).values_list("pool__organization_id", "start"):
        if not calendars[org].is_open(local_day(start)):
            problems.append(f"a pick-up on {at(start)}, a closed day")
    return some(problems, "times a library's desk was closed")


def school_bookings_open(now: datetime.datetime) -> str:
    """Every booking of a school's devices (past, today's and ahead, asked for or confirmed)
    is one the booking service accepts: not on a closed day, picked up and brought back while
    the school is open or along its lesson periods (``booking.services.dates.OpeningRule``)."""
    calendars = calendars_around(now)
    rules = {
        organization.pk: OpeningRule(organization, calendars[organization.pk])
        for organization in Organization.objects.filter(kind=Organization.Kind.SCHOOL)
    }
    # Except today's event on a weekend or in the holidays (the README's open day and the
    # media team's maintenance), at the desk of a school closed that day: special hours would
    # make the week view open on that day (see demo.booking._open_for).
    closed_day_events = {
        booking_demo_data.TODAY_AT_WEEKENDS[1],
        booking_demo_data.TODAY_IN_HOLIDAYS[1],
    }
    problems = [
        f"{purpose!r} {at(start)}–{timezone.localtime(end):%H:%M}"
        for org, start, end, purpose in Reservation.objects.filter(
            pool__organization__kind=Organization.Kind.SCHOOL,
            status__in=[Reservation.Status.CONFIRMED, Reservation.Status.REQUESTED],
            course_meeting__isnull=True,
        ).values_list("pool__organization_id", "start", "end", "purpose")
        if not rules[org].allows(start, end)
        and not (purpose in closed_day_events and local_day(start) == local_day(now))
    ]
    return some(problems, "school bookings the booking service would refuse")


def course_devices_on_open_days(now: datetime.datetime) -> str:
    """A course meeting with devices is not on a day their organization is closed (the
    course service books them with closed days checked, not the hours)."""
    calendars = calendars_around(now)
    problems = [
        f"{at(start)}"
        for org, start, end in Reservation.objects.filter(course_meeting__isnull=False)
        .exclude(status=Reservation.Status.CANCELLED)
        .values_list("pool__organization_id", "start", "end")
        if OpeningRule(Organization(pk=org), calendars[org]).closed_day(start, end)
    ]
    return some(problems, "course meetings with devices on a closed day")


def device_changes_while_open(now: datetime.datetime) -> str:
    """A device's status changed (it came back damaged, went to repair) while its
    organization was open: someone at work did it."""
    calendars = calendars_around(now)
    problems = [
        f"device {device} on {at(created_at)}"
        for device, org, created_at in DeviceEvent.objects.filter(
            kind=DeviceEvent.Kind.STATUS, device__pool__isnull=False
        ).values_list("device_id", "device__pool__organization_id", "created_at")
        if not calendars[org].is_open_at(created_at)
    ]
    return some(problems, "status changes while closed")


def teachers_week_view(now: datetime.datetime) -> str:
    """As lehrerin.kronberg@, the week view of the Kronberg iPad case shows periods still free
    and periods booked, in the week it opens on or the next one (late on a Friday only a few
    periods are left), and the first free one beyond the pool's notice can be booked (through
    the booking service; rolled back)."""
    teacher = User.objects.get(email=email("lehrerin.kronberg"))
    organization, name = KRG_IPAD_1
    pool = DevicePool.objects.get(organization__slug=organization, name=name)
    client = Client()
    client.force_login(teacher)
    url = reverse("booking:week", args=[pool.pk])
    offered = []
    response = client.get(url)
    for response in (response, client.get(url, {"date": response.context["next_week"]})):
        if response.status_code != 200:
            return f"the week view answers {response.status_code}"
        offered += [
            cell
            for row in response.context["rows"]
            for cell in row.cells
            if not (cell.past or cell.closure or cell.outside_hours)
        ]
    free = [cell for cell in offered if cell.free > 0]
    booked = [cell for cell in offered if cell.free < cell.capacity]
    if not free or not booked:
        return f"the week view has {len(free)} free and {len(booked)} booked periods ahead"
    notice = now + datetime.timedelta(hours=pool.min_notice_hours)
    bookable = [cell for cell in free if cell.start >= notice]
    if not bookable:
        return "no free period beyond the pool's notice"
    first = min(bookable, key=lambda cell: cell.start)
    savepoint = transaction.savepoint_create()
    try:
        reserve(by=teacher, pool=pool, quantity=1, start=first.start, end=first.end, notify=False)
    except DomainError as error:
        return f"booking the first free period {at(first.start)} fails: {error}"
    finally:
        transaction.savepoint_rollback(savepoint)
    return ""


PROMISES = [
    school_bookings,
    school_hand_out_due,
    school_overdue_loan,
    requests_to_answer,
    library_pick_ups,
    residents_loans,
    waiting_list_with_hold,
    agreements_and_cards,
    courses_programme,
    last_school_year_for_reports,
    devices_and_people,
    library_desk_open,
    school_bookings_open,
    course_devices_on_open_days,
    device_changes_while_open,
    teachers_week_view,
]


def _compared(report, figure: str) -> tuple[int, int]:
    return getattr(report.devices, figure), getattr(report.previous_devices, figure)


# What the reports of a school and of a library compare: the teachers' bookings, the loans to
# residents (providers of courses show their courses, which come and go by the week).
COMPARED = {
    Organization.Kind.SCHOOL: "bookings_by_teachers",
    Organization.Kind.LIBRARY: "loans_to_residents",
}


@pytest.mark.parametrize(
    "now",
    [berlin(2026, 12, 7, 9, 30), berlin(2027, 3, 15, 10, 0)],
    ids=["december", "march"],
)
def test_every_organizations_first_report_compares_with_real_figures(db, now):
    """The report form's first period (last month), and this school year so far, show every
    school's bookings and every library's loans beside real figures of the period before:
    the demo holds last school year's loans as well as its bookings, for every
    organization."""
    with time_machine.travel(now, tick=False):
        call_command("seed_demo", stdout=StringIO())
        today = local_day(now)
        first = parse_period(ReportForm(scopes=[], today=today).initial["period"], today=today)
        periods = [first, parse_period("this-school-year", today=today)]
        missing = []
        for organization in Organization.objects.order_by("name"):
            for period in periods:
                report = build_report(
                    scope=organization_scope(organization), period=period, now=now
                )
                if not report.has_previous_data:
                    missing.append(f"{organization.slug}, {period.label}: no previous data")
                figure = COMPARED.get(organization.kind)
                if figure and not all(_compared(report, figure)):
                    missing.append(
                        f"{organization.slug}, {period.label}: {figure} {_compared(report, figure)}"
                    )
    assert first.key == f"{(today.replace(day=1) - DAY):%Y-%m}"  # last month
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("now", DAYS.values(), ids=DAYS.keys())
def test_the_demo_keeps_the_readmes_promises_on_any_day(db, now):
    out = StringIO()
    with time_machine.travel(now, tick=False):
        call_command("seed_demo", stdout=out)
        broken = [f"{check.__name__}: {problem}" for check in PROMISES if (problem := check(now))]
    assert not broken, f"seeded {now:%a %Y-%m-%d %H:%M %Z}:\n" + "\n".join(broken)
    printed = out.getvalue()
    assert "0 Anfragen" not in printed


def test_make_run_prints_every_login_of_the_readmes_table(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    table = readme_demo_logins()
    assert len(table) >= 10
    printed = re.findall(r"^\S.*?\s(\S+@demo\.lernpool\.example)\s", out.getvalue(), re.MULTILINE)
    assert sorted(printed) == sorted(table)
