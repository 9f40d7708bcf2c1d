"""Days and times every app shares: the sensible years, and local wall-clock times."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

# Days outside these years are typing errors, and keep far dates (year 9999) away from date
# arithmetic. One place for every form, API and service that checks a day: forms use
# core.forms.SensibleDateField (or check_year), the API core.api.SensibleDate / AwareTime,
# services in_sensible_years.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


def in_sensible_years(*moments: datetime.date | datetime.datetime | int) -> bool:
    """Whether every given day, time or year lies between EARLIEST_YEAR and LATEST_YEAR."""
    return all(
        EARLIEST_YEAR <= (moment if isinstance(moment, int) else moment.year) <= LATEST_YEAR
        for moment in moments
    )


def years_message() -> str:
    """What every door says about a day outside the sensible years."""
    return _("Please choose a date between the years %(first)d and %(last)d.") % {
        "first": EARLIEST_YEAR,
        "last": LATEST_YEAR,
    }


def local_datetime(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """A local wall-clock time on a day, made aware in the installation's time zone (so a
    series at 08:00 stays at 08:00 across daylight-saving changes)."""
    return timezone.make_aware(datetime.datetime.combine(day, time), ZoneInfo(settings.TIME_ZONE))
