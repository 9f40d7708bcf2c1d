"""Showing day-based loans: a loan due (or a reservation ending) at midnight is due by the end
of the day before, so pages show that day and never the midnight itself."""

from __future__ import annotations

import datetime

from django import template

from booking.services import last_day as _last_day

register = template.Library()


@register.filter
def last_day(moment: datetime.datetime | None) -> datetime.date | None:
    """``{{ loan.due_at|last_day|date:"SHORT_DATE_FORMAT" }}``"""
    return _last_day(moment) if moment else None
