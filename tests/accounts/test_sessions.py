"""Sessions end on the server: after logout a copied cookie is worthless, and a person can end
their sessions on other devices (allauth usersessions)."""

from __future__ import annotations

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def _same_cookie(client) -> Client:
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return thief


def _is_logged_in(client) -> bool:
    response = client.get("/account/")
    return response.status_code == 200


def test_after_logout_a_copy_of_the_session_cookie_is_anonymous(client, resident, sign_in):
    sign_in(resident)
    copy = _same_cookie(client)
    assert _is_logged_in(copy)

    client.post("/accounts/logout/")

    assert not _is_logged_in(copy)
    assert copy.get("/account/").url.startswith("/accounts/login/")


def test_the_session_list_shows_each_login(english, resident, sign_in):
    other = Client()
    sign_in(resident, on=other)
    sign_in(resident, on=english)

    response = english.get("/accounts/sessions/")

    assert response.status_code == 200
    assert response.context["session_count"] == 2
    assert UserSession.objects.filter(user=resident).count() == 2


def test_ending_the_other_sessions_logs_the_other_browser_out(client, resident, sign_in):
    laptop = Client()
    sign_in(resident, on=laptop)
    sign_in(resident)
    assert _is_logged_in(laptop)

    response = client.post("/accounts/sessions/")

    assert response.status_code == 302
    assert not _is_logged_in(laptop)
    assert _is_logged_in(client)
    assert UserSession.objects.filter(user=resident).count() == 1


def test_nobody_sees_another_persons_sessions(client, resident, teacher, sign_in):
    sign_in(teacher, on=Client())
    sign_in(resident)

    response = client.get("/accounts/sessions/")

    assert response.context["session_count"] == 1
    assert [s.user_id for s in response.context["sessions"]] == [resident.pk]
