"""The region generator of bench/ at a tiny scale: it runs, writes what it promises, every row
it writes is one the app accepts, and the reports and open data can count it. PostgreSQL only
(it writes with COPY); the generated region is made once for the module and rolled back."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from booking.models import Loan, LoanItem, Reservation
from courses.models import Attendance, Certificate, Course, Enrollment, Meeting
from devices.models import Device, DeviceEvent, DevicePool, DeviceType
from organizations.models import Closure, District, LessonPeriod, Membership, Organization
from reports import opendata
from tests.courses.test_meetings_end import wrong_meetings_end

# Every model the generator writes.
GENERATED = (
    District,
    Organization,
    LessonPeriod,
    Closure,
    User,
    Membership,
    DeviceType,
    DevicePool,
    Device,
    DeviceEvent,
    Course,
    Meeting,
    Reservation,
    Loan,
    LoanItem,
    Enrollment,
    Attendance,
    Certificate,
)
SAMPLE = 25


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    from bench.generate_region import fill

    with django_db_blocker.unblock(), transaction.atomic():
        yield fill(0.002, seed=3, migrate=False)
        transaction.set_rollback(True)


@pytest.mark.postgres
def test_the_generator_fills_a_small_region_that_the_statistics_count(generated, db):
    counts = generated
    assert Organization.objects.count() == counts["organizations"] == 4
    assert Device.objects.count() == counts["devices"] > 0
    # Shared out among the pools, rounded per pool.
    assert Reservation.objects.count() == pytest.approx(2_000, rel=0.01)
    assert Enrollment.objects.count() == 200
    # A device is never in two open loans (the database would have refused the COPY).
    assert LoanItem.objects.filter(returned_at__isnull=True).count() <= Device.objects.count()
    year = str(timezone.localdate().year - 1)  # the generator's first, complete year
    statistics = opendata.build_statistics(
        scope=opendata.public_scope("region"), period=opendata.public_period(year)
    )
    assert len(statistics.rows) == 4 * 12
    assert any(row.bookings not in (0, "< 5") for row in statistics.rows)
    assert any(row.utilization for row in statistics.rows)


@pytest.mark.postgres
def test_every_generated_course_knows_when_its_last_meeting_ends(generated, db):
    """The generator COPYs courses with ``meetings_end`` set, as the course services keep it."""
    assert Course.objects.filter(meetings_end__isnull=False).count() == Course.objects.count() > 0
    assert wrong_meetings_end() == []


@pytest.mark.postgres
@pytest.mark.parametrize("model", GENERATED, ids=lambda model: model.__name__)
def test_every_generated_row_is_one_the_app_accepts(generated, db, model):
    """A sample (the first rows, a random few, one empty value per nullable field) passes
    full_clean(): the generator writes no value the models' choices, validators or constraints
    would refuse."""
    rows = model.objects.all()
    assert rows.exists()
    sample = {*rows.order_by("pk")[:SAMPLE], *rows.order_by("?")[:SAMPLE]}
    # And, for every field that may be empty, a row where it is (an open loan's item has no
    # one who took it back yet), so that a random sample cannot miss the empty case.
    for field in model._meta.concrete_fields:
        if field.null:
            sample.update(rows.filter(**{f"{field.name}__isnull": True}).order_by("pk")[:1])
    for row in sample:
        row.full_clean()


def test_migrating_creates_the_cache_table_of_the_settings_in_use(db, settings):
    """Under settings with the database cache (dev, prod) the generated database gets its cache
    table, also where the migration that creates it already ran under other settings."""
    from bench.generate_region import migrate_database

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "bench_cache_check",
        }
    }
    caches.close_all()
    assert "bench_cache_check" not in connection.introspection.table_names()

    migrate_database()

    assert "bench_cache_check" in connection.introspection.table_names()
