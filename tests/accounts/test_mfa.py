"""Two-factor authentication is required for everyone who sees other people's data."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.mfa import (
    CHECKED_SESSION_KEY,
    checked_marker,
    give_totp,
    lacks_required_mfa,
    totp_code,
    totp_secret,
)
from accounts.services import create_api_token, user_for_token
from organizations.models import Membership, Role
from tests.factories import MembershipFactory, UserFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db

SETUP = "/accounts/2fa/totp/activate/"
WHY = "two-factor authentication"


def _reauthenticate(client, password):
    response = client.post("/accounts/reauthenticate/", {"password": password})
    assert response.status_code == 302, response.content.decode()[:2000]


# --- Who is sent to the setup -----------------------------------------------------------


def test_staff_without_2fa_is_sent_to_the_setup_and_told_why(english, staff_without_2fa):
    english.force_login(staff_without_2fa)

    response = english.get("/desk/?day=2026-12-01", follow=True)

    assert response.redirect_chain[0] == (f"{SETUP}?next=%2Fdesk%2F%3Fday%3D2026-12-01", 302)
    # allauth asks for the password again before any change to 2FA (tested below); the
    # message saying why is on that page.
    assert response.redirect_chain[-1][0].startswith("/accounts/reauthenticate/")
    assert "must be protected by two-factor authentication" in response.content.decode()


@pytest.mark.parametrize(
    "person",
    [
        lambda org: MembershipFactory(organization=org, role=Role.ORG_ADMIN, totp=False).user,
        lambda org: UserFactory(is_region_admin=True, totp=False),
        lambda org: UserFactory(is_staff=True, totp=False),
    ],
    ids=["org_admin", "region_admin", "admin_site_user"],
)
def test_every_role_that_sees_others_data_needs_2fa(client, organization, person):
    client.force_login(person(organization))

    response = client.get("/desk/")

    assert response.status_code == 302
    assert response.url.startswith(SETUP)


def test_staff_with_2fa_reaches_the_desk(client, staff):
    client.force_login(staff)

    assert client.get("/desk/").status_code == 200


@pytest.mark.parametrize("fixture", ["teacher", "resident"])
def test_people_without_such_a_role_need_no_2fa(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))

    assert client.get("/account/").status_code == 200
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/imprint/",
        "/privacy/",
        "/accessibility/",
        "/accounts/2fa/",
        "/accounts/password/change/",
        "/accounts/email/",
        "/accounts/sessions/",
        "/accounts/reauthenticate/",
    ],
)
def test_account_and_legal_pages_stay_open_without_2fa(client, staff_without_2fa, url):
    client.force_login(staff_without_2fa)

    response = client.get(url)

    assert response.status_code == 200, (url, response.status_code, response.get("Location"))


def test_the_language_switch_and_logout_stay_open_without_2fa(client, staff_without_2fa):
    client.force_login(staff_without_2fa)

    switched = client.post("/language/", {"language": "en", "next": "/imprint/"})
    logged_out = client.post("/accounts/logout/")

    assert (switched.status_code, switched.url) == (302, "/imprint/")
    assert logged_out.status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_htmx_request_gets_a_client_side_redirect(client, staff_without_2fa):
    client.force_login(staff_without_2fa)

    response = client.get("/desk/", headers={"HX-Request": "true"})

    assert response.headers["HX-Redirect"].startswith(SETUP)


def test_the_api_answers_a_session_without_2fa_with_json_403(english, staff_without_2fa):
    english.force_login(staff_without_2fa)

    response = english.get("/api/v1/me")

    assert response.status_code == 403
    assert WHY in response.json()["detail"]


def test_the_api_refuses_the_token_of_staff_without_2fa(english, staff_without_2fa):
    _token, secret = create_api_token(by=staff_without_2fa, name="Skript")

    response = english.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 403
    assert WHY in response.json()["detail"]


def test_the_api_accepts_the_token_of_staff_with_2fa(client, staff):
    _token, secret = create_api_token(by=staff, name="Skript")

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200, response.content


def test_the_token_query_tells_who_lacks_2fa_as_the_check_of_its_own_does(organization):
    """accounts.services.user_for_token works the 2FA rule out in the token's query; it
    must say what ``lacks_required_mfa`` says when it asks the database itself."""
    people = {
        "teacher": MembershipFactory(organization=organization, role=Role.TEACHER).user,
        "staff with 2FA": MembershipFactory(organization=organization, role=Role.STAFF).user,
        "staff without": MembershipFactory(
            organization=organization, role=Role.STAFF, totp=False
        ).user,
        "org admin without": MembershipFactory(
            organization=organization, role=Role.ORG_ADMIN, totp=False
        ).user,
        "region admin without": UserFactory(is_region_admin=True, totp=False),
        "admin site without": UserFactory(is_staff=True, totp=False),
        "superuser with": UserFactory(is_superuser=True),
        "resident": UserFactory(),
    }
    teacher_and_staff = MembershipFactory(organization=organization, role=Role.TEACHER).user
    MembershipFactory(user=teacher_and_staff, role=Role.STAFF, totp=False)
    people["teacher elsewhere staff"] = teacher_and_staff
    for who, person in people.items():
        _token, secret = create_api_token(by=person, name="Skript")
        user_for_token(secret)  # the first use is recorded (an UPDATE)
        with CaptureQueriesContext(connection) as queries:
            user = user_for_token(secret)
        assert len(queries) == 1, who  # the token, its person and the rule
        expected = who.endswith("without") or who == "teacher elsewhere staff"
        assert lacks_required_mfa(user) is expected, who
        fresh = type(person).objects.get(pk=person.pk)  # asks the database itself
        assert lacks_required_mfa(fresh) is expected, who


# --- The check costs a query once per session -----------------------------------------------


def _authenticator_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum("mfa_authenticator" in query["sql"] for query in queries.captured_queries)


def test_the_2fa_check_is_made_at_login_and_costs_pages_no_query(client, staff):
    client.force_login(staff)

    assert client.session[CHECKED_SESSION_KEY] == checked_marker(staff)
    assert _authenticator_queries(client, "/desk/") == 0


def test_someone_given_a_role_after_login_is_checked_once(client, teacher, organization):
    client.force_login(teacher)
    assert CHECKED_SESSION_KEY not in client.session
    MembershipFactory(user=teacher, organization=organization, role=Role.STAFF)

    assert _authenticator_queries(client, "/desk/") == 1
    assert client.session[CHECKED_SESSION_KEY] == checked_marker(teacher)
    assert _authenticator_queries(client, "/desk/") == 0


def test_removing_the_authenticator_makes_the_check_run_again(
    client, staff, password, sign_in, frozen_totp_clock
):
    """Someone who lost the staff role may switch 2FA off; given the role back in the same
    session, they are sent to the setup again."""
    sign_in(staff)
    assert client.get("/desk/").status_code == 200
    membership = Membership.objects.get(user=staff)
    Membership.objects.filter(pk=membership.pk).update(role=Role.TEACHER)
    _reauthenticate(client, password)

    deactivated = client.post("/accounts/2fa/totp/deactivate/")
    Membership.objects.filter(pk=membership.pk).update(role=Role.STAFF)
    response = client.get("/desk/")

    assert deactivated.status_code == 302
    assert not Authenticator.objects.filter(user=staff).exists()
    assert response.status_code == 302
    assert response.url.startswith(SETUP)


# --- Setting it up, and keeping it ---------------------------------------------------------


def test_setting_up_2fa_shows_the_recovery_codes_and_leads_back(
    english, staff_without_2fa, password, sign_in, frozen_totp_clock
):
    sign_in(staff_without_2fa, on=english)
    sent = english.get("/desk/")
    assert sent.url.startswith(SETUP)
    _reauthenticate(english, password)
    page = english.get(sent.url)
    secret = page.context["form"].secret

    activated = english.post(SETUP, {"code": totp_code(secret, NOW)}, follow=True)

    codes_page = activated.content.decode()
    assert activated.redirect_chain[-1][0] == "/accounts/2fa/recovery-codes/"
    codes = activated.context["unused_codes"]
    assert len(codes) == 10
    assert all(code in codes_page for code in codes)
    assert 'href="/desk/"' in codes_page
    assert english.get("/desk/").status_code == 200
    assert totp_secret(staff_without_2fa) == secret


def test_staff_cannot_switch_2fa_off(english, staff, password, sign_in):
    # Logging in sets the language the person chose: English, to read the message.
    staff.preferred_language = "en"
    staff.save(update_fields=["preferred_language"])
    sign_in(staff, on=english)
    _reauthenticate(english, password)

    response = english.post("/accounts/2fa/totp/deactivate/")

    assert response.status_code == 200
    assert "cannot be deactivated" in response.content.decode()
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()


def test_a_teacher_may_switch_2fa_off(client, teacher, password, sign_in):
    give_totp(teacher)
    sign_in(teacher)
    _reauthenticate(client, password)

    response = client.post("/accounts/2fa/totp/deactivate/")

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=teacher).exists()


# --- Logging in with it ----------------------------------------------------------------------


def test_the_login_asks_for_the_code_and_refuses_a_wrong_one(client, staff, password, sign_in):
    response = client.post("/accounts/login/", {"login": staff.email, "password": password})
    assert response.url.startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session

    wrong = client.post(response.url, {"code": "000000"})

    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.fixture
def database_cache(settings):
    """The cache of production (config/settings/base.py): a table all app processes share."""
    from django.core.management import call_command

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "lernpool_cache",
        }
    }
    call_command("createcachetable", verbosity=0)


def test_a_code_used_once_is_refused_the_second_time(
    client, staff, password, sign_in, database_cache
):
    from django.core.cache import caches

    assert caches["default"].__class__.__name__ == "DatabaseCache"
    code = totp_code(totp_secret(staff), NOW)
    sign_in(staff, code=code)
    assert client.session["_auth_user_id"] == str(staff.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM lernpool_cache")
        assert any("totp.used" in key for (key,) in cursor.fetchall())
    client.post("/accounts/logout/")

    again = client.post("/accounts/login/", {"login": staff.email, "password": password})
    refused = client.post(again.url, {"code": code})

    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_same_code_would_pass_if_it_had_not_been_used(
    client, staff, password, sign_in, database_cache
):
    """The control for the test above: the code is refused because it was used, not because
    of the clock."""
    from django.core.cache import cache

    code = totp_code(totp_secret(staff), NOW)
    sign_in(staff, code=code)
    client.post("/accounts/logout/")
    cache.clear()

    sign_in(staff, code=code)

    assert client.session["_auth_user_id"] == str(staff.pk)


def test_a_removed_authenticator_is_checked_again_in_every_session_of_the_person(
    client, staff, organization
):
    """The remembered check must not outlive the authenticator: here the person loses the
    role, switches 2FA off elsewhere (or an admin deletes it), and is made staff again."""
    from allauth.mfa.models import Authenticator

    from organizations.models import Membership, Role

    client.force_login(staff)
    assert client.get("/desk/").status_code == 200
    Membership.objects.filter(user=staff).delete()
    Authenticator.objects.filter(user=staff).delete()
    Membership.objects.create(user=staff, organization=organization, role=Role.STAFF)
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
