from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.errors import DomainError
from core.htmx import partial_request
from core.mail import site_url
from core.request_input import parse_ids
from organizations.access import managed_organization
from organizations.models import Membership, Organization

from . import csv_io, labels, services
from .forms import (
    DeviceForm,
    ImportConfirmForm,
    ImportForm,
    InventoryFilterForm,
    PoolForm,
    StatusForm,
)
from .models import Device, DeviceEvent, DevicePool, DeviceType

PAGE_SIZE = 50
MAX_LABELS = 240  # ten A4 sheets; rendering takes about 35 ms a label
LABEL_CODE = re.compile(r"[0-9A-Z]{1,12}")


def _device_list(organization: Organization):
    return Device.objects.filter(organization=organization).select_related(
        "device_type", "pool", "home_location"
    )


@require_safe
@login_required
def inventory(request: HttpRequest) -> HttpResponse:
    """Staff's inventory: live filters kept in the URL, pages of 50, labels and CSV."""
    organization, managed = managed_organization(request)
    form = InventoryFilterForm(request.GET or None, organization=organization)
    devices = form.filter(_device_list(organization)).order_by("asset_tag")
    page = Paginator(devices, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "devices/device_list.html" + ("#results" if partial_request(request) else "")
    response = render(
        request,
        template,
        {"form": form, "page": page, "organization": organization, "organizations": managed},
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
@login_required
def device_new(request: HttpRequest) -> HttpResponse:
    organization, _managed = managed_organization(request)
    form = DeviceForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.create_device(
                by=request.user, organization=organization, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Device %(tag)s added.") % {"tag": device.asset_tag})
            return redirect(device)
    status = 400 if form.errors else 200
    return render(
        request,
        "devices/device_form.html",
        {"form": form, "organization": organization, "device": None},
        status=status,
    )


def _managed_device(request: HttpRequest, **lookup) -> Device:
    return get_object_or_404(
        Device.objects.managed_by(request.user).select_related(
            "organization", "device_type", "pool", "home_location"
        ),
        **lookup,
    )


def _render_device(request, device, status_form=None, status=200):
    events = DeviceEvent.objects.filter(device=device).select_related("actor")[:50]
    return render(
        request,
        "devices/device_detail.html",
        {
            "device": device,
            "events": events,
            "status_form": status_form or StatusForm(initial={"status": ""}),
            "next_statuses": services.ALLOWED_STATUS_CHANGES[device.status],
        },
        status=status,
    )


@require_safe
@login_required
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_device(request, _managed_device(request, pk=pk))


@require_safe
def device_by_label(request: HttpRequest, code: str) -> HttpResponse:
    """What a scanned QR label opens: staff see the device; others a login page or 404."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    code = code.upper()
    if not LABEL_CODE.fullmatch(code):
        raise Http404
    return _render_device(request, _managed_device(request, label_code=code))


@require_http_methods(["GET", "POST"])
@login_required
def device_edit(request: HttpRequest, pk: int) -> HttpResponse:
    device = _managed_device(request, pk=pk)
    form = DeviceForm(request.POST or None, instance=device, organization=device.organization)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.update_device(by=request.user, device=device, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(device)
    status = 400 if form.errors else 200
    return render(
        request,
        "devices/device_form.html",
        {"form": form, "organization": device.organization, "device": device},
        status=status,
    )


@require_POST
@login_required
def device_status(request: HttpRequest, pk: int) -> HttpResponse:
    device = _managed_device(request, pk=pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_status(by=request.user, device=device, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Status changed."))
            return redirect(device)
    return _render_device(request, device, status_form=form, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def device_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview (every bad row with its line and reason) → write all or nothing."""
    organization, _managed = managed_organization(request)
    context = {
        "organization": organization,
        "form": ImportForm(),
        "device_types": DeviceType.objects.all(),
    }
    if request.method == "POST" and "confirm" in request.POST:
        confirm = ImportConfirmForm(request.POST)
        result = csv_io.parse_device_csv(organization, confirm.data.get("data", ""))
        if not confirm.is_valid():
            messages.error(
                request, _("The checked file did not come back intact: please upload it again.")
            )
        elif result.rows and not result.errors:
            try:
                count = services.import_devices(
                    by=request.user, organization=organization, rows=result.rows
                )
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    ngettext("%(count)d device imported.", "%(count)d devices imported.", count)
                    % {"count": count},
                )
                return redirect(f"{reverse('devices:inventory')}?organization={organization.slug}")
        context |= {"result": result}
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            data = form.cleaned_data["file"].read()
            result = csv_io.parse_device_csv(organization, data)
            context |= {
                "result": result,
                "confirm_form": ImportConfirmForm(initial={"data": csv_io.decode_csv(data) or ""}),
            }
    bad = "result" in context and (context["result"].errors or not context["result"].rows)
    status = 400 if bad or context["form"].errors else 200
    return render(request, "devices/device_import.html", context, status=status)


@require_safe
@login_required
def device_export(request: HttpRequest) -> HttpResponse:
    organization, _managed = managed_organization(request)
    form = InventoryFilterForm(request.GET or None, organization=organization)
    devices = form.filter(_device_list(organization)).order_by("asset_tag")
    response = HttpResponse(csv_io.export_devices_csv(devices), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="geraete-{organization.slug}.csv"'
    return response


@require_safe
@login_required
def device_labels(request: HttpRequest) -> HttpResponse:
    """QR labels as a PDF for the chosen devices (?device=…) or a whole pool (?pool=…)."""
    devices = Device.objects.managed_by(request.user).select_related("organization", "device_type")
    pool_ids = parse_ids(request.GET.getlist("pool"))
    if pool_ids:
        devices = devices.filter(pool_id__in=pool_ids)
    else:
        devices = devices.filter(pk__in=parse_ids(request.GET.getlist("device")))
    devices = list(devices.order_by("organization__name", "asset_tag")[: MAX_LABELS + 1])
    if not devices:
        messages.error(request, _("Choose at least one device to print labels for."))
        return redirect("devices:inventory")
    if len(devices) > MAX_LABELS:
        messages.error(
            request,
            _("At most %(max)d labels (10 sheets) can be printed at once: choose fewer devices.")
            % {"max": MAX_LABELS},
        )
        return redirect("devices:inventory")
    pdf = labels.render_labels(devices, base_url=site_url("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="etiketten.pdf"'
    return response


@require_safe
@login_required
def pool_list(request: HttpRequest) -> HttpResponse:
    """Pools the person may book: their own organizations' first, then those other
    organizations share with the region; and (for staff) the pools they keep. Members of an
    organization book device sets here; pools lent to residents are not among them (they are
    under "Borrow a device", where the lending rules apply)."""
    base = DevicePool.objects.with_capacity().select_related("organization", "location")
    base = base.prefetch_related("device_types")
    managed_ids = DevicePool.objects.managed_by(request.user).values("pk")
    managed = base.filter(pk__in=managed_ids).order_by("organization__name", "name")
    # A pool someone keeps is listed once, under "Pools you keep".
    bookable = base.filter(
        pk__in=DevicePool.objects.bookable_by(request.user).values("pk")
    ).exclude(pk__in=managed_ids)
    member = bool(request.user.role_names())
    if member:
        bookable = bookable.exclude(booking_scope=DevicePool.Scope.RESIDENTS)
    own = Membership.objects.filter(user=request.user, organization=OuterRef("organization"))
    bookable = bookable.annotate(own=Exists(own)).order_by("-own", "organization__name", "name")
    bookable = list(bookable)
    managed_organizations = Organization.objects.managed_by(request.user).order_by("name")
    return render(
        request,
        "devices/pool_list.html",
        {
            "own": [pool for pool in bookable if pool.own],
            "shared": [pool for pool in bookable if not pool.own],
            "member": member,
            "managed": managed,
            "managed_organizations": managed_organizations,
        },
    )


def _visible_pool(request: HttpRequest, pk: int) -> DevicePool:
    visible = DevicePool.objects.bookable_by(request.user) | DevicePool.objects.managed_by(
        request.user
    )
    return get_object_or_404(
        DevicePool.objects.with_capacity()
        .select_related("organization", "location")
        .prefetch_related("device_types")
        .filter(pk__in=visible.values("pk")),
        pk=pk,
    )


@require_safe
@login_required
def pool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pool = _visible_pool(request, pk)
    manages = DevicePool.objects.managed_by(request.user).filter(pk=pool.pk).exists()
    can_book = DevicePool.objects.bookable_by(request.user).filter(pk=pool.pk).exists()
    devices = []
    if manages:
        devices = pool.devices.select_related("device_type").order_by("asset_tag")
    return render(
        request,
        "devices/pool_detail.html",
        {"pool": pool, "manages": manages, "can_book": can_book, "devices": devices},
    )


@require_http_methods(["GET", "POST"])
@login_required
def pool_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        organization, _managed = managed_organization(request)
        pool = None
    else:
        pool = get_object_or_404(
            DevicePool.objects.managed_by(request.user).select_related("organization"), pk=pk
        )
        organization = pool.organization
    form = PoolForm(request.POST or None, instance=pool, organization=organization)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        device_types = values.pop("device_types")
        try:
            pool = services.save_pool(
                by=request.user,
                organization=organization,
                pool=pool,
                device_types=device_types,
                **values,
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Pool saved."))
            return redirect(pool)
    status = 400 if form.errors else 200
    return render(
        request,
        "devices/pool_form.html",
        {"form": form, "pool": pool, "organization": organization},
        status=status,
    )
