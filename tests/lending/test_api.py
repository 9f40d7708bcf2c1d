"""The residents' lending API: my loans, renewing one, joining and leaving a waiting list."""

from __future__ import annotations

import datetime
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.services import create_api_token
from booking.models import Loan, LoanItem, Reservation
from devices.models import Device
from lending import services
from lending.models import AgreementAcceptance, WaitlistEntry
from tests.factories import (
    BorrowingAgreementFactory,
    DeviceFactory,
    DevicePoolFactory,
    DeviceTypeFactory,
    LendingPoolFactory,
    UserFactory,
    WaitlistEntryFactory,
)

pytestmark = pytest.mark.django_db

CSRF_TOKEN = "a" * 32


@pytest.fixture(autouse=True)
def _in_english(settings):
    settings.LANGUAGE_CODE = "en"


def api(user) -> Client:
    _token, secret = create_api_token(by=user, name="t")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post_json(client: Client, url: str, data=None, **kwargs):
    if data is None:  # no body at all, as curl -X POST sends it
        return client.post(url, "", content_type="application/json", **kwargs)
    return client.post(url, json.dumps(data), content_type="application/json", **kwargs)


@pytest.fixture
def pool(db):
    laptop = DeviceTypeFactory(
        kind="laptop", make="Lenovo", model="ThinkPad E14", operating_system="Ubuntu"
    )
    pool = LendingPoolFactory(name="Leih-Laptops")
    DeviceFactory.create_batch(3, pool=pool, device_type=laptop, name="")
    return pool


def make_loan(pool, borrower, *, due_in_days: int = 7, devices: int = 1, closed=False) -> Loan:
    """A loan as the desk writes it, with the reservation that holds its devices."""
    now = timezone.now()
    due = now + datetime.timedelta(days=due_in_days)
    handed_out = min(due - datetime.timedelta(days=14), now - datetime.timedelta(hours=1))
    reservation = Reservation.objects.create(
        pool=pool, user=borrower, quantity=devices, start=handed_out, end=due
    )
    loan = Loan.objects.create(
        pool=pool,
        reservation=reservation,
        borrower=borrower,
        handed_out_at=handed_out,
        due_at=due,
        closed_at=now if closed else None,
    )
    out = LoanItem.objects.filter(returned_at__isnull=True).values("device")
    for device in Device.objects.filter(pool=pool).exclude(pk__in=out)[:devices]:
        LoanItem.objects.create(loan=loan, device=device, returned_at=now if closed else None)
    return loan


# --- GET /loans -----------------------------------------------------------------------------


def test_my_loans_open_first_with_devices_and_renewals(resident, pool):
    returned = make_loan(pool, resident, closed=True)
    later = make_loan(pool, resident, due_in_days=9)
    sooner = make_loan(pool, resident, due_in_days=-1)
    make_loan(pool, UserFactory())  # somebody else's

    response = api(resident).get("/api/v1/loans")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 3
    assert [item["id"] for item in body["items"]] == [sooner.pk, later.pk, returned.pk]
    first = body["items"][0]
    assert first["pool_id"] == pool.pk and first["pool_name"] == "Leih-Laptops"
    assert first["organization"] == pool.organization.name
    assert first["devices"] == [
        {
            "name": "Lenovo ThinkPad E14",
            "type": "Lenovo ThinkPad E14",
            "kind": "laptop",
            "returned": False,
        }
    ]
    assert "asset_tag" not in json.dumps(first)
    assert first["overdue"] is True and first["closed_at"] is None
    assert first["renewals"] == 0 and first["renewals_allowed"] == 1
    assert body["items"][1]["overdue"] is False
    assert body["items"][2]["closed_at"] is not None
    assert datetime.datetime.fromisoformat(first["due_at"]).utcoffset() is not None


def test_my_loans_need_credentials_and_valid_paging(resident):
    assert Client().get("/api/v1/loans").status_code == 401
    assert api(resident).get("/api/v1/loans", {"limit": 0}).status_code == 422


@pytest.mark.parametrize("count", [3, 30])
def test_my_loans_run_a_constant_number_of_queries(resident, count, django_assert_max_num_queries):
    pool = LendingPoolFactory()
    DeviceFactory.create_batch(count, pool=pool)
    for _ in range(count):
        make_loan(pool, resident)
    client = api(resident)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/loans")
    assert response.json()["count"] == count


def test_loans_answer_only_get_and_post_where_declared(resident):
    assert api(resident).delete("/api/v1/loans").status_code == 405


# --- POST /loans/{id}/renew -----------------------------------------------------------------


def test_a_resident_renews_a_loan(resident, pool):
    loan = make_loan(pool, resident, due_in_days=2)
    due = loan.due_at

    response = post_json(api(resident), f"/api/v1/loans/{loan.pk}/renew")

    loan.refresh_from_db()
    assert response.status_code == 200, response.content
    assert response.json()["renewals"] == 1
    assert loan.renewals == 1 and loan.due_at > due


def test_renewing_past_the_limit_is_409_with_the_reason(resident, pool):
    loan = make_loan(pool, resident)
    loan.renewals = 1
    loan.save()

    response = post_json(api(resident), f"/api/v1/loans/{loan.pk}/renew")

    assert response.status_code == 409
    assert "the most Leih-Laptops allows" in response.json()["detail"]


def test_renewing_when_someone_waits_is_409(resident, pool):
    loan = make_loan(pool, resident)
    WaitlistEntryFactory(pool=pool)
    response = post_json(api(resident), f"/api/v1/loans/{loan.pk}/renew")
    assert response.status_code == 409
    assert "waiting" in response.json()["detail"]


