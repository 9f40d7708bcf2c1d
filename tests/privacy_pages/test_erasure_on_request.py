"""Erasure on someone's behalf is a serious act (issue #15): staff record the person's
request (its reason and the day it was made), the person is emailed *before* with the day of
deletion and how to object, and the daily job erases the account only once the grace period
(an operator setting, 7 days by default) has passed without an objection. Everything is
logged; running the job twice erases nobody twice."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import AuditLog, ErasureRequest, User
from accounts.retention import run_retention
from tests.factories import LibraryCardFactory, UserFactory

from .conftest import reauthenticated

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(library):
    person = UserFactory(name="Erika Mustermann", email="erika@example.org")
    LibraryCardFactory(user=person, organization=library, number="SB00012345")
    return person


def erase_url(person) -> str:
    return f"/manage/privacy/people/{person.pk}/erase/"


@pytest.fixture(autouse=True)
def _tasks_run(monkeypatch):
    """Emails queued after the commit go out at once, as the task worker would send them."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda callback, *a, **k: callback())


def ask_to_erase(client, library, person, **fields):
    today = timezone.localdate()
    data = {
        "organization": library.slug,
        "confirm": "on",
        "reason": "Asked at the library desk, in person.",
        "requested_on": (today - datetime.timedelta(days=1)).isoformat(),
        **fields,
    }
    return client.post(erase_url(person), data)


def test_staff_record_the_request_and_the_person_is_emailed_before(
    client, librarian, library, known
):
    reauthenticated(client, librarian)
    response = ask_to_erase(client, library, known)
    assert response.status_code == 302
    assert User.objects.filter(pk=known.pk).exists()  # not at once
    request = ErasureRequest.objects.get(user=known)
    assert request.reason == "Asked at the library desk, in person."
    assert request.requested_on == timezone.localdate() - datetime.timedelta(days=1)
    assert request.requested_by == librarian
    (message,) = mail.outbox
    assert message.to == ["erika@example.org"]
    day = timezone.localdate(request.erase_after)
    assert day == timezone.localdate() + datetime.timedelta(days=7)
    assert library.name in message.body and "/account/data/" in message.body
    entry = AuditLog.objects.get(action="accounts.erasure_requested")
    assert (entry.actor, entry.target_id) == (librarian, str(known.pk))
    assert not AuditLog.objects.filter(action="accounts.erased").exists()


def test_the_daily_job_erases_after_the_grace_period_and_only_once(
    client, librarian, library, known
):
    reauthenticated(client, librarian)
    assert ask_to_erase(client, library, known).status_code == 302
    mail.outbox.clear()
    now = timezone.now()
    run_retention(now + datetime.timedelta(days=6))
    assert User.objects.filter(pk=known.pk).exists() and not mail.outbox
    run_retention(now + datetime.timedelta(days=7, hours=1))
    assert not User.objects.filter(pk=known.pk).exists()
    (message,) = mail.outbox
    assert message.to == ["erika@example.org"]
    entry = AuditLog.objects.get(action="accounts.erased")
    assert (entry.actor, entry.target_id) == (librarian, str(known.pk))
    run_retention(now + datetime.timedelta(days=8))
    assert AuditLog.objects.filter(action="accounts.erased").count() == 1
    assert len(mail.outbox) == 1


def test_the_grace_period_is_an_operator_setting(client, librarian, library, known, settings):
    settings.LERNPOOL_RETENTION = {**settings.LERNPOOL_RETENTION, "erasure_grace_days": 2}
    reauthenticated(client, librarian)
    assert ask_to_erase(client, library, known).status_code == 302
    run_retention(timezone.now() + datetime.timedelta(days=2, hours=1))
    assert not User.objects.filter(pk=known.pk).exists()


def test_the_person_objects_and_keeps_the_account(client, librarian, library, known):
    reauthenticated(client, librarian)
    assert ask_to_erase(client, library, known).status_code == 302
    client.force_login(known)
    page = client.get("/account/data/").content.decode()
    assert "/account/data/keep/" in page
    response = client.post("/account/data/keep/")
    assert response.status_code == 302
    run_retention(timezone.now() + datetime.timedelta(days=30))
    assert User.objects.filter(pk=known.pk).exists()
    assert AuditLog.objects.filter(action="accounts.erasure_objected", actor=known).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"reason": ""},
        {"reason": "x" * 1001},
        {"requested_on": ""},
        {"requested_on": "2999-01-01"},
        {"requested_on": "1999-01-01"},
        {"requested_on": "gestern"},
    ],
)
def test_without_a_reason_and_a_sensible_date_nothing_happens(
    client, librarian, library, known, fields
):
    reauthenticated(client, librarian)
    response = ask_to_erase(client, library, known, **fields)
    assert response.status_code == 400
    assert not ErasureRequest.objects.exists() and not mail.outbox
    assert User.objects.filter(pk=known.pk).exists()


def test_a_second_request_while_one_is_pending_is_refused(client, librarian, library, known):
    reauthenticated(client, librarian)
    assert ask_to_erase(client, library, known).status_code == 302
    assert ask_to_erase(client, library, known).status_code == 400
    assert ErasureRequest.objects.count() == 1
