from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema

from core.api import Error, JsonObject, ValidationErrors, token_or_session

from . import services

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    email: str
    name: str
    preferred_language: str
    is_region_admin: bool
    roles: list[RoleOut]


class RoleOut(Schema):
    organization_id: int
    organization: str
    role: str


MeOut.model_rebuild()

LANGUAGE_PATTERN = "^(" + "|".join(code for code, _name in settings.LANGUAGES) + ")$"


class MeIn(JsonObject):
    name: str | None = Field(None, max_length=150, pattern=r"^[^\x00]*$")
    preferred_language: str | None = Field(None, max_length=5, pattern=LANGUAGE_PATTERN)


@router.get("/me", response={200: MeOut, 401: Error}, auth=token_or_session)
def me(request: HttpRequest):
    """The person the token or session belongs to, with their roles."""
    return _me(request.auth)


@router.patch(
    "/me",
    response={200: MeOut, 400: Error, 401: Error, 403: Error, 422: ValidationErrors},
    auth=token_or_session,
)
def update_me(request: HttpRequest, payload: MeIn):
    """Change one's own name or preferred language (the language of emails)."""
    user = services.update_profile(by=request.auth, **payload.dict(exclude_unset=True))
    return _me(user)


def _me(user):
    memberships = user.memberships.select_related("organization")
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "preferred_language": user.preferred_language,
        "is_region_admin": user.is_region_admin,
        "roles": [
            {
                "organization_id": m.organization_id,
                "organization": m.organization.name,
                "role": m.role,
            }
            for m in memberships
        ],
    }
