"""Forms of the public course pages: the catalog's filters and the enrolment form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import LongSelect, check_year, plain_choices
from organizations.models import District, Organization

from . import filters
from .filters import MAX_QUERY_LENGTH, CatalogFilter
from .models import Audience, Course, Language, Level, Topic

ANSWER_MAX_LENGTH = 200


def _date_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class CatalogFilterForm(forms.Form):
    """The catalog's filters. They live in the URL, so a filtered list can be shared and
    bookmarked, and the API takes the same names. The selects are ``LongSelect``s: the
    same HTML without a template per option. A provider is found by a part of its name
    (``provider``) or chosen by its slug (``organization``, from a link)."""

    q = forms.CharField(
        label=_("Search"),
        help_text=_("Title, description, topic or provider"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    topic = forms.ChoiceField(
        label=_("Topic"),
        required=False,
        choices=[("", _("All topics")), *Topic.choices],
        widget=LongSelect,
    )
    audience = forms.ChoiceField(
        label=_("For whom"),
        required=False,
        choices=[("", _("Everyone")), *Audience.choices],
        widget=LongSelect,
    )
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=[("", _("All levels")), *Level.choices],
        widget=LongSelect,
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("All languages")), *Language.choices],
        widget=LongSelect,
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        required=False,
        queryset=District.objects.all(),
        to_field_name="slug",
        empty_label=_("All districts"),
        widget=LongSelect,
    )
    provider = forms.CharField(
        label=_("Provider"),
        help_text=_("A part of the name, e.g. “Stadtbibliothek”"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    # One provider, chosen from the list the name found or by a link (its slug): not a
    # <select> of every provider, which grows with the region (hundreds of options).
    organization = forms.ModelChoiceField(
        label=_("Chosen provider"),
        required=False,
        queryset=Organization.objects.none(),
        to_field_name="slug",
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": _(
                "No provider in the catalog has the short name “%(value)s”. Remove this"
                " filter, or type a part of the provider's name."
            )
        },
    )
    date_from = _date_field(_("From"))
    date_to = _date_field(_("Until"))
    free_seats = forms.BooleanField(label=_("Only with free seats"), required=False)
    step_free = forms.BooleanField(label=_("Only step-free venues"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Providers with a published course; a slug of any other organization is refused.
        self.fields["organization"].queryset = filters.providers()
        plain_choices(self.fields["district"], "name")

    def clean_date_from(self):
        return check_year(self.cleaned_data.get("date_from"))

    def clean_date_to(self):
        return check_year(self.cleaned_data.get("date_to"))

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and last < first:
            self.add_error("date_to", _("This date must not be before the “From” date."))
        return data

    def active_filter_count(self) -> int:
        """How many filters besides the search are set (as sent, valid or not): the number
        on the phone's folded filters."""
        if not self.is_bound:
            return 0
        return sum(
            1
            for name in self.fields
            if name != "q" and str(self.data.get(name, "")).strip() not in ("", "False")
        )

    def catalog_filter(self) -> CatalogFilter:
        """The valid form's values for ``filters.apply``."""
        data = self.cleaned_data
        return CatalogFilter(
            q=data["q"].strip(),
            topic=data["topic"],
            audience=data["audience"],
            level=data["level"],
            language=data["language"],
            district=data["district"].slug if data["district"] else "",
            organization=data["organization"].slug if data["organization"] else "",
            provider=data["provider"].strip(),
            date_from=data["date_from"],
            date_to=data["date_to"],
            free_seats=data["free_seats"],
            step_free=data["step_free"],
        )


class EnrolForm(forms.Form):
    """The course's own questions (at most three), each a short, optional answer."""

    mark_optional = True

    def __init__(self, *args, course: Course, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = course.question_list()
        for number, question in enumerate(self.questions, start=1):
            self.fields[f"answer_{number}"] = forms.CharField(
                label=question, required=False, max_length=ANSWER_MAX_LENGTH
            )

    def answers(self) -> dict[str, str]:
        """Question → answer, for the questions that were answered."""
        answers = {}
        for number, question in enumerate(self.questions, start=1):
            answer = self.cleaned_data[f"answer_{number}"].strip()
            if answer:
                answers[question] = answer
        return answers
