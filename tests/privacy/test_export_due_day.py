"""A resident's loan is due by a day, a waiting-list hold runs to the end of a day: the export
shows that day, with no clock time, and not the midnight after it (which reads as the next
day). A teacher's loan keeps its time."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from accounts.views import readable_cell
from booking.models import Loan
from booking.personal_data import export_loans
from core.dates import local_datetime
from lending.personal_data import export_waitlist
from tests.factories import (
    DevicePoolFactory,
    LendingPoolFactory,
    UserFactory,
    WaitlistEntryFactory,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 18)


def _loan(pool, borrower, due_at):
    return Loan.objects.create(
        pool=pool,
        borrower=borrower,
        handed_out_at=due_at - datetime.timedelta(days=14),
        due_at=due_at,
    )


def test_a_residents_loan_is_due_on_a_day_without_a_clock_time():
    person = UserFactory()
    _loan(
        LendingPoolFactory(),
        person,
        local_datetime(DAY + datetime.timedelta(days=1), datetime.time(0)),
    )
    (row,) = export_loans(person)
    with translation.override("de"):
        assert readable_cell(row["due"]) == "18.12.2026"


def test_a_teachers_loan_keeps_its_due_time():
    person = UserFactory()
    _loan(DevicePoolFactory(), person, local_datetime(DAY, datetime.time(13, 30)))
    (row,) = export_loans(person)
    with translation.override("de"):
        assert readable_cell(row["due"]) == "18.12.2026 13:30"


def test_a_waiting_list_hold_runs_to_a_day_without_a_clock_time():
    entry = WaitlistEntryFactory(
        status="offered",
        hold_until=local_datetime(DAY + datetime.timedelta(days=1), datetime.time(0)),
    )
    (row,) = export_waitlist(entry.user)
    with translation.override("de"):
        assert readable_cell(row["held_until"]) == "18.12.2026"
