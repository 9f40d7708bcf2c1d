from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_person_changes_name_and_language(client, resident):
    client.force_login(resident)
    response = client.post("/account/", {"name": "Anna Beispiel", "preferred_language": "en"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.name, resident.preferred_language) == ("Anna Beispiel", "en")
    assert '<html lang="en"' in client.get("/account/").content.decode()


def test_an_unknown_language_is_refused_with_a_message_and_nothing_changes(client, resident):
    client.force_login(resident)
    response = client.post("/account/", {"name": "Neu", "preferred_language": "xx"})
    assert response.status_code == 400
    assert "Bitte korrigieren Sie Folgendes" in response.content.decode()
    resident.refresh_from_db()
    assert resident.name != "Neu" and resident.preferred_language == "de"


def test_the_account_page_needs_a_login(client):
    response = client.get("/account/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_account_page_shows_roles_and_only_own_tokens(client, teacher, outsider):
    from accounts.services import create_api_token

    create_api_token(by=outsider, name="Fremder Token")
    client.force_login(teacher)
    html = client.get("/account/").content.decode()
    assert "Lehrkraft" in html
    assert "Fremder Token" not in html


def test_the_account_page_rejects_other_methods(client, teacher):
    client.force_login(teacher)
    assert client.delete("/account/").status_code == 405


@pytest.mark.parametrize("tokens", [3, 30])
def test_the_account_page_runs_a_constant_number_of_queries(
    client, teacher, tokens, django_assert_max_num_queries
):
    from accounts.models import ApiToken

    for number in range(tokens):
        ApiToken.objects.create(
            user=teacher, name=f"t{number}", key_hash=f"{number:064}", hint="lp_x"
        )
    client.force_login(teacher)
    with django_assert_max_num_queries(10):
        assert client.get("/account/").status_code == 200
