"""The teachers' booking pages: the week view of a pool, the booking form (once or as a
series), "my bookings", one booking, cancelling, and the iCal download and subscription."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import keyset, once, public_cache
from core.confirm import confirm_page
from core.dates import in_sensible_years, local_datetime
from core.errors import DomainError
from core.htmx import partial_request
from core.mail import site_url
from devices.models import DevicePool
from organizations.hours import ONE_DAY, OpeningCalendar, calendar_for
from organizations.models import LessonPeriod

from . import availability, ical, services
from .describe import dates_until, describe_dates, series_rhythm, when_text
from .forms import (
    MyBookingsFilter,
    ReservationForm,
    initial_from_query,
    parse_date,
    period_label,
)
from .models import CalendarToken, LoanItem, Reservation, Series

UPCOMING_SHOWN = 20
PAST_PAGE_SIZE = 20  # cards on a phone: 50 of them were 20,000 px
FEED_DAYS_BACK = 30
HOURS = range(8, 20)  # rows of the week view for organizations without lesson periods
# What secrets.token_urlsafe() makes; anything else (a NUL byte, say) never reaches the database.
TOKEN = re.compile(rf"[A-Za-z0-9_-]{{1,{CalendarToken._meta.get_field('token').max_length}}}")


def _bookable_pool(request: HttpRequest, pk: int) -> DevicePool:
    return get_object_or_404(
        DevicePool.objects.bookable_by(request.user)
        .with_capacity()
        .select_related("organization", "location"),
        pk=pk,
    )


def _periods(pool: DevicePool) -> list:
    return list(pool.organization.lesson_periods.all())


def _times(start: datetime.datetime, end: datetime.datetime) -> dict[str, str]:
    start, end = timezone.localtime(start), timezone.localtime(end)
    return {"date": start.date().isoformat(), "from": f"{start:%H:%M}", "to": f"{end:%H:%M}"}


def _prefill_url(pool: DevicePool, **query) -> str:
    query = {key: value for key, value in query.items() if value not in ("", None)}
    return f"{reverse('booking:reserve', kwargs={'pk': pool.pk})}?{urlencode(query)}"


# ---------------------------------------------------------------------------------------
# The week view


@dataclass
class Cell:
    start: datetime.datetime
    end: datetime.datetime
    free: int
    closure: str
    past: bool
    url: str
    # Outside the organization's opening hours on an open day: not offered.
    outside_hours: bool = False
    # The person's own bookings in the slot: devices, and the booking when it is one.
    mine: int = 0
    mine_requested: bool = False
    mine_url: str = ""
    capacity: int = 0

    @property
    def level(self) -> str:
        """How full the slot is, for the colour scale (the text says it too)."""
        if self.free <= 0:
            return "full"
        if self.capacity and self.free * 4 <= self.capacity:
            return "low"  # a quarter or less free
        if self.capacity and self.free * 2 <= self.capacity:
            return "some"  # half or less free
        return "free"


@dataclass
class Row:
    label: str
    cells: list[Cell] = field(default_factory=list)


# How far ahead the week view looks for the coming school week (the summer holidays fit).
COMING_WEEK_DAYS = 56


def _hour_slots(calendar: OpeningCalendar, days: list[datetime.date]) -> list[tuple]:
    """The hours of the week's rows: from the earliest opening to the latest closing of the
    week's open days (its opening hours), or 08–20 when the hours are not known."""
    bounds = [b for b in map(calendar.bounds, days) if b is not None]
    hours = HOURS
    if bounds:
        first = min(opens for opens, _closes in bounds).hour
        last = max(closes.hour + (1 if closes.minute else 0) for _opens, closes in bounds)
        hours = range(first, last)
    return [
        (f"{hour:02}:00–{hour + 1:02}:00", datetime.time(hour), datetime.time(hour + 1))
        if hour < 23
        else (f"{hour:02}:00–24:00", datetime.time(hour), datetime.time.max)
        for hour in hours
    ]


