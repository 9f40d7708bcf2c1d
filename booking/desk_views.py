"""The staff desk: today's hand-outs and returns, requests to decide, hand-out by scanning
or picking devices, taking devices back, and a per-pool calendar with its iCal feed.

Everything is scoped to the pools the person manages (``DevicePool.objects.managed_by``);
anything outside is a 404.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import once
from core.errors import DomainError
from core.htmx import partial_request
from core.mail import site_url
from devices.models import Device, DevicePool
from organizations.access import managed_organization
from organizations.hours_display import status_now
from organizations.models import Organization

from . import ical, selectors, services
from .desk_forms import (
    MAX_SCANNED_CODES,
    DecisionForm,
    DeskForm,
    HandOutForm,
    ReturnForm,
    due_at,
    find_devices,
    item_for_code,
    split_codes,
)
from .models import Loan, LoanItem, Reservation

REQUESTS_PAGE_SIZE = 50
FEED_DAYS_BACK = 30


# ---------------------------------------------------------------------------------------
# Scope helpers


def _desk_url(organization_slug: str | None = None) -> str:
    url = reverse("booking:desk")
    return f"{url}?{urlencode({'organization': organization_slug})}" if organization_slug else url


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Local midnight to the next local midnight (23 or 25 hours on a DST change)."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )
    return start, end


# ---------------------------------------------------------------------------------------
# The desk


@require_safe
@login_required
def desk(request: HttpRequest) -> HttpResponse:
    """Today's (or the chosen day's) work at the desk of one organization."""
    organization, managed = managed_organization(request)
    form = DeskForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    data = form.cleaned_data if form.is_bound and valid else {}
    today = timezone.localdate()
    day = data.get("date") or today
    now = timezone.now()
    start, end = _day_bounds(day)
    # The organization is one the person manages, so all its pools are theirs to run.
    pools = DevicePool.objects.filter(organization=organization)
    scan = _scan(request, organization, data["code"], now) if data.get("code") else None
    if scan and scan.get("redirect"):
        return redirect(scan["redirect"])
    context = {
        "form": form,
        "organization": organization,
        "organizations": managed,
        "day": day,
        "is_today": day == today,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "scan": scan,
        # Whether the desk is open now: a closed day has nothing to hand out, and says so.
        "opening_status": status_now(organization, now) if day == today else "",
        **selectors.desk_day(pools, start, end, now),
        "now": now,
    }
    return render(request, "booking/desk.html", context, status=200 if valid else 400)


def _scan(
    request: HttpRequest, organization: Organization, code: str, now: datetime.datetime
) -> dict:
    """What a scanned label or asset tag leads to: the return page of its open loan, or
    today's hand-out of its pool, or a message that says why neither."""
    managed = Device.objects.managed_by(request.user).select_related("pool")
    found, _unknown = find_devices(managed, [code], prefer_organization_id=organization.pk)
    if not found:
        return {
            "code": code,
            "message": _("No device of yours has the label or asset tag “%(code)s”.")
            % {"code": code},
        }
    device = found[0]
    item = selectors.open_item(device)
    if item is not None:
        return {"redirect": item.loan.get_absolute_url()}
    if device.pool_id is None:
        return {
            "code": code,
            "device": device,
            "message": _("%(device)s is not in a pool and not handed out.")
            % {"device": device.asset_tag},
        }
    start, end = _day_bounds(timezone.localdate())
    upcoming = list(
        selectors.to_hand_out(DevicePool.objects.filter(pk=device.pool_id), start, end, now)
    )
    if not upcoming:
        return {
            "code": code,
            "device": device,
            "message": _(
                "%(device)s is here: it is not handed out, and %(pool)s has no hand-out left today."
            )
            % {"device": device.asset_tag, "pool": device.pool.name},
        }
    return {"code": code, "device": device, "reservations": upcoming}


# ---------------------------------------------------------------------------------------
# Requests


