"""Forms of the library desk: find a resident, their library card, lend without a reservation,
and take a device back by its code. Made for a scanner that types a code and Enter."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.desk_forms import MAX_SCANNED_CODES, DueDateField, split_codes
from booking.models import LoanItem
from booking.services import NOTE_MAX_LENGTH, last_day, loan_due_at

from .models import LibraryCard

SEARCH_MAX_LENGTH = 150
CODE_MAX_LENGTH = 60
CARD_MAX_LENGTH = LibraryCard._meta.get_field("number").max_length


def default_due_date(pool) -> datetime.date:
    """The pool's loan period from today, moved to the next day the organization is open."""
    return last_day(loan_due_at(pool, timezone.now()))


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise forms.ValidationError(_("This contains a character that is not allowed."))
    return value


class ResidentSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, email or library card number"),
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        strip=True,
    )

    def clean_q(self) -> str:
        return _no_nul(self.cleaned_data["q"])


class LibraryCardForm(forms.Form):
    number = forms.CharField(
        label=_("Library card number"),
        max_length=CARD_MAX_LENGTH,
        required=False,
        strip=True,
        help_text=_("Leave empty to remove the card number."),
    )

    def clean_number(self) -> str:
        return _no_nul(self.cleaned_data["number"])


class LendForm(forms.Form):
    """Lend devices of one of the organization's residents pools without a reservation."""

    pool = forms.ModelChoiceField(label=_("Pool"), queryset=None, empty_label=None)
    scan = forms.CharField(
        label=_("Scan or type the device"),
        max_length=1000,
        help_text=_("Label code or asset tag; several separated by spaces."),
        widget=forms.TextInput(
            attrs={
                "class": "desk-scan-field",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
            }
        ),
    )
    due_date = DueDateField(
        label=_("Due on"),
        required=False,
        help_text=_("Empty: the pool's loan period."),
    )
    agreement_signed = forms.BooleanField(
        label=_("The borrowing agreement was signed on paper"), required=False
    )
    card_number = forms.CharField(
        label=_("Library card number"),
        max_length=CARD_MAX_LENGTH,
        required=False,
        strip=True,
        help_text=_("Optional: saved with this first loan."),
    )

    def __init__(
        self, *args, pools, needs_agreement: bool = False, has_card: bool = True, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = pools
        if not needs_agreement:
            del self.fields["agreement_signed"]
        if has_card:  # a card is changed with its own form
            del self.fields["card_number"]

    def clean_card_number(self) -> str:
        return _no_nul(self.cleaned_data["card_number"])

    def clean_scan(self) -> list[str]:
        codes = split_codes(_no_nul(self.cleaned_data["scan"]))
        if not codes:
            raise forms.ValidationError(_("Please scan or type at least one device."))
        if len(codes) > MAX_SCANNED_CODES:
            raise forms.ValidationError(
                _("Please scan at most %(max)d codes at once.") % {"max": MAX_SCANNED_CODES}
            )
        return codes


class ReturnByCodeForm(forms.Form):
    """Take one device back: its code, how it came back, and a note when not complete."""

    code = forms.CharField(
        label=_("Scan or type the asset tag or label code"),
        max_length=CODE_MAX_LENGTH,
        strip=True,
    )
    condition = forms.ChoiceField(
        label=_("Condition"),
        choices=LoanItem.Condition.choices,
        initial=LoanItem.Condition.COMPLETE,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        help_text=_("Required if damaged or parts are missing."),
    )

    def clean_code(self) -> str:
        return _no_nul(self.cleaned_data["code"])

    def clean_note(self) -> str:
        return _no_nul(self.cleaned_data["note"])

    def clean(self):
        data = super().clean()
        condition = data.get("condition")
        if condition and condition != LoanItem.Condition.COMPLETE and not data.get("note"):
            self.add_error("note", _("Please describe the damage or what is missing."))
        return data
