from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from config.api import on_domain_error
from core.errors import DomainError
from tests.factories import OrganizationFactory


@pytest.mark.django_db
def test_health_reports_the_database_ok(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_health_is_503_with_a_reason_when_the_database_is_down(client, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable: OperationalError"}


def test_health_rejects_other_methods(client):
    assert client.post("/api/v1/health").status_code == 405


@pytest.mark.django_db
def test_the_schema_declares_every_status_an_operation_returns(client):
    schema = client.get("/api/v1/openapi.json").json()
    health = schema["paths"]["/api/v1/health"]["get"]["responses"]
    assert {"200", "503"} <= set(health)
    me = schema["paths"]["/api/v1/me"]["patch"]["responses"]
    assert {"200", "401", "403", "422"} <= set(me)


@pytest.mark.django_db
def test_the_docs_are_served_by_the_app_itself(client):
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "https://" not in html


def test_a_domain_error_becomes_409_with_its_message(rf):
    response = on_domain_error(rf.get("/api/v1/x"), DomainError("Only 3 devices are free."))
    assert response.status_code == 409
    assert response.content == b'{"detail": "Only 3 devices are free."}'


@pytest.mark.django_db
def test_organizations_are_public_open_data(client):
    OrganizationFactory(name="Stadtbibliothek Aschaffenburg", kind="library", slug="stabi")
    OrganizationFactory(name="Alte Schule", is_active=False)
    response = client.get("/api/v1/organizations")
    assert response.status_code == 200
    body = response.json()
    assert [o["name"] for o in body] == ["Stadtbibliothek Aschaffenburg"]
    assert body[0]["kind"] == "library"
    assert "memberships" not in body[0]


@pytest.mark.django_db
def test_organizations_filter_by_kind_and_district(client):
    library = OrganizationFactory(kind="library")
    OrganizationFactory(kind="school")
    response = client.get("/api/v1/organizations", {"kind": "library"})
    assert [o["id"] for o in response.json()] == [library.pk]
    response = client.get("/api/v1/organizations", {"district": library.district.slug})
    assert [o["id"] for o in response.json()] == [library.pk]


@pytest.mark.django_db
def test_an_unknown_kind_is_422_with_a_reason(client):
    response = client.get("/api/v1/organizations", {"kind": "castle"})
    assert response.status_code == 422
    assert "kind" in str(response.json()["detail"])


@pytest.mark.django_db
def test_an_unknown_organization_is_404_json(client):
    response = client.get("/api/v1/organizations/nowhere")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nicht gefunden."}


@pytest.mark.django_db
def test_organization_list_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    OrganizationFactory.create_batch(3)
    with django_assert_max_num_queries(2):
        assert len(client.get("/api/v1/organizations").json()) == 3
    OrganizationFactory.create_batch(297)
    with django_assert_max_num_queries(2):
        assert len(client.get("/api/v1/organizations").json()) == 300


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["[null, null]", "[]", "5", '"x"', "null"])
def test_a_body_that_is_not_a_json_object_is_422(body, teacher):
    from django.test import Client

    from accounts.services import create_api_token

    _token, secret = create_api_token(by=teacher, name="t")
    response = Client().patch(
        "/api/v1/me",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 422


@pytest.mark.django_db
def test_malformed_json_is_a_declared_400(client, teacher):
    from django.test import Client

    from accounts.services import create_api_token

    _token, secret = create_api_token(by=teacher, name="t")
    response = Client().patch(
        "/api/v1/me",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 400
    schema = client.get("/api/v1/openapi.json").json()
    assert "400" in schema["paths"]["/api/v1/me"]["patch"]["responses"]


@pytest.mark.django_db
def test_the_declared_422_matches_what_the_api_sends(client):
    response = client.get("/api/v1/organizations", {"kind": "null"})
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)
    schema = client.get("/api/v1/openapi.json").json()
    declared = schema["paths"]["/api/v1/organizations"]["get"]["responses"]["422"]
    assert "ValidationErrors" in str(declared)
