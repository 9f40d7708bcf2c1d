"""The teachers' booking form: a date, lesson periods (or times), how many devices, a purpose,
and whether it repeats every week or every second week."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.dates import in_sensible_years
from core.forms import LongSelect, check_year, plain_choices
from core.request_input import ascii_int
from devices.models import DevicePool
from organizations.models import LessonPeriod

from . import services

# Far above any pool (a pool's capacity is checked by the service, with its own message);
# this only keeps absurd numbers away from the database.
MAX_QUANTITY = 1000
REPEAT_INTERVALS = {"weekly": 1, "fortnightly": 2}
CHECKED_FIELDS = ("date", "first_period", "last_period", "start_time", "end_time", "quantity")


def _time_text(value: datetime.time) -> str:
    return value.strftime("%H:%M")


def period_label(period: LessonPeriod) -> str:
    return f"{period.name} {_time_text(period.start)}–{_time_text(period.end)}"


def parse_date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


def _parse_time(value: str | None) -> datetime.time | None:
    try:
        return datetime.time.fromisoformat(value or "")
    except ValueError:
        return None


class ReservationForm(forms.Form):
    """Times are local; ``clean()`` turns them into aware ``start`` and ``end``. Whether the
    devices are free, and every limit of the pool, is the service's to say."""

    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    first_period = forms.TypedChoiceField(
        label=_("From period"), coerce=int, required=False, empty_value=None
    )
    last_period = forms.TypedChoiceField(
        label=_("Until period (inclusive)"), coerce=int, required=False, empty_value=None
    )
    start_time = forms.TimeField(
        label=_("From"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end_time = forms.TimeField(
        label=_("Until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quantity = forms.IntegerField(label=_("Number of devices"), min_value=1, max_value=MAX_QUANTITY)
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=200,
        required=False,
        help_text=_("e.g. class 7b, maths"),
    )
    repeat = forms.ChoiceField(
        label=_("Repeat"),
        choices=[
            ("once", _("Once")),
            ("weekly", _("Every week")),
            ("fortnightly", _("Every second week (A/B weeks)")),
        ],
        initial="once",
        widget=forms.RadioSelect,
        help_text=_("Before a series is booked, you see each of its dates."),
    )
    until = forms.DateField(
        label=_("Repeat until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Only for a series. Empty: the end of the school year."),
    )

    def __init__(self, *args, pool: DevicePool, periods: list[LessonPeriod], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pool = pool
        self.periods = {period.number: period for period in periods}
        self.fields["quantity"].widget.attrs.update({"min": 1, "max": pool.capacity()})
        for name in CHECKED_FIELDS:
            # The fields whose change asks the server again whether the devices are free.
            self.fields[name].widget.attrs["data-check"] = ""
        if self.periods:
            choices = [(number, period_label(p)) for number, p in self.periods.items()]
            self.fields["first_period"].choices = choices
            self.fields["last_period"].choices = choices
            self.fields["start_time"].help_text = _(
                "Only for a time outside the lesson periods: a start and end time entered "
                "here are used instead of the periods."
            )
        else:
            del self.fields["first_period"]
            del self.fields["last_period"]
            self.fields["start_time"].required = True
            self.fields["end_time"].required = True

    @property
    def uses_periods(self) -> bool:
        return bool(self.periods)

    def clean_date(self) -> datetime.date:
        return check_year(self.cleaned_data["date"])

    def clean_until(self) -> datetime.date | None:
        return check_year(self.cleaned_data.get("until"))

    def clean(self) -> dict:
        data = super().clean()
        start_time, end_time = data.get("start_time"), data.get("end_time")
        if self.uses_periods and start_time is None and end_time is None:
            first, last = data.get("first_period"), data.get("last_period")
            if first is None or last is None:
                if not self.has_error("first_period") and not self.has_error("last_period"):
                    self.add_error("first_period", _("Choose the lesson periods."))
                return data
            if last < first:
                self.add_error("last_period", _("The last period must not be before the first."))
                return data
            start_time, end_time = self.periods[first].start, self.periods[last].end
        elif start_time is None or end_time is None:
            if not self.has_error("start_time") and not self.has_error("end_time"):
                field = "end_time" if start_time is not None else "start_time"
                self.add_error(field, _("Enter both a start and an end time."))
            return data
        elif end_time <= start_time:
            self.add_error("end_time", _("The end must be after the start."))
            return data
        day = data.get("date")
        if day is None:
            return data
        data["start_time"], data["end_time"] = start_time, end_time
        data["start"] = services.local_datetime(day, start_time)
        data["end"] = services.local_datetime(day, end_time)
        data["interval_weeks"] = REPEAT_INTERVALS.get(data.get("repeat") or "once")
        if data["interval_weeks"] and data.get("until") is None:
            data["until"] = services.end_of_school_year(self.pool.organization, day)
        return data

    def booking(self) -> dict:
        """The arguments of ``services.reserve`` (once)."""
        data = self.cleaned_data
        return {
            "quantity": data["quantity"],
            "start": data["start"],
            "end": data["end"],
            "purpose": data["purpose"],
        }

    def series(self) -> dict:
        """The arguments of ``services.plan_series`` / ``book_series`` (without purpose)."""
        data = self.cleaned_data
        return {
            "quantity": data["quantity"],
            "first_date": data["date"],
            "until": data["until"],
            "start_time": data["start_time"],
            "end_time": data["end_time"],
            "interval_weeks": data["interval_weeks"],
        }


def initial_from_query(query, *, pool: DevicePool, periods: list[LessonPeriod]) -> dict:
    """The form's starting values from a link (the week view, an alternative):
    ?date=YYYY-MM-DD&from=HH:MM&to=HH:MM&quantity=N&purpose=…&repeat=…; bad values are
    ignored. A time that is a period's start or end selects that period."""
    day = parse_date(query.get("date"))
    if day is None or not in_sensible_years(day):
        day = timezone.localdate()
    initial: dict = {"date": day, "repeat": "once"}
    start, end = _parse_time(query.get("from")), _parse_time(query.get("to"))
    if periods:
        by_start = {period.start: period.number for period in periods}
        by_end = {period.end: period.number for period in periods}
        if start in by_start and end in by_end and by_start[start] <= by_end[end]:
            initial |= {"first_period": by_start[start], "last_period": by_end[end]}
        elif start and end:
            initial |= {"start_time": start, "end_time": end}
    else:
        initial |= {"start_time": start or datetime.time(8), "end_time": end or datetime.time(9)}
    quantity = ascii_int(query.get("quantity"))
    if quantity is not None and 0 < quantity <= MAX_QUANTITY:
        initial["quantity"] = quantity
    if query.get("purpose"):
        initial["purpose"] = query["purpose"][:200]
    if query.get("repeat") in ("once", *REPEAT_INTERVALS):
        initial["repeat"] = query["repeat"]
    initial["until"] = services.end_of_school_year(pool.organization, day)
    return initial


class MyBookingsFilter(forms.Form):
    """ "My bookings" by pool and by week: a GET form. A week is given by any of its days."""

    # Written in Python from plain rows (core.forms): the same HTML without a template per
    # option and without a model instance per pool read through a server-side cursor.
    pool = forms.ModelChoiceField(
        label=_("Pool"),
        queryset=DevicePool.objects.none(),
        required=False,
        empty_label=_("All"),
        widget=LongSelect,
    )
    week = forms.DateField(
        label=_("Week with the day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Any day of the week, for example 08.12.2026."),
        validators=[check_year],
    )

    def __init__(self, *args, pools, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = pools
        plain_choices(self.fields["pool"], "name")

    def monday(self) -> datetime.date | None:
        day = self.cleaned_data.get("week")
        return day - datetime.timedelta(days=day.weekday()) if day else None
