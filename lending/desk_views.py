"""The library desk: find a resident, see what they have and owe, hand out against their
reservation or lend without one, take a device back by scanning it, and print the borrowing
agreement for a signature.

Everything is about one library the person manages (``library_organization``): only libraries
lend to residents. A person is visible to it only when the library knows them
(``organizations.people``: something they did there, or a membership), or when staff typed
the exact email address of a resident who came in person: a new resident is found that way,
never a staff member or teacher of another organization, and nobody can page through
everyone.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User
from booking.desk_forms import due_at, find_devices
from booking.models import Loan, LoanItem
from core import once
from core.errors import DomainError
from core.forms import read_choices
from core.request_input import ascii_int
from devices.models import Device
from organizations.access import library_organization, managed_organization
from organizations.models import Organization

from . import selectors, services
from .access import email_given, resident_or_404
from .agreement_pdf import render_agreement
from .desk_forms import (
    LendForm,
    LibraryCardForm,
    ResidentSearchForm,
    ReturnByCodeForm,
    default_due_date,
)
from .models import BorrowingAgreement

RESULTS_SHOWN = 30


# ---------------------------------------------------------------------------------------
# Who the desk may see


def _plain_id(value: str | None) -> int | None:
    """An id typed or linked as ASCII digits; None for anything else ("²" is a digit to
    str.isdigit() but not to int())."""
    return ascii_int(value)


def resident_url(person: User, organization: Organization, email: str = "") -> str:
    query = {"organization": organization.slug}
    if email:
        query["email"] = email
    url = reverse("lending_desk:resident", kwargs={"pk": person.pk})
    return f"{url}?{urlencode(query)}"


# ---------------------------------------------------------------------------------------
# Find a resident


@require_safe
@login_required
def residents(request: HttpRequest) -> HttpResponse:
    """One search field: name, email or library card number. A scanned card that matches
    one person opens their page at once."""
    organization, managed = library_organization(request)
    form = ResidentSearchForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    query = form.cleaned_data.get("q", "") if form.is_bound and valid else ""
    found: list[User] = []
    if query:
        found = selectors.find_residents(
            organization, query, now=timezone.now(), limit=RESULTS_SHOWN + 1
        )
        by_card = [p for p in found if (p.card_number or "").upper() == query.upper()]
        if len(by_card) == 1 and len(found) == 1:
            return redirect(resident_url(by_card[0], organization))
        for person in found:  # a resident found by email alone needs it on their page
            person.url = resident_url(
                person, organization, query if person.email.lower() == query.lower() else ""
            )
    return render(
        request,
        "lending/desk/residents.html",
        {
            "form": form,
            "organization": organization,
            "organizations": managed,
            "query": query,
            "found": found[:RESULTS_SHOWN],
            "more": len(found) > RESULTS_SHOWN,
        },
        status=200 if valid else 400,
    )


# ---------------------------------------------------------------------------------------
# A resident's page and what staff do there


def _resident_page(
    request: HttpRequest,
    organization: Organization,
    person: User,
    *,
    card_form: LibraryCardForm | None = None,
    lend_form: LendForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    pools = selectors.residents_pools(organization)
    loans = selectors.open_loans(organization, person)
    agreement = services.current_agreement(organization)
    needs_agreement = agreement is not None and bool(services.needs_agreement(person, organization))
    card = selectors.library_card(organization, person)
    pool_list = list(pools)
    if lend_form is None:
        lend_form = LendForm(pools=pools, needs_agreement=needs_agreement, has_card=bool(card))
        if len(pool_list) == 1:  # one pool: its loan period is the default
            lend_form.initial["due_date"] = default_due_date(pool_list[0])
    read_choices(lend_form.fields["pool"], pool_list)
    to_pick_up = selectors.to_pick_up(organization, person, now)
    if not to_pick_up and not lend_form.errors and card_form is None:
        # Nothing reserved: the next scan is a device to lend.
        lend_form.fields["scan"].widget.attrs["autofocus"] = True
    waitlist = selectors.waiting(organization, person)
    context = {
        "organization": organization,
        "person": person,
        "email": email_given(request),
        "card": card,
        "known": getattr(person, "known", True),
        "card_form": card_form or LibraryCardForm(initial={"number": card.number if card else ""}),
        "loans": loans,
        "overdue": [loan for loan in loans if loan.due_at < now],
        "overdue_elsewhere": selectors.overdue_elsewhere(organization, person, now),
        "to_pick_up": to_pick_up,
        "waitlist": waitlist,
        "agreement": agreement,
        "needs_agreement": needs_agreement,
        "accepted": selectors.latest_acceptance(organization, person),
        "has_pools": bool(pool_list),
        "lend_form": lend_form,
        "now": now,
    }
    return render(request, "lending/desk/resident.html", context, status=status)


@require_safe
@login_required
def resident(request: HttpRequest, pk: int) -> HttpResponse:
    organization, _managed = library_organization(request)
    person = resident_or_404(request, organization, pk)
    return _resident_page(request, organization, person)


@require_POST
@login_required
def resident_card(request: HttpRequest, pk: int) -> HttpResponse:
    """Set or change the resident's library card number with this organization."""
    organization, _managed = library_organization(request)
    person = resident_or_404(request, organization, pk)
    form = LibraryCardForm(request.POST)
    if form.is_valid():
        try:
            card = services.set_library_card(
                by=request.user,
                organization=organization,
                user=person,
                number=form.cleaned_data["number"],
            )
        except DomainError as error:
            form.add_error("number", error)
        else:
            if card is None:  # without a card they may be unknown here now: keep the address
                messages.success(request, _("Library card number removed."))
                return redirect(resident_url(person, organization, person.email))
            messages.success(request, _("Library card number saved."))
            return redirect(resident_url(person, organization))
    return _resident_page(request, organization, person, card_form=form, status=400)