def _shown(pool: DevicePool, calendar: OpeningCalendar, day: datetime.date) -> bool:
    """Whether the week view has a column for the day: Monday to Friday (a school) or
    Saturday, and any further day the organization opens."""
    school = pool.organization.kind == pool.organization.Kind.SCHOOL
    return day.weekday() < (5 if school else 6) or (calendar.known and calendar.is_open(day))


def _coming_week(
    pool: DevicePool, calendar: OpeningCalendar, periods: list, now: datetime.datetime
) -> datetime.date:
    """The Monday of the week to open on: the week of the next day on which something can
    still be booked. On a weekend, or on a school day after the last lesson period (or after
    closing time) of a week with no open day left, that is the coming week."""
    today = timezone.localdate(now)
    if periods:
        day_ends = max(period.end for period in periods)
    else:
        day_ends = (calendar.bounds(today) or (None, datetime.time(HOURS[-1] + 1)))[1]
    day = today if timezone.localtime(now).time() < day_ends else today + ONE_DAY
    for _day in range(COMING_WEEK_DAYS):
        if _shown(pool, calendar, day) and calendar.is_open(day):
            break
        day += ONE_DAY
    else:
        day = today  # nothing open for weeks: this week, with its closures
    return day - datetime.timedelta(days=day.weekday())


def _mine(user, pool: DevicePool, start: datetime.datetime, end: datetime.datetime) -> list:
    """The person's own active bookings of the pool in [start, end). One query."""
    return list(
        Reservation.objects.filter(pool=pool, user=user, status__in=services.ACTIVE_STATUSES)
        .overlapping(start, end)
        .only("pk", "start", "end", "quantity", "status")
    )


def _mark_mine(cell: Cell, mine: list) -> None:
    """The most devices the person holds at once in the slot, and a link to the booking when
    one booking covers it."""
    covering = [r for r in mine if r.start < cell.end and r.end > cell.start]
    if not covering:
        return
    points = {cell.start, *(r.start for r in covering if r.start > cell.start)}
    cell.mine = max(
        sum(r.quantity for r in covering if r.start <= point < r.end) for point in points
    )
    cell.mine_requested = all(r.status == Reservation.Status.REQUESTED for r in covering)
    if len(covering) == 1:
        cell.mine_url = covering[0].get_absolute_url()


def _week(
    pool: DevicePool,
    monday: datetime.date,
    *,
    user=None,
    calendar: OpeningCalendar | None = None,
    periods: list | None = None,
) -> dict:
    """The grid of free devices: a row per lesson period (or hour of the opening hours), a
    column per day; periods only on the school's open days, hours only within the opening
    hours (services.OpeningRule). With ``user``, that person's own bookings are marked.
    Two queries for the reservations of the whole week and one for the person's own, four
    for its calendar (none when ``calendar`` covers the week already)."""
    week = [monday + datetime.timedelta(days=offset) for offset in range(7)]
    if calendar is None or not (calendar.covers(week[0]) and calendar.covers(week[-1])):
        calendar = calendar_for(pool.organization, week[0], week[-1])
    days = [day for day in week if _shown(pool, calendar, day)]
    periods = _periods(pool) if periods is None else periods
    rule = services.OpeningRule(pool.organization, calendar, periods)
    slots = [(period_label(p), p.start, p.end) for p in periods] or _hour_slots(calendar, days)
    closed = {day: rule.closed_on(day) for day in days if rule.closed_on(day)}
    week_start = local_datetime(monday, datetime.time(0))
    week_end = local_datetime(monday + datetime.timedelta(days=7), datetime.time(0))
    intervals = availability.reserved_intervals(pool.pk, week_start, week_end)
    mine = _mine(user, pool, week_start, week_end) if user is not None else []
    capacity, now, today = pool.capacity(), timezone.now(), timezone.localdate()
    reserve_url = reverse("booking:reserve", kwargs={"pk": pool.pk})  # once, not per cell
    rows = []
    for label, start_time, end_time in slots:
        row = Row(label)
        for day in days:
            start, end = local_datetime(day, start_time), local_datetime(day, end_time)
            free = max(capacity - availability.peak_in(intervals, start, end), 0)
            url = f"{reserve_url}?{urlencode(_times(start, end))}"
            cell = Cell(start, end, free, closed.get(day, ""), start < now, url, capacity=capacity)
            # Lesson periods are the school's own times; hours follow the opening hours.
            cell.outside_hours = not cell.closure and not rule.within_hours(start, end)
            _mark_mine(cell, mine)
            row.cells.append(cell)
        rows.append(row)
    this_monday = today - datetime.timedelta(days=today.weekday())
    return {
        "days": [(day, closed.get(day, ""), day == today) for day in days],
        "rows": rows,
        "monday": monday,
        "last_day": days[-1],
        "capacity": capacity,
        "uses_periods": bool(periods),
        "hours_known": calendar.known,
        "previous_week": (monday - datetime.timedelta(days=7)).isoformat(),
        "next_week": (monday + datetime.timedelta(days=7)).isoformat(),
        # "This week" is the calendar week, also on a weekend when the view opens on the
        # coming one (the page says so): else it and "Previous week" would swap meanings.
        "this_week": this_monday.isoformat(),
        "is_this_week": monday == this_monday,
        "school": pool.organization.kind == pool.organization.Kind.SCHOOL,
    }


