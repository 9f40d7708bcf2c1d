"""The region generator of bench/ at a tiny scale: it runs, writes what it promises, and the
reports and open data can count it. PostgreSQL only (it writes with COPY)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from booking.models import LoanItem, Reservation
from courses.models import Enrollment
from devices.models import Device
from organizations.models import Organization
from reports import opendata

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_generator_fills_a_small_region_that_the_statistics_count():
    from bench.generate_region import fill

    counts = fill(0.002, seed=3, migrate=False)
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
