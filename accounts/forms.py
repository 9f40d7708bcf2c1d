from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


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
