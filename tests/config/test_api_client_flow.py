"""What a client generated from the OpenAPI document does: list → book → cancel → enrol →
my loans, each answer checked against the document's own response schema (the models such a
client decodes with). Two schemas named LoanOut once made "my loans" fail to decode."""

from __future__ import annotations

import datetime
import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from werkzeug.test import Client

from accounts.services import create_api_token
from booking.models import Loan, LoanItem
from config.api import api

from ..factories import (
    CourseFactory,
    DeviceFactory,
    DevicePoolFactory,
    LendingPoolFactory,
    MeetingFactory,
    OrganizationFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wsgi_keeps_the_test_connection")]


def _document():
    return schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())))


def _decoded(document, method: str, path: str, response):
    """The answer, after checking it against the operation's documented response schema."""
    operation = document[path][method]
    operation.validate_response(response)
    return response.json


def test_list_book_cancel_enrol_and_my_loans_decode_with_the_documented_schemas(
    organization, teacher
):
    document = _document()
    pool = DevicePoolFactory(organization=organization)
    DeviceFactory.create_batch(3, pool=pool)
    course = CourseFactory()
    MeetingFactory(course=course)
    library = OrganizationFactory(kind="library")
    laptops = LendingPoolFactory(organization=library)
    now = timezone.now()
    loan = Loan.objects.create(
        pool=laptops, borrower=teacher, handed_out_at=now, due_at=now + datetime.timedelta(days=14)
    )
    LoanItem.objects.create(loan=loan, device=DeviceFactory(pool=laptops))
    _token, secret = create_api_token(by=teacher, name="client")
    # A plain WSGI client, as any HTTP client would call the app.
    client = Client(get_wsgi_application())
    headers = {"Authorization": f"Bearer {secret}"}

    def call(method, path, url, body=None):
        response = client.open(url, method=method, headers=headers, json=body)
        assert response.status_code < 300, response.get_data()
        return _decoded(document, method, f"/api/v1{path}", response)

    pools = call("GET", "/pools", "/api/v1/pools")
    assert pool.pk in [item["id"] for item in pools["items"]]
    monday = timezone.localdate() + datetime.timedelta(days=7 - timezone.localdate().weekday())
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(9)))
    booked = call(
        "POST",
        "/reservations",
        "/api/v1/reservations",
        {
            "pool_id": pool.pk,
            "quantity": 2,
            "start": start.isoformat(),
            "end": (start + datetime.timedelta(hours=1)).isoformat(),
        },
    )
    cancelled = call(
        "POST",
        "/reservations/{reservation_id}/cancel",
        f"/api/v1/reservations/{booked['id']}/cancel",
    )
    assert cancelled["status"] == "cancelled"
    enrolled = call(
        "POST", "/courses/{course_id}/enrollment", f"/api/v1/courses/{course.pk}/enrollment"
    )
    assert enrolled["status"] == "confirmed"
    loans = call("GET", "/loans", "/api/v1/loans")
    assert [item["id"] for item in loans["items"]] == [loan.pk]
    assert loans["items"][0]["renewals_allowed"] >= 0
