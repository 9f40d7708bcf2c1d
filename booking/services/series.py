"""Weekly (or A/B-week) series: plan every date, then book the chosen ones."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import User
from core import public_cache
from core.dates import in_sensible_years, local_datetime, years_message
from core.errors import DomainError
from core.locking import locked
from devices.models import DevicePool

from .. import availability, capacity
from ..models import Reservation, Series
from ..tasks import send_series_email, tell_staff_of_request
from .dates import OpeningRule
from .policy import (
    ACTIVE_STATUSES,
    InvalidBooking,
    LimitExceeded,
    PoolExhausted,
    as_utc,
    checked_times,
    clean_purpose,
    ensure_can_book,
    ensure_not_lent_to_residents,
    exhausted,
    horizon_error,
    limit_error,
    needs_approval,
    per_person_error,
)

MAX_SERIES_OCCURRENCES = 60


@dataclass
class Occurrence:
    """One date of a series as the preview shows it."""

    date: datetime.date
    start: datetime.datetime
    end: datetime.datetime
    closure: str = ""
    free: int = 0
    problem: str = ""  # a limit or conflict message; empty when it can be booked
    error: DomainError | None = field(default=None, repr=False, compare=False)
    beyond_horizon: bool = False  # later than the pool may be booked ahead

    @property
    def closed(self) -> bool:
        return bool(self.closure)

    @property
    def bookable(self) -> bool:
        return not self.closure and not self.problem


@dataclass
class SeriesPlan:
    occurrences: list[Occurrence] = field(default_factory=list)
    # The last day the pool may be booked for (how far ahead, counted from now), local.
    latest_day: datetime.date | None = None

    @property
    def bookable(self) -> list[Occurrence]:
        return [occurrence for occurrence in self.occurrences if occurrence.bookable]

    @property
    def beyond_horizon(self) -> list[Occurrence]:
        """The dates too far ahead to book: as for a single booking, each is refused."""
        return [o for o in self.occurrences if not o.closed and o.beyond_horizon]


def series_dates(
    first_date: datetime.date, until: datetime.date, interval_weeks: int
) -> list[datetime.date]:
    if interval_weeks not in (1, 2):
        raise InvalidBooking(_("A series repeats every week or every second week."))
    if until < first_date:
        raise InvalidBooking(_("The last date must not be before the first."))
    if not in_sensible_years(first_date, until):
        raise InvalidBooking(years_message())
    step = datetime.timedelta(weeks=interval_weeks)
    count = (until - first_date) // step + 1
    if count > MAX_SERIES_OCCURRENCES:
        last = first_date + step * (MAX_SERIES_OCCURRENCES - 1)
        raise LimitExceeded(
            _("A series can have at most %(max)d dates. Please end it on %(last)s or earlier.")
            % {"max": MAX_SERIES_OCCURRENCES, "last": date_format(last, "SHORT_DATE_FORMAT")}
        )
    return [first_date + step * index for index in range(count)]


def _series_checks(
    *,
    pool: DevicePool,
    quantity: int,
    first_date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    now: datetime.datetime,
) -> None:
    """What holds for the series as a whole: it starts today or later, within how far ahead
    the pool may be booked. Each later date is held to how far ahead on its own, as a single
    booking is (plan_series): those beyond are named in the plan and never booked."""
    if quantity < 1:
        raise InvalidBooking(_("Book at least one device."))
    if start_time >= end_time:
        raise InvalidBooking(_("The end must be after the start."))
    if first_date < timezone.localtime(now).date():
        raise InvalidBooking(_("The first date is in the past; please choose a later one."))
    if as_utc(local_datetime(first_date, start_time)) > now + datetime.timedelta(
        days=pool.max_days_ahead
    ):
        raise horizon_error(pool, now)


def plan_series(
    *,
    by: User,
    pool: DevicePool,
    quantity: int,
    first_date: datetime.date,
    until: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    interval_weeks: int = 1,
    now: datetime.datetime | None = None,
) -> SeriesPlan:
    """Every date of the series: closed (skipped), not bookable (with the reason), or free.
    A fixed number of queries whatever the number of dates and reservations."""
    ensure_can_book(by, pool)
    ensure_not_lent_to_residents(pool)
    now = as_utc(now or timezone.now())
    _series_checks(
        pool=pool,
        quantity=quantity,
        first_date=first_date,
        start_time=start_time,
        end_time=end_time,
        now=now,
    )
    dates = series_dates(first_date, until, interval_weeks)
    opening = OpeningRule.over(pool.organization, dates[0], dates[-1])  # closures, hours
    closed = {day: why for day in dates if (why := opening.closed_on(day))}
    first_start = local_datetime(dates[0], start_time)
    last_end = local_datetime(dates[-1], end_time)
    intervals = availability.reserved_intervals(pool.pk, first_start, last_end)
    mine = (
        availability.reserved_intervals(
            pool.pk, first_start, last_end, user=by, statuses=ACTIVE_STATUSES
        )
        if pool.per_person_limit
        else []
    )
    capacity = pool.capacity()
    horizon = now + datetime.timedelta(days=pool.max_days_ahead)
    plan = SeriesPlan(latest_day=timezone.localtime(horizon).date())
    for day in dates:
        occurrence = Occurrence(day, local_datetime(day, start_time), local_datetime(day, end_time))
        occurrence.closure = closed.get(day, "")
        plan.occurrences.append(occurrence)
        if occurrence.closure:
            continue
        occurrence.free = max(
            capacity - availability.peak_in(intervals, occurrence.start, occurrence.end), 0
        )
        try:
            start, end = checked_times(occurrence.start, occurrence.end, now)
            error = limit_error(
                pool,
                quantity=quantity,
                start=start,
                end=end,
                now=now,
                capacity=capacity,
            ) or per_person_error(
                pool, mine=availability.peak_in(mine, start, end), quantity=quantity
            )
            error = error or opening.error(start, end)
            if error is not None:
                raise error
        except DomainError as error:
            occurrence.error = error
            occurrence.beyond_horizon = as_utc(occurrence.start) > horizon
        else:
            if quantity > occurrence.free:
                occurrence.error = exhausted(occurrence.free)
        if occurrence.error is not None:
            occurrence.problem = str(occurrence.error)
    return plan


def _on_date(day: datetime.date, problem: str) -> str:
    return _("%(date)s: %(problem)s") % {
        "date": date_format(day, "SHORT_DATE_FORMAT"),
        "problem": problem,
    }


def book_series(
    *,
    by: User,
    pool: DevicePool,
    quantity: int,
    first_date: datetime.date,
    until: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    interval_weeks: int = 1,
    purpose: str = "",
    dates: set[datetime.date] | None = None,
    now: datetime.datetime | None = None,
) -> Series:
    """Book the series' dates (``dates``: the ones the person chose from the plan; by default
    every bookable one). Closed dates are skipped. If a chosen date no longer fits (someone
    booked meanwhile), nothing is written and the error names the date.

    The plan is made again with the pool locked, so what it calls bookable is still free
    when the rows are written; the dates of one series never overlap each other."""
    ensure_can_book(by, pool)
    ensure_not_lent_to_residents(pool)
    purpose = clean_purpose(purpose)
    with transaction.atomic():
        pool = locked(pool)
        plan = plan_series(
            by=by,
            pool=pool,
            quantity=quantity,
            first_date=first_date,
            until=until,
            start_time=start_time,
            end_time=end_time,
            interval_weeks=interval_weeks,
            now=now,
        )
        if dates is None:
            dates = {occurrence.date for occurrence in plan.bookable}
        chosen = [
            occurrence
            for occurrence in plan.occurrences
            if occurrence.date in dates and not occurrence.closed
        ]
        if not chosen:
            raise InvalidBooking(_("None of the dates can be booked."))
        for occurrence in chosen:
            error = occurrence.error
            if isinstance(error, PoolExhausted):
                raise PoolExhausted(_on_date(occurrence.date, str(error)), error.free)
            if error is not None:
                raise type(error)(_on_date(occurrence.date, str(error)))
        status = (
            Reservation.Status.REQUESTED
            if needs_approval(by, pool)
            else Reservation.Status.CONFIRMED
        )
        try:
            pool = capacity.hold(
                pool=pool,
                start=chosen[0].start,
                end=chosen[0].end,
                quantity=quantity,
                now=now,
                more=[(occurrence.start, occurrence.end) for occurrence in chosen[1:]],
            )
        except PoolExhausted as error:
            day = timezone.localdate(error.start or chosen[0].start)
            raise PoolExhausted(_on_date(day, str(error)), error.free) from error
        series = Series.objects.create(
            pool=pool,
            user=by,
            quantity=quantity,
            purpose=purpose,
            first_date=first_date,
            until=until,
            start_time=start_time,
            end_time=end_time,
            interval_weeks=interval_weeks,
        )
        if pool.booking_scope == DevicePool.Scope.RESIDENTS:
            public_cache.bump("lending")  # bulk_create sends no signal
        # (The person's own pages: the series' post_save above bumped them.)
        Reservation.objects.bulk_create(
            Reservation(
                pool=pool,
                user=by,
                quantity=quantity,
                start=as_utc(occurrence.start),
                end=as_utc(occurrence.end),
                purpose=purpose,
                status=status,
                series=series,
            )
            for occurrence in chosen
        )
        log_action(
            by,
            "booking.series_reserved",
            series,
            organization_id=pool.organization_id,
            pool=pool.pk,
            dates=len(chosen),
            status=status,
        )

    transaction.on_commit(partial(send_series_email.enqueue, series.pk))
    if status == Reservation.Status.REQUESTED:
        first = series.reservations.order_by("start").values_list("pk", flat=True).first()
        transaction.on_commit(partial(tell_staff_of_request.enqueue, first, len(chosen)))
    return series
