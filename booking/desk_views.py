"""Placeholder: replaced by the real views."""

from __future__ import annotations

from django.http import HttpResponse


def desk(request, *args, **kwargs):
    return HttpResponse("")


def requests(request, *args, **kwargs):
    return HttpResponse("")


def request_decide(request, *args, **kwargs):
    return HttpResponse("")


def hand_out(request, *args, **kwargs):
    return HttpResponse("")


def loan_return(request, *args, **kwargs):
    return HttpResponse("")


def pool_calendar(request, *args, **kwargs):
    return HttpResponse("")


def pool_feed(request, *args, **kwargs):
    return HttpResponse("")