def test_nobody_renews_someone_elses_loan(resident, pool):
    loan = make_loan(pool, UserFactory())
    response = post_json(api(resident), f"/api/v1/loans/{loan.pk}/renew")
    loan.refresh_from_db()
    assert response.status_code == 404
    assert loan.renewals == 0
    assert post_json(api(resident), "/api/v1/loans/0/renew").status_code == 422
    assert api(resident).get(f"/api/v1/loans/{loan.pk}/renew").status_code == 405


def test_a_session_without_csrf_cannot_renew(resident, pool):
    loan = make_loan(pool, resident)
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    assert client.post(f"/api/v1/loans/{loan.pk}/renew").status_code == 403
    client.cookies["csrftoken"] = CSRF_TOKEN
    response = client.post(f"/api/v1/loans/{loan.pk}/renew", headers={"X-CSRFToken": CSRF_TOKEN})
    assert response.status_code == 200


# --- the waiting list -----------------------------------------------------------------------


@pytest.fixture
def full_pool(pool):
    make_loan(pool, UserFactory(), due_in_days=40, devices=3)
    return pool


def test_a_resident_joins_with_and_without_a_body(resident, full_pool):
    other = UserFactory()

    first = post_json(api(other), f"/api/v1/pools/{full_pool.pk}/waitlist")
    second = post_json(api(resident), f"/api/v1/pools/{full_pool.pk}/waitlist", {"quantity": 1})

    assert first.status_code == 201, first.content
    assert first.json() == {"position": 1, "status": "waiting", "hold_until": None}
    assert second.status_code == 201
    assert second.json()["position"] == 2


def test_joining_twice_or_when_free_is_409(resident, pool, full_pool):
    client = api(resident)
    assert post_json(client, f"/api/v1/pools/{full_pool.pk}/waitlist").status_code == 201
    again = post_json(client, f"/api/v1/pools/{full_pool.pk}/waitlist")
    assert again.status_code == 409
    assert "already on the waiting list" in again.json()["detail"]

    free_pool = LendingPoolFactory()
    DeviceFactory(pool=free_pool)
    free = post_json(api(UserFactory()), f"/api/v1/pools/{free_pool.pk}/waitlist")
    assert free.status_code == 409
    assert "reserve it instead" in free.json()["detail"]


def test_an_unaccepted_agreement_is_409_and_nothing_written(resident, full_pool):
    BorrowingAgreementFactory(organization=full_pool.organization)
    response = post_json(api(resident), f"/api/v1/pools/{full_pool.pk}/waitlist")
    assert response.status_code == 409
    assert "borrowing agreement" in response.json()["detail"]
    assert not WaitlistEntry.objects.exists()
    assert not AgreementAcceptance.objects.exists()


def test_the_409_for_an_agreement_says_which_one_and_where_to_accept_it(resident, full_pool):
    agreement = BorrowingAgreementFactory(organization=full_pool.organization, title="Terms")
    response = post_json(api(resident), f"/api/v1/pools/{full_pool.pk}/waitlist")

    assert response.status_code == 409
    assert response.json()["agreement"] == {
        "id": agreement.pk,
        "title": "Terms",
        "version": agreement.version,
        "url": f"{settings.LERNPOOL_SITE_URL}/lending/agreements/{agreement.pk}/",
    }
    # Accepted there, the same call joins.
    services.accept_agreement(by=resident, agreement=agreement)
    assert post_json(api(resident), f"/api/v1/pools/{full_pool.pk}/waitlist").status_code == 201


@pytest.mark.parametrize(
    "body",
    [{"quantity": 0}, {"quantity": "1"}, {"quantity": 10**9}, [1], {"quantity": None}],
)
def test_bad_waitlist_bodies_are_422(resident, full_pool, body):
    response = post_json(api(resident), f"/api/v1/pools/{full_pool.pk}/waitlist", body)
    assert response.status_code == 422, response.content
    assert not WaitlistEntry.objects.exists()


def test_pools_not_lent_to_residents_have_no_waiting_list(resident):
    members_only = DevicePoolFactory()
    DeviceFactory(pool=members_only)
    client = api(resident)
    assert post_json(client, f"/api/v1/pools/{members_only.pk}/waitlist").status_code == 404
    assert post_json(client, "/api/v1/pools/999999/waitlist").status_code == 404
    assert Client().post(f"/api/v1/pools/{members_only.pk}/waitlist").status_code == 401
    assert not WaitlistEntry.objects.exists()


def test_a_resident_leaves_the_waiting_list(resident, full_pool):
    WaitlistEntryFactory(pool=full_pool, user=resident)
    client = api(resident)

    response = client.delete(f"/api/v1/pools/{full_pool.pk}/waitlist")
    again = client.delete(f"/api/v1/pools/{full_pool.pk}/waitlist")

    assert response.status_code == 204
    assert not WaitlistEntry.objects.active().exists()
    assert again.status_code == 404


def test_leaving_someone_elses_place_is_404(resident, full_pool):
    entry = WaitlistEntryFactory(pool=full_pool)
    response = api(resident).delete(f"/api/v1/pools/{full_pool.pk}/waitlist")
    entry.refresh_from_db()
    assert response.status_code == 404
    assert entry.status == WaitlistEntry.Status.WAITING
    assert api(resident).put(f"/api/v1/pools/{full_pool.pk}/waitlist").status_code == 405


def test_the_schema_declares_every_status():
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/loans/{loan_id}/renew"]["post"]["responses"]) >= {
        "200",
        "401",
        "403",
        "404",
        "409",
        "422",
    }
    waitlist = paths["/api/v1/pools/{pool_id}/waitlist"]
    assert set(waitlist["post"]["responses"]) >= {"201", "401", "404", "409", "422"}
    assert set(waitlist["delete"]["responses"]) >= {"204", "401", "404"}
