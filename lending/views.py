"""Lending to residents: the lendable pools, one pool with its reserve form, one reservation,
"my loans" (renew, waiting lists, reservations to pick up), and borrowing agreements.

Looking is public; everything that writes needs a login. Residents reach only their own
loans, reservations and waiting-list entries: anything else is a 404.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from booking import services as booking_services
from booking.models import Loan, LoanItem, Reservation
from core import once, public_cache
from core.confirm import confirm_page
from core.errors import DomainError
from core.htmx import partial_request
from devices.models import DevicePool

from . import selectors, services
from .forms import AcceptAgreementForm, LoanReservationForm, PoolFilterForm, WaitlistForm
from .models import AgreementAcceptance, BorrowingAgreement, WaitlistEntry

RETURNED_SHOWN = 10


# ---------------------------------------------------------------------------------------
# Scopes


def lendable_pools() -> QuerySet[DevicePool]:
    """Active pools lent to residents, of active organizations: what anyone may look at."""
    return DevicePool.objects.filter(
        booking_scope=DevicePool.Scope.RESIDENTS, is_active=True, organization__is_active=True
    )


def _my_reservations(user) -> QuerySet[Reservation]:
    return Reservation.objects.filter(
        user=user, pool__booking_scope=DevicePool.Scope.RESIDENTS
    ).select_related("pool__organization", "pool__location")


def _my_loans(user) -> QuerySet[Loan]:
    items = LoanItem.objects.select_related("device__device_type").order_by("device__name", "pk")
    return (
        Loan.objects.filter(borrower=user)
        .select_related("pool__organization")
        .prefetch_related(Prefetch("items", queryset=items))
    )


def _long_date(value: datetime.date | datetime.datetime) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return date_format(value, "DATE_FORMAT")


# ---------------------------------------------------------------------------------------
# The pools


# Pools per page of the lending list: the region's list is bounded per page, and the place
# filter and the page numbers reach every pool (bench/README.md, "The lending list by place
# and page").
PAGE_SIZE = 20


def _page_of(paginator: Paginator, asked: str | None) -> tuple[Page, str]:
    """The page asked for; for a number that is no page of the list (a link from when it was
    longer, a typo) the nearest page instead, with a note that says which one it is."""
    try:
        return paginator.page(asked or 1), ""
    except InvalidPage:
        try:
            number = paginator.num_pages if int(asked) > 1 else 1
        except (TypeError, ValueError):
            number = 1
    note = _("There is no page “%(asked)s” of this list. This is page %(number)d of %(total)d.")
    return paginator.page(number), note % {
        "asked": asked[:20],
        "number": number,
        "total": paginator.num_pages,
    }


@public_cache.public_page("lending", "organizations")
@require_safe
def pools(request: HttpRequest) -> HttpResponse:
    """The lendable pools, by organization, a page at a time, with how many devices are free
    now or when the next one is; filtered by district, town and kind of device."""
    now = timezone.now()
    places = selectors.lending_places(lendable_pools())
    form = PoolFilterForm(request.GET or None, places=places)
    filters = form.filters() if form.is_bound else {}
    shown = lendable_pools()
    if filters.get("district"):
        shown = shown.filter(organization__district__slug=filters["district"])
    if filters.get("town"):
        shown = shown.filter(organization__city=filters["town"])
    if filters.get("kind"):
        shown = shown.filter(
            pk__in=lendable_pools().filter(device_types__kind=filters["kind"]).values("pk")
        )
    shown = (
        shown.select_related("organization__district", "location")
        .prefetch_related("device_types")
        .order_by("organization__name", "organization__pk", "name", "pk")
    )
    paginator = Paginator(shown, PAGE_SIZE)
    page, wrong_page = _page_of(paginator, request.GET.get("page"))
    rows = list(page.object_list)
    outlook = services.lending_outlook(rows)
    public_cache.changes_at(
        request, lambda: services.outlook_changes_at([pool.pk for pool in rows], now)
    )
    for pool in rows:
        pool.outlook = outlook.get(pool.pk)
    place = ", ".join(
        name
        for name in (filters.get("town"), dict(places.districts).get(filters.get("district")))
        if name
    )
    context = {
        "form": form,
        "page": page,
        "pools": rows,
        "page_numbers": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "wrong_page": wrong_page,
        "place": place,
        "filtered": bool(filters),
    }
    template = "lending/pool_list.html" + ("#results" if partial_request(request) else "")
    # A page number that is none: the nearest page, said so, as a 404 (not kept, not indexed).
    response = render(request, template, context, status=404 if wrong_page else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _pool_context(request: HttpRequest, pool: DevicePool) -> dict:
    """What the pool page shows besides the form: the agreement, whether the person is
    blocked, their place on the waiting list, and the outlook."""
    user = request.user
    # The loan period's example starts on the first day the library is open (not "today"
    # on a closed Monday).
    today = timezone.localdate()
    calendar = services.pickup_calendar(
        pool, today, today + datetime.timedelta(days=pool.loan_period_days + 14)
    )
    pickup_example = calendar.roll_forward(today)
    context = {
        "pool": pool,
        "outlook": services.lending_outlook([pool], with_pickup_days=True).get(pool.pk),
        "agreement": services.current_agreement(pool.organization),
        "pickup_example": pickup_example,
        "pickup_example_is_today": pickup_example == today,
        "due_example": services.due_date(pool, pickup_example, calendar),
        "blocked": "",
        "entry": None,
    }
    if user.is_authenticated:
        try:
            services.ensure_not_blocked(user)
        except services.Blocked as error:
            context["blocked"] = str(error)
        entry = WaitlistEntry.objects.active().filter(pool=pool, user=user).first()
        if entry is not None:
            entry.position = services.waitlist_position(entry)
            entry.pickup_by = services.last_day(entry.hold_until) if entry.hold_until else None
        context["entry"] = entry
    return context


def _lendable_pool(pk: int) -> DevicePool:
    return get_object_or_404(
        lendable_pools()
        .select_related("organization", "location")
        .prefetch_related("device_types"),
        pk=pk,
    )


def _pool_page_context(
    request: HttpRequest, pool: DevicePool, *, reserve_data=None, waitlist_data=None
) -> dict:
    """The pool page with both of its forms, reserving and joining the waiting list; each
    asks for the agreement in the same step when the person has not accepted it yet."""
    context = _pool_context(request, pool)
    agreement = context["agreement"]
    needs = (
        request.user.is_authenticated
        and agreement is not None
        and services.needs_agreement(request.user, pool.organization) is not None
    )
    outlook = context["outlook"]
    asked = agreement if needs else None
    context.update(
        form=LoanReservationForm(
            reserve_data,
            pool=pool,
            agreement=asked,
            # The first day a device is free, so that most people only press "Reserve".
            initial={"pickup_date": (outlook and outlook.next_free) or timezone.localdate()},
            pickup_days=outlook.pickup_days if outlook else (),
        ),
        waitlist_form=WaitlistForm(waitlist_data, agreement=asked),
        needs_agreement=needs,
        # No day to reserve within the horizon: the waiting list is the one thing to offer.
        nothing_free=bool(outlook) and not outlook.free_today and not outlook.next_free,
        next_return=selectors.next_return(pool),
    )
    return context


@public_cache.public_page("lending", "organizations")
@require_http_methods(["GET", "POST"])
def pool(request: HttpRequest, pk: int) -> HttpResponse:
    """The pool: where and when to pick it up, the loan period, and the reserve form (with
    the agreement to accept in the same step, when the person has not accepted it yet)."""
    now = timezone.now()
    pool = _lendable_pool(pk)
    public_cache.changes_at(request, lambda: services.outlook_changes_at([pool.pk], now))
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    context = _pool_page_context(request, pool, reserve_data=request.POST or None)
    form, agreement, needs = context["form"], context["agreement"], context["needs_agreement"]
    if request.method == "GET":
        return render(request, "lending/pool_detail.html", context)
    if not form.is_valid():
        return render(request, "lending/pool_detail.html", context, status=400)
    if (repeated := once.claim(request)) is not None:
        return repeated
    try:
        if needs:
            services.accept_agreement(by=request.user, agreement=agreement)
        reservation = services.reserve_loan(by=request.user, pool=pool, **form.reservation())
    except booking_services.PoolExhausted:
        # booking's message speaks of the pool as staff do; residents know it by its name.
        form.add_error(
            None,
            _("No device of %(pool)s is free for the whole loan period from that day.")
            % {"pool": pool.name},
        )
        context["exhausted"] = True
    except services.Blocked as error:
        form.add_error(None, error)
        context["blocked"] = str(error)
    except DomainError as error:
        form.add_error(None, error)
    else:
        once.done(request, reverse("lending:reservation", kwargs={"pk": reservation.pk}))
        messages.success(
            request,
            _("Reserved: %(pool)s. Please pick it up on %(day)s.")
            % {"pool": pool.name, "day": _long_date(reservation.start)},
        )
        return redirect("lending:reservation", pk=reservation.pk)
    once.release(request)
    return render(request, "lending/pool_detail.html", context, status=400)


# ---------------------------------------------------------------------------------------
# One reservation, cancelling it


@require_safe
@login_required
def reservation(request: HttpRequest, pk: int) -> HttpResponse:
    reservation = get_object_or_404(_my_reservations(request.user), pk=pk)
    pickup = timezone.localtime(reservation.start).date()
    now = timezone.now()
    # Picked up: the loan's own due day (handed out late, set at the desk, renewed).
    loan = reservation.loans.order_by("-due_at").first()
    picked_up = loan is not None
    due_day = (
        services.last_day(loan.due_at) if picked_up else services.due_date(reservation.pool, pickup)
    )
    # A device held from the waiting list: picked up any day of the hold.
    held = WaitlistEntry.objects.filter(
        reservation=reservation, status=WaitlistEntry.Status.OFFERED
    ).first()
    return render(
        request,
        "lending/reservation_detail.html",
        {
            "reservation": reservation,
            "pool": reservation.pool,
            "pickup_date": pickup,
            "pickup_by": services.last_day(held.hold_until) if held else None,
            "due_date": due_day,
            "can_cancel": reservation.is_active and not picked_up and reservation.end > now,
            "picked_up": picked_up,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks, naming the pool, its library and the pick-up day; POST cancels."""
    reservation = get_object_or_404(_my_reservations(request.user), pk=pk)
    what = _("%(pool)s at %(organization)s, pick up from %(day)s") % {
        "pool": reservation.pool.name,
        "organization": reservation.pool.organization.name,
        "day": _long_date(reservation.start),
    }
    if request.method == "GET":
        return confirm_page(
            request,
            title=_("Cancel this reservation?"),
            what=what,
            confirm_label=_("Yes, cancel"),
            back_url=reverse("lending:reservation", kwargs={"pk": reservation.pk}),
        )
    try:
        services.cancel_loan_reservation(by=request.user, reservation=reservation)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("lending:reservation", pk=reservation.pk)
    messages.success(
        request, _("Your reservation of %(pool)s is cancelled.") % {"pool": reservation.pool.name}
    )
    return redirect("lending:my_loans")


