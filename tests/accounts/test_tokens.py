from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import ApiToken, AuditLog
from accounts.services import create_api_token

pytestmark = pytest.mark.django_db


def _create_token(client, name="Stundenplan-Skript") -> str:
    response = client.post("/account/tokens/", {"token-name": name})
    assert response.status_code == 201
    match = re.search(r'id="new-token">(lp_[\w-]+)<', response.content.decode())
    assert match, "the new token is shown once on the page"
    return match.group(1)


def test_a_person_creates_a_token_and_uses_it(client, teacher):
    client.force_login(teacher)
    secret = _create_token(client)
    api = Client()
    response = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.json()["email"] == teacher.email
    assert response.json()["roles"][0]["role"] == "teacher"
    token = ApiToken.objects.get(user=teacher)
    assert token.key_hash != secret and secret not in token.hint
    assert token.last_used_at is not None


def test_the_secret_is_shown_only_once(client, teacher):
    client.force_login(teacher)
    secret = _create_token(client)
    assert secret not in client.get("/account/").content.decode()


def test_a_revoked_token_gets_401(client, teacher):
    client.force_login(teacher)
    secret = _create_token(client)
    token = ApiToken.objects.get(user=teacher)
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    assert response.json()["detail"]
    assert AuditLog.objects.filter(action="accounts.token_revoked", actor=teacher).exists()


def test_a_made_up_token_gets_401(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer lp_not-a-real-token"})
    assert response.status_code == 401


def test_nobody_revokes_someone_elses_token(client, teacher, outsider):
    client.force_login(teacher)
    _create_token(client)
    token = ApiToken.objects.get(user=teacher)
    client.force_login(outsider)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoke_needs_post(client, teacher):
    client.force_login(teacher)
    _create_token(client)
    token = ApiToken.objects.get(user=teacher)
    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405


def test_a_token_without_a_name_is_refused_and_nothing_is_written(client, teacher):
    client.force_login(teacher)
    response = client.post("/account/tokens/", {"token-name": "  "})
    assert response.status_code == 400
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_token_pages_need_a_login(client):
    response = client.post("/account/tokens/", {"token-name": "x"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not ApiToken.objects.exists()


def test_issue_token_prints_a_token_that_works(teacher, capsys):
    call_command("issue_token", teacher.email)
    secret = capsys.readouterr().out.strip()
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_session_writes_need_csrf_but_token_writes_do_not(teacher):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(teacher)
    response = browser.patch("/api/v1/me", {"name": "Ohne Token"}, content_type="application/json")
    assert response.status_code == 403
    teacher.refresh_from_db()
    assert teacher.name != "Ohne Token"

    browser.get("/account/")  # sets the CSRF cookie, as a page would
    csrf = browser.cookies["csrftoken"].value
    response = browser.patch(
        "/api/v1/me",
        {"name": "Mit Token"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Mit Token"

    _token, secret = create_api_token(by=teacher, name="script")
    response = Client(enforce_csrf_checks=True).patch(
        "/api/v1/me",
        {"preferred_language": "en"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200
    teacher.refresh_from_db()
    assert teacher.preferred_language == "en"


def test_bad_input_to_me_is_422_and_changes_nothing(teacher):
    _token, secret = create_api_token(by=teacher, name="script")
    response = Client().patch(
        "/api/v1/me",
        {"preferred_language": "klingon"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 422
    teacher.refresh_from_db()
    assert teacher.preferred_language == "de"


def test_me_without_credentials_is_401(client):
    assert client.get("/api/v1/me").status_code == 401
