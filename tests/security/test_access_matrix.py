"""The access matrix (issue #8): every page and every API operation, tried by people who do
not own the object, gives a refusal and never someone else's data, and changes nothing.

The list of pages comes from the URLconf and the list of operations from the OpenAPI schema,
so a new page or operation cannot escape: it is either in the matrix below or in an explicit
public allowlist with a reason. The Django admin's pages are tried for one model per app
(see ``_tried``), its site-wide pages all.

One world is built per module (inside one outer transaction that is rolled back at the end):
the organization "Owner" with one object of every kind, its people, and the outsiders.
Private data of the owner carries the marker ``MARKER``; a page that answers 200 must not
contain it.
"""

import datetime
import json
import re

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.services import create_api_token
from booking.models import CalendarToken, Loan, LoanItem, Reservation, Series
from booking.services import pool_feed_key
from courses.models import Attendance, Certificate, Course, Enrollment, Meeting
from devices.models import Device, DevicePool
from lending.models import AgreementAcceptance, LendingPolicy, LibraryCard, WaitlistEntry
from organizations.models import Location, Membership, Organization, Role
from reports.models import MonthlyReportSubscription, ReportRun
from tests.factories import (
    BorrowingAgreementFactory,
    CourseFactory,
    DeviceFactory,
    DevicePoolFactory,
    EnrollmentFactory,
    LibraryCardFactory,
    LocationFactory,
    MeetingFactory,
    MembershipFactory,
    OrganizationFactory,
    ReservationFactory,
    UserFactory,
    WaitlistEntryFactory,
)

# In every private value of the owner; never in public ones. Long enough that no random
# CSRF token, label code or calendar token on a page can contain it by chance (with "Qzx"
# alone, a random token matched now and then and the test failed for no reason).
MARKER = "Qzxowner"

# --- The URLconf ------------------------------------------------------------------------


def _walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield entry, prefix + str(entry.pattern), namespace


