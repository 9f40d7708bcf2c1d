"""The daily job for loans to residents: a reminder before the due date, notices after it.

Each step is recorded as an OverdueNotice before its email is queued; the unique constraint
on (loan, kind, days) makes a second run on the same day, or two runs at once, send nothing
new. A returned loan is closed and never looked at again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from booking.models import Loan
from booking.services.dates import last_day
from devices.models import DevicePool
from organizations.hours import ONE_DAY, OpeningCalendar, calendars_for

from ..models import LendingPolicy, OverdueNotice
from ..tasks import send_loan_notice


@dataclass(frozen=True)
class NoticeSummary:
    reminders: int
    notices: int


def _record(loan: Loan, kind: str, days: int) -> bool:
    """Record a step; False when it was recorded before (by this job or one running now)."""
    try:
        with transaction.atomic():
            OverdueNotice.objects.create(loan=loan, kind=kind, days=days)
    except IntegrityError:
        return False
    return True


def _queue(loan: Loan, kind: str, days: int) -> None:
    transaction.on_commit(partial(send_loan_notice.enqueue, loan.pk, kind, days))


def _overdue_step(loan: Loan, policy: LendingPolicy, today: datetime.date, sent: set) -> int:
    """Record the notice steps that are due; email only the highest (the lower ones, missed
    when the job did not run, are recorded so that they never come later). Returns 1 when a
    notice is queued."""
    due = last_day(loan.due_at)
    steps = [days for days in policy.notice_days() if today >= due + datetime.timedelta(days)]
    missing = [days for days in steps if (OverdueNotice.Kind.OVERDUE, days) not in sent]
    if not missing:
        return 0
    top = max(steps)
    queued = 0
    for days in sorted(missing, reverse=True):
        if _record(loan, OverdueNotice.Kind.OVERDUE, days) and days == top:
            _queue(loan, OverdueNotice.Kind.OVERDUE, days)
            queued = 1
    return queued


def reminder_day(calendar: OpeningCalendar, due: datetime.date, days: int) -> datetime.date:
    """The day to remind a borrower: ``days`` open days before the due day (one: the last
    open day before it), so that they can still come on an open day, and nobody is reminded
    on a closed Sunday evening of a Monday the library is closed."""
    remind_on = due
    for _ in range(days):
        remind_on = calendar.last_open_day_before(remind_on) or remind_on - ONE_DAY
    return remind_on


def _reminder(
    loan: Loan,
    policy: LendingPolicy,
    today: datetime.date,
    sent: set,
    calendar: OpeningCalendar,
) -> int:
    days = policy.reminder_days_before
    due = last_day(loan.due_at)
    if not days or (OverdueNotice.Kind.REMINDER, days) in sent:
        return 0
    # Far from the due day nothing is due yet (no reminder lies a month of closed days before
    # it): no need to read the calendar that far ahead.
    if (due - today).days > days + 31:
        return 0
    remind_on = reminder_day(calendar, due, days)
    # Late (the job missed the day) is still fine until the due date, on a day the
    # organization is open; a loan that started after its reminder day was handed out with
    # the date in hand.
    if (
        not remind_on <= today <= due
        or not calendar.is_open(today)
        or timezone.localtime(loan.handed_out_at).date() > remind_on
    ):
        return 0
    if _record(loan, OverdueNotice.Kind.REMINDER, days):
        _queue(loan, OverdueNotice.Kind.REMINDER, days)
        return 1
    return 0


def send_overdue_notices(*, today: datetime.date | None = None) -> NoticeSummary:
    """Remind borrowers of residents' pools before the due date and send overdue notices
    after it, each step once, per the organization's lending policy."""
    today = today or timezone.localdate()
    loans = (
        Loan.objects.open()
        .filter(pool__booking_scope=DevicePool.Scope.RESIDENTS, borrower__isnull=False)
        .select_related("pool__organization__lending_policy")
        .prefetch_related("notices")
        .order_by("pk")
    )
    loans = list(loans)
    # The reminder looks back from due days a few weeks ahead at most (reminder_days_before
    # is small); a calendar read for all organizations at once, further on demand.
    calendars = calendars_for(
        {loan.pool.organization_id: loan.pool.organization for loan in loans}.values(),
        today - datetime.timedelta(days=31),
        today + datetime.timedelta(days=62),
    )
    reminders = notices = 0
    for loan in loans:
        policy = LendingPolicy.for_organization(loan.pool.organization)
        sent = {(notice.kind, notice.days) for notice in loan.notices.all()}
        with transaction.atomic():
            if today > last_day(loan.due_at):
                notices += _overdue_step(loan, policy, today, sent)
            else:
                reminders += _reminder(
                    loan, policy, today, sent, calendars[loan.pool.organization_id]
                )
    return NoticeSummary(reminders=reminders, notices=notices)
