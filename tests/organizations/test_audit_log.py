"""The audit log page of an organization (/manage/log/): who may read it, what it shows, the
filters, the CSV download, and that every action the code logs has words on the page."""

from __future__ import annotations

import ast
import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.audit import log_action
from accounts.models import AuditLog
from organizations.log_labels import ACTION_LABELS, GROUP_ACTIONS
from organizations.models import Role
from tests.factories import DeviceFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.usefixtures("english_pages")

URL = "/manage/log/"
CSV_URL = "/manage/log/log.csv"


def _entry(action: str, organization, *, by=None, target=None, at=None, **data) -> AuditLog:
    entry = log_action(by, action, target, organization_id=organization.pk, **data)
    if at is not None:
        AuditLog.objects.filter(pk=entry.pk).update(created_at=at)
    return entry


def _actions_shown(response) -> list[str]:
    return re.findall(r'data-action="([^"]+)"', response.content.decode())


# --- Who may read it ------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("person", ["teacher", "staff", "resident"])
def test_teachers_staff_and_residents_get_404(client, request, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(URL).status_code == 404
    assert client.get(CSV_URL).status_code == 404


def test_the_admin_of_another_organization_gets_404_for_this_ones_log(
    client, outsider, organization, other_organization
):
    _entry("devices.created", organization)
    client.force_login(outsider)
    assert client.get(URL, {"organization": organization.slug}).status_code == 404
    assert client.get(CSV_URL, {"organization": organization.slug}).status_code == 404
    # Their own log opens, and does not hold the other organization's entry.
    response = client.get(URL)
    assert response.status_code == 200
    assert _actions_shown(response) == []


def test_an_org_admin_sees_only_entries_of_their_organization(
    client, org_admin, organization, other_organization
):
    _entry("devices.created", organization)
    _entry("devices.status_changed", other_organization)
    log_action(None, "accounts.token_created", None)  # no organization at all
    client.force_login(org_admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert _actions_shown(response) == ["devices.created"]
    assert "Device added" in response.content.decode()


def test_a_region_admin_picks_any_organization(
    client, region_admin, organization, other_organization
):
    _entry("devices.created", organization)
    _entry("devices.status_changed", other_organization)
    client.force_login(region_admin)
    response = client.get(URL, {"organization": other_organization.slug})
    assert response.status_code == 200
    assert _actions_shown(response) == ["devices.status_changed"]
    assert client.get(URL, {"organization": "no-such-place"}).status_code == 404


def test_the_log_only_answers_get(client, org_admin):
    client.force_login(org_admin)
    assert client.post(URL).status_code == 405
    assert client.post(CSV_URL).status_code == 405


# --- What it shows --------------------------------------------------------------------------


def test_it_names_colleagues_and_hides_people_from_outside(
    client, org_admin, organization, resident
):
    colleague = MembershipFactory(
        organization=organization, role=Role.STAFF, user__name="Greta Kollegin"
    ).user
    resident.name = "Rudi Bürger"
    resident.save()
    _entry("devices.created", organization, by=colleague)
    _entry("booking.loan_reserved", organization, by=resident)
    client.force_login(org_admin)
    html = client.get(URL).content.decode()
    assert "Greta Kollegin" in html
    assert "Rudi Bürger" not in html and resident.email not in html
    assert f"Person no. {resident.pk}" in html


def test_entries_without_a_person_show_system_or_deleted_person(client, org_admin, organization):
    gone = UserFactory(name="Weg Gegangen")
    _entry("booking.approved", organization, by=gone)
    gone.delete()  # the entry stays, pointing to nobody
    _entry("courses.promoted", organization)  # written by a job
    client.force_login(org_admin)
    html = client.get(URL).content.decode()
    assert "Weg Gegangen" not in html
    rows = re.findall(r'<tr data-action="([^"]+)">(.*?)</tr>', html, re.S)
    who = {action: cells for action, cells in rows}
    assert "Deleted person" in who["booking.approved"]
    assert "System" in who["courses.promoted"]


def test_an_unknown_action_shows_its_code(client, org_admin, organization):
    _entry("somewhere.something_new", organization)
    client.force_login(org_admin)
    assert "somewhere.something_new" in client.get(URL).content.decode()


def test_the_object_links_to_its_page(client, org_admin, organization):
    device = DeviceFactory(organization=organization)
    _entry("devices.created", organization, by=org_admin, target=device)
    client.force_login(org_admin)
    html = client.get(URL).content.decode()
    assert f'href="/devices/{device.pk}/"' in html
    assert client.get(f"/devices/{device.pk}/").status_code == 200  # the admin may open it


def test_newest_first_fifty_a_page(client, org_admin, organization):
    now = timezone.now()
    for minutes in range(55):
        _entry("devices.edited", organization, at=now - datetime.timedelta(minutes=minutes))
    _entry("devices.created", organization, at=now + datetime.timedelta(minutes=1))
    client.force_login(org_admin)
    first = client.get(URL)
    assert len(_actions_shown(first)) == 50
    assert _actions_shown(first)[0] == "devices.created"
    assert "56 entries" in first.content.decode()
    second = client.get(URL, {"page": 2})
    assert len(_actions_shown(second)) == 6


# --- Filters --------------------------------------------------------------------------------


def test_it_filters_by_group(client, org_admin, organization):
    _entry("devices.created", organization)
    _entry("booking.returned", organization)
    _entry("organizations.role_changed", organization)
    client.force_login(org_admin)
    assert _actions_shown(client.get(URL, {"group": "lending"})) == ["booking.returned"]
    assert _actions_shown(client.get(URL, {"group": "members"})) == ["organizations.role_changed"]
    assert _actions_shown(client.get(URL, {"group": "devices"})) == ["devices.created"]


def test_it_filters_by_days_in_local_time(client, org_admin, organization):
    berlin = timezone.get_default_timezone()
    at = lambda day, hour: timezone.make_aware(datetime.datetime(2026, 3, day, hour), berlin)  # noqa: E731
    _entry("devices.created", organization, at=at(1, 23))  # 22:00 UTC, still 1 March here
    _entry("devices.edited", organization, at=at(2, 0))  # just after midnight here
    _entry("devices.imported", organization, at=at(3, 12))
    client.force_login(org_admin)
    shown = _actions_shown(client.get(URL, {"date_from": "2026-03-02", "date_to": "2026-03-02"}))
    assert shown == ["devices.edited"]
    shown = _actions_shown(client.get(URL, {"date_to": "2026-03-01"}))
    assert shown == ["devices.created"]


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2026-03-05", "date_to": "2026-03-01"},
        {"date_from": "yesterday"},
        {"group": "everything-secret"},
    ],
)
def test_bad_filters_are_a_400_that_says_what_to_fix(client, org_admin, organization, query):
    _entry("devices.created", organization)
    client.force_login(org_admin)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert "Please correct the following" in response.content.decode()
    assert client.get(CSV_URL, query).status_code == 400


