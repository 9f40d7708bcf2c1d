"""The NinjaAPI at /api/v1/: authentication, error mapping, and every app's router."""

from __future__ import annotations

import json

from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, Throttled, ValidationError

from accounts.api import router as accounts_router
from booking.api import router as booking_router
from booking.desk_api import router as desk_router
from core.dates import EARLIEST_YEAR, LATEST_YEAR
from core.errors import DomainError
from core.throttling import api_throttles
from courses.api import router as courses_router
from devices.api import router as devices_router
from lending import desk_api  # noqa: F401  (adds POST /loans to lending's router)
from lending.api import router as lending_router
from organizations.api import router as organizations_router
from reports.api import router as reports_router


class LernpoolAPI(NinjaAPI):
    """The NinjaAPI, with an OpenAPI document that says what every operation can answer."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                _declare_optional_body(operation)
                _declare_request_errors(operation)
                for parameter in operation.get("parameters", []):
                    _state_string_rules(parameter["schema"])
        for component in schema.get("components", {}).get("schemas", {}).values():
            _state_string_rules(component)
        _drop_unused_components(schema)
        return schema


# The rules that every door checks and that JSON Schema can state: a day lies in a sensible
# year (core.dates), and no string holds a NUL byte (core.request_input).
YEARS_PATTERN = rf"^({EARLIEST_YEAR // 100}[0-9]{{2}}|{LATEST_YEAR})-"
NO_NUL_PATTERN = r"^[^\x00]*$"


def _state_string_rules(schema: dict) -> None:
    for option in schema.get("anyOf", []):
        _state_string_rules(option)
    for value in schema.get("properties", {}).values():
        _state_string_rules(value)
    if isinstance(schema.get("items"), dict):
        _state_string_rules(schema["items"])
    if schema.get("type") != "string" or {"pattern", "enum", "const"} & schema.keys():
        return
    if schema.get("format") in ("date", "date-time"):
        schema["pattern"] = YEARS_PATTERN
        rule = f"Between the years {EARLIEST_YEAR} and {LATEST_YEAR}."
        schema["description"] = (
            f"{schema['description']} {rule}" if "description" in schema else rule
        )
    elif not schema.get("format"):
        schema["pattern"] = NO_NUL_PATTERN


def _drop_unused_components(schema: dict) -> None:
    """ninja lists the pagination's query models (each named ``Input``) as components that
    nothing refers to: one name, several shapes. Only referenced components are kept."""
    components = schema.get("components", {}).get("schemas", {})
    while True:
        text = json.dumps({"paths": schema["paths"], "components": components})
        unused = [name for name in components if f'"#/components/schemas/{name}"' not in text]
        if not unused:
            return
        for name in unused:
            del components[name]


def _declare_optional_body(operation: dict) -> None:
    """An optional body is documented as "may be left out", not as "may be JSON null"
    (``payload: X | None = None``): generated clients then send nothing instead of null."""
    body = operation.get("requestBody")
    if not body or body.get("required"):
        return
    for content in body["content"].values():
        options = content["schema"].get("anyOf", [])
        not_null = [option for option in options if option != {"type": "null"}]
        if len(options) == 2 and len(not_null) == 1:
            content["schema"] = not_null[0]


def _declare_request_errors(operation: dict) -> None:
    """Every operation can be refused before it runs, in the API's error shape: 400 for a NUL
    byte or an oversized body (core.request_input), 414 for an overlong URL."""
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    operation["responses"].setdefault(400, {"description": "Bad Request", **error})
    operation["responses"].setdefault(414, {"description": "URI Too Long", **error})
    # core.throttling: per address, per token, and for the open-data statistics.
    operation["responses"].setdefault(
        429,
        {
            "description": "Too Many Requests: wait the seconds of the Retry-After header.",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            **error,
        },
    )


api = LernpoolAPI(
    title="Lernpool API",
    version="1",
    description=_(
        "Open data and personal access to Lernpool. Public endpoints need no login; the others "
        "take a personal API token (Authorization: Bearer …) or a browser session with CSRF."
    ),
    urls_namespace="api",
    docs_url="/docs",
    throttle=api_throttles(),
)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Authentication required: send a valid API token.")}, status=401
    )


@api.exception_handler(Throttled)
def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    # ninja adds Retry-After to this answer.
    return api.create_response(
        request, {"detail": _("Too many requests. Please wait a moment.")}, status=429
    )


@api.exception_handler(ValidationError)
def on_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.errors}, status=422)


system = Router(tags=["system"])


class Health(Schema):
    status: str
    database: str


@system.get("/health", response={200: Health, 503: Health}, auth=None)
def health(request: HttpRequest):
    """Whether the app and its database answer. For load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return Status(503, {"status": "error", "database": f"unavailable: {type(error).__name__}"})
    return Status(200, {"status": "ok", "database": "ok"})


def _add_routers() -> None:

    api.add_router("/", system)
    api.add_router("/", accounts_router)
    api.add_router("/", organizations_router)
    api.add_router("/", devices_router)
    api.add_router("/", booking_router)
    api.add_router("/", lending_router)
    api.add_router("/", desk_router)
    api.add_router("/", courses_router)
    api.add_router("/", reports_router)


_add_routers()