def _requests_page(
    request: HttpRequest, *, failed: tuple[int, DecisionForm] | None = None, status: int = 200
) -> HttpResponse:
    pools = DevicePool.objects.managed_by(request.user)
    organization = None
    slug = request.GET.get("organization") or request.POST.get("organization")
    if not pools.exists():
        raise Http404
    if slug:
        organization = get_object_or_404(Organization.objects.managed_by(request.user), slug=slug)
        pools = pools.filter(organization=organization)
    pending = selectors.pending_requests(pools)
    page = Paginator(pending, REQUESTS_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    selectors.annotate_fit(shown)
    selectors.annotate_organizations(shown)
    failed_pk, failed_form = failed or (None, None)
    for reservation in shown:
        reservation.form = failed_form if reservation.pk == failed_pk else DecisionForm()
        reservation.has_begun = reservation.start <= timezone.now()
    # A decision on something no longer listed (answered meanwhile): its error goes on top.
    failed_elsewhere = failed_form if failed_pk not in {r.pk for r in shown} else None
    return render(
        request,
        "booking/requests.html",
        {
            "page": page,
            "requests": shown,
            "organization": organization,
            "failed_elsewhere": failed_elsewhere,
        },
        status=status,
    )


@require_safe
@login_required
def requests(request: HttpRequest) -> HttpResponse:
    """Requests for the managed pools, oldest first, each with whether it would fit now."""
    return _requests_page(request)


@require_POST
@login_required
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    reservation = get_object_or_404(
        Reservation.objects.managed_by(request.user).select_related("pool", "user"), pk=pk
    )
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["action"] == "approve":
                services.approve(by=request.user, reservation=reservation)
                text = _("Request of %(person)s confirmed; they have been emailed.")
            else:
                services.decline(
                    by=request.user, reservation=reservation, reason=form.cleaned_data["reason"]
                )
                text = _("Request of %(person)s declined; they have been emailed.")
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, text % {"person": reservation.user or _("a deleted account")})
            url = reverse("booking:requests")
            slug = request.POST.get("organization")
            return redirect(f"{url}?{urlencode({'organization': slug})}" if slug else url)
    return _requests_page(request, failed=(reservation.pk, form), status=400)


# ---------------------------------------------------------------------------------------
# Hand out and take back


def _next_url(request: HttpRequest) -> str | None:
    """Where a desk form came from (the resident's page), if it is a page of this site."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and safe else None


@require_http_methods(["GET", "POST"])
@login_required
def hand_out(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand out a reservation: pick devices from the list, scan their labels, or both."""
    reservation = get_object_or_404(
        Reservation.objects.managed_by(request.user).select_related("pool__organization", "user"),
        pk=pk,
    )
    added = request.POST.get("add", "").strip() if request.method == "POST" else ""
    if added or (request.method == "POST" and request.POST.get("tick")):
        # The scan field's own button (and Enter in it) only ticks; it never hands out.
        return _hand_out_scanned(request, reservation, added)
    form = HandOutForm(
        request.POST if request.method == "POST" else None,
        reservation=reservation,
        managed_devices=Device.objects.managed_by(request.user),
    )
    # "The whole booking": any devices that are here, up to what is still to hand out (a
    # case of 30 iPads is not ticked one by one).
    whole = request.method == "POST" and request.POST.get("whole") == "1"
    if whole or (request.method == "POST" and form.is_valid()):
        # A resident's chosen due date; without one the service keeps its default.
        due = form.cleaned_data.get("due_date") if not whole else None
        extra = {"due_at": due_at(due)} if due else {}
        if (repeated := once.claim(request)) is not None:
            return repeated
        try:
            if whole:
                loan = services.hand_out_whole(by=request.user, reservation=reservation)
            else:
                loan = services.hand_out(
                    by=request.user, reservation=reservation, devices=form.chosen_devices(), **extra
                )
        except DomainError as error:
            once.release(request)
            form.add_error(None, error)
        else:
            once.done(request, _next_url(request) or _desk_url(reservation.pool.organization.slug))
            count = loan.items.count()
            messages.success(
                request,
                ngettext(
                    "%(count)d device handed out to %(person)s.",
                    "%(count)d devices handed out to %(person)s.",
                    count,
                )
                % {"count": count, "person": reservation.user or _("a deleted account")},
            )
            return redirect(_next_url(request) or _desk_url(reservation.pool.organization.slug))
    available = list(selectors.available_devices(reservation.pool))
    chosen = {str(value) for value in form["devices"].value() or []}
    scanned = request.GET.get("scan") if request.method == "GET" else request.POST.get("scan")
    if scanned:
        # From the desk's scan result, or a one-step hand-out from the resident's page that
        # failed: the scanned devices come ticked.
        found, _missing = _available_for_codes(available, scanned)
        chosen |= {str(device.pk) for device in found}
    return _render_hand_out(
        request, reservation, form, available, chosen, status=400 if form.errors else 200
    )