def url_patterns() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every pattern as {name: (route, kwarg names)}; unnamed ones get a name from the route."""
    found = {}
    for entry, route, namespace in _walk(get_resolver()):
        name = namespace + (entry.name or f"<unnamed {route}>")
        found[name] = (route, tuple(entry.pattern.regex.groupindex))
    return found


# Public by design: reached without logging in, showing only what is meant to be public.
PUBLIC = {
    "home": "front page",
    "imprint": "static page",
    "privacy": "static page",
    "accessibility": "static page",
    "easy_read": "static page in Leichte Sprache",
    "sign_language": "static page with the operator's sign-language videos",
    "sign_language_video": "the operator's public sign-language videos",
    "sign_language_captions": "the captions of the public sign-language videos",
    "set_language": "only sets the visitor's own language cookie",
    "organizations:directory": "public directory of organizations",
    "organizations:detail": "public page of an organization",
    "lending:pools": "public list of pools lent to residents",
    "lending:agreement": "borrowing terms are public; accepting them is the resident's own act",
    "courses:catalog": "public course catalog",
    "courses:certificate_verify": "anyone may verify a certificate by its code",
    "booking:feed": "calendar feed authorised by its secret token in the URL",
    "opendata:statistics_csv": "open data, aggregated statistics",
    "api:openapi-json": "API schema",
    "api:openapi-view": "API docs",
    "api:api-root": "API root",
    "readyz": "readiness probe: whether the database, migrations and task queue are fine",
    "metrics": "Prometheus: counts only, and only to METRICS_ALLOWED_NETWORKS (not via proxy)",
    "admin:login": "login page of the admin",
    "admin:logout": "logs out only oneself",
    "admin:password_change": "changes only one's own password (staff only)",
    "admin:password_change_done": "confirmation page",
    "admin:jsi18n": "JavaScript translations",
    "admin:view_on_site": "redirect to the public page of an object (no data)",
    "admin:<unnamed admin/(?P<url>.*)$>": "admin catch-all, redirects to login",
    "account_login": "allauth: login",
    "account_logout": "allauth: logs out only oneself",
    "account_inactive": "allauth: static page",
    "account_signup": "allauth: signup",
    "account_reauthenticate": "allauth: one's own session",
    "account_email": "allauth: one's own e-mail addresses",
    "account_email_verification_sent": "allauth: static page",
    "account_change_password": "allauth: one's own password",
    "account_set_password": "allauth: one's own password",
    "account_reset_password": "allauth: asks for an e-mail address",
    "account_confirm_login_code": "allauth: one's own login code",
    "account_confirm_email": "allauth: secret key in the URL",
    "account_reset_password_from_key_done": "allauth: static page",
    "account_reset_password_from_key": "allauth: secret key in the URL",
    "account_reset_password_done": "allauth: static page",
    "mfa_index": "allauth: one's own two-factor settings",
    "mfa_authenticate": "allauth: one's own login",
    "mfa_reauthenticate": "allauth: one's own session",
    "mfa_activate_totp": "allauth: one's own two-factor settings",
    "mfa_deactivate_totp": "allauth: one's own two-factor settings",
    "mfa_view_recovery_codes": "allauth: one's own recovery codes",
    "mfa_generate_recovery_codes": "allauth: one's own recovery codes",
    "mfa_download_recovery_codes": "allauth: one's own recovery codes",
    "usersessions_list": "allauth: one's own sessions",
    "accounts:provider_logout": "shows only the offer one's own logout left in the session",
    "socialaccount_connections": "allauth: one's own linked identities (single sign-on)",
    "socialaccount_signup": "allauth: the pending provider sign-up in one's own session",
    "socialaccount_login_cancelled": "allauth: static page",
    "socialaccount_login_error": "allauth: static page",
    "openid_connect_login": "allauth: starts a login at the provider",
    "openid_connect_callback": "allauth: needs the state kept in one's own session",
    "<unnamed accounts/social/connections/>": "allauth: old address, redirects to 3rdparty/",
    "<unnamed accounts/social/signup/>": "allauth: old address, redirects to 3rdparty/",
    "<unnamed accounts/social/login/cancelled/>": "allauth: old address, redirects",
    "<unnamed accounts/social/login/error/>": "allauth: old address, redirects",
}
PUBLIC_PREFIXES = {
    # Every API operation is covered by the OpenAPI part below, with its own allowlist.
    "api:": "covered operation by operation from the OpenAPI schema",
}

# Pages only staff and admins of the owner may use: the owner's own teacher is tried too.
STAFF_ONLY_PREFIXES = (
    "admin:",
    "devices:",
    "lending_desk:",
    "provide:",
    "reports:",
    "audit:",
    "members:",
    "privacy_requests:",
)
STAFF_ONLY = {
    "booking:desk",
    "booking:requests",
    "booking:request_decide",
    "booking:hand_out",
    "booking:loan_return",
    "booking:pool_calendar",
}
# Teachers of the owner may see its pools to book them.
NOT_STAFF_ONLY = {"devices:pool_list", "devices:pool_detail"}
# A redirect elsewhere (not to a login) is a refusal here: the view found nothing of the
# visitor's to act on, said so, and sent them back; the fingerprint shows nothing changed.
REDIRECT_OK = {
    "lending:waitlist_leave": "leaves only one's own place on a public pool's waitlist",
    "devices:device_labels": "no device of one's own chosen: back to the inventory",
}
# Extra query strings that aim a page at the owner's objects.
QUERIES = {"devices:device_labels": "?pool={school_pool}&device={device}"}

# Pages about one person's own object: a colleague teacher of the owner is tried too.
OWN_ONLY = {
    "accounts:token_revoke",
    "booking:reservation_detail",
    "booking:reservation_cancel",
    "booking:reservation_restore",
    "booking:reservation_ics",
    "lending:reservation",
    "lending:cancel",
    "lending:renew",
    "courses:detail",
    "courses:ics",
    "courses:enrol",
    "courses:cancel",
}


def _kwargs(world) -> dict[str, dict]:
    """The owner's object for every pattern with arguments (pattern name → kwargs)."""
    w = world
    school, device = w["school_pool"].pk, w["device"].pk
    course, draft = w["course"].pk, w["draft"].pk
    kwargs = {
        "accounts:token_revoke": {"token_id": w["api_token"].pk},
        "devices:device_detail": {"pk": device},
        "devices:device_edit": {"pk": device},
        "devices:device_status": {"pk": device},
        "devices:device_by_label": {"code": w["device"].label_code},
        "devices:pool_detail": {"pk": school},
        "devices:pool_edit": {"pk": school},
        "booking:week": {"pk": school},
        "booking:reserve": {"pk": school},
        "booking:reserve_check": {"pk": school},
        "booking:reservation_detail": {"pk": w["reservation"].pk},
        "booking:reservation_cancel": {"pk": w["reservation"].pk},
        "booking:reservation_restore": {"pk": w["reservation"].pk},
        "booking:reservation_ics": {"pk": w["reservation"].pk},
        "booking:request_decide": {"pk": w["pending"].pk},
        "booking:hand_out": {"pk": w["reservation"].pk},
        "booking:loan_return": {"pk": w["loan"].pk},
        "booking:pool_calendar": {"pk": school},
        # An outsider's own valid feed key, made for the owner's pool.
        "booking:pool_feed": {"key": w["outsider_feed_key"], "pk": school},
        # A pool lent to residents is public; a school's pool must not be.
        "lending:pool": {"pk": school},
        "lending:waitlist_join": {"pk": school},
        "lending:waitlist_leave": {"pk": w["lending_pool"].pk},
        "lending:reservation": {"pk": w["lending_reservation"].pk},
        "lending:cancel": {"pk": w["lending_reservation"].pk},
        "lending:renew": {"pk": w["loan"].pk},
        "lending_desk:resident": {"pk": w["borrower"].pk},
        "lending_desk:resident_card": {"pk": w["borrower"].pk},
        "lending_desk:resident_agreement": {"pk": w["borrower"].pk},
        "lending_desk:resident_lend": {"pk": w["borrower"].pk},
        "lending_desk:agreement_pdf": {"pk": w["agreement"].pk},
        # A published course is public; a draft is not.
        "courses:detail": {"pk": draft},
        "courses:ics": {"pk": draft},
        "courses:enrol": {"pk": draft},
        "courses:cancel": {"pk": course},
        "provide:meeting_remove": {"pk": course, "meeting_pk": w["meeting"].pk},
        "provide:attendance": {"pk": course, "meeting_pk": w["meeting"].pk},
        "provide:enrollment_cancel": {"pk": course, "enrollment_pk": w["enrollment"].pk},
        "provide:certificate_pdf": {"pk": w["certificate"].pk},
        "reports:run": {"pk": w["report_run"].pk},
        "reports:run_html": {"pk": w["report_run"].pk},
        "reports:run_pdf": {"pk": w["report_run"].pk},
        "reports:run_csv": {"pk": w["report_run"].pk},
        "reports:run_zip": {"pk": w["report_run"].pk},
        "admin:auth_user_password_change": {"id": w["owner_admin"].pk},
        "admin:app_list": {"app_label": "booking"},
        # Staff answering a data request about a person the owner knows.
        "privacy_requests:person": {"pk": w["borrower"].pk},
        "privacy_requests:person_data": {"pk": w["borrower"].pk},
        "privacy_requests:person_erase": {"pk": w["borrower"].pk},
        "members:change_role": {"pk": w["teacher_membership"].pk},
        "members:remove": {"pk": w["teacher_membership"].pk},
        # The opening hours are edited by the organization's own staff and admins.
        "organizations:hours": {"slug": w["owner"].slug},
    }
    for name in ("course", "course_edit", "course_publish", "course_cancel", "course_copy"):
        kwargs[f"provide:{name}"] = {"pk": course}
    for name in ("meetings_add", "participants", "participants_csv", "sign_in_pdf"):
        kwargs[f"provide:{name}"] = {"pk": course}
    for name in ("certificates", "certificates_pdf"):
        kwargs[f"provide:{name}"] = {"pk": course}
    return kwargs