# ---------------------------------------------------------------------------------------
# My loans, renewing


# The first moment after another one (``Loan.is_overdue``: due_at < now).
JUST_AFTER = datetime.timedelta(microseconds=1)


def _my_loans_context(request: HttpRequest, refused: dict[int, str] | None = None) -> dict:
    user, now = request.user, timezone.now()
    loans = _my_loans(user)
    open_loans = list(loans.open().order_by("due_at", "pk"))
    for loan in open_loans:
        loan.refusal = (refused or {}).get(loan.pk, "")
        loan.renewed = ""
        loan.due_day = services.last_day(loan.due_at)
    returned = list(
        loans.filter(closed_at__isnull=False).order_by("-closed_at", "-pk")[:RETURNED_SHOWN]
    )
    to_pick_up = list(
        _my_reservations(user)
        .filter(status__in=booking_services.ACTIVE_STATUSES, end__gt=now, loans__isnull=True)
        .order_by("start", "pk")
    )
    held = dict(
        WaitlistEntry.objects.filter(
            reservation__in=to_pick_up, status=WaitlistEntry.Status.OFFERED
        ).values_list("reservation_id", "hold_until")
    )
    for reservation in to_pick_up:
        reservation.pickup_date = timezone.localtime(reservation.start).date()
        hold_until = held.get(reservation.pk)
        reservation.pickup_by = services.last_day(hold_until) if hold_until else None
    entries = list(
        WaitlistEntry.objects.active()
        .filter(user=user)
        .select_related("pool__organization")
        .in_order()
    )
    if entries:
        positions = services.waitlist_positions(user)
        for entry in entries:
            entry.position = positions.get(entry.pk)
            entry.pickup_by = services.last_day(entry.hold_until) if entry.hold_until else None
    # A loan is overdue right after its due time; a pick-up leaves the list when it ends.
    public_cache.changes_at(
        request,
        lambda: min(
            [loan.due_at + JUST_AFTER for loan in open_loans if loan.due_at >= now]
            + [reservation.end for reservation in to_pick_up],
            default=None,
        ),
    )
    return {
        "open_loans": open_loans,
        "returned": returned,
        "to_pick_up": to_pick_up,
        "entries": entries,
        "blocked": any(loan.is_overdue(now) for loan in open_loans),
        "now": now,
    }