@require_safe
@login_required
def week(request: HttpRequest, pk: int) -> HttpResponse:
    """How many devices are free per lesson period (or hour) in a week, and the person's own
    bookings; ?date= picks the week, else the coming one with something left to book."""
    pool = _bookable_pool(request, pk)
    periods = _periods(pool)
    day = parse_date(request.GET.get("date"))
    calendar = None
    if day is None or not in_sensible_years(day):
        today = timezone.localdate()
        this_monday = today - datetime.timedelta(days=today.weekday())
        calendar = calendar_for(
            pool.organization, this_monday, this_monday + datetime.timedelta(COMING_WEEK_DAYS + 7)
        )
        day = _coming_week(pool, calendar, periods, timezone.now())
        ahead = day > this_monday
    else:
        ahead = False
    monday = day - datetime.timedelta(days=day.weekday())
    grid = _week(pool, monday, user=request.user, calendar=calendar, periods=periods)
    context = {"pool": pool, "opened_ahead": ahead, **grid}
    template = "booking/week.html" + ("#week" if partial_request(request) else "")
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---------------------------------------------------------------------------------------
# The booking form


@dataclass
class Availability:
    """What the form's status region says: free or not, the limit that fails, and where
    else (other times, other pools) enough devices are free."""

    quantity: int
    capacity: int
    free: int | None = None
    problem: str = ""
    times: list[dict] = field(default_factory=list)
    pools: list[dict] = field(default_factory=list)

    @property
    def enough(self) -> bool:
        return self.free is not None and self.free >= self.quantity

    def _of_kind(self, kind: str) -> list[dict]:
        return [time for time in self.times if time["kind"] == kind]

    @property
    def next_periods(self) -> list[dict]:
        """The next free run of as many lesson periods."""
        return self._of_kind("next")

    @property
    def same_periods(self) -> list[dict]:
        return self._of_kind("same_periods")

    @property
    def nearby(self) -> list[dict]:
        """The same time on other days (a time that is not by lesson period)."""
        return self._of_kind("nearby")


def _availability(user, pool: DevicePool, form: ReservationForm) -> Availability | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    quantity, start, end = data["quantity"], data["start"], data["end"]
    result = Availability(quantity=quantity, capacity=pool.capacity())
    try:
        services.check_booking(by=user, pool=pool, quantity=quantity, start=start, end=end)
        services.ensure_open(pool.organization, start, end)
    except DomainError as error:
        result.problem = str(error)
        return result
    result.free = services.free_count(pool, start, end)
    if not result.enough:
        times, pools = services.alternatives(
            by=user, pool=pool, quantity=quantity, start=start, end=end
        )
        keep = {"quantity": quantity, "purpose": data["purpose"]}
        result.times = [
            {**vars(alt), "url": _prefill_url(pool, **_times(alt.start, alt.end), **keep)}
            for alt in times
        ]
        result.pools = [
            {**vars(alt), "url": _prefill_url(alt.pool, **_times(alt.start, alt.end), **keep)}
            for alt in pools
        ]
    return result


