from __future__ import annotations

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import check_year

from . import services
from .log_labels import GROUP_ACTIONS, GROUPS
from .models import District, Organization, Role, Weekday


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Organization.Kind.choices]
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        required=False,
        queryset=District.objects.all(),
        to_field_name="slug",
        empty_label=_("All districts"),
    )

    def filter(self, organizations):
        if not self.is_valid():
            return organizations
        data = self.cleaned_data
        if data["q"]:
            organizations = organizations.filter(
                Q(name__icontains=data["q"]) | Q(city__icontains=data["q"])
            )
        if data["kind"]:
            organizations = organizations.filter(kind=data["kind"])
        if data["district"]:
            organizations = organizations.filter(district=data["district"])
        return organizations


class LogFilterForm(forms.Form):
    """The audit log's filters: a group of actions and a range of days (both ends included)."""

    group = forms.ChoiceField(label=_("What"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", _("Everything")), *GROUPS.items()]

    def clean_date_from(self):
        return check_year(self.cleaned_data.get("date_from"))

    def clean_date_to(self):
        return check_year(self.cleaned_data.get("date_to"))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Please choose a day on or after the first day."))
        return data

    def filter(self, entries):
        """The entries that match; call after ``is_valid()``."""
        data = self.cleaned_data
        if data.get("group"):
            entries = entries.filter(action__in=GROUP_ACTIONS[data["group"]])
        if data.get("date_from"):
            entries = entries.filter(created_at__gte=_start_of(data["date_from"]))
        if data.get("date_to"):
            entries = entries.filter(
                created_at__lt=_start_of(data["date_to"] + datetime.timedelta(days=1))
            )
        return entries


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AddMemberForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("The address the person signed up with."),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("New role"), choices=Role.choices)


# --- Opening hours ---------------------------------------------------------------------------

# Plain text, not type="time": "10", "10:00", "10.00" and "1000" are all typed in a moment,
# the same way in every browser and language (a time picker's segments and AM/PM are not).
TIME_WIDGET = forms.TimeInput(
    attrs={"size": "5", "maxlength": "8", "autocomplete": "off", "spellcheck": "false"},
    format="%H:%M",
)


class ClockField(forms.TimeField):
    """A time of day as people type it: "10", "9:30", "9.30", "0930", "10 Uhr"."""

    def to_python(self, value):
        if isinstance(value, str):
            text = value.strip().lower().removesuffix("uhr").strip().replace(".", ":")
            if text.isdigit() and len(text) in (3, 4):
                text = f"{text[:-2]}:{text[-2:]}"
            elif text.isdigit() and len(text) <= 2:
                text = f"{text}:00"
            value = text
        return super().to_python(value)


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Two intervals a day cover a lunch break; a third is rare enough for the special hours.
SLOTS = (1, 2)


class WeekFields:
    """The fields of one weekday row: ``<week>_<day>_closed``, ``…_opens1``, ``…_closes1``,
    ``…_opens2``, ``…_closes2``."""

    def __init__(self, form: forms.Form, week: str, day: int) -> None:
        self.form, self.week, self.day = form, week, day
        self.name = Weekday(day).label
        self.prefix = f"{week}_{day}"

    def __getitem__(self, key: str):
        return self.form[f"{self.prefix}_{key}"]

    @property
    def slots(self):
        return [(self[f"opens{n}"], self[f"closes{n}"]) for n in SLOTS]

    @property
    def errors(self) -> list[str]:
        """The row's errors: of its times, and of the day as a whole."""
        keys = ["closed"] + [f"{end}{n}" for n in SLOTS for end in ("opens", "closes")]
        return [error for key in keys for error in self.form.errors.get(f"{self.prefix}_{key}", [])]


class OpeningHoursForm(forms.Form):
    """The weekly hours (one row a weekday, two intervals at most), seasonal hours with their
    days, and the notes. Empty rows are closed days; rules are the service's."""

    WEEKS = ("regular", "seasonal")

    seasonal_name = forms.CharField(
        label=_("Name"), required=False, max_length=100, help_text=_("e.g. Summer hours")
    )
    seasonal_from = forms.DateField(label=_("First day"), required=False, widget=DATE_WIDGET)
    seasonal_until = forms.DateField(label=_("Last day"), required=False, widget=DATE_WIDGET)
    notes = forms.CharField(
        label=_("Notes on opening hours"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the hours cannot say, e.g. appointments by phone."),
    )

    def __init__(self, *args, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        for week in self.WEEKS:
            for day in range(7):
                name = Weekday(day).label
                self.fields[f"{week}_{day}_closed"] = forms.BooleanField(
                    label=_("closed"), required=False
                )
                for n in SLOTS:
                    self.fields[f"{week}_{day}_opens{n}"] = ClockField(
                        label=_("%(day)s, opens (%(n)s)") % {"day": name, "n": n},
                        required=False,
                        widget=TIME_WIDGET,
                    )
                    self.fields[f"{week}_{day}_closes{n}"] = ClockField(
                        label=_("%(day)s, closes (%(n)s)") % {"day": name, "n": n},
                        required=False,
                        widget=TIME_WIDGET,
                    )

    def rows(self, week: str) -> list[WeekFields]:
        return [WeekFields(self, week, day) for day in range(7)]

    def regular_rows(self) -> list[WeekFields]:
        return self.rows("regular")

    def seasonal_rows(self) -> list[WeekFields]:
        return self.rows("seasonal")

    def clean_seasonal_from(self):
        return check_year(self.cleaned_data.get("seasonal_from"))

    def clean_seasonal_until(self):
        return check_year(self.cleaned_data.get("seasonal_until"))

    def _week(self, data: dict, week: str) -> dict[int, list[tuple]]:
        result: dict[int, list[tuple]] = {}
        for day in range(7):
            prefix = f"{week}_{day}"
            intervals = []
            for n in SLOTS:
                opens, closes = data.get(f"{prefix}_opens{n}"), data.get(f"{prefix}_closes{n}")
                if opens is None and closes is None:
                    continue
                if opens is None or closes is None:
                    self.add_error(
                        f"{prefix}_closed",
                        _("Please give both the opening and the closing time."),
                    )
                    continue
                intervals.append((opens, closes))
            if intervals and data.get(f"{prefix}_closed"):
                self.add_error(
                    f"{prefix}_closed", _("Please either tick “closed” or give times, not both.")
                )
            elif problem := services.intervals_problem(intervals):
                self.add_error(f"{prefix}_closed", problem)
            result[day] = intervals
        return result

    def clean(self):
        data = super().clean()
        data["week"] = self._week(data, "regular")
        seasonal_week = self._week(data, "seasonal")
        first, last = data.get("seasonal_from"), data.get("seasonal_until")
        data["seasonal"] = None
        if first or last or any(seasonal_week.values()):
            if not (first and last):
                self.add_error(
                    "seasonal_from" if not first else "seasonal_until",
                    _("Seasonal hours need their first and last day."),
                )
            elif problem := services.season_problem(first, last, self.today):
                self.add_error("seasonal_until", problem)
            else:
                data["seasonal"] = services.SeasonalHours(
                    valid_from=first,
                    valid_until=last,
                    week=seasonal_week,
                    name=data.get("seasonal_name", ""),
                )
        return data

    @classmethod
    def initial_from(cls, schedules) -> dict:
        """The form's values from the schedules that have not ended: the open-ended one is
        the weekly hours, the first with a range the seasonal hours."""
        initial: dict = {}
        regular = next((s for s in schedules if not (s.valid_from or s.valid_until)), None)
        seasonal = next((s for s in schedules if s.valid_from or s.valid_until), None)
        for week, schedule in (("regular", regular), ("seasonal", seasonal)):
            if schedule is None:
                continue
            counts = [0] * 7
            for interval in schedule.intervals.all():
                counts[interval.weekday] += 1
                n = counts[interval.weekday]
                if n in SLOTS:
                    initial[f"{week}_{interval.weekday}_opens{n}"] = interval.opens
                    initial[f"{week}_{interval.weekday}_closes{n}"] = interval.closes
            for day in range(7):
                if not counts[day]:
                    initial[f"{week}_{day}_closed"] = True
        if seasonal is not None:
            initial["seasonal_name"] = seasonal.name
            initial["seasonal_from"] = seasonal.valid_from
            initial["seasonal_until"] = seasonal.valid_until
        return initial


class SpecialHoursForm(forms.Form):
    day = forms.DateField(label=_("Day"), required=False, widget=DATE_WIDGET)
    opens = ClockField(label=_("Opens"), required=False, widget=TIME_WIDGET)
    closes = ClockField(label=_("Closes"), required=False, widget=TIME_WIDGET)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=200, help_text=_("e.g. Christmas Eve")
    )

    def __init__(self, *args, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_day(self):
        return check_year(self.cleaned_data.get("day"))

    def clean(self):
        data = super().clean()
        day, opens, closes = data.get("day"), data.get("opens"), data.get("closes")
        if not (day or opens or closes or data.get("note")) or self.errors:
            return data
        if not (day and opens and closes):
            self.add_error(None, _("Please give the day, the opening and the closing time."))
            return data
        hours = services.OneOffHours(day, opens, closes, data.get("note", ""))
        if problem := services.one_off_problem(hours, self.today):
            self.add_error("day" if day < self.today else "closes", problem)
        else:
            data["hours"] = hours
        return data


SpecialHoursFormSet = forms.formset_factory(SpecialHoursForm, extra=3, max_num=60)