@require_POST
@login_required
def resident_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the resident signed the agreement (the version staff printed) on paper."""
    organization, _managed = library_organization(request)
    person = resident_or_404(request, organization, pk)
    agreement = get_object_or_404(
        BorrowingAgreement.objects.filter(organization=organization),
        pk=_plain_id(request.POST.get("agreement")) or 0,
    )
    try:
        services.accept_agreement(by=request.user, agreement=agreement, user=person)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Recorded: %(person)s signed version %(version)d on paper.")
            % {"person": person, "version": agreement.version},
        )
    return redirect(resident_url(person, organization, email_given(request)))


@require_POST
@login_required
def resident_lend(request: HttpRequest, pk: int) -> HttpResponse:
    """Lend scanned devices of a residents pool without a reservation."""
    organization, _managed = library_organization(request)
    person = resident_or_404(request, organization, pk)
    needs_agreement = bool(services.needs_agreement(person, organization))
    has_card = selectors.has_library_card(organization, person)
    form = LendForm(
        request.POST,
        pools=selectors.residents_pools(organization),
        needs_agreement=needs_agreement,
        has_card=has_card,
    )
    if form.is_valid():
        data = form.cleaned_data
        managed = Device.objects.managed_by(request.user).select_related("pool")
        devices, unknown = find_devices(managed, data["scan"], prefer_pool_id=data["pool"].pk)
        if unknown:
            form.add_error("scan", _unknown_codes(unknown))
        elif (repeated := once.claim(request)) is not None:
            return repeated
        else:
            try:
                loan = services.lend_at_desk(
                    by=request.user,
                    pool=data["pool"],
                    borrower=person,
                    devices=devices,
                    due_at=due_at(data.get("due_date")),
                    agreement_signed=data.get("agreement_signed", False),
                    card_number=data.get("card_number", ""),
                )
            except DomainError as error:
                once.release(request)
                form.add_error(None, error)
            else:
                once.done(request, resident_url(person, organization))
                messages.success(request, _lent_message(loan, devices, person))
                return redirect(resident_url(person, organization))
    return _resident_page(request, organization, person, lend_form=form, status=400)


due_day = services.last_day


def _unknown_codes(codes: list[str]) -> str:
    return ngettext(
        "No device of yours has the label or asset tag %(codes)s.",
        "No device of yours has these labels or asset tags: %(codes)s.",
        len(codes),
    ) % {"codes": ", ".join(codes)}


def _lent_message(loan: Loan, devices: list[Device], person: User) -> str:
    return ngettext(
        "%(devices)s lent to %(person)s, due on %(due)s.",
        "%(devices)s lent to %(person)s, due on %(due)s.",
        len(devices),
    ) % {
        "devices": ", ".join(device.asset_tag for device in devices),
        "person": person,
        "due": date_format(due_day(loan.due_at), "SHORT_DATE_FORMAT"),
    }


# ---------------------------------------------------------------------------------------
# Take back by scanning


@require_http_methods(["GET", "POST"])
@login_required
def take_back(request: HttpRequest) -> HttpResponse:
    """One form for any device that comes back: scan it, say how it came back, done; the
    page is at once ready for the next one."""
    organization, managed = managed_organization(request)
    form = ReturnByCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            loan = services.return_by_code(
                by=request.user, code=data["code"], condition=data["condition"], note=data["note"]
            )
        except DomainError as error:
            form.add_error("code", error)
        else:
            messages.success(request, _returned_message(request.user, loan))
            url = reverse("lending_desk:return")
            return redirect(f"{url}?{urlencode({'organization': organization.slug})}")
    return render(
        request,
        "lending/desk/return.html",
        {"form": form, "organization": organization, "organizations": managed},
        status=400 if form.errors else 200,
    )


def _returned_message(by: User, loan: Loan) -> str:
    """ "iPad 03 (KRG-IPAD-003) is back from Erika Muster; all returned." — or how many of
    the loan's devices are still out."""
    items = list(loan.items.select_related("device").order_by("-returned_at", "-pk"))
    back = next((item for item in items if item.returned_at and item.returned_to_id == by.pk), None)
    still_out = sum(1 for item in items if item.returned_at is None)
    device = back.device if back else None
    text = _("%(device)s is back from %(person)s.") % {
        "device": f"{device.display_name} ({device.asset_tag})" if device else _("The device"),
        "person": loan.borrower or _("a deleted account"),
    }
    if back and back.condition == LoanItem.Condition.DAMAGED:
        text += " " + _("It has been sent to repair.")
    if still_out:
        text += " " + ngettext(
            "%(count)d more device is still out.",
            "%(count)d more devices are still out.",
            still_out,
        ) % {"count": still_out}
    else:
        text += " " + _("All returned.")
    return text


# ---------------------------------------------------------------------------------------
# The agreement on paper


@require_safe
@login_required
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreement as an A4 PDF to sign, with the resident's name when ``?user=`` is given."""
    agreement = get_object_or_404(
        BorrowingAgreement.objects.filter(
            organization__in=Organization.objects.managed_by(request.user)
        ).select_related("organization"),
        pk=pk,
    )
    name = ""
    if request.GET.get("user"):
        user_id = _plain_id(request.GET["user"])
        if user_id is None:
            raise Http404
        name = str(resident_or_404(request, agreement.organization, user_id))
    response = HttpResponse(render_agreement(agreement, name=name), content_type="application/pdf")
    filename = f"agreement-{agreement.organization.slug}-v{agreement.version}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