def _admin_object_id(world, name: str) -> str:
    """The admin's change/delete/history pages of an owner's object (the organization's pk
    is as good as any: nobody here is admin-site staff)."""
    return str(world["owner"].pk)


def _is_public(name: str) -> bool:
    return name in PUBLIC or any(name.startswith(p) for p in PUBLIC_PREFIXES)


def _matrix_names() -> list[str]:
    return sorted(n for n in url_patterns() if not _is_public(n) and _tried(n))


def _admin_model_routes() -> tuple[set[str], set[str]]:
    """The admin's route prefixes (``admin/<app>/<model>/``) of every registered model, and of
    the one model per app that the matrix tries (the first by name)."""
    every, first = set(), {}
    for model in sorted(
        admin.site._registry, key=lambda m: (m._meta.app_label, m._meta.model_name)
    ):
        route = f"admin/{model._meta.app_label}/{model._meta.model_name}/"
        every.add(route)
        first.setdefault(model._meta.app_label, route)
    return every, set(first.values())


def _tried(name: str) -> bool:
    """Every page is tried except the admin's pages of all but one model per app: the admin
    site lets in only its own staff (is_staff) in one place, AdminSite.admin_view, for every
    model alike, so one model per app shows that this gate holds (and that no app puts its
    models on a site of its own); the site-wide admin pages (index, app lists, the user's
    password) are all tried."""
    route = url_patterns()[name][0]
    every, tried = _admin_model_routes()
    model_route = next((prefix for prefix in every if route.startswith(prefix)), None)
    return model_route is None or model_route in tried


