"""Residents never read "Geräteset": for them a pool is its own name ("Leih-Laptops") or the
kind of device. Every resident page of lending and every resident email, in German."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from booking.models import Reservation
from lending import emails
from lending.models import WaitlistEntry
from tests.factories import (
    BorrowingAgreementFactory,
    DeviceFactory,
    LendingPoolFactory,
    UserFactory,
    WaitlistEntryFactory,
)
from tests.lending.test_views import lend_everything, make_loan

STAFF_WORD = "eräteset"  # Geräteset and Gerätesets, whatever the case of the G


@pytest.fixture
def german(client, resident):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    resident.preferred_language = "de"
    resident.save(update_fields=["preferred_language"])
    client.force_login(resident)


@pytest.fixture
def full_pool(library):
    pool = LendingPoolFactory(organization=library, name="Leih-Tablets")
    for number in (1, 2):
        DeviceFactory(pool=pool, asset_tag=f"SB-TAB-{number:03}")
    lend_everything(pool, days=40)
    return pool


def test_resident_pages_in_german_never_say_geraeteset(
    client, german, resident, pool, laptops, full_pool
):
    agreement = BorrowingAgreementFactory(
        organization=pool.organization, title="Ausleihbedingungen"
    )
    make_loan(pool, resident, due_in_days=3)
    make_loan(pool, resident, closed=True)
    WaitlistEntryFactory(pool=full_pool, user=UserFactory())
    start = timezone.now() + datetime.timedelta(days=1)
    to_pick_up = Reservation.objects.create(
        pool=pool, user=resident, quantity=1, start=start, end=start + datetime.timedelta(days=14)
    )
    urls = [
        reverse("lending:reservation", args=[to_pick_up.pk]),
        reverse("lending:pools"),
        reverse("lending:pools") + "?kind=ereader",
        reverse("lending:pool", args=[pool.pk]),
        reverse("lending:pool", args=[full_pool.pk]),
        reverse("lending:my_loans"),
        reverse("lending:agreement", args=[agreement.pk]),
    ]
    shown = {url: client.get(url) for url in urls}
    # The waiting list, refused without the checkbox, then joined.
    refused = client.post(reverse("lending:waitlist_join", args=[full_pool.pk]), {})
    joined = client.post(
        reverse("lending:waitlist_join", args=[full_pool.pk]),
        {"accept": "on", "agreement_version": 1},
        follow=True,
    )
    again = client.post(reverse("lending:waitlist_join", args=[full_pool.pk]), follow=True)
    reserved = client.post(
        reverse("lending:pool", args=[pool.pk]),
        {"pickup_date": start.date().isoformat(), "accept": "on", "agreement_version": 1},
    )

    for url, response in shown.items():
        assert response.status_code == 200, url
        assert STAFF_WORD not in response.content.decode(), url
    for response in (refused, joined, again, reserved):
        assert STAFF_WORD not in response.content.decode()
    assert WaitlistEntry.objects.filter(user=resident).exists()
    assert "Warteliste" in joined.content.decode()  # German indeed


def test_resident_emails_in_german_never_say_geraeteset(german, resident, pool, laptops):
    loan = make_loan(pool, resident, due_in_days=3)
    entry = WaitlistEntryFactory(pool=pool, user=resident)
    mail.outbox.clear()

    emails.send_lending_email("reserved", loan.reservation_id)
    emails.send_loan_notice(loan.pk, "reminder", 3)
    emails.send_loan_notice(loan.pk, "overdue", 2)
    for status in ("offered", "expired"):
        WaitlistEntry.objects.filter(pk=entry.pk).update(status=status, hold_until=loan.due_at)
        emails.send_waitlist_email(entry.pk, status)

    assert len(mail.outbox) == 5
    for message in mail.outbox:
        texts = [message.subject, message.body] + [body for body, _ in message.alternatives]
        for text in texts:
            assert STAFF_WORD not in text, message.subject
