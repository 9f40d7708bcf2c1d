"""Unused accounts: one warning in the person's language naming the day, a login keeps the
account, deletion on that day unless something is still open. Old log entries and expired
sessions go too."""

from __future__ import annotations

import datetime

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import formats, translation

from accounts.audit import log_action
from accounts.models import ApiToken, AuditLog, User
from accounts.retention import blocked_inactive_accounts, run_retention
from accounts.services import create_api_token, user_for_token
from booking.models import Loan, LoanItem
from tests.factories import DeviceFactory, LendingPoolFactory, UserFactory

from .conftest import BERLIN, NOW, days_ago

pytestmark = pytest.mark.django_db

DELETION_DAY = datetime.date(2027, 6, 29)  # NOW + 14 days
ON_DELETION_DAY = datetime.datetime(2027, 6, 29, 0, 30, tzinfo=BERLIN)
DAY_BEFORE = datetime.datetime(2027, 6, 28, 23, 30, tzinfo=BERLIN)


def _unused(days: float, **fields) -> User:
    """A person who last logged in ``days`` ago (or, with ``never=True``, joined then)."""
    never = fields.pop("never", False)
    user = UserFactory(**fields)
    when = days_ago(days)
    User.objects.filter(pk=user.pk).update(
        last_login=None if never else when, date_joined=when if never else days_ago(3000)
    )
    user.refresh_from_db()
    return user


def _date(day: datetime.date, language: str, format_name: str) -> str:
    with translation.override(language):
        return formats.date_format(day, format_name)


def test_an_account_reaching_the_warning_day_gets_one_email_in_its_language(apply, mailoutbox):
    english = _unused(717, preferred_language="en")
    german = _unused(716, preferred_language="de")  # exactly 730 - 14 days
    never_logged_in = _unused(800, never=True, preferred_language="en")
    recent = _unused(715)
    admin = _unused(2000, is_superuser=True, is_staff=True)

    changed = apply()

    assert changed["accounts.account"] == 3
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [english.email, german.email, never_logged_in.email]
    )
    for person in (english, german, never_logged_in):
        person.refresh_from_db()
        assert person.inactivity_warned_at == NOW
    for person in (recent, admin):
        person.refresh_from_db()
        assert person.inactivity_warned_at is None

    (to_english,) = [message for message in mailoutbox if message.to == [english.email]]
    assert _date(DELETION_DAY, "en", "SHORT_DATE_FORMAT") in to_english.subject
    assert "will be deleted on" in to_english.subject
    assert _date(DELETION_DAY, "en", "DATE_FORMAT") in to_english.body
    assert reverse("account_login") in to_english.body
    (to_german,) = [message for message in mailoutbox if message.to == [german.email]]
    html, _mimetype = to_german.alternatives[0]
    assert '<html lang="de">' in html
    assert _date(DELETION_DAY, "de", "DATE_FORMAT") in to_german.body  # "29. Juni 2027"

    assert apply()["accounts.account"] == 0
    assert len(mailoutbox) == 3
    # A day later only the person who reaches the warning day then is written to.
    assert apply(NOW + datetime.timedelta(days=1))["accounts.account"] == 1
    assert [message.to for message in mailoutbox[3:]] == [[recent.email]]


def test_the_warning_is_logged_with_ids_only(apply):
    person = _unused(720)

    apply()

    entry = AuditLog.objects.get(action="accounts.inactivity_warned")
    assert (entry.actor, entry.target_id, entry.data) == (None, str(person.pk), {})


def test_an_account_is_deleted_on_the_day_named_in_the_warning(apply, mailoutbox):
    person = _unused(720)
    apply()

    apply(DAY_BEFORE)
    assert User.objects.filter(pk=person.pk).exists()

    changed = apply(ON_DELETION_DAY)

    assert changed["accounts.account"] == 1
    assert not User.objects.filter(pk=person.pk).exists()
    erased = AuditLog.objects.get(action="accounts.erased", target_id=str(person.pk))
    assert erased.data["reason"] == "retention"
    assert len(mailoutbox) == 1  # the warning; nothing more


def test_logging_in_after_the_warning_keeps_the_account(apply, client, password, mailoutbox):
    person = _unused(720)
    apply()

    response = client.post(reverse("account_login"), {"login": person.email, "password": password})

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.inactivity_warned_at is None
    apply(ON_DELETION_DAY)
    apply(ON_DELETION_DAY + datetime.timedelta(days=30))
    assert User.objects.filter(pk=person.pk).exists()
    assert len(mailoutbox) == 1