def _staff_only(name: str) -> bool:
    if name in NOT_STAFF_ONLY:
        return False
    return name in STAFF_ONLY or name.startswith(STAFF_ONLY_PREFIXES)


# --- The world ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One owner organization with one object of every kind, and the outsiders. Built once,
    inside a transaction rolled back when the module is done; each test runs in a savepoint."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _person(org, *roles, name):
    user = UserFactory(name=name)
    for role in roles:
        MembershipFactory(user=user, organization=org, role=role)
    return user


def _build_world() -> dict:
    now = timezone.now()
    owner = OrganizationFactory(name="Owner", slug="owner", kind=Organization.Kind.LIBRARY)
    other = OrganizationFactory(name="Elsewhere", slug="elsewhere")
    w: dict = {"owner": owner, "other": other}
    w["owner_admin"] = _person(owner, Role.ORG_ADMIN, Role.STAFF, name=f"{MARKER} Owner Admin")
    w["owner_teacher"] = _person(owner, Role.TEACHER, name=f"{MARKER} Owner Teacher")
    w["colleague"] = _person(owner, Role.TEACHER, name="Colleague Teacher")
    w["borrower"] = _person(owner, name=f"{MARKER} Owner Resident")
    w["teacher_membership"] = Membership.objects.get(user=w["owner_teacher"], organization=owner)
    LocationFactory(organization=owner, name=f"{MARKER} Room")
    LendingPolicy.objects.create(organization=owner)

    w["school_pool"] = school = DevicePoolFactory(organization=owner, name=f"{MARKER} Trolley")
    w["lending_pool"] = lending = DevicePoolFactory(
        organization=owner,
        name="Laptops to borrow",
        booking_scope="residents",
        loan_period_days=14,
        max_renewals=1,
        max_days_ahead=30,
    )
    w["device"] = DeviceFactory(pool=school, name=f"{MARKER} iPad", serial_number=f"{MARKER}1")
    lent = DeviceFactory(pool=lending, name=f"{MARKER} Laptop", serial_number=f"{MARKER}2")
    first = timezone.localdate() + datetime.timedelta(days=7)
    series = Series.objects.create(
        pool=school,
        user=w["owner_teacher"],
        quantity=1,
        purpose=f"{MARKER} weekly",
        first_date=first,
        until=first + datetime.timedelta(days=28),
        start_time=datetime.time(8),
        end_time=datetime.time(9, 30),
    )
    w["reservation"] = ReservationFactory(
        pool=school, user=w["owner_teacher"], purpose=f"{MARKER} 7b", series=series
    )
    w["pending"] = ReservationFactory(
        pool=school,
        user=w["owner_teacher"],
        purpose=f"{MARKER} 8c",
        status="requested",
        start=w["reservation"].start + datetime.timedelta(days=1),
        end=w["reservation"].end + datetime.timedelta(days=1),
    )
    w["lending_reservation"] = ReservationFactory(
        pool=lending, user=w["borrower"], purpose=f"{MARKER} borrow"
    )
    w["loan"] = Loan.objects.create(
        pool=lending,
        borrower=w["borrower"],
        handed_out_by=w["owner_admin"],
        due_at=now + datetime.timedelta(days=14),
    )
    LoanItem.objects.create(loan=w["loan"], device=lent)
    WaitlistEntryFactory(pool=lending, user=w["borrower"])
    LibraryCardFactory(organization=owner, user=w["borrower"], number=f"{MARKER}0001")
    w["agreement"] = BorrowingAgreementFactory(organization=owner)
    AgreementAcceptance.objects.create(
        agreement=w["agreement"], user=w["borrower"], recorded_by=w["owner_admin"]
    )

    w["course"] = CourseFactory(organization=owner, title="Smartphone basics")
    w["draft"] = CourseFactory(
        organization=owner, title=f"{MARKER} draft course", status="draft", published_at=None
    )
    w["meeting"] = MeetingFactory(course=w["course"])
    MeetingFactory(course=w["draft"])
    w["enrollment"] = EnrollmentFactory(course=w["course"], user=w["borrower"])
    Attendance.objects.create(
        enrollment=w["enrollment"], meeting=w["meeting"], recorded_by=w["owner_admin"]
    )
    today = timezone.localdate()
    w["certificate"] = Certificate.objects.create(
        enrollment=w["enrollment"],
        holder_name=f"{MARKER} Owner Resident",
        course_title="Smartphone basics",
        provider_name="Owner",
        first_day=today,
        last_day=today,
        hours=3,
    )
    w["report_run"] = ReportRun.objects.create(
        user=w["owner_admin"],
        scope_key=f"organization:{owner.pk}",
        scope_label=f"{MARKER} report",
        period_key="2026",
        period_label="2026",
        status="done",
        html=f"<p>{MARKER}</p>",
        csv=f"{MARKER}".encode(),
        pdf=b"%PDF-1.4",
        finished_at=now,
    )
    MonthlyReportSubscription.objects.create(user=w["owner_admin"], organization=owner)
    CalendarToken.objects.create(user=w["owner_teacher"])
    w["api_token"], _ = create_api_token(by=w["owner_teacher"], name=f"{MARKER} token")

    # The outsiders.
    w["resident"] = _person(owner, name="A Resident")
    Membership.objects.filter(user=w["resident"]).delete()
    w["other_teacher"] = _person(other, Role.TEACHER, name="Other Teacher")
    w["other_staff"] = _person(other, Role.STAFF, name="Other Staff")
    w["other_admin"] = _person(other, Role.ORG_ADMIN, Role.STAFF, name="Other Admin")
    CalendarToken.objects.create(user=w["other_staff"])
    w["outsider_feed_key"] = pool_feed_key(user=w["other_staff"], pool=w["school_pool"])
    DevicePoolFactory(organization=other, name="Other trolley")
    w["secrets"] = {
        key: create_api_token(by=w[key], name="matrix")[1]
        for key in ("resident", "other_teacher", "other_staff", "other_admin", "colleague")
    }
    return w


