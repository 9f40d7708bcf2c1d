"""The residents' lending forms: find a pool, reserve a device for a pick-up day (accepting
the borrowing agreement in the same step), join a waiting list, accept an agreement."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking import services as booking_services
from core.forms import LongSelect
from devices.models import DevicePool, DeviceType

from .models import BorrowingAgreement
from .selectors import LendingPlaces

# Far above any pool (the service checks the pool's own limits with its own message); this
# only keeps absurd numbers away from the database.
MAX_QUANTITY = 100


class PoolFilterForm(forms.Form):
    """Where (district, town) and what (kind of device). Empty means any; an unknown value is
    ignored (the list shows what the other filters leave) and the field says so, since it
    comes from a link or an old bookmark."""

    # LongSelect: the towns of a region are dozens of options, each one a template rendering
    # with Django's Select.
    district = forms.ChoiceField(label=_("District"), required=False, widget=LongSelect)
    town = forms.ChoiceField(label=_("Place"), required=False, widget=LongSelect)
    kind = forms.ChoiceField(label=_("Kind of device"), required=False, widget=LongSelect)

    def __init__(self, *args, places: LendingPlaces, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("All districts")), *places.districts]
        self.fields["town"].choices = [("", _("All places")), *((t, t) for t in places.towns)]
        self.fields["kind"].choices = [("", _("All kinds")), *DeviceType.Kind.choices]
        nowhere = _("No lending offer in “%(value)s”. Choose a place from the list.")
        for name in ("district", "town"):
            self.fields[name].error_messages["invalid_choice"] = nowhere

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            # Keep whichever of them are valid.
            return {
                name: self.data.get(name, "")
                for name in ("district", "town", "kind")
                if name not in self.errors and self.data.get(name)
            }
        return {name: value for name, value in self.cleaned_data.items() if value}


class AcceptField(forms.BooleanField):
    default_error_messages = {
        "required": _("Please accept the borrowing agreement to continue."),
    }


class AgreementAcceptanceForm(forms.Form):
    """The acceptance of the organization's agreement, in the same step as what the person
    does (reserve, join a waiting list), when they have not accepted its current version.
    ``ask_for_agreement(None)`` drops both fields."""

    agreement_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    accept = AcceptField(required=True)

    def ask_for_agreement(self, agreement: BorrowingAgreement | None) -> None:
        self.agreement = agreement
        if agreement is None:
            del self.fields["accept"]
            del self.fields["agreement_version"]
            return
        self.fields["accept"].label = _("I accept the “%(title)s” (version %(version)d).") % {
            "title": agreement.title,
            "version": agreement.version,
        }
        self.fields["agreement_version"].initial = agreement.version

    def clean(self) -> dict:
        data = super().clean()
        changed = self.agreement is not None and (
            data.get("agreement_version") != self.agreement.version
        )
        if changed and data.get("accept"):
            # The agreement changed between showing the form and sending it.
            self.add_error(
                "accept",
                _("The agreement has changed since you opened this page. Please read it again."),
            )
        return data


class LoanReservationForm(AgreementAcceptanceForm):
    """A pick-up day, how many devices (only when the pool allows more than one per person),
    and the acceptance of the organization's agreement when the person has not accepted it.
    Whether a device is free, and the pool's limits, are the service's to say."""

    pickup_date = forms.DateField(
        label=_("Pick-up day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The loan period begins on this day."),
    )
    quantity = forms.IntegerField(
        label=_("Number of devices"), min_value=1, max_value=MAX_QUANTITY, initial=1
    )

    def __init__(
        self,
        *args,
        pool: DevicePool,
        agreement: BorrowingAgreement | None = None,
        pickup_days: tuple[datetime.date, ...] = (),
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pool = pool
        # The open days, offered as suggestions; a plain date input without them still works,
        # and the service refuses a closed day on submit, naming the next open one.
        self.pickup_days = pickup_days
        if pickup_days:
            self.fields["pickup_date"].widget.attrs["list"] = "pickup-days"
            self.fields["pickup_date"].help_text = _(
                "The loan period begins on this day. Pick-up is possible on days "
                "%(organization)s is open; the suggestions list them."
            ) % {"organization": pool.organization.name}
        today = timezone.localdate()
        self.fields["pickup_date"].widget.attrs.update(
            {"min": today.isoformat(), "autocomplete": "off"}
        )
        if pool.max_days_ahead:
            last = today + datetime.timedelta(days=pool.max_days_ahead)
            self.fields["pickup_date"].widget.attrs["max"] = last.isoformat()
        if pool.per_person_limit == 1:
            del self.fields["quantity"]
        # Otherwise the form's bound only keeps absurd numbers out; the pool's own limit is
        # the service's to check, with a message that names it.
        self.ask_for_agreement(agreement)

    def clean_pickup_date(self) -> datetime.date:
        day = self.cleaned_data["pickup_date"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        if day.year > booking_services.LATEST_YEAR:
            raise forms.ValidationError(_("Please choose an earlier day."))
        return day

    def reservation(self) -> dict:
        return {
            "pickup_date": self.cleaned_data["pickup_date"],
            "quantity": self.cleaned_data.get("quantity") or 1,
        }


class WaitlistForm(AgreementAcceptanceForm):
    """How many devices to wait for (from a refused reservation), and the acceptance of the
    agreement when the person has not accepted it: joining is one step, like reserving."""

    quantity = forms.IntegerField(
        label=_("Number of devices"),
        min_value=1,
        max_value=MAX_QUANTITY,
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, agreement: BorrowingAgreement | None = None, **kwargs) -> None:
        # Its own ids: the page may show the reserve form, with its own checkbox, beside it.
        kwargs.setdefault("auto_id", "waitlist_%s")
        super().__init__(*args, **kwargs)
        self.ask_for_agreement(agreement)


class AcceptAgreementForm(forms.Form):
    accept = AcceptField(required=True)

    def __init__(self, *args, agreement: BorrowingAgreement, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accept"].label = _("I accept the “%(title)s” (version %(version)d).") % {
            "title": agreement.title,
            "version": agreement.version,
        }
