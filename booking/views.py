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
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import once
from core.confirm import confirm_page
from core.dates import in_sensible_years, local_datetime
from core.errors import DomainError
from core.htmx import partial_request
from core.mail import site_url
from devices.models import DevicePool
from organizations.hours import OpeningCalendar, calendar_for
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


@dataclass
class Row:
    label: str
    cells: list[Cell] = field(default_factory=list)


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


def _within_hours(calendar: OpeningCalendar, day: datetime.date, start, end) -> bool:
    """Whether [start, end) of the day lies within one of its opening intervals (always,
    when its hours are not known)."""
    intervals = calendar.intervals(day)
    if intervals is None:
        return True
    return any(i.opens <= start and end <= i.closes for i in intervals)


def _week(pool: DevicePool, monday: datetime.date) -> dict:
    """The grid of free devices: a row per lesson period (or hour of the opening hours), a
    column per day; periods only on the school's open days, hours only within the opening
    hours. Two queries for the reservations of the whole week, four for its calendar."""
    school = pool.organization.kind == pool.organization.Kind.SCHOOL
    week = [monday + datetime.timedelta(days=offset) for offset in range(7)]
    calendar = calendar_for(pool.organization, week[0], week[-1])
    # Monday to Friday (a school) or Saturday, and any further day the organization opens.
    days = [
        day
        for day in week
        if day.weekday() < (5 if school else 6) or (calendar.known and calendar.is_open(day))
    ]
    periods = _periods(pool)
    slots = [(period_label(p), p.start, p.end) for p in periods] or _hour_slots(calendar, days)
    closed = {
        day: calendar.closure_on(day) or services.not_open_label(pool.organization)
        for day in days
        if not calendar.is_open(day)
    }
    intervals = availability.reserved_intervals(
        pool.pk,
        local_datetime(monday, datetime.time(0)),
        local_datetime(monday + datetime.timedelta(days=7), datetime.time(0)),
    )
    capacity, now, today = pool.capacity(), timezone.now(), timezone.localdate()
    reserve_url = reverse("booking:reserve", kwargs={"pk": pool.pk})  # once, not per cell
    rows = []
    for label, start_time, end_time in slots:
        row = Row(label)
        for day in days:
            start, end = local_datetime(day, start_time), local_datetime(day, end_time)
            free = max(capacity - availability.peak_in(intervals, start, end), 0)
            url = f"{reserve_url}?{urlencode(_times(start, end))}"
            cell = Cell(start, end, free, closed.get(day, ""), start < now, url)
            # Lesson periods are the school's own times; hours follow the opening hours.
            cell.outside_hours = not periods and not _within_hours(
                calendar, day, start_time, end_time
            )
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
        "is_this_week": monday == this_monday,
    }


@require_safe
@login_required
def week(request: HttpRequest, pk: int) -> HttpResponse:
    """How many devices are free per lesson period (or hour) in a week; ?date= picks it."""
    pool = _bookable_pool(request, pk)
    day = parse_date(request.GET.get("date"))
    if day is None or not in_sensible_years(day):
        day = timezone.localdate()
    context = {"pool": pool, **_week(pool, day - datetime.timedelta(days=day.weekday()))}
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


def _availability(user, pool: DevicePool, form: ReservationForm) -> Availability | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    quantity, start, end = data["quantity"], data["start"], data["end"]
    result = Availability(quantity=quantity, capacity=pool.capacity())
    try:
        services.check_booking(by=user, pool=pool, quantity=quantity, start=start, end=end)
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
    past = Paginator(mine.exclude(upcoming).order_by("-start", "-pk"), PAST_PAGE_SIZE)
    token = services.calendar_token(user=request.user)
    feed_path = reverse("booking:feed", kwargs={"token": token.token})
    # A year of weekly series are a few rows; many single bookings make a long list: the
    # next ones first, all of them on request.
    coming = list(mine.filter(upcoming).order_by("start", "pk"))
    page = past.get_page(request.GET.get("page"))
    _note_hand_outs([*coming, *page.object_list])
    rows = _group_series(coming)
    show_all = request.GET.get("upcoming") == "all"
    context = {
        "filters": filters,
        "filtered": filters.is_bound and filters.is_valid() and any(filters.cleaned_data.values()),
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
            services.cancel(by=request.user, reservation=reservation)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Cancelled: %(what)s.") % {"what": what})
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
