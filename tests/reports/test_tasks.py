"""Background work: building a report run (progress, files, failure, keeping time) and the
monthly report by email (opt-in only, once per person, organization and month)."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

import reports.figures

# Imported before any test patches build_report: building a run renders its page, which
# loads the URLconf and so reports.views, whose `from .figures import build_report` would
# otherwise keep the patched function for every later test.
import reports.views
from organizations.models import Membership, Role
from reports import csv_export
from reports.models import MonthlyReportSent, MonthlyReportSubscription, ReportRun
from reports.tasks import build_report_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

WEEK_KEY = "2026-03-02..2026-03-08"
SCHOOL = "org:kronberg-gymnasium"


def queued(user, **fields) -> ReportRun:
    return ReportRun.objects.create(
        user=user,
        scope_key=fields.pop("scope_key", SCHOOL),
        scope_label="Kronberg-Gymnasium",
        period_key=fields.pop("period_key", WEEK_KEY),
        period_label="03/02/2026–03/08/2026",
        language=fields.pop("language", "en"),
        **fields,
    )


def pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


# ---------------------------------------------------------------------------------------
# Building a report run


def test_a_run_writes_its_progress_while_the_figures_are_counted(
    org_admin, report_world, monkeypatch
):
    run = queued(org_admin)
    seen: list[tuple[str, int, str]] = []
    real = reports.figures.build_report

    def watched(**kwargs):
        progress = kwargs.pop("progress")

        def spy(percent, message):
            progress(percent, message)
            now = ReportRun.objects.values_list("status", "progress", "message").get(pk=run.pk)
            seen.append(now)

        return real(progress=spy, **kwargs)

    monkeypatch.setattr(reports.figures, "build_report", watched)

    assert build_report_file.call(run.pk) == "done"

    assert [status for status, _progress, _message in seen] == ["running"] * len(seen)
    progresses = [progress for _status, progress, _message in seen]
    assert progresses == sorted(progresses) and 0 < progresses[-1] < 100
    assert "Counting courses" in [message for _status, _progress, message in seen]
    run.refresh_from_db()
    assert (run.status, run.progress, run.message) == ("done", 100, "")


def test_a_run_keeps_the_pdf_the_csv_and_the_page(org_admin, report_world):
    run = queued(org_admin)

    build_report_file.call(run.pk)

    run.refresh_from_db()
    assert "Kronberg-Gymnasium" in pdf_text(bytes(run.pdf))
    csv = csv_export.table_from_zip(bytes(run.csv), "figures").decode("utf-8-sig")
    assert "Devices;Utilization;35.4;25.0;%" in csv
    assert "35.4 %" in run.html
    assert f"/reports/runs/{run.pk}/report.pdf" in run.html


def test_a_run_is_built_in_the_language_it_was_asked_in(org_admin, report_world):
    run = queued(org_admin, language="de")

    build_report_file.call(run.pk)

    run.refresh_from_db()
    assert "35,4" in csv_export.table_from_zip(bytes(run.csv), "figures").decode("utf-8-sig")
    assert "02.03.2026–08.03.2026" in pdf_text(bytes(run.pdf))


def test_a_run_that_fails_says_so(org_admin, report_world, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(reports.figures, "build_report", broken)
    run = queued(org_admin)

    assert build_report_file.call(run.pk) == "failed"

    run.refresh_from_db()
    assert run.status == "failed"
    assert run.message == "The report could not be built. Please try again later."
    assert run.pdf is None


def test_a_run_fails_when_its_owner_lost_the_right_to_see_it(org_admin, report_world):
    run = queued(org_admin)
    Membership.objects.filter(user=org_admin).delete()

    assert build_report_file.call(run.pk) == "failed"


def test_a_run_is_built_once(org_admin, report_world):
    run = queued(org_admin, status="running", progress=30)

    assert build_report_file.call(run.pk) == "skipped"
    run.refresh_from_db()
    assert (run.status, run.progress) == ("running", 30)
    assert build_report_file.call(run.pk + 1000) == "skipped"


def test_runs_past_their_keeping_time_are_deleted(org_admin, report_world):
    old = queued(org_admin, status="done", expires_at=timezone.now() - datetime.timedelta(days=1))
    kept = queued(org_admin, status="done")

    build_report_file.call(queued(org_admin).pk)

    assert not ReportRun.objects.filter(pk=old.pk).exists()
    assert ReportRun.objects.filter(pk=kept.pk).exists()


def test_the_keeping_time_is_a_setting(org_admin, settings):
    settings.LERNPOOL_REPORT_DAYS = 7

    run = queued(org_admin)

    assert abs(run.expires_at - run.created_at - datetime.timedelta(days=7)).total_seconds() < 5


# ---------------------------------------------------------------------------------------
# The monthly report by email


@pytest.fixture
def subscribed(org_admin, organization):
    org_admin.preferred_language = "en"
    org_admin.save()
    MonthlyReportSubscription.objects.create(user=org_admin, organization=organization)
    return org_admin


def test_opted_in_admins_get_last_months_report_once(subscribed, report_world, mailoutbox):
    call_command("send_monthly_reports", "--month", "2026-03")
    call_command("send_monthly_reports", "--month", "2026-03")

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [subscribed.email]
    assert message.subject == "Usage report March 2026: Kronberg-Gymnasium"
    # March: 4.25 of 21 open days × 1.5 h × 2 iPads; February: 3 of 19 × 3 h.
    assert "- Utilization: 6.7 % (before: 5.3 %)" in message.body
    assert "- Bookings by teachers: 5 (before: 1)" in message.body
    (name, content, mimetype), *rest = message.attachments
    assert not rest
    assert mimetype == "application/pdf"
    assert name == "usage-report-org-kronberg-gymnasium-2026-03.pdf"
    assert "March 2026" in pdf_text(content)
    assert MonthlyReportSent.objects.filter(user=subscribed, month="2026-03-01").count() == 1


def test_the_default_month_is_last_month(subscribed, mailoutbox):
    call_command("send_monthly_reports")

    today = timezone.localdate()
    last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    assert MonthlyReportSent.objects.get().month == last
    assert len(mailoutbox) == 1


def test_the_report_comes_in_the_readers_language(subscribed, report_world, mailoutbox):
    subscribed.preferred_language = "de"
    subscribed.save()

    call_command("send_monthly_reports", "--month", "2026-03")

    (name, content, _mimetype) = mailoutbox[0].attachments[0]
    assert "März 2026" in pdf_text(content)
    assert name == "nutzungsbericht-org-kronberg-gymnasium-2026-03.pdf"


def test_nobody_gets_it_without_opting_in_or_without_the_admin_role(
    org_admin, teacher, organization, report_world, mailoutbox
):
    MonthlyReportSubscription.objects.create(user=teacher, organization=organization)
    Membership.objects.filter(user=teacher).update(role=Role.STAFF)

    call_command("send_monthly_reports", "--month", "2026-03")

    assert mailoutbox == []
    assert not MonthlyReportSent.objects.exists()


def test_a_failed_email_is_tried_again_next_time(subscribed, report_world, mailoutbox, monkeypatch):
    import reports.emails

    def down(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(reports.emails, "send_to_user", down)
    call_command("send_monthly_reports", "--month", "2026-03")
    assert not MonthlyReportSent.objects.exists()

    monkeypatch.undo()
    call_command("send_monthly_reports", "--month", "2026-03")

    assert len(mailoutbox) == 1


def test_a_bad_month_is_refused(subscribed):
    with pytest.raises(CommandError):
        call_command("send_monthly_reports", "--month", "March")
