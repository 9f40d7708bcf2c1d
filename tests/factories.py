from __future__ import annotations

import datetime

import factory
from allauth.account.models import EmailAddress

from accounts.mfa import give_totp, has_totp
from accounts.models import User
from organizations.models import (
    Closure,
    District,
    LessonPeriod,
    Location,
    Membership,
    OpeningInterval,
    OpeningSchedule,
    Organization,
    Role,
    SpecialHours,
)

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name", locale="de_DE")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)

    @factory.post_generation
    def totp(obj, create, extracted, **kwargs):
        """Region admins and admin-site users have 2FA, as they must; ``totp=False`` not."""
        if (
            create
            and extracted is not False
            and (obj.is_region_admin or obj.is_staff or obj.is_superuser)
        ):
            give_totp(obj)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Landkreis {n}")
    slug = factory.Sequence(lambda n: f"landkreis-{n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Grundschule Musterort {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = Organization.Kind.SCHOOL
    district = factory.SubFactory(DistrictFactory)
    street = "Schulstraße 1"
    postal_code = "63739"
    city = "Aschaffenburg"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Raum {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.TEACHER

    @factory.post_generation
    def totp(obj, create, extracted, **kwargs):
        """Staff and org admins have 2FA, as they must (accounts.mfa); ``totp=False`` not."""
        if (
            create
            and extracted is not False
            and obj.role in (Role.STAFF, Role.ORG_ADMIN)
            and not has_totp(obj.user)
        ):
            give_totp(obj.user)


class LessonPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LessonPeriod

    organization = factory.SubFactory(OrganizationFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"{o.number}. Stunde")
    start = datetime.time(8, 0)
    end = datetime.time(8, 45)


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    organization = factory.SubFactory(OrganizationFactory)
    name = "Geschlossen"
    start = datetime.date(2026, 12, 24)
    end = datetime.date(2027, 1, 7)


# A library closed on Sunday and Monday, with a lunch break on Tuesday and Thursday.
LIBRARY_WEEK = {1: "10-13,14-18", 2: "10-18", 3: "10-13,14-19", 4: "10-18", 5: "10-13"}


def _times(text: str) -> list[tuple[datetime.time, datetime.time]]:
    """ "10-13,14:30-18" → [(10:00, 13:00), (14:30, 18:00)]."""

    def time(part: str) -> datetime.time:
        hour, _, minute = part.partition(":")
        return datetime.time(int(hour), int(minute or 0))

    return [tuple(map(time, span.split("-"))) for span in text.split(",") if span]


def give_hours(
    organization, week: dict[int, str], valid_from=None, valid_until=None, name=""
) -> OpeningSchedule:
    """Weekly opening hours: {weekday (Monday 0): "10-13,14-18"}; weekdays left out are
    closed."""
    schedule = OpeningSchedule.objects.create(
        organization=organization, name=name, valid_from=valid_from, valid_until=valid_until
    )
    OpeningInterval.objects.bulk_create(
        OpeningInterval(schedule=schedule, weekday=weekday, opens=opens, closes=closes)
        for weekday, text in week.items()
        for opens, closes in _times(text)
    )
    return schedule


# A school day's six lesson periods (the last lesson ends at 13:10), and a double lesson.
SCHOOL_DAY = [
    (1, "08:00", "08:45"),
    (2, "08:50", "09:35"),
    (3, "09:45", "10:30"),
    (4, "10:30", "11:15"),
    (5, "11:35", "12:20"),
    (6, "12:25", "13:10"),
]
DOUBLE_LESSON = [(3, "09:45", "10:30"), (4, "10:30", "11:15")]


def give_lesson_periods(organization, periods) -> list:
    """A school's lesson periods: [(number, "08:00", "08:45"), …], named "1. Stunde", …"""
    return [
        LessonPeriodFactory(
            organization=organization,
            number=number,
            start=datetime.time.fromisoformat(start),
            end=datetime.time.fromisoformat(end),
        )
        for number, start, end in periods
    ]


def give_special_hours(organization, day: datetime.date, text: str, note="") -> None:
    """One-off hours on a day ("10-12")."""
    SpecialHours.objects.bulk_create(
        SpecialHours(organization=organization, day=day, opens=opens, closes=closes, note=note)
        for opens, closes in _times(text)
    )


class DeviceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "devices.DeviceType"
        django_get_or_create = ["make", "model", "operating_system"]

    kind = "tablet"
    make = "Apple"
    model = "iPad 10. Generation"
    operating_system = "iPadOS"


class DevicePoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "devices.DevicePool"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"iPad-Koffer {n}")


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "devices.Device"

    organization = factory.LazyAttribute(
        lambda o: o.pool.organization if o.pool else OrganizationFactory()
    )
    pool = None
    device_type = factory.SubFactory(DeviceTypeFactory)
    asset_tag = factory.Sequence(lambda n: f"INV-{n:04}")
    name = factory.Sequence(lambda n: f"iPad {n:02}")
    serial_number = factory.Sequence(lambda n: f"DMPX{n:08}")


def pool_with_devices(organization, devices: int, **fields):
    """A pool of ``organization`` (``fields`` for the pool) with ``devices`` devices in it."""
    pool = DevicePoolFactory(organization=organization, **fields)
    DeviceFactory.create_batch(devices, pool=pool)
    return pool


def _next_monday_at(hour: int):
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time(hour)))


