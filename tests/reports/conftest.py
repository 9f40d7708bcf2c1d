"""A small world to count by hand, for the report figures (and for other report tests).

The week reported on is Monday 2 – Sunday 8 March 2026; the week before it is the previous
period. Every figure the tests expect is worked out in the comments below.

School (Kronberg-Gymnasium): lesson periods 08:00–08:45 and 08:45–09:30, so its daily window
is 1.5 hours. Pool “iPad-Koffer 1” has 3 iPads (since January), one in repair: 2 available.
Wednesday 4 March is closed (Pädagogischer Tag); Saturdays and Sundays are closed at schools.
  Open days: Mon, Tue, Thu, Fri → available 4 × 1.5 h × 2 = 12 device-hours.
  Reservations (confirmed unless said):
    Mon 08:00–08:45 × 2                                   → 1.5 h
    Mon 08:45–09:30 × 1, flagged shortfall                → 0.75 h
    Tue 07:30–09:00 × 1 (starts before the window)        → 1 h
    Tue 09:00 – Thu 08:30 × 1 (across the closed Wednesday) → 0.5 h + 0 + 0.5 h = 1 h
    Wed 08:00–09:00 × 1 (on the closed day)               → 0 h
    Fri 08:00–09:00 × 2, cancelled                         → not counted
  Reserved 4.25 h of 12 → utilization 4.25 / 12. Bookings by teachers: 5. Shortfalls: 1.
  Previous week (23 Feb – 1 Mar): Friday 27 Feb is a school holiday of the region, so
  4 open days → 12 device-hours; Mon 23 Feb 08:00–09:30 × 2 → 3 h: utilization 0.25.

Library (Stadtbücherei Miltenberg): window 08:00–20:00 (12 h), open Monday–Saturday (the
school holiday does not close it). Pool “Leih-Laptops” lent to residents: 2 laptops.
  Available 6 × 12 h × 2 = 144 device-hours, in this week and the one before.
  Loan 1: Mon 10:00 – due Fri 10:00 (its reservation the same), returned Sat 11:00 complete:
    late. Reserved Mon 10 h + Tue–Thu 36 h + Fri 2 h = 48 h. Length 5 days 1 hour.
  Loan 2: Tue 12:00 – due Thu 12:00, returned Thu 11:00 damaged. Reserved 8 + 12 + 4 = 24 h.
    Length 1 day 23 hours.
  Reserved 72 h of 144 → 0.5. Loans 2, one late → 0.5; average length 3.5 days; damaged 1 of
  2 returned → 0.5.

Courses at the library: “Smartphone für Einsteiger” (published, 4 seats, topic smartphone,
audience seniors) meets Mon 2 and Thu 5 March 18:00–19:30. Three confirmed, one waiting, one
cancelled. Present: all three on Monday, two on Thursday → 5 of 3 × 2 → 5/6. Fill rate 3/4.
One certificate, issued Fri 6 March. “Online-Banking” (cancelled, 8 seats) would have met on
Tuesday: offered, cancelled, its seats not counted. Offered 2, meetings held 2.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from booking.models import Loan, LoanItem
from courses.models import Attendance, Certificate
from devices.models import Device
from organizations.models import Closure
from reports.periods import range_period
from tests.factories import (
    ClosureFactory,
    CourseFactory,
    DeviceFactory,
    DevicePoolFactory,
    DeviceTypeFactory,
    EnrollmentFactory,
    LessonPeriodFactory,
    MeetingFactory,
    ReservationFactory,
    UserFactory,
)

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = (datetime.date(2026, 3, 2), datetime.date(2026, 3, 9))
NOW = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=BERLIN)
ADDED = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=BERLIN)  # devices in the inventory since


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime.datetime:
    """A local time in March (or ``month``) 2026."""
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def week():
    return range_period(*WEEK)


@pytest.fixture
def report_world(organization, other_organization):
    school, library = organization, other_organization
    LessonPeriodFactory(
        organization=school, number=1, start=datetime.time(8, 0), end=datetime.time(8, 45)
    )
    LessonPeriodFactory(
        organization=school, number=2, start=datetime.time(8, 45), end=datetime.time(9, 30)
    )
    ClosureFactory(
        organization=school,
        name="Pädagogischer Tag",
        start=datetime.date(2026, 3, 4),
        end=datetime.date(2026, 3, 5),
    )
    ClosureFactory(
        organization=None,
        kind=Closure.Kind.SCHOOL_HOLIDAY,
        name="Brückentag",
        start=datetime.date(2026, 2, 27),
        end=datetime.date(2026, 2, 28),
    )

    pool = DevicePoolFactory(organization=school, name="iPad-Koffer 1")
    ipads = [DeviceFactory(pool=pool, created_at=ADDED) for _ in range(3)]
    ipads[2].status = Device.Status.IN_REPAIR
    ipads[2].save()
    teacher = UserFactory()
    for start, end, quantity, extra in [
        (at(2, 8), at(2, 8, 45), 2, {}),
        (at(2, 8, 45), at(2, 9, 30), 1, {"shortfall": True}),
        (at(3, 7, 30), at(3, 9), 1, {}),
        (at(3, 9), at(5, 8, 30), 1, {}),
        (at(4, 8), at(4, 9), 1, {}),
        (at(6, 8), at(6, 9), 2, {"status": "cancelled"}),
        (at(23, 8, month=2), at(23, 9, 30, month=2), 2, {}),
    ]:
        ReservationFactory(
            pool=pool, user=teacher, start=start, end=end, quantity=quantity, **extra
        )

    laptop = DeviceTypeFactory(kind="laptop", make="Lenovo", model="ThinkPad E14")
    lending_pool = DevicePoolFactory(
        organization=library, name="Leih-Laptops", booking_scope="residents"
    )
    laptops = [
        DeviceFactory(pool=lending_pool, device_type=laptop, created_at=ADDED) for _ in range(2)
    ]
    loans = []
    for device, out, due, back, condition in [
        (laptops[0], at(2, 10), at(6, 10), at(7, 11), LoanItem.Condition.COMPLETE),
        (laptops[1], at(3, 12), at(5, 12), at(5, 11), LoanItem.Condition.DAMAGED),
    ]:
        resident = UserFactory()
        reservation = ReservationFactory(
            pool=lending_pool, user=resident, start=out, end=due, quantity=1
        )
        loan = Loan.objects.create(
            pool=lending_pool,
            reservation=reservation,
            borrower=resident,
            handed_out_at=out,
            due_at=due,
            closed_at=back,
        )
        LoanItem.objects.create(loan=loan, device=device, returned_at=back, condition=condition)
        loans.append(loan)

    course = CourseFactory(
        organization=library,
        title="Smartphone für Einsteiger",
        topic="smartphone",
        audience="seniors",
        capacity=4,
    )
    meetings = [
        MeetingFactory(course=course, start=at(2, 18), end=at(2, 19, 30)),
        MeetingFactory(course=course, start=at(5, 18), end=at(5, 19, 30)),
    ]
    confirmed = [EnrollmentFactory(course=course) for _ in range(3)]
    EnrollmentFactory(course=course, status="waitlisted", waitlisted_at=at(1, 9))
    EnrollmentFactory(course=course, status="cancelled", cancelled_at=at(1, 10))
    for enrollment in confirmed:
        Attendance.objects.create(enrollment=enrollment, meeting=meetings[0], present=True)
    for enrollment, present in zip(confirmed, [True, True, False], strict=True):
        Attendance.objects.create(enrollment=enrollment, meeting=meetings[1], present=present)
    Certificate.objects.create(
        enrollment=confirmed[0],
        holder_name=str(confirmed[0].user),
        course_title=course.title,
        provider_name=library.name,
        first_day=datetime.date(2026, 3, 2),
        last_day=datetime.date(2026, 3, 5),
        hours=3,
        issued_at=at(6, 12),
    )
    cancelled_course = CourseFactory(
        organization=library,
        title="Online-Banking",
        topic="online_banking",
        audience="residents",
        capacity=8,
        status="cancelled",
    )
    MeetingFactory(course=cancelled_course, start=at(3, 18), end=at(3, 19, 30))

    return SimpleNamespace(
        school=school,
        library=library,
        pool=pool,
        ipads=ipads,
        lending_pool=lending_pool,
        laptops=laptops,
        loans=loans,
        teacher=teacher,
        course=course,
        meetings=meetings,
        confirmed=confirmed,
        cancelled_course=cancelled_course,
        now=NOW,
    )