def _render_my_loans(
    request: HttpRequest, *, status: int = 200, refused: dict[int, str] | None = None
) -> HttpResponse:
    context = _my_loans_context(request, refused)
    return render(request, "lending/my_loans.html", context, status=status)


# Kept for the person until their loans, reservations, waiting lists, a pool or library, or
# the clock change it (core.public_cache).
@public_cache.own_page("lending", "organizations")
@require_safe
@login_required
def my_loans(request: HttpRequest) -> HttpResponse:
    """Open loans (renew), reservations to pick up, waiting lists, the last returned loans."""
    return _render_my_loans(request)


def _render_loan(
    request: HttpRequest, loan: Loan, *, refusal: str = "", renewed: str = ""
) -> HttpResponse:
    """The one loan's card, for htmx (200 even for a refusal: htmx swaps only 2xx)."""
    loan = _my_loans(request.user).get(pk=loan.pk)
    loan.refusal, loan.renewed = refusal, renewed
    loan.due_day = services.last_day(loan.due_at)
    context = {"loan": loan, "now": timezone.now()}
    return render(request, "lending/my_loans.html#loan-card", context)


@require_POST
@login_required
def renew(request: HttpRequest, pk: int) -> HttpResponse:
    loan = get_object_or_404(_my_loans(request.user), pk=pk)
    try:
        loan = services.renew(by=request.user, loan=loan)
    except DomainError as error:
        if partial_request(request):
            return _render_loan(request, loan, refusal=str(error))
        messages.error(request, str(error))
        return _render_my_loans(request, status=409, refused={loan.pk: str(error)})
    text = _("Renewed: %(pool)s is now due on %(day)s.") % {
        "pool": loan.pool.name,
        "day": _long_date(services.last_day(loan.due_at)),
    }
    if partial_request(request):
        return _render_loan(request, loan, renewed=text)
    messages.success(request, text)
    return redirect("lending:my_loans")


