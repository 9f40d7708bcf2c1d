"""Reports in the browser: an org admin picks last school year, reads the report page and
downloads the PDF; a region admin asks for the whole region, watches the background build
and downloads the result. The people switch to English first; axe-core checks every page."""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import expect

from reports.models import ReportRun
from reports.periods import period_choices
from reports.tasks import build_report_file
from tests.browser.conftest import nav_link
from tests.reports.conftest import report_world  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("report_world")]


def _in_english(page, audit) -> None:
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    audit.check(page)


def _last_school_year() -> str:
    with translation.override("en"):
        return next(label for _key, label in period_choices() if label.startswith("Last school"))


def _download(page, name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=name).first.click()
    with open(info.value.path(), "rb") as file:
        return file.read()


def test_an_org_admin_reads_last_school_years_report_and_downloads_the_pdf(
    page,
    live_server,
    org_admin,
    audit,
    log_in,
):
    log_in(page, org_admin)
    _in_english(page, audit)
    nav_link(page, "Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    audit.check(page)

    expect(page.get_by_label("Organization or area")).to_have_value("org:kronberg-gymnasium")
    page.get_by_label("Period").select_option(label=_last_school_year())
    page.get_by_role("button", name="Show report").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Usage report: Kronberg-Gymnasium")
    expect(page.get_by_text("School year 2025/26").first).to_be_visible()
    expect(page.get_by_role("img", name="Chart: Utilization per device pool")).to_be_visible()
    utilization = page.locator('tr[data-figure="utilization"]').first
    expect(utilization.get_by_role("rowheader")).to_have_text("Utilization")
    audit.check(page)

    content = _download(page, "Download as PDF")
    assert content.startswith(b"%PDF-")
    assert not ReportRun.objects.exists()  # small enough to build at once


@pytest.fixture
def queue_only(settings):
    """Tasks wait in the queue until the test runs them, like a busy worker."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def test_a_region_admin_watches_the_whole_region_being_built_then_downloads_it(
    page,
    live_server,
    region_admin,
    audit,
    log_in,
    queue_only,
):
    log_in(page, region_admin)
    _in_english(page, audit)
    page.goto(f"{live_server.url}/reports/")
    audit.check(page)

    page.get_by_label("Organization or area").select_option(label="Whole region")
    page.get_by_label("Period").select_option(label=_last_school_year())
    page.get_by_role("button", name="Show report").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Usage report: Whole region")
    expect(page.get_by_label("Progress")).to_have_attribute("value", "0")
    expect(page.get_by_role("link", name="Refresh")).to_be_visible()
    audit.check(page)

    run = ReportRun.objects.get()
    assert (run.user, run.scope_key, run.period_key) == (region_admin, "region", "sy2025")
    build_report_file.call(run.pk)  # the worker's turn

    # The page asks again every 2 seconds and shows the files when they are ready.
    expect(page.get_by_role("link", name="Download as PDF")).to_be_visible(timeout=10_000)
    expect(page.locator("#live-announcer")).to_have_text("The report is ready.")
    expect(page.get_by_label("Progress")).to_have_count(0)
    audit.check(page)

    content = _download(page, "Download as PDF")
    assert content.startswith(b"%PDF-")

    page.get_by_role("link", name="Show as a page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Usage report: Whole region")
    audit.check(page)

    page.get_by_role("link", name="Back to reports").click()
    runs = page.get_by_role("region", name="My reports")
    expect(runs.get_by_role("rowheader", name="Whole region")).to_be_visible()
    expect(runs.get_by_text("Ready")).to_be_visible()
    audit.check(page)


def test_without_javascript_the_status_page_refreshes_by_a_link(
    no_js_page,
    live_server,
    region_admin,
    audit,
    queue_only,
    client,
):
    page = no_js_page
    run = ReportRun.objects.create(
        user=region_admin,
        scope_key="region",
        scope_label="Whole region",
        period_key="sy2025",
        period_label="School year 2025/26",
        language="en",
    )
    client.force_login(region_admin)
    session = client.cookies["sessionid"].value
    page.context.add_cookies(
        [
            {"name": "sessionid", "value": session, "url": live_server.url},
            {"name": "django_language", "value": "en", "url": live_server.url},
        ]
    )
    page.goto(f"{live_server.url}/reports/runs/{run.pk}/")
    expect(page.get_by_label("Progress")).to_have_attribute("value", "0")
    audit.check(page)

    build_report_file.call(run.pk)
    page.get_by_role("link", name="Refresh").click()

    expect(page.get_by_role("link", name="Download as PDF")).to_be_visible()
    audit.check(page)


def test_a_region_admin_reads_the_findings_and_sorts_the_organizations_by_keyboard(
    page,
    live_server,
    region_admin,
    audit,
    log_in,
):
    """The region's week: the findings come first, the table per organization sorts by its
    column links (no script needed), and the sorted column says so to screen readers."""
    log_in(page, region_admin)
    _in_english(page, audit)
    page.goto(f"{live_server.url}/reports/view/?period=2026-03-02..2026-03-08&scope=region")
    expect(page.get_by_role("heading", level=1)).to_have_text("Usage report: Whole region")
    findings = page.get_by_role("region", name="Key findings")
    expect(findings.get_by_text("There were 5 bookings by teachers.")).to_be_visible()
    audit.check(page)

    table = page.locator('table[data-table="organizations"]')
    link = table.locator('a[href*="sort=organizations.utilization"]')
    expect(link).to_contain_text("sort in descending order")
    link.focus()
    page.keyboard.press("Enter")

    table = page.locator('table[data-table="organizations"]')
    expect(table.locator('th[aria-sort="descending"]')).to_contain_text("Utilization")
    expect(table.locator('th[aria-sort="descending"]')).to_contain_text("sort in ascending order")
    expect(table.locator("tbody th").first).to_have_text("Stadtbücherei Miltenberg")
    audit.check(page)
