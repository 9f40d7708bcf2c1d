"""Undo instead of only asking: a teacher on a 390 px phone cancels a booking after the
confirmation, and the success message's "Rückgängig machen" brings it back, by keyboard
alone (Enter on links and buttons)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking import services
from booking.models import Reservation
from tests.browser.conftest import PHONE, press
from tests.factories import pool_with_devices

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_teacher_undoes_a_cancellation_from_the_message(
    page, live_server, teacher, organization, audit, on_phone
):
    pool = pool_with_devices(organization, 4, name="iPad-Koffer 1")
    today = timezone.localdate()
    tuesday = today + datetime.timedelta(days=(1 - today.weekday()) % 7 or 7)
    start = timezone.make_aware(datetime.datetime.combine(tuesday, datetime.time(9, 45)))
    booking = services.reserve(
        by=teacher,
        pool=pool,
        quantity=2,
        start=start,
        end=start + datetime.timedelta(minutes=90),
        purpose="Mathe 7b",
    )
    on_phone(page, teacher)
    page.goto(f"{live_server.url}/bookings/{booking.pk}/cancel/?scope=one")
    audit.check(page)
    press(page, page.get_by_role("button", name="Ja, stornieren"))

    messages = page.locator("#messages")
    expect(messages).to_contain_text("Storniert: Mathe 7b, iPad-Koffer 1")
    expect(messages).to_contain_text("Sie können das bis")
    audit.check(page)
    assert Reservation.objects.get(pk=booking.pk).status == "cancelled"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    press(page, messages.get_by_role("button", name="Rückgängig machen"))

    expect(messages).to_contain_text("Wiederhergestellt: Mathe 7b, iPad-Koffer 1")
    expect(messages.get_by_role("button")).to_have_count(0)
    audit.check(page)
    assert Reservation.objects.get(pk=booking.pk).status == "confirmed"