# ---------------------------------------------------------------------------------------
# Waiting lists


@require_POST
@login_required
def waitlist_join(request: HttpRequest, pk: int) -> HttpResponse:
    """Join the pool's waiting list; a person who has not accepted the library's agreement
    accepts it in the same step (the checkbox beside the button), all or nothing."""
    pool = _lendable_pool(pk)
    context = _pool_page_context(request, pool, waitlist_data=request.POST)
    form = context["waitlist_form"]
    if not form.is_valid():
        return render(request, "lending/pool_detail.html", context, status=400)
    quantity = form.cleaned_data["quantity"] or 1
    try:
        if form.agreement is not None:
            entry = services.accept_and_join_waitlist(
                by=request.user, pool=pool, agreement=form.agreement, quantity=quantity
            )
        else:
            entry = services.join_waitlist(by=request.user, pool=pool, quantity=quantity)
    except services.AgreementRequired as error:
        # Published while the page was open: show the new version with its checkbox.
        context = _pool_page_context(request, pool)
        context["join_refusal"] = str(error)
        return render(request, "lending/pool_detail.html", context, status=409)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("lending:pool", pk=pool.pk)
    messages.success(
        request,
        _(
            "You are on the waiting list for %(pool)s: number %(position)d. When a device is "
            "held for you, we send you an email."
        )
        % {"pool": pool.name, "position": services.waitlist_position(entry)},
    )
    return redirect("lending:my_loans")