def _fingerprint(world) -> dict:
    """Every row the owner has (values of all columns), to compare before and after."""
    owner = world["owner"]
    people = [world[k] for k in ("owner_admin", "owner_teacher", "colleague", "borrower")]
    querysets = {
        "organization": Organization.objects.filter(pk=owner.pk),
        "people": User.objects.filter(pk__in=[p.pk for p in people]).defer("last_login"),
        "memberships": Membership.objects.filter(organization=owner),
        "locations": Location.objects.filter(organization=owner),
        "pools": DevicePool.objects.filter(organization=owner),
        "devices": Device.objects.filter(organization=owner),
        "series": Series.objects.filter(pool__organization=owner),
        "reservations": Reservation.objects.filter(pool__organization=owner),
        "loans": Loan.objects.filter(pool__organization=owner),
        "loan_items": LoanItem.objects.filter(loan__pool__organization=owner),
        "waitlist": WaitlistEntry.objects.filter(pool__organization=owner),
        "cards": LibraryCard.objects.filter(organization=owner),
        "policy": LendingPolicy.objects.filter(organization=owner),
        "acceptances": AgreementAcceptance.objects.filter(agreement__organization=owner),
        "courses": Course.objects.filter(organization=owner),
        "meetings": Meeting.objects.filter(course__organization=owner),
        "enrollments": Enrollment.objects.filter(course__organization=owner),
        "attendance": Attendance.objects.filter(enrollment__course__organization=owner),
        "certificates": Certificate.objects.filter(enrollment__course__organization=owner),
        "report_runs": ReportRun.objects.filter(user__in=people),
        "subscriptions": MonthlyReportSubscription.objects.filter(organization=owner),
        "calendar_tokens": CalendarToken.objects.filter(user__in=people),
        "api_tokens": ApiToken.objects.filter(user__in=people),
    }
    result = {}
    for key, queryset in querysets.items():
        columns = [
            f.attname
            for f in queryset.model._meta.concrete_fields
            if f.attname not in {"last_login", "last_used_at", "pdf", "csv"}
        ]
        result[key] = sorted(map(repr, queryset.values_list(*columns)))
    return result


# --- Who tries ----------------------------------------------------------------------------