def _token(person: User, last_used: datetime.datetime | None) -> str:
    token, secret = create_api_token(by=person, name="Stundenplan")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=last_used)
    return secret


def test_using_an_api_token_counts_as_using_the_account(apply, mailoutbox):
    api_only = _unused(800)  # logs in never, but its program uses the API every day
    _token(api_only, days_ago(1))
    revoked = _unused(800)
    _token(revoked, days_ago(10))
    ApiToken.objects.filter(user=revoked).update(revoked_at=days_ago(9))
    long_unused = _unused(800)  # a token last used 720 days ago: the warning is due
    _token(long_unused, days_ago(720))
    _token(long_unused, None)  # never used: does not count

    apply()
    apply(ON_DELETION_DAY)

    assert [message.to for message in mailoutbox] == [[long_unused.email]]
    assert User.objects.filter(pk__in=[api_only.pk, revoked.pk]).count() == 2
    assert not User.objects.filter(pk=long_unused.pk).exists()


def test_a_token_used_after_the_warning_keeps_the_account(apply, clock, mailoutbox):
    person = _unused(720)
    secret = _token(person, None)
    apply()
    person.refresh_from_db()
    assert person.inactivity_warned_at == NOW

    clock(NOW + datetime.timedelta(days=3))
    assert user_for_token(secret) == person  # the person's program calls the API

    apply(ON_DELETION_DAY)
    apply(ON_DELETION_DAY + datetime.timedelta(days=30))
    person.refresh_from_db()
    assert person.inactivity_warned_at is None
    assert len(mailoutbox) == 1


def test_a_device_still_on_loan_keeps_the_account_and_is_counted(apply, mailoutbox):
    person = _unused(720)
    pool = LendingPoolFactory()
    loan = Loan.objects.create(
        pool=pool, borrower=person, handed_out_at=days_ago(800), due_at=days_ago(786)
    )
    LoanItem.objects.create(loan=loan, device=DeviceFactory(pool=pool))
    other = _unused(720)
    apply()

    result = run_retention(ON_DELETION_DAY)

    assert User.objects.filter(pk=person.pk).exists()
    assert not User.objects.filter(pk=other.pk).exists()
    assert result.blocked_accounts == 1
    assert result.changed["accounts.account"] == 1

    LoanItem.objects.filter(loan=loan).update(returned_at=ON_DELETION_DAY, condition="complete")
    Loan.objects.filter(pk=loan.pk).update(closed_at=ON_DELETION_DAY)
    later = ON_DELETION_DAY + datetime.timedelta(days=1)
    assert run_retention(later).changed["accounts.account"] == 1
    assert not User.objects.filter(pk=person.pk).exists()
    assert blocked_inactive_accounts(later) == 0


def test_a_warning_missed_by_the_job_still_gives_the_full_notice(apply, mailoutbox):
    """An account already past the limit (the job did not run) is warned first, never
    deleted without the warning period."""
    person = _unused(1000)

    apply()
    apply(DAY_BEFORE)

    assert User.objects.filter(pk=person.pk).exists()
    assert len(mailoutbox) == 1


def test_log_entries_older_than_the_audit_period_are_deleted(apply):
    old = log_action(None, "devices.status_changed")
    kept = log_action(None, "devices.status_changed")
    AuditLog.objects.filter(pk=old.pk).update(created_at=days_ago(731))
    AuditLog.objects.filter(pk=kept.pk).update(created_at=days_ago(729))

    assert apply()["accounts.audit_log"] == 1

    assert not AuditLog.objects.filter(pk=old.pk).exists()
    assert AuditLog.objects.filter(pk=kept.pk).exists()


def test_expired_sessions_go_with_their_session_list_rows(apply, resident):
    for key, expires in (("expired", days_ago(1)), ("live", NOW + datetime.timedelta(days=1))):
        Session.objects.create(session_key=key, session_data="", expire_date=expires)
        UserSession.objects.create(user=resident, session_key=key, ip="192.0.2.1")
    UserSession.objects.create(user=resident, session_key="gone", ip="192.0.2.1")

    assert apply()["accounts.sessions"] == 3

    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    assert list(UserSession.objects.values_list("session_key", flat=True)) == ["live"]
