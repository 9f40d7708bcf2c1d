"""Texts that staff type (a pool's description and pick-up note, a borrowing agreement) carry
their own language (WCAG 3.1.2): German texts in the English interface are marked
`lang="de"`, an English text on a German page `lang="en"`."""

from __future__ import annotations

import pytest

from tests.factories import BorrowingAgreementFactory, DeviceFactory, LendingPoolFactory
from tests.html_lang import languages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool():
    pool = LendingPoolFactory(
        description="Laptops für Bewerbungen und Behördengänge.",
        pickup_note="Bitte bringen Sie Ihren Ausweis mit.",
    )
    DeviceFactory(pool=pool)
    return pool


@pytest.fixture
def agreement(pool):
    return BorrowingAgreementFactory(organization=pool.organization)


def test_german_pool_texts_and_agreements_are_marked_german_in_the_english_interface(
    client, pool, agreement
):
    client.post("/language/", {"language": "en", "next": "/"})
    html = client.get(f"/lending/{pool.pk}/").content.decode()
    assert '<html lang="en"' in html
    assert languages_of(html, "Laptops für Bewerbungen") == {("de", None)}
    assert languages_of(html, "Bitte bringen Sie Ihren Ausweis mit.") == {("de", None)}
    html = client.get(f"/lending/agreements/{agreement.pk}/").content.decode()
    assert languages_of(html, "Leihbedingungen für Geräte") == {("de", None)}
    assert languages_of(html, "Das Gerät ist pfleglich zu behandeln.") == {("de", None)}


def test_a_text_typed_in_english_is_marked_english_on_a_german_page(client, pool, agreement):
    pool.description = "Laptops for job applications."
    pool.text_language = "en"
    pool.save()
    agreement.text = "Handle the device with care."
    agreement.text_language = "en"
    agreement.save()
    html = client.get(f"/lending/{pool.pk}/").content.decode()
    assert '<html lang="de"' in html
    assert languages_of(html, "Laptops for job applications.") == {("en", None)}
    html = client.get(f"/lending/agreements/{agreement.pk}/").content.decode()
    assert languages_of(html, "Handle the device with care.") == {("en", None)}


def test_staff_choose_the_language_of_a_pools_texts(client, staff, organization):
    client.force_login(staff)
    html = client.get(f"/pools/new/?organization={organization.slug}").content.decode()
    assert 'name="text_language"' in html
