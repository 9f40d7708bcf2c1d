"""A person with a row in every model that references people, made through the services
where they can make it, and the people around them (whose names must never show up in the
person's export).

Zelinda Quorrbeck is a teacher at the school and staff at the library, and she borrows from
the library too. Last month (the period the report figures are computed for) she booked the
school's iPads, borrowed a laptop and took a course with a certificate. Now she has a weekly
booking and a lesson booking coming up, a pick-up reserved, a place on a waiting list and a
confirmed seat in an upcoming course; she decided a request, lent a laptop at the desk and
took it back, recorded attendance, created a course, changed a device, asked for a report.
Her name is in free text: booking purposes, a return note, an enrolment answer, the admin's
history.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.usersessions.models import UserSession
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts import services as account_services
from accounts.mfa import has_totp
from accounts.models import ErasureRequest, User
from booking import services as booking
from booking.models import Loan, LoanItem, Reservation, Series
from courses import services as courses
from courses.models import Attendance, Certificate
from devices import services as device_services
from devices.models import Device
from lending import services as lending_services
from lending.models import OverdueNotice
from organizations.models import Role
from reports.models import MonthlyReportSent, MonthlyReportSubscription, ReportRun
from tests.factories import (
    BorrowingAgreementFactory,
    CourseFactory,
    DeviceFactory,
    DevicePoolFactory,
    EnrollmentFactory,
    LendingPoolFactory,
    MeetingFactory,
    MembershipFactory,
    ReservationFactory,
    UserFactory,
)

NAME = "Zelinda Quorrbeck"
EMAIL = "zelinda.quorrbeck@example.org"
QUESTION = "Bringen Sie ein eigenes Gerät mit?"


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def last_month() -> datetime.date:
    """The first day of last month: the past data lies in it (on its 10th and 11th)."""
    first_of_this = timezone.localdate().replace(day=1)
    return (first_of_this - datetime.timedelta(days=1)).replace(day=1)


def next_weekday(days_ahead: int) -> datetime.date:
    """A Monday-to-Friday at least ``days_ahead`` days ahead."""
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


@pytest.fixture
def world(organization, other_organization, client):
    school, library = organization, other_organization
    person = UserFactory(name=NAME, email=EMAIL)
    MembershipFactory(user=person, organization=school, role=Role.TEACHER)
    membership = MembershipFactory(user=person, organization=library, role=Role.STAFF)
    # The people around her, with names that must not appear in her export.
    school_staff = MembershipFactory(
        organization=school, role=Role.STAFF, user__name="Bertram Ostwaldinger"
    ).user
    librarian = MembershipFactory(
        organization=library, role=Role.STAFF, user__name="Hiltrud Wenzelmayer"
    ).user
    borrower = UserFactory(name="Ottokar Brennecke-Laue")
    other_teacher = MembershipFactory(
        organization=school, role=Role.TEACHER, user__name="Friedolin Aschenbrenner"
    ).user
    classmate = UserFactory(name="Gundula Pfefferkorn")
    admin = UserFactory(name="Reinhild Adminska", is_staff=True, is_superuser=True)
    others = [school_staff, librarian, borrower, other_teacher, classmate, admin]

    # --- the school: iPads, her bookings ---------------------------------------------------
    ipads = DevicePoolFactory(organization=school, name="iPad-Koffer 1")
    for _ in range(4):
        DeviceFactory(pool=ipads)
    month = last_month()
    past_booking = ReservationFactory(
        pool=ipads,
        user=person,
        quantity=2,
        start=local(month.replace(day=10), 8),
        end=local(month.replace(day=10), 9, 30),
        purpose=f"Klasse 7b – {NAME}",
    )
    declined = ReservationFactory(
        pool=ipads,
        user=person,
        start=local(month.replace(day=11), 8),
        end=local(month.replace(day=11), 9),
        status=Reservation.Status.DECLINED,
        decided_by=school_staff,
        decision_reason=f"Leider schon vergeben, Frau {NAME.split()[1]}.",
    )
    lesson = booking.reserve(
        by=person,
        pool=ipads,
        quantity=2,
        start=local(next_weekday(5), 8),
        end=local(next_weekday(5), 9, 30),
        purpose=f"Mathe 8a ({NAME})",
    )
    monday = next_weekday(14)
    monday -= datetime.timedelta(days=monday.weekday())
    series = booking.book_series(
        by=person,
        pool=ipads,
        quantity=1,
        first_date=monday,
        until=monday + datetime.timedelta(days=14),
        start_time=datetime.time(10, 0),
        end_time=datetime.time(11, 0),
        purpose=f"AG Robotik, {NAME}",
    )
    # A request of a colleague that she decided (as if staff): the colleague's row.
    decided = ReservationFactory(
        pool=ipads,
        user=other_teacher,
        status=Reservation.Status.CONFIRMED,
        decided_by=person,
        start=local(month.replace(day=12), 8),
        end=local(month.replace(day=12), 9),
    )
    booking.calendar_token(user=person)

    # --- the library: laptops, her loans, the desk, the waiting list ---------------------
    laptops = LendingPoolFactory(organization=library, name="Leih-Laptops")
    laptop_devices = [DeviceFactory(pool=laptops, name=f"Laptop {n}") for n in range(1, 4)]
    agreement = BorrowingAgreementFactory(organization=library)
    lending_services.set_library_card(
        by=librarian, organization=library, user=person, number="ZQ-4711"
    )
    # A request to delete her account that staff recorded and she objected to.
    ErasureRequest.objects.create(
        user=person,
        requested_by=librarian,
        reason="Am Telefon",
        requested_on=month.replace(day=3),
        erase_after=local(month.replace(day=11), 0),
        objected_at=local(month.replace(day=5), 9),
    )
    # Last month: a laptop handed out by the librarian, returned complete with a note.
    past_start = local(month.replace(day=10), 10)
    past_reservation = ReservationFactory(
        pool=laptops, user=person, start=past_start, end=local(month.replace(day=17), 18)
    )
    past_loan = Loan.objects.create(
        pool=laptops,
        reservation=past_reservation,
        borrower=person,
        handed_out_by=librarian,
        handed_out_at=past_start,
        due_at=local(month.replace(day=17), 18),
        closed_at=local(month.replace(day=18), 11),
    )
    LoanItem.objects.create(
        loan=past_loan,
        device=laptop_devices[0],
        returned_at=local(month.replace(day=18), 11),
        returned_to=librarian,
        condition=LoanItem.Condition.COMPLETE,
        note=f"{NAME} brachte das Ladekabel später",
    )
    OverdueNotice.objects.create(loan=past_loan, kind=OverdueNotice.Kind.OVERDUE, days=1)
    # Today: the librarian lends her a laptop at the desk (she signs the agreement there) and
    # takes it back damaged; the note goes into the device's history too.
    today_loan = lending_services.lend_at_desk(
        by=librarian,
        pool=laptops,
        borrower=person,
        devices=[laptop_devices[1]],
        agreement_signed=True,
    )
    booking.return_items(
        by=librarian,
        loan=today_loan,
        returns=[
            booking.ItemReturn(
                item_id=today_loan.items.get().pk,
                condition=LoanItem.Condition.DAMAGED,
                note=f"Display gesprungen, sagt {NAME}",
            )
        ],
    )
    # She lends a laptop to another resident at the desk (recording his signature) and takes
    # it back.
    lent = lending_services.lend_at_desk(
        by=person,
        pool=laptops,
        borrower=borrower,
        devices=[laptop_devices[2]],
        agreement_signed=True,
    )
    booking.return_items(
        by=person,
        loan=lent,
        returns=[
            booking.ItemReturn(item_id=lent.items.get().pk, condition=LoanItem.Condition.COMPLETE)
        ],
    )
    # A pick-up reserved for later.
    pickup = lending_services.reserve_loan(by=person, pool=laptops, pickup_date=next_weekday(3))
    # A waiting list: the only tablet is out with the borrower; she waits, then a classmate.
    tablets = LendingPoolFactory(organization=library, name="Leih-Tablets")
    tablet = DeviceFactory(pool=tablets, name="Tablet 1")
    lending_services.accept_agreement(by=classmate, agreement=agreement)
    tablet_loan = lending_services.lend_at_desk(
        by=librarian, pool=tablets, borrower=borrower, devices=[tablet]
    )
    waiting = lending_services.join_waitlist(by=person, pool=tablets)
    lending_services.join_waitlist(by=classmate, pool=tablets)

    # --- devices: she sends a laptop to repair and back ------------------------------------
    spare = DeviceFactory(pool=laptops, name="Laptop 4")
    device_services.change_status(
        by=person, device=spare, status=Device.Status.IN_REPAIR, reason="Akku defekt"
    )

    # --- courses -------------------------------------------------------------------------
    past_course = CourseFactory(
        organization=library, title="Tablet für Einsteiger", questions=QUESTION, created_by=person
    )
    past_meetings = [
        MeetingFactory(
            course=past_course,
            start=local(month.replace(day=day), 18),
            end=local(month.replace(day=day), 19, 30),
        )
        for day in (10, 11)
    ]
    enrolment = EnrollmentFactory(
        course=past_course, user=person, answers={QUESTION: f"Ja – {NAME} bringt ein iPad"}
    )
    other_enrolment = EnrollmentFactory(course=past_course, user=classmate)
    for meeting in past_meetings:
        Attendance.objects.create(
            enrollment=enrolment, meeting=meeting, present=True, recorded_by=librarian
        )
        Attendance.objects.create(
            enrollment=other_enrolment, meeting=meeting, present=True, recorded_by=person
        )
    certificate = Certificate.objects.create(
        enrollment=enrolment,
        holder_name=NAME,
        course_title=past_course.title,
        provider_name=library.name,
        first_day=month.replace(day=10),
        last_day=month.replace(day=11),
        hours=3,
        issued_at=local(month.replace(day=12), 9),
    )
    upcoming_course = CourseFactory(
        organization=library, title="Sicher im Netz", capacity=1, questions=QUESTION
    )
    MeetingFactory(course=upcoming_course)
    seat = courses.enrol(
        by=person, course=upcoming_course, answers={QUESTION: f"Nein, {NAME} leiht eins"}
    )
    queued = courses.enrol(by=classmate, course=upcoming_course)

    # --- accounts: token, two-factor, a session, the admin's history ----------------------
    account_services.create_api_token(by=person, name="Kalender-Skript")
    # Her school's login, linked (single sign-on); erased with her account.
    SocialApp.objects.create(provider="openid_connect", provider_id="schule", name="Schul-Login")
    SocialAccount.objects.create(
        user=person, provider="schule", uid="z-4711", extra_data={"userinfo": {"email": EMAIL}}
    )
    account_services.report_barrier(
        by=person,
        name=NAME,
        email=EMAIL,
        page="/bookings/",
        message=f"{NAME} sieht den Fokus nicht.",
        language="de",
    )
    assert has_totp(person)  # staff at the library: the factory set up two-factor login
    client.force_login(person)
    session = UserSession.objects.create(
        user=person,
        session_key=client.session.session_key,
        ip="192.0.2.7",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
    )
    user_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.create(
        user=admin,
        content_type=user_type,
        object_id=str(person.pk),
        object_repr=str(person),
        action_flag=CHANGE,
        change_message=f'[{{"changed": {{"fields": ["name"]}}}}, "{NAME}"]',
    )
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(membership),
        object_id=str(membership.pk),
        object_repr=str(membership),
        action_flag=CHANGE,
        change_message="[]",
    )
    LogEntry.objects.create(
        user=person,
        content_type=ContentType.objects.get_for_model(Device),
        object_id=str(spare.pk),
        object_repr=str(spare),
        action_flag=CHANGE,
        change_message="[]",
    )

    # --- reports -------------------------------------------------------------------------
    ReportRun.objects.create(
        user=person,
        scope_key=f"org:{library.slug}",
        scope_label=library.name,
        period_key=f"{month:%Y-%m}",
        period_label=f"{month:%m/%Y}",
    )
    MonthlyReportSubscription.objects.create(user=person, organization=library)
    MonthlyReportSent.objects.create(user=person, organization=library, month=month)

    return SimpleNamespace(
        person=person,
        others=others,
        school=school,
        library=library,
        school_staff=school_staff,
        librarian=librarian,
        borrower=borrower,
        classmate=classmate,
        ipads=ipads,
        laptops=laptops,
        tablets=tablets,
        month=month,
        past_booking=past_booking,
        declined=declined,
        lesson=lesson,
        series=Series.objects.get(pk=series.pk),
        decided=decided,
        past_loan=past_loan,
        today_loan=today_loan,
        lent=lent,
        pickup=pickup,
        tablet_loan=tablet_loan,
        waiting=waiting,
        past_course=past_course,
        enrolment=enrolment,
        certificate=certificate,
        upcoming_course=upcoming_course,
        seat=seat,
        queued=queued,
        session=session,
    )
