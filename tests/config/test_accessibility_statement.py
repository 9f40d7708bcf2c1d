"""The accessibility statement a public body can sign (BayBITV): the conformance status with
the known limitations, the date of the last review (a setting), the feedback form (stored,
emailed to the operator, copied to the person; the operator records the answer) and the
enforcement procedure (the Bavarian enforcement body unless the operator sets another)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from accounts.models import AccessibilityFeedback, AuditLog
from accounts.privacy import sections
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REPORT = {
    "name": "Petra Beispiel",
    "email": "petra@example.org",
    "page": "/bookings/",
    "message": "Die Tabelle meiner Buchungen liest mein Screenreader nicht vor.",
}


def test_the_statement_names_status_limits_review_date_and_enforcement_body(client, settings):
    settings.LERNPOOL_ACCESSIBILITY = {
        **settings.LERNPOOL_ACCESSIBILITY,
        "reviewed": datetime.date(2027, 3, 15),
    }
    html = client.get("/accessibility/").content.decode()
    assert "teilweise" in html
    assert html.count("<li>", html.index('id="known-limitations"')) >= 4
    assert "Platzhalter" not in html and "placeholder" not in html
    assert "15. März 2027" in html
    assert "Landesamt für Digitalisierung, Breitband und Vermessung" in html
    assert 'id="feedback"' in html and 'name="message"' in html


def test_the_operator_sets_the_status_and_another_enforcement_body(client, settings):
    settings.LERNPOOL_ACCESSIBILITY = {
        **settings.LERNPOOL_ACCESSIBILITY,
        "status": "full",
        "enforcement_name": "Schlichtungsstelle BGG",
        "enforcement_email": "info@schlichtungsstelle-bgg.de",
    }
    html = client.get("/accessibility/").content.decode()
    assert "vollständig" in html
    assert "Schlichtungsstelle BGG" in html
    assert 'href="mailto:info@schlichtungsstelle-bgg.de"' in html


def test_a_report_is_stored_emailed_to_the_operator_and_copied_to_the_person(
    client, settings, django_capture_on_commit_callbacks
):
    settings.LERNPOOL_OPERATOR = {**settings.LERNPOOL_OPERATOR, "email": "barrieren@stadt.example"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accessibility/", REPORT)
    assert response.status_code == 302
    assert response["Location"] == "/accessibility/#feedback"
    feedback = AccessibilityFeedback.objects.get()
    assert feedback.email == REPORT["email"] and feedback.message == REPORT["message"]
    assert feedback.language == "de" and feedback.answered_at is None
    assert AuditLog.objects.filter(action="accounts.barrier_reported").count() == 1
    to_operator, copy = mail.outbox
    assert to_operator.to == ["barrieren@stadt.example"]
    assert to_operator.reply_to == [REPORT["email"]]
    assert REPORT["message"] in to_operator.body and "/bookings/" in to_operator.body
    assert copy.to == [REPORT["email"]]
    assert REPORT["message"] in copy.body
    assert (
        "Durchsetzungsstelle" in copy.body
        or "Schlichtung" in copy.body
        or "/accessibility/" in copy.body
    )
    assert "Vielen Dank" in client.get("/accessibility/").content.decode()


def test_the_copy_goes_out_in_the_language_the_person_wrote_in(
    client, django_capture_on_commit_callbacks
):
    client.post("/language/", {"language": "en", "next": "/"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accessibility/", REPORT)
    to_operator, copy = mail.outbox
    assert "Barriere gemeldet" in to_operator.subject
    assert copy.subject == "We have received your report of a barrier"


def test_a_logged_in_person_finds_their_address_filled_in_and_the_report_linked(
    client, resident, django_capture_on_commit_callbacks
):
    client.force_login(resident)
    html = client.get("/accessibility/?page=/my-courses/").content.decode()
    assert f'value="{resident.email}"' in html and 'value="/my-courses/"' in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accessibility/", {**REPORT, "email": resident.email})
    assert AccessibilityFeedback.objects.get().user == resident


@pytest.mark.parametrize(
    "data",
    [
        {},
        {**REPORT, "email": "not an address"},
        {**REPORT, "message": ""},
        {**REPORT, "message": "x" * 5001},
    ],
)
def test_bad_input_is_a_400_with_the_errors_and_nothing_is_stored_or_sent(client, data):
    response = client.post("/accessibility/", data)
    assert response.status_code == 400
    assert 'id="error-summary"' in response.content.decode()
    assert not AccessibilityFeedback.objects.exists()
    assert mail.outbox == []


def test_other_methods_are_405(client):
    assert client.put("/accessibility/").status_code == 405
    assert client.delete("/accessibility/").status_code == 405


def test_a_report_is_in_the_persons_data_and_goes_with_their_erasure():
    person = UserFactory(email="petra@example.org")
    AccessibilityFeedback.objects.create(language="de", **REPORT)
    section = next(s for s in sections() if s.key == "accessibility_feedback")
    assert section.export(person)[0]["message"] == REPORT["message"]
    section.erase(person)
    feedback = AccessibilityFeedback.objects.get()
    assert feedback.email == "" and feedback.message == "" and feedback.name == ""
    assert feedback.page == "/bookings/"  # what was hard to use stays known