@require_http_methods(["GET", "POST"])
@login_required
def waitlist_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks, naming the pool and the place on its list; POST leaves the list."""
    # Not only lendable pools: a person can leave the list of a pool that stopped lending.
    pool = get_object_or_404(
        DevicePool.objects.filter(booking_scope=DevicePool.Scope.RESIDENTS).select_related(
            "organization"
        ),
        pk=pk,
    )
    if not WaitlistEntry.objects.active().filter(pool=pool, user=request.user).exists():
        messages.info(request, _("You are not on the waiting list for %(pool)s.") % {"pool": pool})
        return redirect("lending:my_loans")
    if request.method == "GET":
        return confirm_page(
            request,
            title=_("Leave the waiting list?"),
            what=_("Your place on the waiting list for %(pool)s at %(organization)s")
            % {"pool": pool.name, "organization": pool.organization.name},
            note=_("If you join again later, you start at the end of the list."),
            confirm_label=_("Yes, leave the waiting list"),
            back_url=reverse("lending:my_loans"),
        )
    try:
        services.leave_waitlist(by=request.user, pool=pool)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("You have left the waiting list for %(pool)s.") % {"pool": pool.name}
        )
    return redirect("lending:my_loans")


# ---------------------------------------------------------------------------------------
# Borrowing agreements


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@require_http_methods(["GET", "POST"])
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """The text; for a logged-in person who has not accepted the current version, the form
    to accept it; otherwise when they accepted it."""
    agreement = get_object_or_404(
        BorrowingAgreement.objects.filter(organization__is_active=True).select_related(
            "organization"
        ),
        pk=pk,
    )
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    current = services.current_agreement(agreement.organization)
    acceptance = None
    if request.user.is_authenticated:
        acceptance = AgreementAcceptance.objects.filter(
            agreement=agreement, user=request.user
        ).first()
    form = None
    if request.user.is_authenticated and acceptance is None and current == agreement:
        form = AcceptAgreementForm(request.POST or None, agreement=agreement)
    context = {
        "agreement": agreement,
        "current": current,
        "acceptance": acceptance,
        "form": form,
        "next": _safe_next(request),
    }
    if request.method == "GET":
        return render(request, "lending/agreement_detail.html", context)
    if form is None:
        messages.info(request, _("There is nothing to accept here."))
        return redirect("lending:agreement", pk=agreement.pk)
    if not form.is_valid():
        return render(request, "lending/agreement_detail.html", context, status=400)
    try:
        services.accept_agreement(by=request.user, agreement=agreement)
    except DomainError as error:
        form.add_error(None, error)
        return render(request, "lending/agreement_detail.html", context, status=400)
    messages.success(
        request,
        _("You accepted “%(title)s” (version %(version)d).")
        % {"title": agreement.title, "version": agreement.version},
    )
    return redirect(context["next"] or reverse("lending:agreement", kwargs={"pk": agreement.pk}))
