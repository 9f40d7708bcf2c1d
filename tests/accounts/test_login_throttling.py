"""Guessing passwords: allauth counts failed logins per address in the shared cache, and the
Django admin has no login of its own that could be guessed at instead."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts"


def _log_in(client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_after_five_failed_logins_even_the_right_password_is_refused(english, resident, password):
    for _attempt in range(5):
        failed = _log_in(english, resident.email, "not the password at all")
        assert failed.status_code == 200
        assert TOO_MANY not in failed.content.decode()

    refused = _log_in(english, resident.email, password)

    assert refused.status_code in (200, 429)
    assert TOO_MANY in refused.content.decode()
    assert "_auth_user_id" not in english.session


def test_four_failed_logins_still_let_the_right_password_in(client, resident, password):
    """The control for the test above: the limit is five."""
    for _attempt in range(4):
        _log_in(client, resident.email, "not the password at all")

    response = _log_in(client, resident.email, password)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(resident.pk)


def test_the_limit_is_per_address_so_others_can_still_log_in(client, resident, teacher, password):
    for _attempt in range(5):
        _log_in(client, resident.email, "not the password at all")

    _log_in(client, teacher.email, password)

    assert client.session["_auth_user_id"] == str(teacher.pk)


# --- The Django admin ------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


def test_the_admin_login_sends_to_the_site_login(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=%2Fadmin%2F"


def test_a_password_posted_to_the_admin_login_logs_nobody_in(client, superuser, password):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": superuser.email, "password": password}
    )

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_the_way_into_the_admin_is_throttled(english, superuser, password):
    for _attempt in range(5):
        _log_in(english, superuser.email, "not the password at all")

    refused = _log_in(english, superuser.email, password)

    assert TOO_MANY in refused.content.decode()
    assert english.get("/admin/").status_code == 302
    assert "_auth_user_id" not in english.session


def test_the_way_into_the_admin_needs_the_code(client, superuser, password, sign_in):
    first = _log_in(client, superuser.email, password)
    assert first.url.startswith("/accounts/2fa/authenticate/")
    assert client.get("/admin/").url.startswith("/admin/login/")

    sign_in(superuser)

    assert client.get("/admin/").status_code == 200


def test_an_admin_user_without_2fa_cannot_reach_the_admin(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True, totp=False)
    client.force_login(admin_user)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/2fa/totp/activate/")


@pytest.mark.parametrize("fixture", ["resident", "staff"])
def test_people_without_admin_access_cannot_reach_the_admin(client, request, fixture):
    """Staff of an organization (with 2FA) is not ``is_staff``: the admin is not for them."""
    client.force_login(request.getfixturevalue(fixture))

    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/", follow=True).status_code == 403
