"""What every app's API shares: the error shapes, authentication, and the types of ids,
text, days and times. The NinjaAPI that mounts the routers lives in config.api."""

# No ``from __future__ import annotations``: the types below are used in ninja schemas and
# in views wrapped by @paginate, which resolve annotations in other modules' namespaces.

import datetime
from collections.abc import Callable
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.security import HttpBearer, django_auth
from pydantic import (
    AfterValidator,
    BeforeValidator,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .dates import EARLIEST_YEAR, LATEST_YEAR, in_sensible_years


def _whole_number(value):
    """JSON Schema counts ``3.0`` as an integer, pydantic's strict mode does not: a whole
    float becomes an int, anything else is left for the strict check to refuse."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# For a strict integer in a request body: no "3" strings, no 2.5, but 3.0 is 3.
WholeNumber = BeforeValidator(_whole_number)

# Ids as JSON numbers only ("5" is refused), within what the database can hold.
Id = Annotated[int, Field(strict=True, ge=1, le=2**63 - 1), WholeNumber]

# PostgreSQL cannot store NUL characters; refuse them before they reach the database.
NO_NUL = r"^[^\x00]*$"


def text(max_length: int | None = None, *, min_length: int = 0) -> Any:
    """A strict string without NUL characters, stripped of surrounding whitespace."""
    return Annotated[
        str,
        StringConstraints(
            strict=True,
            strip_whitespace=True,
            min_length=min_length,
            max_length=max_length,
            pattern=NO_NUL,
        ),
    ]


def _years_error() -> PydanticCustomError:
    return PydanticCustomError(
        "datetime_range",
        _("Please choose a date between the years %(first)d and %(last)d.")
        % {"first": EARLIEST_YEAR, "last": LATEST_YEAR},
    )


def _aware_iso_datetime(value: object) -> datetime.datetime:
    """An ISO 8601 string with an offset, in the years people book in. Numbers (Unix
    timestamps, which pydantic would take) and times without an offset are refused."""
    if not isinstance(value, str):
        raise PydanticCustomError(
            "datetime_type", _("Give the time as an ISO 8601 string with an offset.")
        )
    try:
        parsed = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise PydanticCustomError(
            "datetime_parsing",
            _("This is not an ISO 8601 time, e.g. 2026-11-30T08:00:00+01:00."),
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise PydanticCustomError(
            "timezone_aware",
            _("The time needs an offset, e.g. 2026-11-30T08:00:00+01:00 (or Z for UTC)."),
        )
    if not in_sensible_years(parsed):
        raise _years_error()
    return parsed


AwareTime = Annotated[
    datetime.datetime,
    BeforeValidator(_aware_iso_datetime),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 with an offset, e.g. 2026-11-30T08:00:00+01:00.",
        }
    ),
]


def sensible_day(value: datetime.date | None) -> datetime.date | None:
    """The one year check for API days: for a field_validator, or through ``SensibleDate``."""
    if value is not None and not in_sensible_years(value):
        raise _years_error()
    return value


# A day (YYYY-MM-DD) in a sensible year.
SensibleDate = Annotated[datetime.date, AfterValidator(sensible_day)]


class Error(Schema):
    detail: str


class ValidationErrors(Schema):
    detail: list[dict] | str


class JsonObject(Schema):
    """A request body that must be a JSON object. ninja's Schema reads attributes from any
    value, so without this a list, a string or null would pass as an empty object."""

    @model_validator(mode="wrap")
    @classmethod
    def _must_be_an_object(cls, value, handler):
        if not isinstance(value, dict | cls):
            raise ValueError("Input should be a JSON object")
        return handler(value)


# accounts registers the lookup of a personal API token when it loads (AccountsConfig.ready):
# core cannot import accounts. It returns the user, None for an unknown token, or raises an
# ninja HttpError (e.g. 403 when staff lack 2FA).
_token_lookup: Callable[[str], Any] | None = None


def register_token_lookup(lookup: Callable[[str], Any]) -> None:
    global _token_lookup
    _token_lookup = lookup


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a personal API token. No CSRF needed."""

    def authenticate(self, request: HttpRequest, token: str):
        user = _token_lookup(token) if _token_lookup is not None else None
        if user is not None:
            request.user = user
        return user


# Token first; a session is accepted too, and django_auth checks CSRF for it.
token_or_session = [ApiTokenAuth(), django_auth]
