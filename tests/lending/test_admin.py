"""Borrowing agreements in the Django admin: a new version is published by the service, and a
published text cannot be changed (people accepted exactly that)."""

from __future__ import annotations

import pytest

from lending.models import BorrowingAgreement
from tests.factories import BorrowingAgreementFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, is_region_admin=True))
    return client


def test_a_new_agreement_in_the_admin_gets_the_next_version(admin_client):
    library = OrganizationFactory(kind="library")
    BorrowingAgreementFactory(organization=library, version=1)

    response = admin_client.post(
        "/admin/lending/borrowingagreement/add/",
        {
            "organization": library.pk,
            "title": "Leihbedingungen",
            "text": "Neu.",
            "text_language": "de",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    newest = BorrowingAgreement.objects.get(organization=library, version=2)
    assert (newest.title, newest.text) == ("Leihbedingungen", "Neu.")


def test_a_published_text_cannot_be_changed_in_the_admin(admin_client):
    agreement = BorrowingAgreementFactory(text="Wie vereinbart.")

    admin_client.post(
        f"/admin/lending/borrowingagreement/{agreement.pk}/change/",
        {"title": "Anders", "text": "Anders."},
    )

    agreement.refresh_from_db()
    assert agreement.text == "Wie vereinbart."
