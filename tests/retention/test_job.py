"""The whole job: a second run changes nothing, the report figures stay the same, the command
and the task run it and say what changed."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.utils import translation

from accounts.audit import log_action
from accounts.models import AuditLog, ErasureRequest, IdempotentRequest, User
from accounts.tasks import apply_retention as apply_retention_task
from booking.models import Loan, Reservation
from courses.models import Certificate, Enrollment
from devices.models import DeviceEvent
from reports.figures import build_report
from reports.models import ReportRun
from reports.scope import organization_scope, region_scope
from tests.factories import DeviceFactory, ReservationFactory, UserFactory
from tests.reports.conftest import report_world, week  # noqa: F401 (fixtures)

from .conftest import NOW, days_ago
from .test_accounts import _unused
from .test_booking import _organization_world
from .test_courses import _course

pytestmark = pytest.mark.django_db


def _every_row() -> dict[str, list[dict]]:
    """Every row of every table Lernpool's models (and allauth's, Django's) keep."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


@pytest.fixture
def everything():
    """Something for every rule to do: bookings past and inside their periods, an ended and
    a running course, unused accounts (one already warned and due), an old report file, an
    old device-history entry and log entry, an expired session."""
    for days, period in ((None, 90), (30, 30), (1000, 365)):
        _organization_world(days, period)
    _course(days_ago(400))
    _course(days_ago(10))
    due = _unused(740)
    User.objects.filter(pk=due.pk).update(inactivity_warned_at=days_ago(15))
    ReportRun.objects.create(
        user=UserFactory(),
        scope_key="region",
        scope_label="Region",
        period_key="2027-05",
        period_label="Mai 2027",
        expires_at=days_ago(1),
    )
    device = DeviceFactory()
    for when in (days_ago(800), days_ago(5)):
        DeviceEvent.objects.create(
            device=device, kind="edited", actor=UserFactory(), created_at=when
        )
        entry = log_action(None, "devices.edited", device)
        AuditLog.objects.filter(pk=entry.pk).update(created_at=when)
    Session.objects.create(session_key="expired", session_data="", expire_date=days_ago(1))
    IdempotentRequest.objects.create(
        scope="0" * 64, key="retry", fingerprint="0" * 64, status_code=201, created_at=days_ago(2)
    )
    asked = _unused(10)
    ErasureRequest.objects.create(
        user=asked,
        reason="In person at the desk",
        requested_on=days_ago(9).date(),
        created_at=days_ago(8),
        erase_after=days_ago(1),
    )
    return {"due": due, "to_warn": _unused(720), "active": _unused(10), "asked": asked}


def test_a_second_run_changes_nothing(everything, apply, mailoutbox):
    first = apply()
    assert all(first.values()), first
    assert first["accounts.account"] == 2  # one warned, one deleted
    assert first["accounts.erasure_requests"] == 1  # asked through staff, grace period over
    assert not User.objects.filter(pk__in=[everything["due"].pk, everything["asked"].pk]).exists()
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [everything["to_warn"].email, everything["asked"].email]
    )
    rows = _every_row()
    sent = len(mailoutbox)

    second = apply()

    assert second == dict.fromkeys(first, 0)
    assert _every_row() == rows
    assert len(mailoutbox) == sent


def _figures(report) -> tuple:
    return (
        report.devices,
        report.courses,
        report.previous_devices,
        report.previous_courses,
        report.trend,
        [(figure.key, figure.value, figure.previous) for figure in report.key_figures()],
    )


def test_the_report_figures_stay_the_same(report_world, week, apply):  # noqa: F811
    scopes = [
        region_scope(),
        organization_scope(report_world.school),
        organization_scope(report_world.library),
    ]
    with translation.override("en"):
        before = [
            _figures(build_report(scope=s, period=week, now=report_world.now)) for s in scopes
        ]

    apply()

    # Everything of the reported week is past every period now: all of it was unlinked.
    assert not Reservation.objects.exclude(user=None).exists()
    assert not Loan.objects.exclude(borrower=None).exists()
    assert not Enrollment.objects.exclude(user=None).exists()
    assert not Certificate.objects.exclude(holder_name="").exists()
    with translation.override("en"):
        after = [_figures(build_report(scope=s, period=week, now=report_world.now)) for s in scopes]
    assert after == before


def test_the_command_prints_what_each_rule_changed(
    everything, clock, django_capture_on_commit_callbacks
):
    clock(NOW)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("apply_retention", "--date", NOW.date().isoformat(), stdout=out)

    lines = dict(line.split(None, 1) for line in out.getvalue().splitlines()[:-1])
    assert lines["booking.bookings"] == "27 changed"  # 3 organizations × 9
    assert lines["courses.enrolments"] == "5 changed"  # 2 enrolments, 1 attendance, name, creator
    assert lines["accounts.account"] == "2 changed"
    assert lines["reports.runs"] == "1 changed"
    assert out.getvalue().splitlines()[-1] == (
        "Unused accounts kept because something is still open: 0"
    )

    out = StringIO()
    call_command("apply_retention", "--date", NOW.date().isoformat(), stdout=out)
    assert all(line.endswith(" 0 changed") for line in out.getvalue().splitlines()[:-1])


def test_the_command_acts_as_of_the_date_given(clock):
    """Catching up a missed day: run on NOW + 20 days as of NOW + 10 days."""
    world = _organization_world(None, 90)
    ended_75_days_ago = ReservationFactory(
        pool=world.inside["reservation"].pool, start=days_ago(75.1), end=days_ago(75)
    )
    clock(NOW + datetime.timedelta(days=20))
    date = (NOW + datetime.timedelta(days=10)).date().isoformat()

    call_command("apply_retention", "--date", date, stdout=StringIO())

    reservation = world.inside["reservation"]
    reservation.refresh_from_db()
    assert reservation.user is None  # 89 days before NOW: 99 days before the date given
    ended_75_days_ago.refresh_from_db()
    assert ended_75_days_ago.user is not None  # 85 days before the date (95 before the clock)


def test_the_command_refuses_a_date_after_today(clock):
    """A typo in the year must not unlink bookings and delete accounts ahead of time."""
    clock(NOW)
    world = _organization_world(None, 90)
    tomorrow = (NOW + datetime.timedelta(days=1)).date().isoformat()
    rows = _every_row()

    with pytest.raises(CommandError, match=f"--date: {tomorrow} is after today"):
        call_command("apply_retention", "--date", tomorrow, stdout=StringIO())
    with pytest.raises(CommandError, match="after today"):
        call_command("apply_retention", "--date", "2099-01-01", stdout=StringIO())

    assert _every_row() == rows
    world.inside["reservation"].refresh_from_db()
    assert world.inside["reservation"].user is not None
    # Today is fine: then what is past its period goes.
    call_command("apply_retention", "--date", NOW.date().isoformat(), stdout=StringIO())
    assert Reservation.objects.get(pk=world.past["reservation"].pk).user is None


def test_the_command_rejects_a_malformed_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("apply_retention", "--date", "15.06.2027", stdout=StringIO())


def test_the_task_runs_the_same_job(everything, clock, django_capture_on_commit_callbacks):
    clock(NOW)
    with django_capture_on_commit_callbacks(execute=True):
        result = apply_retention_task.enqueue(NOW.date().isoformat())

    assert result.return_value["booking.bookings"] == 27
    assert result.return_value["accounts.account"] == 2
    assert result.return_value["blocked_accounts"] == 0