OUTSIDERS = ["anonymous", "resident", "other_teacher", "other_staff", "other_admin"]


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _login_urls() -> tuple[str, ...]:
    return (reverse("account_login"), reverse("admin:login"))


def _client(world, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(world[persona])
    return client


def _cases():
    names = _matrix_names()
    for name in names:
        personas = list(OUTSIDERS)
        if _staff_only(name) or name in OWN_ONLY:
            personas.append("colleague")
        for persona in personas:
            yield pytest.param(name, persona, id=f"{name}-{persona}")


def test_every_url_pattern_is_in_the_matrix_or_public(world):
    kwargs = _kwargs(world)
    missing = [
        name
        for name, (_, names) in url_patterns().items()
        if not _is_public(name)
        and names
        and name not in kwargs
        and not (name.startswith("admin:") and set(names) <= {"object_id"})
    ]
    assert missing == [], "Add these pages to the access matrix or to PUBLIC with a reason"
    stale = [n for n in [*PUBLIC, *kwargs] if n not in url_patterns()]
    assert stale == []


def _url(world, name: str) -> str:
    route, names = url_patterns()[name]
    kwargs = _kwargs(world).get(name, {})
    if name.startswith("admin:") and "object_id" in names:
        kwargs = {"object_id": _admin_object_id(world, name)}
    if name in QUERIES:
        query = QUERIES[name].format(school_pool=world["school_pool"].pk, device=world["device"].pk)
        return reverse(name) + query
    if "<unnamed" in name:  # cannot be reversed: fill the route by hand
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m[1]]), route)
    return reverse(name, kwargs=kwargs or None)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "persona"), list(_cases()))
def test_page_refuses_people_who_do_not_own_it(world, name, persona):
    url = _url(world, name)
    client = _client(world, persona)
    before = _fingerprint(world)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        status = response.status_code
        where = f"{method.upper()} {url} as {persona}: {status}"
        if persona == "anonymous":
            if status == 302:
                assert response["Location"].startswith(_login_urls()), where
            else:
                assert status in {400, 401, 403, 404, 405}, where
            continue
        body = _body(response)
        assert MARKER.encode() not in body, f"{where} shows the owner's data"
        must_refuse = bool(url_patterns()[name][1]) or persona == "colleague"
        if status == 302:
            location = response["Location"]
            assert location.startswith(_login_urls()) or not must_refuse or name in REDIRECT_OK, (
                where
            )
        elif must_refuse:
            assert status in {400, 403, 404, 405}, where
        else:
            assert status in {200, 400, 403, 404, 405}, where
    assert _fingerprint(world) == before, f"{name} as {persona} changed the owner's data"


# --- The API ----------------------------------------------------------------------------

# Public by design: no login needed, only public data.
PUBLIC_OPERATIONS = {
    "config_api_health": "health check",
    "organizations_api_list_organizations": "public directory",
    "organizations_api_get_organization": "public page of an organization",
    "courses_api_list_courses": "public catalog (published courses only)",
    "courses_api_courses_calendar": "public catalog as a calendar",
    "reports_api_statistics": "open data, aggregated",
}
# Operations of the owner's staff only: the owner's own teacher is tried too.
# Operations on one's own account: answer 2xx about the caller only.
PERSONAL_OPERATIONS = {
    "accounts_api_me": "one's own profile",
    "accounts_api_update_me": "changes one's own profile only",
}
STAFF_OPERATIONS = {
    "devices_api_create_device",
    "devices_api_update_device",
    "devices_api_change_device_status",
    "booking_lending_desk_api_hand_out",
    "booking_lending_desk_api_take_back",
}
UNSAFE = {"post", "put", "patch", "delete"}


