"""Placeholder: replaced by the real views."""

from __future__ import annotations

from django.http import HttpResponse


def week(request, *args, **kwargs):
    return HttpResponse("")


def reserve(request, *args, **kwargs):
    return HttpResponse("")


def reserve_check(request, *args, **kwargs):
    return HttpResponse("")


def my_bookings(request, *args, **kwargs):
    return HttpResponse("")


def calendar_reset(request, *args, **kwargs):
    return HttpResponse("")


def reservation_detail(request, *args, **kwargs):
    return HttpResponse("")


def reservation_cancel(request, *args, **kwargs):
    return HttpResponse("")


def reservation_ics(request, *args, **kwargs):
    return HttpResponse("")


def feed(request, *args, **kwargs):
    return HttpResponse("")