def _render_form(
    request: HttpRequest, pool: DevicePool, form: ReservationForm, *, status: int = 200, **extra
) -> HttpResponse:
    context = {
        "pool": pool,
        "form": form,
        "needs_approval": services.needs_approval(request.user, pool),
        **extra,
    }
    return render(request, "booking/reservation_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def reserve(request: HttpRequest, pk: int) -> HttpResponse:
    """Book once, or preview and then book a weekly series. Works without JavaScript; with
    it, the status region says at once whether enough devices are free."""
    pool = _bookable_pool(request, pk)
    periods = _periods(pool)
    if request.method == "GET":
        initial = initial_from_query(request.GET, pool=pool, periods=periods)
        return _render_form(
            request, pool, ReservationForm(initial=initial, pool=pool, periods=periods)
        )
    form = ReservationForm(request.POST, pool=pool, periods=periods)
    if not form.is_valid():
        return _render_form(request, pool, form, status=400)
    if "check" in request.POST:
        return _render_form(request, pool, form, check=_availability(request.user, pool, form))
    if form.cleaned_data["interval_weeks"]:
        return _reserve_series(request, pool, form)
    if (repeated := once.claim(request)) is not None:
        return repeated
    try:
        reservation = services.reserve(by=request.user, pool=pool, **form.booking())
    except services.PoolExhausted as error:
        once.release(request)
        check = _availability(request.user, pool, form)  # before the error makes it invalid
        form.add_error(None, error)
        return _render_form(request, pool, form, status=400, check=check)
    except DomainError as error:
        once.release(request)
        form.add_error(None, error)
        return _render_form(request, pool, form, status=400)
    once.done(request, reservation.get_absolute_url())
    if reservation.status == Reservation.Status.REQUESTED:
        message = _("Request sent: staff of %(organization)s will confirm it.")
    else:
        message = _("Booked: %(quantity)d × %(pool)s.")
    messages.success(
        request,
        message
        % {"organization": pool.organization.name, "quantity": reservation.quantity, "pool": pool},
    )
    return redirect(reservation)


def _chosen_dates(request: HttpRequest) -> set[datetime.date]:
    return {day for day in map(parse_date, request.POST.getlist("dates")) if day is not None}


def _reserve_series(request: HttpRequest, pool: DevicePool, form: ReservationForm):
    """Without ``confirm``: the preview of every date. With it: book the chosen dates."""
    if "confirm" in request.POST:
        dates = _chosen_dates(request)
        if not dates:
            form.add_error(None, _("Choose at least one date to book."))
        elif (repeated := once.claim(request)) is not None:
            return repeated
        else:
            try:
                series = services.book_series(
                    by=request.user,
                    pool=pool,
                    purpose=form.cleaned_data["purpose"],
                    dates=dates,
                    **form.series(),
                )
            except DomainError as error:
                once.release(request)
                form.add_error(None, error)
            else:
                once.done(request, reverse("booking:my_bookings"))
                booked = list(series.reservations.values_list("status", flat=True))
                if Reservation.Status.REQUESTED in booked:
                    text = ngettext(
                        "Request sent for %(count)d date: staff of %(organization)s will "
                        "confirm it.",
                        "Request sent for %(count)d dates: staff of %(organization)s will "
                        "confirm them.",
                        len(booked),
                    )
                else:
                    text = ngettext(
                        "%(count)d date booked.", "%(count)d dates booked.", len(booked)
                    )
                messages.success(
                    request, text % {"count": len(booked), "organization": pool.organization}
                )
                return redirect("booking:my_bookings")
    try:
        plan = services.plan_series(by=request.user, pool=pool, **form.series())
    except DomainError as error:
        form.add_error(None, error)
        return _render_form(request, pool, form, status=400)
    return _render_form(request, pool, form, plan=plan, status=400 if form.errors else 200)


@require_safe
@login_required
def reserve_check(request: HttpRequest, pk: int) -> HttpResponse:
    """The availability status for the form's current values (htmx, on every change)."""
    pool = _bookable_pool(request, pk)
    form = ReservationForm(request.GET, pool=pool, periods=_periods(pool))
    check = _availability(request.user, pool, form)
    if partial_request(request):
        context = {"pool": pool, "form": form, "check": check, "checked": True}
        response = render(request, "booking/reservation_form.html#availability", context)
    else:
        response = _render_form(request, pool, form, check=check, checked=True)
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---------------------------------------------------------------------------------------
# My bookings, one booking, cancelling


def _note_hand_outs(reservations: list[Reservation]) -> None:
    """Set ``handed_out`` and ``items_out`` on each: whether devices were handed out against
    it, and whether some are still out. One query for the rows shown (as EXISTS columns of
    the page's query, PostgreSQL ran them over every past booking before the LIMIT: 75 ms
    for a teacher of the region at scale 1)."""
    counts = {
        row["loan__reservation_id"]: row
        for row in LoanItem.objects.filter(
            loan__reservation_id__in=[reservation.pk for reservation in reservations]
        )
        .values("loan__reservation_id")
        .annotate(items=Count("pk"), out=Count("pk", filter=Q(returned_at=None)))
    }
    for reservation in reservations:
        row = counts.get(reservation.pk)
        reservation.handed_out = bool(row)
        reservation.items_out = bool(row and row["out"])


@dataclass
class SeriesRow:
    """The upcoming dates of one series, shown as one row that expands to them."""

    series: Series
    dates: list[Reservation]
    rhythm: str = ""
    count_text: str = ""

    @property
    def first(self) -> Reservation:
        return self.dates[0]

    @cached_property
    def statuses(self) -> list[tuple[str, str, int]]:
        """(status, its label, how many dates) in the order of the status choices."""
        counts = Counter(date.status for date in self.dates)
        return [
            (status, label, counts[status])
            for status, label in Reservation.Status.choices
            if counts[status]
        ]

    @property
    def mixed(self) -> bool:
        """Whether its dates differ in status (some declined, say): then each says its own."""
        return len(self.statuses) > 1

    @property
    def shortfall(self) -> bool:
        return any(date.shortfall and date.is_active for date in self.dates)

    @property
    def cancellable(self) -> Reservation | None:
        """The first date from which "this and all later dates" can be cancelled."""
        return next((date for date in self.dates if date.is_active), None)


def _group_series(reservations: list[Reservation]) -> list[Reservation | SeriesRow]:
    """A row per single booking and per series with two or more dates among
    ``reservations``, at the place of its first one. Two dates or more of a series get
    their lesson periods read, in one query."""
    by_series: dict[int, list[Reservation]] = {}
    for reservation in reservations:
        if reservation.series_id:
            by_series.setdefault(reservation.series_id, []).append(reservation)
    grouped = {pk for pk, dates in by_series.items() if len(dates) > 1}
    periods: dict[int, list[LessonPeriod]] = {}
    if grouped:
        organizations = {by_series[pk][0].pool.organization_id for pk in grouped}
        for period in LessonPeriod.objects.filter(organization_id__in=organizations):
            periods.setdefault(period.organization_id, []).append(period)
    rows: list[Reservation | SeriesRow] = []
    for reservation in reservations:
        if reservation.series_id not in grouped:
            rows.append(reservation)
        elif reservation is by_series[reservation.series_id][0]:
            dates = by_series[reservation.series_id]
            rhythm = series_rhythm(
                dates,
                reservation.series.interval_weeks,
                periods.get(reservation.pool.organization_id, ()),
            )
            rows.append(SeriesRow(reservation.series, dates, rhythm, dates_until(dates)))
    return rows


def _week_range(monday: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    return (
        local_datetime(monday, datetime.time(0)),
        local_datetime(monday + datetime.timedelta(days=7), datetime.time(0)),
    )


# Kept for the person until their bookings, the loans of them, a pool's or organization's name,
# the lesson periods or the clock change it (core.public_cache). Loans and pools are ``lending``.
@public_cache.own_page("lending", "organizations")
@require_safe
@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    """The calendar subscription; upcoming bookings, a series as one row that expands to its
    dates; past and cancelled ones with what happened (handed out, returned, not picked up).
    Filtered by pool and week (a GET form: bad values are named, 400, and not applied)."""
    now = timezone.now()
    mine = Reservation.objects.filter(user=request.user).select_related(
        "pool__organization", "series"
    )
    pools = DevicePool.objects.filter(
        pk__in=Reservation.objects.filter(user=request.user).values("pool_id")
    ).order_by("name", "pk")
    filters = MyBookingsFilter(request.GET or None, pools=pools)
    monday = None
    if filters.is_valid():
        if pool := filters.cleaned_data["pool"]:
            mine = mine.filter(pool=pool)
        if monday := filters.monday():
            start, end = _week_range(monday)
            mine = mine.filter(start__lt=end, end__gt=start)
    upcoming = Q(end__gt=now) & ~Q(status=Reservation.Status.CANCELLED)
    filtered = filters.is_bound and filters.is_valid() and any(filters.cleaned_data.values())
    try:
        page = keyset.newest_first(
            mine.exclude(upcoming),
            column="start",
            size=PAST_PAGE_SIZE,
            older=request.GET.get("older"),
            newer=request.GET.get("newer"),
            number=request.GET.get("page"),
        )
    except keyset.BadCursor:
        page = keyset.newest_first(mine.exclude(upcoming), column="start", size=PAST_PAGE_SIZE)
        filters.add_error(
            None, _("That page of past bookings does not exist: here are the newest.")
        )
    token = services.calendar_token(user=request.user)
    feed_path = reverse("booking:feed", kwargs={"token": token.token})
    # A year of weekly series are a few rows; many single bookings make a long list: the
    # next ones first, all of them on request. Through reservation_user_end: the teacher's
    # past bookings are not read.
    coming = list(mine.filter(upcoming).order_by("start", "pk"))
    # A booking to come loses its "Cancel" when it begins and moves to the past when it ends.
    public_cache.changes_at(
        request, lambda: min((r.start if r.start > now else r.end for r in coming), default=None)
    )
    _note_hand_outs([*coming, *page.object_list])
    rows = _group_series(coming)
    show_all = request.GET.get("upcoming") == "all"
    context = {
        "filters": filters,
        "filtered": filtered,
        "monday": monday,
        "upcoming": rows if show_all else rows[:UPCOMING_SHOWN],
        "upcoming_count": len(rows),
        "upcoming_hidden": 0 if show_all else max(len(rows) - UPCOMING_SHOWN, 0),
        "page": page,
        "now": now,
        "feed_url": site_url(feed_path),
        "webcal_url": "webcal://" + site_url(feed_path).split("://", 1)[1],
    }
    if monday:
        context["previous_week"] = (monday - datetime.timedelta(days=7)).isoformat()
        context["next_week"] = (monday + datetime.timedelta(days=7)).isoformat()
        context["sunday"] = monday + datetime.timedelta(days=6)
    status = 400 if filters.is_bound and not filters.is_valid() else 200
    return render(request, "booking/my_bookings.html", context, status=status)


def _reservation(request: HttpRequest, pk: int) -> Reservation:
    return get_object_or_404(
        Reservation.objects.for_user(request.user).select_related(
            "pool__organization", "pool__location", "user", "series"
        ),
        pk=pk,
    )


@require_safe
@login_required
def reservation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reservation = _reservation(request, pk)
    return render(
        request,
        "booking/reservation_detail.html",
        {"reservation": reservation, "now": timezone.now()},
    )


@require_http_methods(["GET", "POST"])
@login_required
def reservation_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """scope=one cancels this booking; scope=rest this and every later date of its series.
    GET asks first, naming every date that goes; POST cancels."""
    reservation = _reservation(request, pk)
    scope = request.POST.get("scope") or request.GET.get("scope") or "one"
    if scope not in ("one", "rest"):
        return render(request, "400.html", status=400)
    periods = _periods(reservation.pool)
    dates = [reservation]
    if scope == "rest" and reservation.series_id:  # (without one, the service says so)
        rest = services.rest_of_series(reservation, now=timezone.now())
        dates = list(rest.select_related("pool").order_by("start", "pk")) or dates
    what = describe_dates(dates, periods)
    if request.method == "GET":
        return confirm_page(
            request,
            title=_("Cancel this and all later dates?")
            if scope == "rest"
            else _("Cancel this booking?"),
            what=what,
            details=[when_text(date, periods) for date in dates[1:]],
            fields={"scope": scope},
            confirm_label=_("Yes, cancel"),
            back_url=reservation.get_absolute_url(),
        )
    try:
        if scope == "rest":
            services.cancel_rest_of_series(by=request.user, reservation=reservation)
        else:
            reservation = services.cancel(by=request.user, reservation=reservation)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        text = _("Cancelled: %(what)s.") % {"what": what}
        if (
            scope == "one"
            and reservation.user_id == request.user.pk
            and reservation.pool.booking_scope != DevicePool.Scope.RESIDENTS
        ):
            # Undo beats asking twice: the message carries a button for a few minutes.
            until = timezone.localtime(services.undo_cancel_until(reservation))
            text += " " + _("You can undo this until %(time)s.") % {"time": until.strftime("%H:%M")}
            undo = reverse("booking:reservation_restore", kwargs={"pk": reservation.pk})
            messages.success(request, text, extra_tags=f"undo {undo}")
        else:
            messages.success(request, text)
    return redirect("booking:my_bookings")


@require_POST
@login_required
def reservation_restore(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo the cancellation of one's own booking (the button in the success message)."""
    reservation = get_object_or_404(
        Reservation.objects.filter(user=request.user).select_related("pool__organization"),
        pk=pk,
    )
    periods = _periods(reservation.pool)
    try:
        services.restore(by=request.user, reservation=reservation)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        what = describe_dates([reservation], periods)
        messages.success(request, _("Restored: %(what)s.") % {"what": what})
    return redirect("booking:my_bookings")


def _calendar_response(body: bytes, filename: str, disposition: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@require_safe
@login_required
def reservation_ics(request: HttpRequest, pk: int) -> HttpResponse:
    reservation = _reservation(request, pk)
    body = ical.calendar(
        [reservation],
        name=reservation.pool.name,
        with_person=ical.named if reservation.user_id != request.user.pk else None,
    )
    return _calendar_response(body, f"lernpool-{reservation.pk}.ics", "attachment")


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The personal iCal subscription: no login, the secret token is the key. Cancelled and
    declined bookings stay in it (as cancelled) so that calendar apps remove them."""
    if not TOKEN.fullmatch(token):
        raise Http404
    owner = (
        CalendarToken.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    if owner is None:
        raise Http404
    since = timezone.now() - datetime.timedelta(days=FEED_DAYS_BACK)
    reservations = (
        Reservation.objects.filter(user_id=owner.user_id, end__gte=since)
        .select_related("pool__organization", "pool__location")
        .order_by("start", "pk")
    )
    language = owner.user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        body = ical.calendar(reservations, name=_("Lernpool: my bookings"))
    response = _calendar_response(body, "lernpool.ics", "inline")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
@login_required
def calendar_reset(request: HttpRequest) -> HttpResponse:
    services.reset_calendar_token(by=request.user)
    messages.success(
        request,
        _(
            "Your calendar address is new. The old address no longer works: subscribe again "
            "with the new one."
        ),
    )
    return redirect(reverse("booking:my_bookings") + "#calendar")