def _operations() -> list[tuple[str, str, str]]:
    from config.api import api

    schema = api.get_openapi_schema()
    return [
        (operation["operationId"], method, path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def _path_values(world) -> dict[str, str]:
    return {
        "pool_id": world["school_pool"].pk,
        "device_id": world["device"].pk,
        "reservation_id": world["reservation"].pk,
        "loan_id": world["loan"].pk,
        "course_id": world["draft"].pk,
        "slug": world["owner"].slug,
    }


def _api_url(world, path: str) -> str:
    return path.format(**_path_values(world))


def _bodies(world) -> dict[str, dict]:
    """Requests that would succeed for the owner's staff (or person), so that only the
    permission check stands in the way."""
    start = world["reservation"].start + datetime.timedelta(days=2)
    return {
        "devices_api_create_device": {
            "pool_id": world["school_pool"].pk,
            "name": "New",
            "asset_tag": "INV-9999",
        },
        "devices_api_update_device": {"name": "Renamed"},
        "devices_api_change_device_status": {"status": "repair"},
        "booking_api_create_reservation": {
            "pool_id": world["school_pool"].pk,
            "quantity": 1,
            "start": start.isoformat(),
            "end": (start + datetime.timedelta(minutes=90)).isoformat(),
            "purpose": "Theft",
        },
        "booking_lending_desk_api_hand_out": {
            "borrower_id": world["borrower"].pk,
            "pool_id": world["lending_pool"].pk,
            "device_ids": [world["device"].pk],
        },
        "booking_lending_desk_api_take_back": {"device_ids": [world["device"].pk]},
        "booking_lending_api_join_waitlist": {"quantity": 1},
        "booking_lending_api_reserve": {"pickup_date": start.date().isoformat()},
        "accounts_api_update_me": {"name": "Changed"},
    }


def _api_cases():
    for operation_id, method, path in _operations():
        if operation_id in PUBLIC_OPERATIONS:
            continue
        personas = ["resident", "other_teacher", "other_staff", "other_admin"]
        if operation_id in STAFF_OPERATIONS:
            personas.append("colleague")
        for persona in personas:
            yield pytest.param(operation_id, method, path, persona, id=f"{operation_id}-{persona}")


def test_every_api_operation_is_in_the_matrix_or_public(world):
    operations = {operation_id for operation_id, _, _ in _operations()}
    named = {*PUBLIC_OPERATIONS, *PERSONAL_OPERATIONS, *STAFF_OPERATIONS}
    assert named <= operations, "stale names in the allowlists"
    # Every operation not in PUBLIC_OPERATIONS is tried by every outsider (the list is the
    # schema itself); a path parameter without an owner's object fails here.
    for _, _, path in _operations():
        _api_url(world, path)


def _call(client: Client, method: str, url: str, body: dict | None, **headers):
    if method == "get":
        return client.get(url, headers=headers)
    return getattr(client, method)(
        url, data=json.dumps(body or {}), content_type="application/json", headers=headers
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("operation_id", "method", "path", "persona"), list(_api_cases()))
def test_api_operation_refuses_people_who_do_not_own_it(
    world, settings, operation_id, method, path, persona
):
    settings.LANGUAGE_CODE = "en"
    url = _api_url(world, path)
    client = Client(headers={"Authorization": f"Bearer {world['secrets'][persona]}"})
    before = _fingerprint(world)
    response = _call(client, method, url, _bodies(world).get(operation_id))
    where = f"{method.upper()} {url} as {persona}: {response.status_code}"
    assert MARKER.encode() not in _body(response), f"{where} shows the owner's data"
    must_refuse = operation_id not in PERSONAL_OPERATIONS and (
        "{" in path or method in UNSAFE or persona == "colleague"
    )
    if must_refuse:
        assert response.status_code in {401, 403, 404, 405, 409, 422}, where
    else:
        assert response.status_code in {200, 401, 403, 404, 422}, where
    assert _fingerprint(world) == before, f"{operation_id} as {persona} changed data"


def _unsafe_cases():
    for operation_id, method, path in _operations():
        if method in UNSAFE:
            yield pytest.param(operation_id, method, path, id=operation_id)


@pytest.mark.django_db
@pytest.mark.parametrize(("operation_id", "method", "path"), list(_unsafe_cases()))
def test_api_write_needs_a_token_or_csrf(world, settings, operation_id, method, path):
    """The owner's own admin, logged in by session but without the CSRF token, cannot write;
    nobody without credentials can."""
    settings.LANGUAGE_CODE = "en"
    url = _api_url(world, path)
    # The owner's admin may do everything here, so only CSRF stands in the way.
    if "course_id" in path:
        url = path.format(**(_path_values(world) | {"course_id": world["course"].pk}))
    body = _bodies(world).get(operation_id)
    before = _fingerprint(world)

    session = Client(enforce_csrf_checks=True)
    session.force_login(world["owner_admin"])
    response = _call(session, method, url, body)
    assert response.status_code in {401, 403}, f"{method.upper()} {url} without CSRF"

    response = _call(Client(), method, url, body)
    assert response.status_code == 401, f"{method.upper()} {url} without credentials"
    assert _fingerprint(world) == before
