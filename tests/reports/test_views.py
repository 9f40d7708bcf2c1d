"""The report pages: the form, the report as a page, the background builds and their status
page, the monthly opt-in. Pages are requested in English.

The report tested is the week of conftest.py (2–8 March 2026), whose figures are counted by
hand there: the school's utilization is 4.25 of 12 device-hours (35.4 %), its teachers made
5 bookings, one of them a shortfall.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from organizations.models import Role
from reports import formatting
from reports.figures import build_report
from reports.models import MonthlyReportSubscription, ReportRun
from reports.periods import range_period
from reports.scope import organization_scope
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ReservationFactory,
)

from .conftest import WEEK, at
from .test_csv import rows as csv_rows
from .test_pdf import pdf_text

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("english_messages", "english_pages"),
]

WEEK_KEY = f"{WEEK[0].isoformat()}..{(WEEK[1] - datetime.timedelta(days=1)).isoformat()}"
SCHOOL = "org:kronberg-gymnasium"
LIBRARY = "org:stadtbuecherei-miltenberg"
# A report's queries do not grow with its rows (51 for the school's week, both periods, the
# devices in repair on average included, and up to 4 per period for the opening calendars).
# On PostgreSQL +1 per reservation scan (three) for its time zone and work_mem, and inside a
# test's transaction +3 more each: a savepoint, its release, the settings put back.
REPORT_QUERIES = 61 + 3 * 4


@pytest.fixture
def admin_client(client, org_admin):
    client.force_login(org_admin)
    return client


def report_url(name: str = "reports:report", *, period: str = WEEK_KEY, scope: str = SCHOOL):
    return f"{reverse(name)}?period={period}&scope={scope}"


def _week_report(world, scope):
    return build_report(scope=scope, period=range_period(*WEEK))


FIGURE_ROW = re.compile(
    r'<tr data-figure="([^"]+)">\s*<th[^>]*>([^<]*)</th>\s*'
    r"<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>"
)


def _figure_rows(html: str) -> list[tuple[str, ...]]:
    """(key, label, this period, previous, change) of each figure row on the page."""
    return [tuple(unescape(cell) for cell in row) for row in FIGURE_ROW.findall(html)]


def make_run(user, **fields) -> ReportRun:
    defaults = {
        "scope_key": "region",
        "scope_label": "Whole region",
        "period_key": "sy2025",
        "period_label": "School year 2025/26",
        "language": "en",
    }
    return ReportRun.objects.create(user=user, **{**defaults, **fields})


# ---------------------------------------------------------------------------------------
# Who may see what


@pytest.mark.parametrize("who", ["teacher", "staff", "resident"])
@pytest.mark.parametrize("name", ["reports:index", "reports:report", "reports:pdf", "reports:csv"])
def test_people_without_an_admin_role_get_404(client, request, report_world, who, name):
    client.force_login(request.getfixturevalue(who))

    response = client.get(report_url(name))

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["reports:report", "reports:pdf", "reports:csv"])
def test_an_admin_of_another_organization_gets_404(client, outsider, report_world, name):
    client.force_login(outsider)

    response = client.get(report_url(name, scope=SCHOOL))

    assert response.status_code == 404


@pytest.mark.parametrize("scope", ["region", "district:stadt-aschaffenburg"])
def test_an_org_admin_cannot_report_on_the_region_or_a_district(admin_client, scope):
    assert admin_client.get(report_url(scope=scope)).status_code == 404


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get(reverse("reports:index"))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_form_offers_only_the_admins_own_organization(admin_client, other_organization):
    html = admin_client.get(reverse("reports:index")).content.decode()

    assert f'value="{SCHOOL}"' in html
    assert LIBRARY not in html
    assert 'value="region"' not in html


def test_a_region_admin_may_choose_the_region_districts_and_organizations(
    client, region_admin, organization
):
    client.force_login(region_admin)

    html = client.get(reverse("reports:index")).content.decode()

    assert 'value="region"' in html
    assert f'value="district:{organization.district.slug}"' in html
    assert f'value="{SCHOOL}"' in html


# ---------------------------------------------------------------------------------------
# The form


def test_a_small_report_opens_at_once(admin_client, report_world):
    response = admin_client.post(
        reverse("reports:index"),
        {"scope": SCHOOL, "period": "range", "start": "2026-03-02", "end": "2026-03-08"},
    )

    assert response.status_code == 302
    assert response["Location"] == report_url()
    assert not ReportRun.objects.exists()


def test_a_preset_period_opens_its_report(admin_client, report_world):
    response = admin_client.post(reverse("reports:index"), {"scope": SCHOOL, "period": "sy2025"})

    assert response["Location"] == report_url(period="sy2025")


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"scope": SCHOOL, "period": "range", "start": "2026-03-08", "end": "2026-03-02"},
            "The first day must not be after the last day.",
        ),
        ({"scope": SCHOOL, "period": "range", "start": "2026-03-02"}, "Please enter the last day."),
        ({"scope": SCHOOL, "period": "1999-12"}, "Please choose a year between 2000 and 2100."),
        ({"scope": SCHOOL, "period": "2026-13"}, "This is not a valid period."),
        ({"scope": "<script>", "period": "2026-03"}, "Please choose an organization or area"),
        ({"period": "2026-03"}, "This field is required."),
    ],
)  # fmt: skip
def test_the_form_says_what_is_wrong_and_writes_nothing(admin_client, data, message):
    response = admin_client.post(reverse("reports:index"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Please correct the following:" in response.content.decode()
    assert not ReportRun.objects.exists()


def test_the_form_refuses_a_scope_of_another_organization_with_404(admin_client, outsider):
    response = admin_client.post(reverse("reports:index"), {"scope": LIBRARY, "period": "2026-03"})

    assert response.status_code == 404
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_the_form_refuses_other_methods(admin_client, method):
    assert getattr(admin_client, method)(reverse("reports:index")).status_code == 405


def test_the_form_lists_only_my_current_reports(admin_client, org_admin, region_admin):
    make_run(org_admin, scope_label="Kronberg-Gymnasium", period_label="Mine, ready", status="done")
    make_run(region_admin, period_label="Somebody else's")
    make_run(
        org_admin,
        period_label="Mine, expired",
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )

    html = admin_client.get(reverse("reports:index")).content.decode()

    assert "Mine, ready" in html
    assert "Somebody else's" not in html
    assert "Mine, expired" not in html
    assert "kept for 30 days" in html


@pytest.mark.parametrize("count", [3, 300])
def test_the_form_needs_few_queries_however_many_reports(
    admin_client, org_admin, django_assert_max_num_queries, count
):
    ReportRun.objects.bulk_create(
        ReportRun(
            user=org_admin,
            scope_key=SCHOOL,
            scope_label="Kronberg-Gymnasium",
            period_key="2026-03",
            period_label="March 2026",
            status="done",
        )
        for _ in range(count)
    )

    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("reports:index"))

    assert response.status_code == 200


# ---------------------------------------------------------------------------------------
# The report page


def test_the_page_shows_the_hand_counted_figures(admin_client, report_world):
    html = admin_client.get(report_url()).content.decode()

    rows = {row[0]: row[1:] for row in _figure_rows(html)}
    assert rows["utilization"][:2] == ("Utilization", "35.4 %")  # 4.25 of 12 device-hours
    assert rows["utilization"][2] == "25.0 %"  # the week before: 3 of 12
    assert rows["utilization"][3] == "+10.4 percentage points"
    assert rows["bookings_by_teachers"][1] == "5"
    assert rows["shortfalls"][1] == "1"
    assert "Kronberg-Gymnasium" in html
    assert "2026" in html


def test_the_page_carries_every_number_of_the_report(admin_client, report_world):
    html = admin_client.get(report_url()).content.decode()
    report = _week_report(report_world, organization_scope(report_world.school))

    expected = [
        (figure.key, figure.label, figure.display, figure.previous_display, figure.change)
        for figure in formatting.summary(report)
        + [figure for section in formatting.sections(report) for figure in section.figures]
    ]
    assert _figure_rows(html) == expected
    for table in formatting.tables(report).values():
        for row in table.display_rows():
            for value in row:
                assert f">{value}</t" in html, (table.key, value)


def test_the_page_is_accessible_markup(client, region_admin, report_world):
    client.force_login(region_admin)

    # Two weeks over two months, for the whole region: every chart is drawn.
    response = client.get(report_url(period="2026-02-23..2026-03-08", scope="region"))

    html = response.content.decode()
    assert html.count("<h1") == 1
    assert '<th scope="col"' in html and '<th scope="row"' in html
    # Each chart: an SVG image named by its caption, then its data table.
    for key in ("utilization", "topics", "trend"):
        assert f'role="img" aria-labelledby="chart-{key}-caption"' in html
        assert f'id="chart-{key}-caption"' in html
        assert f'data-table="chart-{key}"' in html
    # The CSP allows no style attributes, not even in the SVG.
    assert "style=" not in html.split('<article class="report"')[1]
    assert "How the figures are counted" in html
    assert "Reserved device-hours divided by available device-hours" in html


def test_the_page_links_the_pdf_and_csv_of_the_same_report(admin_client, report_world):
    html = admin_client.get(report_url()).content.decode()

    query = f"?period={WEEK_KEY}&amp;scope={SCHOOL}"
    assert f'href="{reverse("reports:pdf")}{query}"' in html
    assert f'href="{reverse("reports:zip")}{query}"' in html
    for table in ("figures", "pools", "trend"):
        assert f'href="{reverse("reports:csv")}{query}&amp;table={table}"' in html


@pytest.mark.parametrize(
    "query, message",
    [
        ("period=garbage&scope=org:kronberg-gymnasium", "This is not a valid period."),
        ("period=2026-02-30..2026-03-01&scope=" + SCHOOL, "This is not a valid period."),
        ("period=2026-03&scope=org:../etc", "Please choose an organization or area from the list."),
        ("period=2026-03&scope=" + "x" * 500, "Ensure this value has at most"),
        ("", "This field is required."),
    ],
)  # fmt: skip
@pytest.mark.parametrize("name", ["reports:report", "reports:pdf", "reports:csv"])
def test_garbage_in_the_address_is_a_400_with_a_message(admin_client, name, query, message):
    response = admin_client.get(f"{reverse(name)}?{query}")

    assert response.status_code == 400
    assert message in response.content.decode()


DOORS = ["reports:report", "reports:pdf", "reports:csv", "reports:zip"]


@pytest.mark.parametrize(
    "scope, extra, message",
    [
        ("region", "sort=organizations.secret", "has no column “secret”."),
        ("region", "sort=secret", "can be sorted are: “districts”, “organizations”."),
        ("region", "sort=pools.name", "Please name a table and one of its columns"),
        (SCHOOL, "sort=organizations.name", "This report has no table that can be sorted."),
        ("region", "sort=organizations.name&order=up", "Please give “asc” (ascending) or “desc”"),
        ("region", "table=secrets", "There is no table “secrets”. The tables are: “figures”,"),
        ("region", "sort=" + "x" * 500, "Ensure this value has at most"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("name", DOORS)
def test_a_bad_sort_order_or_table_is_a_400_that_says_what_to_give_at_every_door(
    client, region_admin, report_world, name, scope, extra, message
):
    client.force_login(region_admin)
    response = client.get(f"{report_url(name, scope=scope)}&{extra}")

    assert response.status_code == 400
    assert message in unescape(response.content.decode())
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize("name", DOORS)
def test_a_good_sort_is_taken_at_every_door(client, region_admin, report_world, name):
    client.force_login(region_admin)
    query = "sort=organizations.utilization&order=desc&table=organizations"
    response = client.get(f"{report_url(name, scope='region')}&{query}")

    assert response.status_code == 200


def test_the_pdf_is_sorted_as_the_page_without_sort_links(client, region_admin, report_world):
    client.force_login(region_admin)
    url = f"{report_url('reports:report', scope='region')}&sort=organizations.name&order=desc"
    page = client.get(url).content.decode()
    pdf_url = unescape(re.search(r'href="([^"]*report\.pdf[^"]*)"', page)[1])
    assert "sort=organizations.name" in pdf_url and "order=desc" in pdf_url

    text = pdf_text(client.get(pdf_url).content)

    assert text.index("Stadtbücherei") < text.index("Kronberg-")
    assert "sort in" not in text
    assert "The column headings sort the tables." not in text


def test_the_csv_files_are_sorted_as_the_page(client, region_admin, report_world):
    client.force_login(region_admin)
    url = f"{report_url('reports:report', scope='region')}&sort=organizations.name&order=desc"
    page = unescape(client.get(url).content.decode())
    csv_url = re.search(r'href="([^"]*report\.csv[^"]*table=organizations[^"]*)"', page)[1]
    zip_url = re.search(r'href="([^"]*report\.zip[^"]*)"', page)[1]
    assert "sort=organizations.name" in csv_url and "order=desc" in csv_url
    assert "sort=organizations.name" in zip_url and "order=desc" in zip_url
    unsorted = client.get(f"{report_url('reports:csv', scope='region')}&table=organizations")

    content = client.get(csv_url).content

    names = [row[0] for row in csv_rows(content)[1:]]
    assert names == ["Stadtbücherei Miltenberg", "Kronberg-Gymnasium"]
    assert [row[0] for row in csv_rows(unsorted.content)[1:]] == names[::-1]
    with zipfile.ZipFile(io.BytesIO(client.get(zip_url).content)) as archive:
        member = next(name for name in archive.namelist() if name.endswith("-organizations.csv"))
        assert archive.read(member) == content


@pytest.mark.parametrize("name", ["reports:report", "reports:pdf", "reports:csv"])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_report_refuses_other_methods(admin_client, name, method):
    assert getattr(admin_client, method)(report_url(name)).status_code == 405


@pytest.mark.parametrize("count", [3, 300])
def test_the_page_needs_the_same_queries_however_many_bookings(
    admin_client, report_world, django_assert_max_num_queries, count
):
    for index in range(count):
        ReservationFactory(
            pool=report_world.pool,
            user=report_world.teacher,
            start=at(6, 8) + datetime.timedelta(minutes=index % 40),
            end=at(6, 9),
            quantity=1,
            status="requested",
        )

    with django_assert_max_num_queries(REPORT_QUERIES):
        response = admin_client.get(report_url())

    assert response.status_code == 200


def test_a_large_report_is_offered_in_the_background(client, region_admin, report_world):
    client.force_login(region_admin)

    response = client.get(report_url(period="sy2025", scope="region"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "built in the background" in html
    assert 'name="period" value="sy2025"' in html
    assert not ReportRun.objects.exists()


# ---------------------------------------------------------------------------------------
# Downloads


def test_the_csv_download_is_named_and_typed(admin_client, report_world):
    response = admin_client.get(report_url("reports:csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="usage-report-org-kronberg-gymnasium-2026-03-02_2026-03-08'
        '-figures.csv"'
    )


def test_the_pdf_download_is_a_pdf(admin_client, report_world):
    response = admin_client.get(report_url("reports:pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize(("language", "word"), [("en", "usage-report"), ("de", "nutzungsbericht")])
def test_the_downloads_are_named_in_the_readers_language(
    admin_client, report_world, settings, language, word
):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    name = f"{word}-org-kronberg-gymnasium-2026-03-02_2026-03-08"

    pools = admin_client.get(report_url("reports:csv") + "&table=pools")
    tables = admin_client.get(report_url("reports:zip"))
    paper = admin_client.get(report_url("reports:pdf"))

    assert pools["Content-Disposition"] == f'attachment; filename="{name}-pools.csv"'
    assert tables["Content-Disposition"] == f'attachment; filename="{name}.zip"'
    assert paper["Content-Disposition"] == f'attachment; filename="{name}.pdf"'
    members = zipfile.ZipFile(io.BytesIO(tables.content)).namelist()
    assert f"{name}-pools.csv" in members
    assert all(member.startswith(f"{name}-") for member in members)


# ---------------------------------------------------------------------------------------
# Reports built in the background


@pytest.fixture
def background(settings):
    """Every report is "large"."""
    settings.LERNPOOL_REPORT_SIZE_LIMIT = 0


def test_a_large_report_is_built_in_the_background_and_offered_when_ready(
    admin_client, org_admin, report_world, background, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("reports:index"), {"scope": SCHOOL, "period": WEEK_KEY}
        )

    run = ReportRun.objects.get()
    assert response["Location"] == reverse("reports:run", kwargs={"pk": run.pk})
    assert (run.user, run.scope_key, run.period_key) == (org_admin, SCHOOL, WEEK_KEY)
    assert (run.status, run.progress) == ("done", 100)
    assert run.finished_at is not None
    kept = run.expires_at - run.created_at
    assert abs(kept - datetime.timedelta(days=30)) < datetime.timedelta(seconds=5)

    html = admin_client.get(response["Location"]).content.decode()
    assert "The report is ready." in html
    assert "<title>Usage report: " in html
    assert 'hx-trigger="every 2s"' not in html
    assert reverse("reports:run_pdf", kwargs={"pk": run.pk}) in html

    pdf = admin_client.get(reverse("reports:run_pdf", kwargs={"pk": run.pk}))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    csv = admin_client.get(reverse("reports:run_csv", kwargs={"pk": run.pk}))
    assert csv.content.startswith("\ufeff".encode())
    page = admin_client.get(reverse("reports:run_html", kwargs={"pk": run.pk})).content.decode()
    assert "35.4 %" in page
    assert reverse("reports:run_csv", kwargs={"pk": run.pk}) + "?table=pools" in page
    tables = admin_client.get(reverse("reports:run_zip", kwargs={"pk": run.pk}))
    assert tables["Content-Type"] == "application/zip"
    pools = admin_client.get(reverse("reports:run_csv", kwargs={"pk": run.pk}) + "?table=pools")
    assert pools.content.decode("utf-8-sig").startswith("Pool;Organization;")
    bad = admin_client.get(reverse("reports:run_csv", kwargs={"pk": run.pk}) + "?table=secrets")
    assert bad.status_code == 400
    assert "There is no table “secrets”." in unescape(bad.content.decode())


def test_a_background_reports_files_are_named_in_the_language_it_was_built_in(
    admin_client, org_admin
):
    tables = io.BytesIO()
    with zipfile.ZipFile(tables, "w") as archive:
        archive.writestr("nutzungsbericht-region-sy2025-pools.csv", "Pool;Organisation\r\n")
    run = make_run(org_admin, status="done", language="de", pdf=b"%PDF-", csv=tables.getvalue())

    names = {
        url_name: admin_client.get(reverse(url_name, kwargs={"pk": run.pk}) + query)[
            "Content-Disposition"
        ]
        for url_name, query in [
            ("reports:run_pdf", ""),
            ("reports:run_zip", ""),
            ("reports:run_csv", "?table=pools"),
        ]
    }

    assert names == {
        "reports:run_pdf": 'attachment; filename="nutzungsbericht-region-sy2025.pdf"',
        "reports:run_zip": 'attachment; filename="nutzungsbericht-region-sy2025.zip"',
        "reports:run_csv": 'attachment; filename="nutzungsbericht-region-sy2025-pools.csv"',
    }


def test_a_queued_report_shows_its_progress_and_asks_again(admin_client, org_admin):
    run = make_run(org_admin, status="running", progress=40, message="Counting courses")

    html = admin_client.get(reverse("reports:run", kwargs={"pk": run.pk})).content.decode()

    assert '<progress id="run-progress" max="100" value="40">40 %</progress>' in html
    assert "Counting courses" in html
    assert "<title>Report in progress: " in html
    assert 'hx-trigger="every 2s"' in html
    assert f'href="{reverse("reports:run", kwargs={"pk": run.pk})}">Refresh</a>' in html


def test_htmx_gets_only_the_status(admin_client, org_admin):
    run = make_run(org_admin, status="done", progress=100)

    response = admin_client.get(
        reverse("reports:run", kwargs={"pk": run.pk}), headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="run-status"')
    assert "<html" not in html
    assert 'data-announce="The report is ready."' in html
    assert "hx-trigger" not in html
    assert "HX-Request" in response["Vary"]


def test_a_failed_report_says_so(admin_client, org_admin):
    run = make_run(org_admin, status="failed", message="The report could not be built.")

    html = admin_client.get(reverse("reports:run", kwargs={"pk": run.pk})).content.decode()

    assert "The report could not be built." in html
    assert "hx-trigger" not in html


@pytest.mark.parametrize(
    "name", ["reports:run", "reports:run_html", "reports:run_pdf", "reports:run_csv"]
)
def test_only_the_owner_sees_a_report_run(client, org_admin, region_admin, name):
    run = make_run(org_admin, status="done", pdf=b"%PDF-", csv=b"x", html="<p>x</p>")
    client.force_login(region_admin)

    assert client.get(reverse(name, kwargs={"pk": run.pk})).status_code == 404


@pytest.mark.parametrize("name", ["reports:run_html", "reports:run_pdf", "reports:run_csv"])
def test_files_of_an_unfinished_or_expired_run_are_404(admin_client, org_admin, name):
    unfinished = make_run(org_admin, status="running")
    expired = make_run(
        org_admin,
        status="done",
        pdf=b"%PDF-",
        csv=b"x",
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )

    assert admin_client.get(reverse(name, kwargs={"pk": unfinished.pk})).status_code == 404
    assert admin_client.get(reverse(name, kwargs={"pk": expired.pk})).status_code == 404


@pytest.mark.parametrize(
    "name", ["reports:run", "reports:run_html", "reports:run_pdf", "reports:run_csv"]
)
def test_report_runs_refuse_other_methods(admin_client, org_admin, name):
    run = make_run(org_admin, status="done", pdf=b"%PDF-", csv=b"x")

    assert admin_client.post(reverse(name, kwargs={"pk": run.pk})).status_code == 405


@pytest.mark.parametrize("count", [3, 300])
def test_the_status_page_needs_few_queries(
    admin_client, org_admin, django_assert_max_num_queries, count
):
    runs = [make_run(org_admin, status="running") for _ in range(count)]

    with django_assert_max_num_queries(6):
        response = admin_client.get(reverse("reports:run", kwargs={"pk": runs[-1].pk}))

    assert response.status_code == 200


# ---------------------------------------------------------------------------------------
# The monthly report by email: the opt-in


def test_an_org_admin_opts_in_and_out(admin_client, org_admin, organization):
    response = admin_client.post(
        reverse("reports:subscribe"), {"organizations": [organization.slug]}
    )

    assert response.status_code == 302
    assert list(MonthlyReportSubscription.objects.values_list("user", "organization")) == [
        (org_admin.pk, organization.pk)
    ]
    html = admin_client.get(reverse("reports:index")).content.decode()
    assert re.search(rf'value="{organization.slug}"[^>]*checked', html)

    admin_client.post(reverse("reports:subscribe"), {})

    assert not MonthlyReportSubscription.objects.exists()


def test_nobody_opts_in_for_an_organization_they_do_not_administer(
    admin_client, other_organization
):
    response = admin_client.post(
        reverse("reports:subscribe"), {"organizations": [other_organization.slug]}
    )

    assert response.status_code == 302
    assert not MonthlyReportSubscription.objects.exists()


@pytest.mark.parametrize("who", ["teacher", "staff", "region_admin"])
def test_people_who_administer_no_organization_cannot_opt_in(client, request, organization, who):
    client.force_login(request.getfixturevalue(who))

    response = client.post(reverse("reports:subscribe"), {"organizations": [organization.slug]})

    assert response.status_code == 404
    assert not MonthlyReportSubscription.objects.exists()


def test_the_opt_in_refuses_get(admin_client):
    assert admin_client.get(reverse("reports:subscribe")).status_code == 405


def test_an_admin_of_two_organizations_chooses_each(client, org_admin, organization):
    second = OrganizationFactory(name="Zweite Schule", slug="zweite-schule")
    MembershipFactory(user=org_admin, organization=second, role=Role.ORG_ADMIN)
    client.force_login(org_admin)

    client.post(reverse("reports:subscribe"), {"organizations": [second.slug]})

    assert list(MonthlyReportSubscription.objects.values_list("organization__slug", flat=True)) == [
        "zweite-schule"
    ]
