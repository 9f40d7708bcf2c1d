"""Calendar tokens open exactly one feed (issue #15): the personal subscription token opens
the person's own bookings and never a pool's feed. A pool's feed, for its staff, is private
to caches, shows the names of the organization's own members only (initials, or "booked",
for everyone else), never an email address, and no cancelled bookings."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from icalendar import Calendar

from booking import services
from booking.models import Reservation
from organizations.models import Role
from tests.factories import (
    DevicePoolFactory,
    LendingPoolFactory,
    MembershipFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


def tomorrow_at(hour: int) -> tuple[datetime.datetime, datetime.datetime]:
    day = timezone.localdate() + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    return start, start + datetime.timedelta(hours=1)


def feed_url(client, user, pool) -> str:
    """The feed address exactly as the pool's calendar page shows it to its staff."""
    client.force_login(user)
    html = client.get(f"/pools/{pool.pk}/calendar/").content.decode()
    client.logout()
    url = re.search(r'id="feed-url" value="([^"]+)"', html).group(1)
    return url.split("://", 1)[-1].split("/", 1)[1].join(["/", ""])


def summaries(response) -> list[str]:
    return [str(e["SUMMARY"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]


@pytest.fixture
def library_pool(db):
    return LendingPoolFactory(name="Leih-Laptops")


@pytest.fixture
def librarian(library_pool):
    """Staff of the library, who reads the feed in German."""
    return MembershipFactory(
        organization=library_pool.organization, role=Role.STAFF, user__preferred_language="de"
    ).user


def test_the_personal_token_never_opens_a_pool_feed(client, librarian, library_pool):
    ReservationFactory(pool=library_pool, user=UserFactory(name="Rita Resident"))
    token = services.calendar_token(user=librarian).token
    for url in (
        f"/calendar/{token}/pools/{library_pool.pk}.ics",
        f"/calendar/pools/{library_pool.pk}/{token}.ics",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Rita" not in response.content
    assert client.get(f"/calendar/{token}.ics").status_code == 200  # its own feed


def test_the_pool_feed_address_opens_only_that_pool(client, librarian, library_pool):
    other = LendingPoolFactory(organization=library_pool.organization)
    url = feed_url(client, librarian, library_pool)
    assert client.get(url).status_code == 200
    assert client.get(url.replace(f"/{library_pool.pk}/", f"/{other.pk}/")).status_code == 404
    token = services.calendar_token(user=librarian).token
    assert token not in url  # the personal secret is not in it either


def test_the_pool_feed_is_private_to_caches(client, librarian, library_pool):
    response = client.get(feed_url(client, librarian, library_pool))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


def test_other_peoples_names_are_initials_or_booked_never_an_email(client, librarian, library_pool):
    colleague = MembershipFactory(
        organization=library_pool.organization, role=Role.TEACHER, user__name="Carla Kollegin"
    ).user
    resident = UserFactory(name="Rita Resident", email="rita@example.org")
    nameless = UserFactory(name="", email="nameless@example.org")
    for hour, person in ((8, colleague), (10, resident), (12, nameless)):
        start, end = tomorrow_at(hour)
        ReservationFactory(pool=library_pool, user=person, start=start, end=end, purpose="")
    response = client.get(feed_url(client, librarian, library_pool))
    text = " | ".join(summaries(response))
    assert "Carla Kollegin" in text
    assert "Rita" not in text and "Resident" not in text and "R. R." in text
    assert "example.org" not in response.content.decode() and "nameless" not in text
    assert "gebucht" in text  # "booked", in the reader's language


def test_cancelled_bookings_are_not_in_the_pool_feed(client, staff, organization):
    pool = DevicePoolFactory(organization=organization)
    start, end = tomorrow_at(8)
    ReservationFactory(pool=pool, start=start, end=end, purpose="Abgesagt")
    Reservation.objects.update(status=Reservation.Status.CANCELLED)
    start, end = tomorrow_at(10)
    ReservationFactory(pool=pool, start=start, end=end, purpose="Findet statt")
    text = " | ".join(summaries(client.get(feed_url(client, staff, pool))))
    assert "Findet statt" in text and "Abgesagt" not in text


def test_a_new_personal_token_ends_the_old_pool_feed_address(client, librarian, library_pool):
    url = feed_url(client, librarian, library_pool)
    services.reset_calendar_token(by=librarian)
    assert client.get(url).status_code == 404
    assert client.get(feed_url(client, librarian, library_pool)).status_code == 200


def test_a_pool_feed_address_stops_working_when_its_owner_no_longer_keeps_the_pool(
    client, librarian, library_pool
):
    url = feed_url(client, librarian, library_pool)
    librarian.memberships.update(role=Role.TEACHER)
    assert client.get(url).status_code == 404


def test_a_pool_feed_token_with_a_nul_byte_is_a_404(client, pool):
    assert client.get(f"/calendar/pools/{pool.pk}/a%00b.ics").status_code == 404