class ReservationFactory(factory.django.DjangoModelFactory):
    """A confirmed reservation written directly (test setup); next Monday 08:00–09:30 local."""

    class Meta:
        model = "booking.Reservation"

    pool = factory.SubFactory(DevicePoolFactory)
    user = factory.SubFactory(UserFactory)
    quantity = 1
    start = factory.LazyFunction(lambda: _next_monday_at(8))
    end = factory.LazyAttribute(lambda o: o.start + __import__("datetime").timedelta(minutes=90))
    purpose = "Klasse 7b, Mathematik"
    status = "confirmed"


# --- Lending to residents ---------------------------------------------------------------


class LendingPoolFactory(DevicePoolFactory):
    """A library's pool lent to residents for 14 days."""

    organization = factory.SubFactory(
        OrganizationFactory,
        kind=Organization.Kind.LIBRARY,
        name=factory.Sequence(lambda n: f"Stadtbibliothek {n}"),
    )
    name = factory.Sequence(lambda n: f"Leih-Laptops {n}")
    booking_scope = "residents"
    loan_period_days = 14
    max_renewals = 1
    max_days_ahead = 30


class BorrowingAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "lending.BorrowingAgreement"

    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.LIBRARY)
    version = 1
    title = "Leihbedingungen für Geräte"
    text = "Das Gerät ist pfleglich zu behandeln.\n\nBei Verlust wird Ersatz fällig."


class LibraryCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "lending.LibraryCard"

    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.LIBRARY)
    user = factory.SubFactory(UserFactory)
    number = factory.Sequence(lambda n: f"AB{n:08}")


class WaitlistEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "lending.WaitlistEntry"

    pool = factory.SubFactory(LendingPoolFactory)
    user = factory.SubFactory(UserFactory)


# --- Courses ----------------------------------------------------------------------------


def _now():
    from django.utils import timezone

    return timezone.now()


def _in_days_at(days: int, hour: int, minute: int = 0):
    from django.utils import timezone

    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class CourseFactory(factory.django.DjangoModelFactory):
    """A published, free course with 10 seats; add meetings with MeetingFactory."""

    class Meta:
        model = "courses.Course"

    organization = factory.SubFactory(
        OrganizationFactory,
        kind=Organization.Kind.ADULT_EDUCATION,
        name=factory.Sequence(lambda n: f"Volkshochschule {n}"),
    )
    title = factory.Sequence(lambda n: f"Smartphone-Grundlagen {n}")
    summary = "Das eigene Smartphone sicher bedienen."
    description = "Einstellungen, Apps, Fotos und sichere Passwörter."
    topic = "smartphone"
    audience = "seniors"
    capacity = 10
    status = "published"
    published_at = factory.LazyFunction(lambda: _now())


class MeetingFactory(factory.django.DjangoModelFactory):
    """A meeting in a week, 18:00–19:30 local."""

    class Meta:
        model = "courses.Meeting"

    course = factory.SubFactory(CourseFactory)
    start = factory.LazyFunction(lambda: _in_days_at(7, 18))
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(minutes=90))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        meeting = super()._create(model_class, *args, **kwargs)
        # As the course services do after writing meetings: the course's meetings_end.
        type(meeting.course).objects.filter(pk=meeting.course_id).refresh_meetings_end()
        meeting.course.refresh_from_db(fields=["meetings_end"])
        return meeting


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "courses.Enrollment"

    course = factory.SubFactory(CourseFactory)
    user = factory.SubFactory(UserFactory)
    status = "confirmed"
    confirmed_at = factory.LazyFunction(lambda: _now())