@pytest.mark.parametrize("rows", [3, 300])
def test_the_log_runs_a_constant_number_of_queries(
    client, org_admin, organization, resident, rows, django_assert_max_num_queries
):
    device = DeviceFactory(organization=organization)
    people = [org_admin, resident, None]
    for number in range(rows):
        _entry("devices.edited", organization, by=people[number % 3], target=device)
    client.force_login(org_admin)
    with django_assert_max_num_queries(11):
        response = client.get(URL, {"group": "devices"})
    assert response.status_code == 200
    assert len(_actions_shown(response)) == min(rows, 50)


# --- CSV --------------------------------------------------------------------------------------


def test_the_csv_holds_the_filtered_entries(client, org_admin, organization, other_organization):
    admin = org_admin
    admin.name = "=cmd|' /C calc'!A0"  # a name Excel would run as a formula
    admin.save()
    _entry("devices.created", organization, by=admin)
    _entry("booking.returned", organization, by=admin)
    _entry("devices.edited", other_organization, by=admin)
    client.force_login(admin)
    response = client.get(CSV_URL, {"group": "devices"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Time", "Who", "What", "Action code", "Object", "Object id"]
    assert [row[3] for row in rows[1:]] == ["devices.created"]
    assert rows[1][2] == "Device added"
    assert rows[1][1].startswith("'=")


# --- Every action has words, and staff actions name their organization ------------------------


def _log_action_calls():
    """(path, line, action strings, keyword names) of every log_action call in the apps."""
    root = Path(settings.BASE_DIR)
    for path in sorted(root.glob("*/**/*.py")):
        if path.parts[len(root.parts)] in {".venv", "tests", "bench", "node_modules"}:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            assigned: dict[str, set[str]] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                    for target in node.targets:
                        if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                            assigned.setdefault(target.id, set()).add(node.value.value)
            for node in ast.walk(function):
                if not (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", "")) == "log_action"
                    and len(node.args) >= 2
                ):
                    continue
                yield (
                    path.relative_to(root),
                    node.lineno,
                    _strings(node.args[1], assigned),
                    {keyword.arg for keyword in node.keywords},
                )


def _strings(node, assigned) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, assigned) | _strings(node.orelse, assigned)
    if isinstance(node, ast.Name) and node.id in assigned:
        return assigned[node.id]
    return set()


def test_every_logged_action_has_a_label_and_a_group():
    calls = list(_log_action_calls())
    assert len(calls) > 30  # the walk finds the services
    unresolved = [f"{path}:{line}" for path, line, actions, _keywords in calls if not actions]
    assert not unresolved, f"log_action with an action this test cannot read: {unresolved}"
    actions = {action for _path, _line, found, _keywords in calls for action in found}
    missing = sorted(actions - set(ACTION_LABELS))
    assert not missing, f"add labels to organizations/log_labels.py: {missing}"
    grouped = {action for group in GROUP_ACTIONS.values() for action in group}
    ungrouped = sorted(actions - grouped - {"reports.requested"})
    assert not ungrouped, f"add to a group in organizations/log_labels.py: {ungrouped}"


# Logged without organization_id on purpose: a person's own account, not an organization's.
WITHOUT_ORGANIZATION = {
    "booking.calendar_token_reset": "a person renews their own calendar link",
    "accounts.token_created": "a person's own API token",
    "accounts.token_revoked": "a person's own API token",
    "accounts.barrier_reported": "a barrier in the software, reported to the operator",
    "reports.requested": "reports may cover the region or a district, not one organization",
    "accounts.inactivity_warned": "the daily job, about a person's own account",
    "accounts.erasure_objected": "a person keeps their own account",
    "booking.retention_applied": "the daily job, across every organization at once",
    "courses.retention_applied": "the daily job, across every organization at once",
}


def test_staff_actions_are_logged_with_their_organization():
    without = {
        action
        for _path, _line, actions, keywords in _log_action_calls()
        if "organization_id" not in keywords
        for action in actions
    }
    assert without <= set(WITHOUT_ORGANIZATION), sorted(without - set(WITHOUT_ORGANIZATION))


def test_log_entries_of_role_changes_hold_ids_only(organization, org_admin):
    from organizations import services

    teacher = MembershipFactory(
        organization=organization, role=Role.TEACHER, user__name="Tina Lehrerin"
    )
    services.change_role(by=org_admin, membership=teacher, role=Role.STAFF)
    entry = AuditLog.objects.get(action="organizations.role_changed")
    stored = repr(entry.data) + entry.target_id
    assert "Tina" not in stored and teacher.user.email not in stored
    assert entry.data == {"user": teacher.user_id, "role": "staff", "old_role": "teacher"}


@pytest.mark.parametrize("query", ["date_to=9999-12-31", "date_from=0001-01-01"])
@pytest.mark.parametrize("url", ["/manage/log/", "/manage/log/log.csv"])
def test_a_day_beyond_any_sensible_year_is_a_400_with_a_message(client, org_admin, url, query):
    client.cookies["django_language"] = "en"
    client.force_login(org_admin)
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert "between the years 2000 and 2100" in response.content.decode()


def test_the_next_page_stays_with_the_chosen_organization(client, db):
    import html
    import re

    first = OrganizationFactory(name="Aaa Schule", slug="aaa")
    second = OrganizationFactory(name="Bbb Bibliothek", slug="bbb")
    admin = MembershipFactory(organization=first, role=Role.ORG_ADMIN).user
    MembershipFactory(organization=second, role=Role.ORG_ADMIN, user=admin)
    for _ in range(60):
        log_action(admin, "devices.created", None, organization_id=second.pk)
    client.force_login(admin)
    page_one = client.get("/manage/log/?organization=bbb").content.decode()
    next_link = html.unescape(re.search(r'href="([^"]*)" rel="next"', page_one).group(1))
    assert next_link.startswith("?") and not next_link.startswith("??")
    page_two = client.get("/manage/log/" + next_link)
    assert page_two.context["organization"] == second
