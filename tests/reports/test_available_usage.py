"""``available_usage`` walks each pool's period in stretches between the days its devices in
service change; these tests hold it to walking every day, as it did before (#21)."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

import pytest

from reports.figures.calendar import Calendars, OrganizationCalendar, days_of
from reports.figures.devices import Usage, _Pool, available_usage
from reports.periods import range_period, year_period


def day_by_day(pools, calendars, changes):
    """The definition: every day of the period, its devices in service × its open seconds."""
    period = calendars.period
    available = defaultdict(float)
    capacities = {}
    for pool in pools:
        calendar = calendars[pool.organization_id]
        running = device_days = 0
        for day in days_of(period):
            running += changes.get(pool.pk, {}).get(day, 0)
            device_days += max(running, 0)
            if day in calendar.open_days:
                available[pool.pk, day.replace(day=1)] += max(running, 0) * calendar.open_seconds(
                    day
                )
        capacities[pool.pk] = (max(running, 0), device_days / max(period.days, 1))
    return available, capacities


def random_world(seed: int, period):
    generator = random.Random(seed)
    days = days_of(period)
    organizations = {}
    for pk in range(1, 7):
        open_days = frozenset(day for day in days if generator.random() < 0.7)
        hours = {}
        if pk % 3 == 0:  # opening hours on record: a lunch break on some days, none on others
            for day in open_days:
                hours[day] = generator.choice(
                    [((9 * 3600, 12 * 3600), (13 * 3600, 18 * 3600)), ((10 * 3600, 14 * 3600),), ()]
                )
        window = (8 * 3600, 20 * 3600) if pk % 2 else (7 * 3600 + 45 * 60, 13 * 3600 + 15 * 60)
        organizations[pk] = OrganizationCalendar(
            pk, f"O{pk}", pk % 2 == 0, *window, open_days, hours
        )
    # Two organizations with the same open days and window share their open seconds.
    organizations[5].open_days = organizations[1].open_days
    calendars = Calendars(period, organizations, [], [])
    pools = [_Pool(pk, f"P{pk}", generator.randint(1, 6), "", False) for pk in range(1, 25)]
    changes = {}
    for pool in pools[:-1]:  # the last pool never changes
        pool_changes = defaultdict(int)
        pool_changes[period.start] += generator.randint(0, 30)
        for _change in range(generator.randint(0, 8)):
            # Some outside the period (changes after it are not counted), some taking the
            # count below zero for a while.
            day = period.start + datetime.timedelta(days=generator.randint(-5, period.days + 5))
            pool_changes[day] += generator.randint(-12, 6)
        changes[pool.pk] = dict(pool_changes)
    return pools, calendars, changes


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(
    "period",
    [
        year_period(2025),
        range_period(datetime.date(2026, 2, 10), datetime.date(2026, 3, 3)),
        range_period(datetime.date(2026, 3, 3), datetime.date(2026, 3, 4)),
    ],
)
def test_the_available_hours_are_those_of_every_day_walked(seed, period):
    pools, calendars, changes = random_world(seed, period)
    usage = Usage()
    capacities = available_usage(usage, pools, calendars, changes)
    expected, expected_capacities = day_by_day(pools, calendars, changes)
    # The same keys in the same order (a month with an open day has a figure, even zero),
    # the same whole seconds, the same devices at the end and on average.
    assert list(usage.available.items()) == list(expected.items())
    assert capacities == expected_capacities
