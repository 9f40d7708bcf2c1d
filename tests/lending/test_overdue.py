"""The daily lending job: a reminder before the due date and notices after it, each step
once (also when run twice a day), never for returned devices; and blocking while overdue."""

from __future__ import annotations

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from booking import services
from lending import services as lending_services
from lending.models import LendingPolicy, OverdueNotice
from lending.services import NoticeSummary
from tests.factories import (
    DeviceFactory,
    DevicePoolFactory,
    LendingPoolFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.datetime(2027, 2, 1, 10, 0, tzinfo=BERLIN)
TODAY = NOW.date()
DUE = TODAY + datetime.timedelta(days=14)  # due by the end of this day


def day(days_after_due: int) -> datetime.date:
    return DUE + datetime.timedelta(days=days_after_due)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def pool():
    pool = LendingPoolFactory(name="Leih-Laptops")
    pool.organization.opening_hours = "Mo–Fr 10–18 Uhr"
    pool.organization.save()
    DeviceFactory(pool=pool, name="Laptop 07", asset_tag="BIB-0007")
    LendingPolicy.objects.create(
        organization=pool.organization, reminder_days_before=2, overdue_notice_days="1, 7"
    )
    return pool


@pytest.fixture
def borrower():
    return UserFactory(preferred_language="en")


@pytest.fixture
def library(pool):
    return pool.organization


@pytest.fixture
def loan(pool, librarian, borrower):
    return lending_services.lend_at_desk(
        by=librarian, pool=pool, borrower=borrower, devices=[pool.devices.get()], now=NOW
    )


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run(today: datetime.date) -> NoticeSummary:
        with django_capture_on_commit_callbacks(execute=True):
            return lending_services.send_overdue_notices(today=today)

    return run


def test_a_reminder_goes_out_once_two_days_before_the_due_date(loan, run, mailoutbox, borrower):
    assert run(day(-3)) == NoticeSummary(reminders=0, notices=0)
    assert run(day(-2)) == NoticeSummary(reminders=1, notices=0)
    assert run(day(-2)) == NoticeSummary(reminders=0, notices=0)
    assert run(day(-1)) == NoticeSummary(reminders=0, notices=0)
    (message,) = mailoutbox
    assert message.to == [borrower.email]
    assert message.subject == "Please return by 02/15/2027: your loan"
    assert "Laptop 07 (BIB-0007)" in message.body
    assert "Return by: Feb. 15, 2027" in message.body
    assert loan.pool.organization.name in message.body
    assert "Mo–Fr 10–18 Uhr" in message.body
    assert '<span lang="de">Mo–Fr 10–18 Uhr</span>' in message.alternatives[0][0]


def test_a_missed_reminder_day_is_caught_up_before_the_due_date_only(loan, run, mailoutbox):
    assert run(day(0)).reminders == 1
    assert len(mailoutbox) == 1

    other = UserFactory()
    pool = loan.pool
    DeviceFactory(pool=pool)
    lending_services.lend_at_desk(
        by=loan.handed_out_by,
        pool=pool,
        borrower=other,
        devices=[pool.devices.exclude(pk=loan.items.get().device_id).get()],
        now=NOW,
    )
    assert run(day(1)) == NoticeSummary(reminders=0, notices=2)  # overdue now: notices only


def test_overdue_notices_go_out_once_per_step(loan, run, mailoutbox):
    assert run(day(1)) == NoticeSummary(reminders=0, notices=1)
    assert run(day(1)).notices == 0
    assert run(day(6)).notices == 0
    assert run(day(7)).notices == 1
    assert run(day(7)).notices == 0
    assert run(day(30)).notices == 0
    assert [m.subject for m in mailoutbox] == [
        "Overdue since 02/15/2027: please return your loan"
    ] * 2
    assert sorted(OverdueNotice.objects.filter(loan=loan).values_list("kind", "days")) == [
        ("overdue", 1),
        ("overdue", 7),
    ]


def test_a_skipped_lower_step_is_recorded_and_never_sent_later(loan, run, mailoutbox):
    assert run(day(9)) == NoticeSummary(reminders=0, notices=1)
    assert run(day(10)).notices == 0
    assert len(mailoutbox) == 1
    assert set(OverdueNotice.objects.values_list("days", flat=True)) == {1, 7}


def test_a_returned_loan_gets_nothing(loan, run, mailoutbox, librarian):
    lending_services.return_by_code(
        by=librarian, code="bib-0007", now=NOW + datetime.timedelta(days=5)
    )
    assert run(day(-2)) == NoticeSummary(reminders=0, notices=0)
    assert run(day(7)) == NoticeSummary(reminders=0, notices=0)
    assert mailoutbox == []


def test_a_notice_queued_before_the_return_is_not_sent_after_it(
    loan, librarian, mailoutbox, django_capture_on_commit_callbacks
):
    from lending import emails

    lending_services.send_overdue_notices(today=day(1))  # queued, not yet sent
    lending_services.return_by_code(by=librarian, code="BIB-0007", now=NOW)
    emails.send_loan_notice(loan.pk, "overdue", 1)
    assert mailoutbox == []


def test_loans_of_school_pools_get_nothing(run, mailoutbox, organization, teacher, staff):
    pool = DevicePoolFactory(organization=organization)
    device = DeviceFactory(pool=pool)
    reservation = ReservationFactory(
        pool=pool, user=teacher, start=NOW, end=NOW + datetime.timedelta(hours=2)
    )
    services.hand_out(by=staff, reservation=reservation, devices=[device], now=NOW)
    assert run(TODAY + datetime.timedelta(days=3)) == NoticeSummary(reminders=0, notices=0)
    assert mailoutbox == []


def test_an_overdue_borrower_is_blocked_until_the_device_is_back(loan, borrower, librarian):
    late = NOW + datetime.timedelta(days=15)
    lending_services.ensure_not_blocked(borrower, now=NOW)
    assert list(lending_services.overdue_loans(borrower, now=late)) == [loan]
    with pytest.raises(lending_services.Blocked, match="Laptop 07 from Leih-Laptops"):
        lending_services.ensure_not_blocked(borrower, now=late)
    lending_services.return_by_code(by=librarian, code="BIB-0007", now=late)
    lending_services.ensure_not_blocked(borrower, now=late)
    assert not lending_services.overdue_loans(borrower, now=late).exists()


def test_the_command_prints_what_it_sent(loan, django_capture_on_commit_callbacks, mailoutbox):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_overdue_notices", "--date", day(7).isoformat(), stdout=out)
    assert out.getvalue().splitlines() == [
        "Reminders sent: 0",
        "Overdue notices sent: 1",
        "Expired waiting-list holds: 0",
        "Reservations not picked up, released: 0",
    ]
    out = StringIO()
    call_command("send_overdue_notices", "--date", day(7).isoformat(), stdout=out)
    assert "Overdue notices sent: 0" in out.getvalue()
    assert len(mailoutbox) == 1


def test_the_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_overdue_notices", "--date", "15.02.2027")


def test_the_task_runs_the_job(loan, django_capture_on_commit_callbacks, mailoutbox):
    from lending.tasks import send_overdue_notices

    with django_capture_on_commit_callbacks(execute=True):
        result = send_overdue_notices.enqueue(day(1).isoformat())
    assert result.return_value == {
        "reminders": 0,
        "notices": 1,
        "expired_holds": 0,
        "not_picked_up": 0,
    }
    assert len(mailoutbox) == 1
