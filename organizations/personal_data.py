"""What organizations holds about a person: export, erase (registered with accounts.privacy).

Memberships go with the account (CASCADE); nothing to clear before. The last admin of an
active organization cannot go until someone else is named admin: the organization would be
left with nobody to run its members.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.privacy import PersonalData, register

from .models import Membership, Organization, Role


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


def last_admin_of(user: User) -> list[str]:
    """One message per active organization that the person is the only admin of."""
    others = Membership.objects.filter(role=Role.ORG_ADMIN).exclude(user=user)
    organizations = (
        Organization.objects.filter(
            is_active=True, memberships__user=user, memberships__role=Role.ORG_ADMIN
        )
        .exclude(pk__in=others.values("organization_id"))
        .order_by("name")
        .values_list("name", flat=True)
    )
    return [
        gettext(
            "This account is the only administrator of %(organization)s. Please make another "
            "member an administrator of %(organization)s first (under Members); an "
            "organization cannot be left without an administrator."
        )
        % {"organization": name}
        for name in organizations
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
        blockers=last_admin_of,
        people=members_of,
    )
)
