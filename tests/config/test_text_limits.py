"""Every free-text field has a length limit in the model, the form and the API schema: a
7 MB device note was once accepted (#15)."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from accounts.services import create_api_token
from config.api import api
from devices.forms import DeviceForm
from devices.models import Device

from ..factories import DeviceFactory, DeviceTypeFactory

# Written by the app itself, never typed by a person.
GENERATED = {("reports", "reportrun", "html")}


def test_every_text_field_of_every_model_has_a_max_length():
    unlimited = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in {"accounts", "organizations", "devices", "booking", "courses"}
        or model._meta.app_label == "reports"
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField)
        and not field.max_length
        and (model._meta.app_label, model._meta.model_name, field.name) not in GENERATED
    ]
    assert unlimited == []


def _strings_without_max_length(schema, components, path="") -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _strings_without_max_length(components[name], components, path)
    found = []
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            found += _strings_without_max_length(option, components, path)
    unlimited = schema.get("type") == "string" and not {"maxLength", "enum"} & schema.keys()
    if unlimited and schema.get("format") not in ("date", "date-time", "time"):
        found.append(path)
    for name, prop in schema.get("properties", {}).items():
        found += _strings_without_max_length(prop, components, f"{path}.{name}")
    if isinstance(schema.get("additionalProperties"), dict):
        found += _strings_without_max_length(schema["additionalProperties"], components, path)
    if isinstance(schema.get("items"), dict):
        found += _strings_without_max_length(schema["items"], components, path + "[]")
    return found


def test_every_string_an_api_operation_reads_has_a_max_length():
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    unlimited = []
    for url, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                unlimited += _strings_without_max_length(
                    parameter["schema"], components, f"{method} {url} ?{parameter['name']}"
                )
            body = operation.get("requestBody", {}).get("content", {})
            for content in body.values():
                unlimited += _strings_without_max_length(
                    content["schema"], components, f"{method} {url} body"
                )
    assert unlimited == []


@pytest.mark.django_db
def test_an_overlong_device_note_is_refused_by_the_api_and_the_form(staff, organization):
    limit = Device._meta.get_field("notes").max_length
    _token, secret = create_api_token(by=staff, name="t")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    device_type = DeviceTypeFactory()
    body = {
        "organization": organization.slug,
        "device_type_id": device_type.pk,
        "asset_tag": "INV-1",
        "notes": "x" * (limit + 1),
    }
    response = client.post("/api/v1/devices", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert not Device.objects.exists()
    device = DeviceFactory(organization=organization)
    form = DeviceForm(
        {"asset_tag": "INV-2", "device_type": device_type.pk, "notes": "x" * (limit + 1)},
        instance=device,
        organization=organization,
    )
    assert not form.is_valid() and "notes" in form.errors
