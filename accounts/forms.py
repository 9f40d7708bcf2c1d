from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ErasureRequest, User

# A request older than this is not "the person's request" any more: ask them again.
REQUEST_MAX_AGE_DAYS = 365


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form: only a name, and only if the person wants."""

    mark_optional = True

    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        required=False,
        help_text=_("Shown to staff when you borrow a device or join a course."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def signup(self, request, user: User) -> None:
        user.name = self.cleaned_data["name"]
        user.preferred_language = getattr(request, "LANGUAGE_CODE", "de")
        user.save(update_fields=["name", "preferred_language"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "preferred_language"]
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "name"})}


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("What is the token for?"),
        max_length=100,
        help_text=_("For example: calendar script, school timetable system."),
    )


class ConfirmErasureForm(forms.Form):
    """The one tick that says: yes, delete the account and everything about the person."""

    confirm = forms.BooleanField(
        label=_("Yes, delete this account and its data for good."),
        error_messages={
            "required": _("Tick the box to confirm that the account and its data are deleted.")
        },
    )


def erasure_confirmed(request) -> bool:
    """Whether the POST carries the tick: only then is the password asked for again (an
    unticked form is answered with its error at once)."""
    return request.method == "POST" and ConfirmErasureForm(request.POST).is_valid()


class StaffErasureForm(ConfirmErasureForm):
    """Staff deleting an account on the person's behalf record the person's request: why and
    on which day they asked."""

    reason = forms.CharField(
        label=_("The person's request"),
        max_length=ErasureRequest.REASON_MAX_LENGTH,
        help_text=_("How and why the person asked, e.g. “in person at the desk, moving away”."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    requested_on = forms.DateField(
        label=_("Asked on"),
        help_text=_("The day the person asked."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    field_order = ["reason", "requested_on", "confirm"]

    def clean_requested_on(self) -> datetime.date:
        day = self.cleaned_data["requested_on"]
        today = timezone.localdate()
        if day > today:
            raise forms.ValidationError(_("The day of the request cannot be in the future."))
        if day < today - datetime.timedelta(days=REQUEST_MAX_AGE_DAYS):
            raise forms.ValidationError(
                _("This request is more than a year old. Please ask the person again.")
            )
        return day


class DeleteAccountForm(ConfirmErasureForm):
    confirm = forms.BooleanField(
        label=_("Yes, delete my account and my data for good."),
        error_messages={
            "required": _("Tick the box to confirm that your account and data are deleted.")
        },
    )


class PersonSearchForm(forms.Form):
    """Staff looking for the person who asked for their data."""

    q = forms.CharField(
        label=_("Name or email address"),
        max_length=150,
        strip=True,
        error_messages={"required": _("Type part of a name or an email address.")},
    )


class BarrierReportForm(forms.Form):
    """The feedback form of the accessibility statement: what is hard to use, and where."""

    mark_optional = True

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("We answer you there and send you a copy of your message."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    page = forms.CharField(
        label=_("Which page or function?"),
        max_length=500,
        required=False,
        help_text=_("For example the address of the page, or “booking a device set”."),
    )
    message = forms.CharField(
        label=_("What is hard to use?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
