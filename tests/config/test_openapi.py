"""The OpenAPI document is what clients are generated from: every schema name stands for one
shape, a body-less operation says so, and the business rules that OpenAPI can state are in it."""

from __future__ import annotations

import json
from collections import defaultdict

from config.api import api


def _models():
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                yield from operation.response_models.values()
                yield from operation.models


def test_no_two_different_schemas_share_a_component_name():
    """ninja names a component after its class; two classes of one name collide and one
    silently replaces the other in the document (two LoanOut did: /loans was documented with
    the desk's shape)."""
    components = api.get_openapi_schema()["components"]["schemas"]
    shapes: dict[str, set[str]] = defaultdict(set)
    for model in _models():
        if model is None:
            continue
        definitions = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in definitions.get("$defs", {}).items():
            shapes[name].add(json.dumps(definition, sort_keys=True))
    duplicates = sorted(
        name for name, seen in shapes.items() if len(seen) > 1 and name in components
    )
    assert duplicates == []


def _document() -> dict:
    """The document as clients read it (status codes as strings)."""
    return json.loads(json.dumps(api.get_openapi_schema()))


def _ok(operation: dict) -> dict:
    status = next(code for code in operation["responses"] if code.startswith("2"))
    return operation["responses"][status]["content"]["application/json"]["schema"]


def test_my_loans_and_renew_are_documented_with_the_residents_shape():
    document = _document()
    paths, components = document["paths"], document["components"]["schemas"]
    page = _ok(paths["/api/v1/loans"]["get"])["$ref"].rsplit("/", 1)[-1]
    resident_shape = components[page]["properties"]["items"]["items"]["$ref"]
    assert _ok(paths["/api/v1/loans/{loan_id}/renew"]["post"])["$ref"] == resident_shape
    desk_shape = _ok(paths["/api/v1/loans/{loan_id}/return"]["post"])["$ref"]
    assert desk_shape != resident_shape
    assert _ok(paths["/api/v1/loans"]["post"])["$ref"] == desk_shape
    assert "renewals_allowed" in components[resident_shape.rsplit("/", 1)[-1]]["properties"]


def test_the_enrolment_post_declares_its_body_optional_and_not_null():
    operation = _document()["paths"]["/api/v1/courses/{course_id}/enrollment"]
    body = operation["post"]["requestBody"]
    assert body["required"] is False
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EnrollmentIn"
    }