def _render_hand_out(
    request, reservation, form, available, chosen, *, status=200, **extra
) -> HttpResponse:
    handed = selectors.handed_out_count(reservation)
    return render(
        request,
        "booking/hand_out.html",
        {
            "reservation": reservation,
            "pool": reservation.pool,
            "form": form,
            "available": available,
            "chosen": chosen,
            "handed": handed,
            "remaining": max(reservation.quantity - handed, 0),
            "next": _next_url(request),
            **extra,
        },
        status=status,
    )


def _available_for_codes(available: list[Device], text: str) -> tuple[list[Device], list[str]]:
    """The devices on the hand-out list that the codes in ``text`` name (label code or asset
    tag, any case), and the codes that name none of them."""
    found: list[Device] = []
    missing: list[str] = []
    for code in split_codes(text)[:MAX_SCANNED_CODES]:
        key = code.upper()
        device = next((d for d in available if key in (d.label_code, d.asset_tag.upper())), None)
        if device is None:
            missing.append(code[:40])
        elif device not in found:
            found.append(device)
    return found, missing


def _hand_out_scanned(request, reservation: Reservation, text: str) -> HttpResponse:
    """Devices scanned into the hand-out form: they are ticked, what was ticked and the due
    date stay, nothing is handed out yet (the page without JavaScript; with it, lernpool.js
    ticks in place)."""
    available = list(selectors.available_devices(reservation.pool))
    offered = {str(device.pk) for device in available}
    chosen = {value for value in request.POST.getlist("devices") if value in offered}
    found, missing = _available_for_codes(available, text)
    chosen |= {str(device.pk) for device in found}
    messages_ = []
    if found:
        messages_.append(
            ngettext(
                "%(devices)s ticked to hand out.", "%(devices)s ticked to hand out.", len(found)
            )
            % {"devices": ", ".join(device.asset_tag for device in found)}
        )
    messages_ += [_why_not_offered(request, reservation, code) for code in missing]
    form = HandOutForm(
        initial={"due_date": request.POST.get("due_date")} if "due_date" in request.POST else None,
        reservation=reservation,
        managed_devices=Device.objects.none(),
    )
    return _render_hand_out(
        request,
        reservation,
        form,
        available,
        chosen,
        status=400 if missing else 200,
        scan_message=" ".join(messages_),
        scan_found=bool(found) and not missing,
    )


def _why_not_offered(request, reservation: Reservation, code: str) -> str:
    """Why a scanned code has no box to tick on the hand-out page."""
    managed = Device.objects.managed_by(request.user).select_related("pool")
    found, _unknown = find_devices(managed, [code], prefer_pool_id=reservation.pool_id)
    if not found:
        return _("No device of yours has the label or asset tag “%(code)s”.") % {"code": code}
    device = found[0]
    if device.pool_id != reservation.pool_id:
        return _("%(device)s belongs to another pool (%(pool)s).") % {
            "device": device.asset_tag,
            "pool": device.pool.name if device.pool else "–",
        }
    if selectors.open_item(device) is not None:
        return _("%(device)s is handed out already.") % {"device": device.asset_tag}
    return _("%(device)s is not in service (%(status)s).") % {
        "device": device.asset_tag,
        "status": device.get_status_display(),
    }


@require_http_methods(["GET", "POST"])
@login_required
def loan_return(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a loan's devices back, each complete, damaged (to repair) or missing parts."""
    loan = get_object_or_404(
        Loan.objects.managed_by(request.user).select_related(
            "pool__organization", "borrower", "reservation"
        ),
        pk=pk,
    )
    items = list(loan.items.select_related("device__device_type").order_by("device__asset_tag"))
    out = [item for item in items if item.returned_at is None]
    scan = request.POST.get("scan", "").strip() if request.method == "POST" else ""
    if scan or (request.method == "POST" and request.POST.get("tick")):
        # The scan field's own button (and Enter in it) only ticks; it never records.
        return _scanned(request, loan, items, out, scan)
    form = ReturnForm(request.POST if request.method == "POST" else None, items=out)
    all_complete = request.method == "POST" and request.POST.get("all_complete") == "1"
    if all_complete or (request.method == "POST" and form.is_valid()):
        if all_complete:
            returns = [services.ItemReturn(item.pk, LoanItem.Condition.COMPLETE) for item in out]
        else:
            returns = form.returns()
        try:
            services.return_items(by=request.user, loan=loan, returns=returns)
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _return_message(returns))
            return redirect(_desk_url(loan.pool.organization.slug))
    return _render_return(request, loan, items, out, form, status=400 if form.errors else 200)


