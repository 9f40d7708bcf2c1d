"""Forms of the provider pages: the course, its dates, cancelling, copying, attendance."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import check_year
from devices.models import DevicePool
from organizations.models import Organization

from .models import Course
from .services import MAX_PLANNED_MEETINGS
from .services.courses import MAX_WEEKS_LATER

MAX_QUESTIONS = 3
REPEAT_INTERVALS = {"once": 0, "weekly": 1, "fortnightly": 2}

COURSE_FIELDS = [
    "title",
    "summary",
    "description",
    "prerequisites",
    "topic",
    "audience",
    "level",
    "language",
    "location",
    "capacity",
    "min_participants",
    "registration_opens",
    "registration_closes",
    "cancellation_deadline",
    "price",
    "attendance_threshold",
    "questions",
    "pool",
    "devices_needed",
]
DATETIME_FIELDS = ("registration_opens", "registration_closes", "cancellation_deadline")


def _local_input() -> forms.DateTimeInput:
    # Wall-clock time in Europe/Berlin (the installation's time zone): Django makes the
    # value aware in the current time zone and shows stored values in it.
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CourseForm(forms.ModelForm):
    """Every field staff edit. The venue and the device pool are the organization's own;
    ``save_course`` writes, so the form never saves and never touches the instance."""

    class Meta:
        model = Course
        fields = COURSE_FIELDS
        widgets = {
            "summary": forms.TextInput(),
            "description": forms.Textarea(attrs={"rows": 5}),
            "prerequisites": forms.Textarea(attrs={"rows": 2}),
            "questions": forms.Textarea(attrs={"rows": 3}),
            **{name: _local_input() for name in DATETIME_FIELDS},
        }

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["location"].queryset = organization.locations.all()
        self.fields["location"].empty_label = _("No venue yet")
        self.fields["location"].label_from_instance = lambda location: location.name
        self.fields["pool"].queryset = DevicePool.objects.filter(organization=organization)
        self.fields["pool"].empty_label = _("No devices needed")
        self.fields["pool"].label_from_instance = lambda pool: pool.name
        self.fields["pool"].help_text = _(
            "The devices are reserved for every date of the course when it is published."
        )
        for name in DATETIME_FIELDS:
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        # The model's validators run only in model validation, which this form leaves to
        # the service: the form checks the same ranges itself, next to the field.
        for name in ("capacity", "price", "attendance_threshold"):
            self.fields[name].validators.extend(Course._meta.get_field(name).validators)
        self.fields["capacity"].widget.attrs.update({"min": 1, "max": 500})
        self.fields["min_participants"].widget.attrs.update({"min": 0, "max": 500})
        self.fields["devices_needed"].widget.attrs.update({"min": 0})
        self.fields["attendance_threshold"].widget.attrs.update({"min": 1, "max": 100})

    def _post_clean(self):
        # The model's own validation builds the instance from the data; the service writes
        # it and the database constraints back it up. The rules are in clean().
        pass

    def clean_questions(self) -> str:
        questions = self.cleaned_data["questions"]
        lines = [line.strip() for line in questions.splitlines() if line.strip()]
        if len(lines) > MAX_QUESTIONS:
            raise forms.ValidationError(
                _("Please ask at most %(count)d questions.") % {"count": MAX_QUESTIONS}
            )
        return "\n".join(lines)

    def clean(self) -> dict:
        data = super().clean()
        for name in DATETIME_FIELDS:
            try:
                check_year(data.get(name))
            except forms.ValidationError as error:
                self.add_error(name, error)
        capacity, minimum = data.get("capacity"), data.get("min_participants")
        if capacity is not None and minimum is not None and minimum > capacity:
            self.add_error(
                "min_participants", _("The minimum must not be more than the number of seats.")
            )
        opens, closes = data.get("registration_opens"), data.get("registration_closes")
        if opens and closes and closes <= opens:
            self.add_error("registration_closes", _("Registration must close after it opens."))
        pool, needed = data.get("pool"), data.get("devices_needed")
        if pool is not None and not needed and not self.has_error("devices_needed"):
            self.add_error("devices_needed", _("Enter how many devices of the pool you need."))
        elif pool is None and needed and not self.has_error("pool"):
            self.add_error("pool", _("Choose the pool the devices come from."))
        return data

    def values(self) -> dict:
        """The keyword arguments of ``services.save_course``."""
        return {name: self.cleaned_data[name] for name in COURSE_FIELDS}


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), *Course.Status.choices],
        required=False,
    )


class MeetingsForm(forms.Form):
    """One date, or a series every week or every second week, N times or until a day."""

    first_date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    repeat = forms.ChoiceField(
        label=_("Repeat"),
        choices=[
            ("once", _("Once")),
            ("weekly", _("Every week")),
            ("fortnightly", _("Every second week")),
        ],
        initial="once",
        widget=forms.RadioSelect,
        help_text=_("Before a series is added, you see each of its dates."),
    )
    count = forms.IntegerField(
        label=_("Number of dates"),
        required=False,
        min_value=1,
        max_value=MAX_PLANNED_MEETINGS,
        help_text=_("For a series: how many dates, or a last day below."),
    )
    until = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    outside_hours_ok = forms.BooleanField(
        label=_("The course meets outside the opening hours"),
        required=False,
        help_text=_("Tick it for dates outside the venue's opening hours, in the evening say."),
    )

    def clean_first_date(self) -> datetime.date:
        return check_year(self.cleaned_data["first_date"])

    def clean_until(self) -> datetime.date | None:
        return check_year(self.cleaned_data.get("until"))

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start is not None and end is not None and end <= start:
            self.add_error("end_time", _("The end must be after the start."))
        interval = REPEAT_INTERVALS.get(data.get("repeat") or "once", 0)
        data["interval_weeks"] = interval
        if interval:
            count, until, first = data.get("count"), data.get("until"), data.get("first_date")
            if count is None and until is None:
                if not self.has_error("count") and not self.has_error("until"):
                    self.add_error("count", _("Enter the number of dates or a last day."))
            elif until is not None and first is not None and until < first:
                self.add_error("until", _("The last day must not be before the first date."))
        return data

    @property
    def is_series(self) -> bool:
        return bool(self.cleaned_data.get("interval_weeks"))

    def series(self) -> dict:
        """The arguments of ``plan_meetings`` / ``add_meetings`` (without course and by)."""
        data = self.cleaned_data
        return {
            "first_date": data["first_date"],
            "start_time": data["start_time"],
            "end_time": data["end_time"],
            "count": data.get("count") if data.get("count") else None,
            "until": data.get("until") if not data.get("count") else None,
            "interval_weeks": data["interval_weeks"],
        }

    @property
    def outside_hours_confirmed(self) -> bool:
        return bool(self.cleaned_data.get("outside_hours_ok"))


class CancelCourseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Everyone enrolled or waiting is emailed with this reason."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CopyCourseForm(forms.Form):
    weeks_later = forms.IntegerField(
        label=_("Weeks later"),
        min_value=0,
        max_value=MAX_WEEKS_LATER,
        initial=12,
        help_text=_(
            "The copy is a draft with the same dates moved by this many weeks; nobody is "
            "enrolled in it yet."
        ),
    )
