"""What organizations holds about a person: export, erase (registered with accounts.privacy).

Memberships go with the account (CASCADE); nothing to clear before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.privacy import PersonalData, register

from .models import Membership, Role


def export_memberships(user: User) -> list[dict[str, Any]]:
    roles = dict(Role.choices)
    return [
        {
            "organization": row["organization__name"],
            "role": str(roles.get(row["role"], row["role"])),
            "since": row["created_at"],
        }
        for row in Membership.objects.filter(user=user)
        .order_by("organization__name", "role")
        .values("organization__name", "role", "created_at")
    ]


def members_of(organization_ids: Iterable[int]) -> Iterable[int]:
    return Membership.objects.filter(organization_id__in=organization_ids).values_list(
        "user_id", flat=True
    )


register(
    PersonalData(
        key="memberships",
        label=_("Roles in organizations"),
        covers=("organizations.Membership.user",),
        export=export_memberships,
        columns=(
            ("organization", _("Organization")),
            ("role", _("Role")),
            ("since", _("Since")),
        ),
        people=members_of,
    )
)
