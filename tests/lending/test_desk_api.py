"""The library desk over the API: POST /api/v1/loans and POST /api/v1/loans/{id}/return."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import create_api_token
from booking.models import Loan, LoanItem
from devices.models import Device
from lending.models import AgreementAcceptance
from tests.factories import (
    BorrowingAgreementFactory,
    DeviceFactory,
    LibraryCardFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english(settings):
    settings.LANGUAGE_CODE = "en"


def api(user) -> Client:
    _token, secret = create_api_token(by=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post_json(client: Client, url: str, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def erika(library):
    person = UserFactory(name="Erika Mustermann")
    LibraryCardFactory(organization=library, user=person)
    AgreementAcceptance.objects.create(
        agreement=BorrowingAgreementFactory(organization=library), user=person
    )
    return person


@pytest.fixture
def todays(pool, erika):
    start = timezone.now() - datetime.timedelta(hours=1)
    return ReservationFactory(
        pool=pool, user=erika, quantity=2, start=start, end=start + datetime.timedelta(days=14)
    )


def lend(librarian, pool, erika, codes) -> dict:
    if not erika.library_cards.filter(organization=pool.organization).exists():
        LibraryCardFactory(organization=pool.organization, user=erika)
    response = post_json(
        api(librarian),
        "/api/v1/loans",
        {"pool_id": pool.pk, "borrower_id": erika.pk, "devices": codes, "agreement_signed": True},
    )
    assert response.status_code == 201, response.content
    return response.json()


# --- POST /loans ------------------------------------------------------------------------------


def test_staff_hand_out_against_a_reservation(librarian, todays, laptops):
    response = post_json(
        api(librarian),
        "/api/v1/loans",
        {"reservation_id": todays.pk, "devices": ["sb-lap-002", laptops[2].label_code]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reservation_id"] == todays.pk and body["borrower_id"] == todays.user_id
    assert [item["asset_tag"] for item in body["items"]] == ["SB-LAP-002", "SB-LAP-003"]
    assert all(item["returned_at"] is None and item["condition"] == "" for item in body["items"])
    assert Loan.objects.get().items.count() == 2


def test_staff_lend_without_reservation_with_a_due_date(librarian, pool, laptops, erika):
    day = timezone.localdate() + datetime.timedelta(days=3)
    due = timezone.make_aware(datetime.datetime.combine(day, datetime.time(18)))
    response = post_json(
        api(librarian),
        "/api/v1/loans",
        {
            "pool_id": pool.pk,
            "borrower_id": erika.pk,
            "devices": ["SB-LAP-001"],
            "due_at": due.isoformat(),
        },
    )
    assert response.status_code == 201
    loan = Loan.objects.get()
    assert loan.borrower == erika and loan.due_at == due
    assert response.json()["due_at"] == due.isoformat()


def test_nobody_unknown_to_the_library_can_be_lent_to_by_id(librarian, pool, laptops):
    stranger = UserFactory()
    body = {"pool_id": pool.pk, "borrower_id": stranger.pk, "devices": ["SB-LAP-001"]}
    response = post_json(api(librarian), "/api/v1/loans", body | {"agreement_signed": True})
    assert response.status_code == 404
    assert not Loan.objects.exists()


def test_the_agreement_is_needed_or_signed(librarian, pool, laptops, library):
    newcomer = UserFactory()
    LibraryCardFactory(organization=library, user=newcomer)
    BorrowingAgreementFactory(organization=library, version=2)
    body = {"pool_id": pool.pk, "borrower_id": newcomer.pk, "devices": ["SB-LAP-001"]}
    response = post_json(api(librarian), "/api/v1/loans", body)
    assert response.status_code == 409 and "agreement" in response.json()["detail"]
    assert not Loan.objects.exists()
    response = post_json(api(librarian), "/api/v1/loans", body | {"agreement_signed": True})
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"devices": ["SB-LAP-404"]}, 422, "SB-LAP-404"),
        ({"devices": ["SB-LAP-001"]}, 409, "already handed out"),
        ({"devices": []}, 422, ""),
        ({"devices": "SB-LAP-002"}, 422, ""),
        ({"devices": ["SB-LAP-002"], "due_at": "2026-12-01T10:00:00"}, 422, "offset"),
        ({"devices": ["SB-LAP-002"], "reservation_id": 1}, 422, "either"),
        ({"devices": ["SB-LAP-002"], "pool_id": None}, 422, "pool_id and borrower_id"),
    ],
)
def test_what_cannot_go_out_is_refused_and_nothing_written(
    librarian, pool, laptops, erika, body, status, detail
):
    lend(librarian, pool, UserFactory(), ["SB-LAP-001"])
    payload = {"pool_id": pool.pk, "borrower_id": erika.pk} | body
    if payload.get("pool_id") is None and "pool_id" in body:
        payload = {"borrower_id": erika.pk, "devices": body["devices"]}
    response = post_json(api(librarian), "/api/v1/loans", payload)
    assert response.status_code == status, response.content
    assert detail in json.dumps(response.json()["detail"])
    assert Loan.objects.count() == 1


def test_a_due_date_beyond_the_loan_period_is_a_409(librarian, pool, laptops, erika):
    due = timezone.now() + datetime.timedelta(days=30)
    response = post_json(
        api(librarian),
        "/api/v1/loans",
        {
            "pool_id": pool.pk,
            "borrower_id": erika.pk,
            "devices": ["SB-LAP-001"],
            "due_at": timezone.localtime(due).isoformat(),
        },
    )
    assert response.status_code == 409 and "14 days" in response.json()["detail"]
    assert not Loan.objects.exists()


@pytest.mark.parametrize("who", ["staff", "teacher", "outsider", "resident"])
def test_not_staff_of_the_pool_get_404(request, who, pool, laptops, erika, todays):
    client = api(request.getfixturevalue(who))
    by_pool = {"pool_id": pool.pk, "borrower_id": erika.pk, "devices": ["SB-LAP-001"]}
    by_reservation = {"reservation_id": todays.pk, "devices": ["SB-LAP-001"]}
    assert post_json(client, "/api/v1/loans", by_pool).status_code == 404
    assert post_json(client, "/api/v1/loans", by_reservation).status_code == 404
    assert not Loan.objects.exists()


def test_without_credentials_it_is_a_401(pool, laptops, erika):
    body = {"pool_id": pool.pk, "borrower_id": erika.pk, "devices": ["SB-LAP-001"]}
    assert post_json(Client(), "/api/v1/loans", body).status_code == 401


def test_a_session_needs_the_csrf_token(librarian, pool, laptops, erika):
    client = Client(enforce_csrf_checks=True)
    client.force_login(librarian)
    body = {"pool_id": pool.pk, "borrower_id": erika.pk, "devices": ["SB-LAP-001"]}
    assert post_json(client, "/api/v1/loans", body).status_code == 403
    assert not Loan.objects.exists()


# --- POST /loans/{id}/return ------------------------------------------------------------------


def test_staff_take_back_one_device_damaged_then_the_rest(librarian, pool, laptops, erika):
    loan = lend(librarian, pool, erika, ["SB-LAP-001", "SB-LAP-002"])
    client = api(librarian)
    response = post_json(
        client,
        f"/api/v1/loans/{loan['id']}/return",
        {"items": [{"device": "sb-lap-001", "condition": "damaged", "note": "Hinge broken"}]},
    )
    assert response.status_code == 200
    body = response.json()
    returned = {item["asset_tag"]: item for item in body["items"]}
    assert returned["SB-LAP-001"]["condition"] == "damaged"
    assert returned["SB-LAP-001"]["note"] == "Hinge broken"
    assert returned["SB-LAP-002"]["returned_at"] is None and body["closed_at"] is None
    assert Device.objects.get(asset_tag="SB-LAP-001").status == "in_repair"

    response = post_json(client, f"/api/v1/loans/{loan['id']}/return", {"all_complete": True})
    assert response.status_code == 200 and response.json()["closed_at"] is not None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"items": [{"device": "SB-LAP-003", "condition": "complete"}]}, 409),
        ({"items": [{"device": "NOPE", "condition": "complete"}]}, 409),
        ({"items": [{"device": "SB-LAP-001", "condition": "damaged"}]}, 422),
        ({"items": [{"device": "SB-LAP-001", "condition": "broken"}]}, 422),
        ({"items": []}, 422),
        ({"all_complete": False}, 422),
        ({"all_complete": "yes"}, 422),
        ({}, 422),
        ([], 422),
    ],
)
def test_a_return_that_does_not_fit_the_loan_changes_nothing(
    librarian, pool, laptops, erika, body, status
):
    loan = lend(librarian, pool, erika, ["SB-LAP-001"])
    response = post_json(api(librarian), f"/api/v1/loans/{loan['id']}/return", body)
    assert response.status_code == status, response.content
    assert LoanItem.objects.filter(returned_at__isnull=True).count() == 1


def test_returning_a_closed_loan_is_a_409(librarian, pool, laptops, erika):
    loan = lend(librarian, pool, erika, ["SB-LAP-001"])
    client = api(librarian)
    post_json(client, f"/api/v1/loans/{loan['id']}/return", {"all_complete": True})
    response = post_json(client, f"/api/v1/loans/{loan['id']}/return", {"all_complete": True})
    assert response.status_code == 409


@pytest.mark.parametrize("who", ["staff", "teacher", "outsider", "erika"])
def test_others_cannot_return_a_loan(request, who, librarian, pool, laptops, erika):
    loan = lend(librarian, pool, erika, ["SB-LAP-001"])
    client = api(request.getfixturevalue(who))
    response = post_json(client, f"/api/v1/loans/{loan['id']}/return", {"all_complete": True})
    assert response.status_code == 404
    assert LoanItem.objects.get().returned_at is None


@pytest.mark.parametrize("loan_id", ["0", "99999999999999999999", "x"])
def test_a_bad_loan_id_is_a_4xx(librarian, loan_id):
    response = post_json(api(librarian), f"/api/v1/loans/{loan_id}/return", {"all_complete": True})
    assert response.status_code in (404, 422)


def test_the_wrong_method_gets_405(librarian, pool, laptops, erika):
    loan = lend(librarian, pool, erika, ["SB-LAP-001"])
    client = api(librarian)
    assert client.get(f"/api/v1/loans/{loan['id']}/return").status_code == 405
    assert client.delete("/api/v1/loans").status_code == 405


@pytest.mark.parametrize("devices", [3, 30])
def test_hand_out_and_return_take_a_bounded_number_of_queries(
    librarian, pool, erika, devices, django_assert_max_num_queries
):
    for n in range(devices):
        DeviceFactory(pool=pool, asset_tag=f"Q-{n:03}")
    codes = [f"Q-{n:03}" for n in range(devices)]
    client = api(librarian)
    with django_assert_max_num_queries(40):
        response = post_json(
            client,
            "/api/v1/loans",
            {"pool_id": pool.pk, "borrower_id": erika.pk, "devices": codes},
        )
    assert response.status_code == 201 and len(response.json()["items"]) == devices
    with django_assert_max_num_queries(60):
        response = post_json(
            client, f"/api/v1/loans/{response.json()['id']}/return", {"all_complete": True}
        )
    assert response.status_code == 200