def _render_return(request, loan, items, out, form, *, status=200, **extra) -> HttpResponse:
    return render(
        request,
        "booking/loan_return.html",
        {
            "loan": loan,
            "pool": loan.pool,
            "form": form,
            "returned": [item for item in items if item.returned_at is not None],
            "out": out,
            "overdue": loan.is_overdue(),
            **extra,
        },
        status=status,
    )


def _scanned(request, loan, items, out, code: str) -> HttpResponse:
    """A device scanned into the return form: it is ticked, what was entered stays, nothing
    is recorded yet (the page without JavaScript; with it, lernpool.js ticks in place)."""
    initial = {}
    for item in out:
        initial[f"returned_{item.pk}"] = bool(request.POST.get(f"returned_{item.pk}"))
        initial[f"condition_{item.pk}"] = request.POST.get(f"condition_{item.pk}", "complete")
        note = request.POST.get(f"note_{item.pk}", "")
        initial[f"note_{item.pk}"] = note[: services.NOTE_MAX_LENGTH]
    item = item_for_code(out, code)
    if item is not None:
        initial[f"returned_{item.pk}"] = True
        message = _("%(device)s ticked as returned.") % {"device": item.device.asset_tag}
    else:
        message = _("No device still out on this loan has the label or asset tag “%(code)s”.") % {
            "code": code[:40]
        }
    form = ReturnForm(initial=initial, items=out)
    status = 200 if item is not None else 400
    return _render_return(
        request, loan, items, out, form, status=status, scan_message=message, scan_found=item
    )


def _return_message(returns) -> str:
    back = len(returns)
    repair = sum(1 for entry in returns if entry.condition == LoanItem.Condition.DAMAGED)
    missing = sum(1 for entry in returns if entry.condition == LoanItem.Condition.MISSING_PARTS)
    parts = [ngettext("%(count)d device back", "%(count)d devices back", back) % {"count": back}]
    if repair:
        parts.append(
            ngettext("%(count)d sent to repair", "%(count)d sent to repair", repair)
            % {"count": repair}
        )
    if missing:
        parts.append(
            ngettext("%(count)d with missing parts", "%(count)d with missing parts", missing)
            % {"count": missing}
        )
    return "; ".join(parts) + "."


# ---------------------------------------------------------------------------------------
# The pool's calendar and feed


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@require_safe
@login_required
def pool_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """Who booked what in a week, for staff of the pool; and the pool's iCal feed URL."""
    pool = get_object_or_404(
        DevicePool.objects.managed_by(request.user).select_related("organization"), pk=pk
    )
    form = DeskForm({"date": request.GET.get("date", "")})
    valid = form.is_valid()
    monday = _monday((valid and form.cleaned_data["date"]) or timezone.localdate())
    start, _end = _day_bounds(monday)
    _start, end = _day_bounds(monday + datetime.timedelta(days=6))
    reservations = selectors.week_of_pool(pool, start, end)
    key = services.pool_feed_key(user=request.user, pool=pool)
    feed_url = site_url(reverse("booking:pool_feed", kwargs={"key": key, "pk": pool.pk}))
    template = "booking/pool_calendar.html" + ("#week" if partial_request(request) else "")
    response = render(
        request,
        template,
        {
            "pool": pool,
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "previous_week": monday - datetime.timedelta(days=7),
            "next_week": monday + datetime.timedelta(days=7),
            "this_week": _monday(timezone.localdate()),
            "reservations": reservations,
            "feed_url": feed_url,
            "form": form,
        },
        status=200 if valid else 400,
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
def pool_feed(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """The pool's bookings for the calendar app of its staff: the address opens this one
    pool's feed (``services.pool_feed_key``), never the personal token. Members of the pool's
    organization are named; anyone else shows as initials (or "booked"), never by email
    address. Cancelled and declined bookings are left out."""
    owner = services.pool_feed_owner(key=key, pool_id=pk)
    if owner is None:
        raise Http404
    pool = get_object_or_404(
        DevicePool.objects.managed_by(owner).select_related("organization"), pk=pk
    )
    since = timezone.now() - datetime.timedelta(days=FEED_DAYS_BACK)
    reservations = selectors.feed_of_pool(pool, since)
    members = selectors.member_ids(pool.organization_id)

    def person(reservation: Reservation) -> str:
        own = reservation.user_id in members
        return ical.named(reservation) if own else ical.initials(reservation)

    language = owner.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        body = ical.calendar(
            reservations, name=f"{pool.name} ({pool.organization.name})", with_person=person
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="pool-{pool.pk}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
