"""“Delete my account”: a clear summary first; then a tick, a recent password, and the person
is erased, logged out and told by email. An open loan blocks it and says what to bring back."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import AuditLog, User
from accounts.services import create_api_token

from .conftest import lend, reauthenticated

pytestmark = pytest.mark.django_db

URL = "/account/delete/"
REAUTHENTICATE = "/accounts/reauthenticate/"


def test_the_page_says_what_is_erased_and_what_stays(client, resident):
    create_api_token(by=resident, name="Kalender")
    client.force_login(resident)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "What is erased" in html and "library card numbers" in html
    assert "What stays, without a name" in html and "anonymous rows" in html
    row = '<th scope="row" class="kern-table__cell">{}</th><td class="kern-table__cell">{}</td>'
    assert row.format("API tokens", 1) in html
    assert 'name="confirm"' in html and "Delete my account</span></button>" in html


def test_the_page_itself_needs_no_fresh_password(client, resident):
    """Reading what would happen is harmless; only the deletion asks for the password."""
    client.force_login(resident)
    assert client.get(URL).status_code == 200


def test_without_the_tick_it_is_a_400_and_nothing_changes(client, resident):
    reauthenticated(client, resident)

    response = client.post(URL, {})

    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    assert User.objects.filter(pk=resident.pk).exists()
    assert not AuditLog.objects.filter(action="accounts.erased").exists()
    assert not mail.outbox


def test_an_unticked_form_is_answered_at_once_without_asking_for_the_password(client, resident):
    client.force_login(resident)  # not re-authenticated
    response = client.post(URL, {})
    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    assert User.objects.filter(pk=resident.pk).exists()


@pytest.mark.parametrize("seconds_ago", [None, 3600])
def test_without_a_recent_password_it_asks_for_it_and_changes_nothing(
    client, resident, seconds_ago
):
    if seconds_ago is None:
        client.force_login(resident)  # logged in, never re-authenticated
    else:
        reauthenticated(client, resident, seconds_ago=seconds_ago)

    response = client.post(URL, {"confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == f"{REAUTHENTICATE}?next=%2Faccount%2Fdelete%2F"
    assert User.objects.filter(pk=resident.pk).exists()
    assert not mail.outbox


def test_the_person_is_erased_logged_out_and_told_by_email(client, resident):
    email, pk = resident.email, resident.pk
    create_api_token(by=resident, name="Kalender")
    reauthenticated(client, resident)

    response = client.post(URL, {"confirm": "on"}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert "Your account and all your data have been deleted." in response.content.decode()
    assert not User.objects.filter(pk=pk).exists()
    assert not User.objects.filter(email=email).exists()
    assert "_auth_user_id" not in client.session
    assert client.get("/account/").status_code == 302  # logged out
    assert [message.to for message in mail.outbox] == [[email]]
    # In the person's language (German by default).
    assert mail.outbox[0].subject == "Ihr Lernpool-Konto wurde gelöscht"
    entry = AuditLog.objects.get(action="accounts.erased")
    assert (entry.actor, entry.target_id) == (None, str(pk))


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_confirmation_is_in_the_persons_language(client, resident, language):
    resident.preferred_language = language
    resident.save()
    reauthenticated(client, resident)

    client.post(URL, {"confirm": "on"})

    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert f'<html lang="{language}">' in html


def test_after_entering_the_password_the_deletion_goes_through(client, resident, password):
    """The real flow: asked for the password, the person enters it and the ticked form that
    was held back is carried out."""
    client.force_login(resident)
    assert client.post(URL, {"confirm": "on"})["Location"].startswith(REAUTHENTICATE)

    response = client.post(f"{REAUTHENTICATE}?next={URL}", {"password": password, "next": URL})

    assert response.status_code == 302 and response["Location"] == "/"
    assert not User.objects.filter(pk=resident.pk).exists()
    assert len(mail.outbox) == 1


def test_an_open_loan_blocks_it_and_names_the_device(client, erika, lending_pool):
    lend(lending_pool, erika, asset_tag="SB-LAP-007")
    reauthenticated(client, erika)

    get = client.get(URL).content.decode()
    response = client.post(URL, {"confirm": "on"})

    assert "SB-LAP-007" in get and "Delete my account</span></button>" not in get
    assert response.status_code == 400
    assert "SB-LAP-007" in response.content.decode()
    assert User.objects.filter(pk=erika.pk, email=erika.email).exists()
    assert not AuditLog.objects.filter(action="accounts.erased").exists()
    assert not mail.outbox


def test_a_returned_loan_does_not_block_it(client, erika, lending_pool):
    lend(lending_pool, erika, returned=True)
    reauthenticated(client, erika)
    assert client.post(URL, {"confirm": "on"}).status_code == 302
    assert not User.objects.filter(pk=erika.pk).exists()


def test_logged_out_people_are_sent_to_log_in(client):
    for response in (client.get(URL), client.post(URL, {"confirm": "on"})):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_wrong_method_gets_405(client, resident):
    reauthenticated(client, resident)
    assert client.put(URL).status_code == 405
    assert User.objects.filter(pk=resident.pk).exists()


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_runs_a_constant_number_of_queries(
    client, resident, count, django_assert_max_num_queries
):
    from accounts import privacy

    from .test_my_data import _fill

    _fill(resident, count)
    client.force_login(resident)
    # Blockers and the summary ask every section once or twice.
    with django_assert_max_num_queries(3 * len(privacy.sections()) + 10):
        assert client.get(URL).status_code == 200
