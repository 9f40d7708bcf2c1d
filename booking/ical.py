"""Reservations as iCalendar (RFC 5545): a download per booking, and subscription feeds."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Reservation

PRODID = "-//Lernpool//Lernpool booking//DE"


PersonLabel = Callable[[Reservation], str]


def named(reservation: Reservation) -> str:
    """The person's name; "booked" for a person without one (never their email address)."""
    return reservation.user.name or _("booked")


def initials(reservation: Reservation) -> str:
    """ "E. M." for Erika Mustermann: enough for a colleague to recognise a booking, not
    enough to name a person of another organization; "booked" for a person without a name."""
    parts = [part for part in reservation.user.name.split() if part[:1].isalpha()]
    return " ".join(f"{part[0].upper()}." for part in parts[:3]) or _("booked")


def _summary(reservation: Reservation, *, with_person: PersonLabel | None) -> str:
    parts = [f"{reservation.quantity} × {reservation.pool.name}"]
    if reservation.purpose:
        parts.append(reservation.purpose)
    if with_person is not None and reservation.user is not None:
        parts.append(with_person(reservation))
    if reservation.status == Reservation.Status.REQUESTED:
        parts.append(_("requested"))
    return " – ".join(parts)


def calendar(
    reservations: Iterable[Reservation], *, name: str, with_person: PersonLabel | None = None
) -> bytes:
    """An iCalendar with one event per reservation (select_related pool, pool__location,
    pool__organization and, with ``with_person``, user). ``with_person`` says how the person
    who booked is named in each event. Cancelled and declined ones are sent as cancelled so
    that subscribed calendars remove them."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    host = settings.LERNPOOL_SITE_URL.split("://")[-1]
    for reservation in reservations:
        event = Event()
        event.add("uid", f"reservation-{reservation.pk}@{host}")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", reservation.start)
        event.add("dtend", reservation.end)
        event.add("summary", _summary(reservation, with_person=with_person))
        pool = reservation.pool
        where = pool.location.name if pool.location else pool.organization.name
        event.add("location", where)
        event.add("url", settings.LERNPOOL_SITE_URL + reservation.get_absolute_url())
        if reservation.status in (Reservation.Status.CANCELLED, Reservation.Status.DECLINED):
            # RFC 5546: the same UID with a higher SEQUENCE, so that calendar apps replace the
            # event that the confirmation's .ics put there with this cancelled one.
            event.add("status", "CANCELLED")
            event.add("sequence", 1)
        elif reservation.status == Reservation.Status.REQUESTED:
            event.add("status", "TENTATIVE")
        else:
            event.add("status", "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()
