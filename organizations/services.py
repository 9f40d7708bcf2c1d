"""Members and roles: who belongs to an organization, and as what; and its opening hours.

Every write to Membership from the web goes through here. Changes of one organization's
members run one at a time (the organization row is locked), so that two admins demoting each
other at once cannot leave it without an admin.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import User
from core import public_cache
from core.errors import DomainError
from core.locking import lock, locked

from .hours_text import overlapping
from .models import (
    Membership,
    OpeningInterval,
    OpeningSchedule,
    Organization,
    Role,
    SpecialHours,
)


class MembershipError(DomainError):
    """The change of members or roles is not possible as asked."""


class NoAccount(MembershipError):
    """Nobody has signed up with the address."""


class LastAdmin(MembershipError):
    """The change would leave the organization without an admin."""


def ensure_administers(user: User, organization: Organization) -> None:
    """Only the organization's admins (and region admins) change its members."""
    if not Organization.objects.administered_by(user).filter(pk=organization.pk).exists():
        raise PermissionDenied


def _lock(organization: Organization) -> Organization:
    return locked(organization)


def _locked_membership(membership: Membership) -> Membership:
    rows = lock(membership)
    if not rows:
        raise MembershipError(_("Someone removed this role meanwhile; nothing was changed."))
    return rows[0]


def _refuse_if_last_admin(membership: Membership, message: str) -> None:
    admins = Membership.objects.filter(organization_id=membership.organization_id)
    if (
        membership.role == Role.ORG_ADMIN
        and not admins.filter(role=Role.ORG_ADMIN).exclude(pk=membership.pk).exists()
    ):
        raise LastAdmin(message)


def add_member(*, by: User, organization: Organization, email: str, role: str) -> Membership:
    """Give the person who signed up with ``email`` the ``role`` in ``organization``."""
    ensure_administers(by, organization)
    if role not in Role.values:
        raise MembershipError(_("Please choose one of the roles."))
    with transaction.atomic():
        organization = _lock(organization)
        # Only a confirmed address: whoever signed up first with a colleague's address
        # must not be given the colleague's role.
        user = User.objects.filter(
            email__iexact=email.strip(),
            is_active=True,
            emailaddress__email__iexact=email.strip(),
            emailaddress__verified=True,
        ).first()
        if user is None:
            raise NoAccount(
                _(
                    "Nobody has signed up with this address. Please ask the person to sign up "
                    "at Lernpool first and to confirm their address, then add them here."
                )
            )
        if Membership.objects.filter(user=user, organization=organization, role=role).exists():
            raise MembershipError(_("This person already has this role here."))
        membership = Membership.objects.create(user=user, organization=organization, role=role)
        log_action(
            by,
            "organizations.member_added",
            membership,
            organization_id=organization.pk,
            user=user.pk,
            role=role,
        )
    return membership


def change_role(*, by: User, membership: Membership, role: str) -> Membership:
    """Give the member ``role`` instead of the one the membership holds."""
    ensure_administers(by, membership.organization)
    if role not in Role.values:
        raise MembershipError(_("Please choose one of the roles."))
    with transaction.atomic():
        _lock(membership.organization)
        membership = _locked_membership(membership)
        old_role = membership.role
        if role == old_role:
            raise MembershipError(_("The person has this role already; nothing was changed."))
        holds_it = Membership.objects.filter(
            user_id=membership.user_id, organization_id=membership.organization_id, role=role
        )
        if holds_it.exists():
            raise MembershipError(
                _(
                    "The person holds that role here already. Remove this role instead, if "
                    "they should no longer have it."
                )
            )
        if role != Role.ORG_ADMIN:
            _refuse_if_last_admin(
                membership,
                _(
                    "This is the organization's only admin. Please make someone else an admin "
                    "first, then change this role."
                ),
            )
        membership.role = role
        membership.save(update_fields=["role"])
        log_action(
            by,
            "organizations.role_changed",
            membership,
            organization_id=membership.organization_id,
            user=membership.user_id,
            role=role,
            old_role=old_role,
        )
    return membership


def remove_member(*, by: User, membership: Membership) -> None:
    """Take the role away; the account stays, only this membership goes."""
    ensure_administers(by, membership.organization)
    with transaction.atomic():
        _lock(membership.organization)
        membership = _locked_membership(membership)
        _refuse_if_last_admin(
            membership,
            _(
                "This is the organization's only admin. Please make someone else an admin "
                "first, then remove this role."
            ),
        )
        log_action(
            by,
            "organizations.member_removed",
            membership,
            organization_id=membership.organization_id,
            user=membership.user_id,
            role=membership.role,
        )
        membership.delete()


def _claim_says(claims: dict, claim: str, value: str) -> bool:
    held = claims.get(claim)
    if isinstance(held, list | tuple):
        return value in [str(item) for item in held]
    return held is not None and str(held) == value


def sync_claimed_roles(*, user: User, provider_id: str, claims: dict, config: dict) -> None:
    """Give ``user`` the roles the identity provider's mapping grants for ``claims``, and take
    away the mapped roles the claims no longer grant. Roles the mapping does not cover stay
    as the organization's admins set them. Runs at every login through the provider; the
    provider, not a person, is the actor in the log. An organization's last admin is kept
    (and the refusal logged): an admin of the organization must hand over first."""
    served = set(config.get("organizations") or [])
    rules = [
        rule
        for rule in config.get("roles") or []
        if rule.get("role") in Role.values and (not served or rule.get("organization") in served)
    ]
    if not rules:
        return
    organizations = {
        org.slug: org
        for org in Organization.objects.filter(slug__in={rule["organization"] for rule in rules})
    }
    covered = {(rule["organization"], rule["role"]) for rule in rules}
    granted = {
        (rule["organization"], rule["role"])
        for rule in rules
        if _claim_says(claims, str(rule.get("claim", "")), str(rule.get("value", "")))
    }
    with transaction.atomic():
        for slug in sorted(organizations):
            organization = _lock(organizations[slug])
            held = {
                membership.role: membership
                for membership in Membership.objects.filter(user=user, organization=organization)
            }
            for _slug, role in sorted(pair for pair in granted if pair[0] == slug):
                if role not in held:
                    membership = Membership.objects.create(
                        user=user, organization=organization, role=role
                    )
                    log_action(
                        None,
                        "organizations.role_claimed",
                        membership,
                        organization_id=organization.pk,
                        user=user.pk,
                        role=role,
                        provider=provider_id,
                    )
            for _slug, role in sorted((covered - granted) & {(slug, r) for r in held}):
                membership = held[role]
                try:
                    _refuse_if_last_admin(membership, "")
                except LastAdmin:
                    log_action(
                        None,
                        "organizations.claimed_role_kept",
                        membership,
                        organization_id=organization.pk,
                        user=user.pk,
                        role=role,
                        provider=provider_id,
                    )
                    continue
                log_action(
                    None,
                    "organizations.claimed_role_removed",
                    membership,
                    organization_id=organization.pk,
                    user=user.pk,
                    role=role,
                    provider=provider_id,
                )
                membership.delete()


# --- Opening hours ---------------------------------------------------------------------------

Interval = tuple[datetime.time, datetime.time]
# The longest range of a seasonal schedule (summer hours): beyond that it is the weekly hours.
SEASON_MAX_DAYS = 366


class OpeningHoursError(DomainError):
    """The opening hours cannot be saved as given."""


@dataclass(frozen=True)
class SeasonalHours:
    """Weekly hours for a range of days (summer hours), both ends included."""

    valid_from: datetime.date
    valid_until: datetime.date
    week: dict[int, list[Interval]]
    name: str = ""


@dataclass(frozen=True)
class OneOffHours:
    """Special hours on one day ("24.12. 10–12", Christmas Eve)."""

    day: datetime.date
    opens: datetime.time
    closes: datetime.time
    note: str = ""


def ensure_manages(user: User, organization: Organization) -> None:
    """The organization's staff and admins (and region admins) keep its opening hours."""
    if not Organization.objects.managed_by(user).filter(pk=organization.pk).exists():
        raise PermissionDenied


def intervals_problem(intervals: list[Interval]) -> str | None:
    """What is wrong with one day's intervals, in words (None: nothing)."""
    for opens, closes in intervals:
        if not opens < closes:
            return _("The closing time %(closes)s is not after the opening time %(opens)s.") % {
                "opens": f"{opens:%H:%M}",
                "closes": f"{closes:%H:%M}",
            }
    if overlapping(sorted(intervals)):
        return _("The times overlap; please give the second time after the first one ends.")
    return None


def season_problem(
    valid_from: datetime.date, valid_until: datetime.date, today: datetime.date
) -> str | None:
    if valid_until < valid_from:
        return _("The last day of the seasonal hours is before their first day.")
    if valid_until < today:
        return _("These seasonal hours are already over; please choose days from today on.")
    if (valid_until - valid_from).days >= SEASON_MAX_DAYS:
        return _("Seasonal hours last one year at most; for longer, change the weekly hours.")
    return None


def one_off_problem(hours: OneOffHours, today: datetime.date) -> str | None:
    if hours.day < today:
        return _("Special hours can only be set from today on.")
    return intervals_problem([(hours.opens, hours.closes)])


def _check_hours(
    week: dict[int, list[Interval]],
    seasonal: SeasonalHours | None,
    special: list[OneOffHours],
    today: datetime.date,
) -> None:
    weeks = [week] + ([seasonal.week] if seasonal else [])
    for each in weeks:
        for day, intervals in each.items():
            if day not in range(7):
                raise OpeningHoursError(_("Please choose a weekday."))
            if problem := intervals_problem(intervals):
                raise OpeningHoursError(problem)
    if seasonal and (problem := season_problem(seasonal.valid_from, seasonal.valid_until, today)):
        raise OpeningHoursError(problem)
    by_day: dict[datetime.date, list[Interval]] = {}
    for hours in special:
        if problem := one_off_problem(hours, today):
            raise OpeningHoursError(problem)
        by_day.setdefault(hours.day, []).append((hours.opens, hours.closes))
    for day, intervals in by_day.items():
        if intervals_problem(intervals):
            raise OpeningHoursError(
                _("The special hours of %(day)s overlap.") % {"day": f"{day:%d.%m.%Y}"}
            )


def _schedule(organization: Organization, week: dict[int, list[Interval]], **fields) -> None:
    schedule = OpeningSchedule.objects.create(organization=organization, **fields)
    OpeningInterval.objects.bulk_create(
        OpeningInterval(schedule=schedule, weekday=day, opens=opens, closes=closes)
        for day, intervals in sorted(week.items())
        for opens, closes in sorted(intervals)
    )


def set_opening_hours(
    *,
    by: User,
    organization: Organization,
    week: dict[int, list[Interval]],
    seasonal: SeasonalHours | None = None,
    special: list[OneOffHours] = (),
    notes: str = "",
    today: datetime.date | None = None,
) -> Organization:
    """Replace the organization's opening hours from today on: the weekly hours (weekday,
    Monday 0 → intervals; a weekday left out is closed; no intervals at all: hours not
    known), at most one seasonal schedule, the special hours from today on, and the notes.
    Hours that ended before today stay as they were (the past is not rewritten)."""
    ensure_manages(by, organization)
    today = today or timezone.localdate()
    week = {day: intervals for day, intervals in week.items() if intervals}
    special = list(special)
    _check_hours(week, seasonal, special, today)
    if len(notes) > 1000:
        raise OpeningHoursError(_("Please keep the notes under 1000 characters."))
    with transaction.atomic():
        organization = _lock(organization)
        OpeningSchedule.objects.filter(organization=organization).exclude(
            valid_until__lt=today
        ).delete()
        if week:
            _schedule(organization, week)
        if seasonal:
            _schedule(
                organization,
                seasonal.week,
                name=seasonal.name,
                valid_from=seasonal.valid_from,
                valid_until=seasonal.valid_until,
            )
        SpecialHours.objects.filter(organization=organization, day__gte=today).delete()
        SpecialHours.objects.bulk_create(
            SpecialHours(
                organization=organization,
                day=hours.day,
                opens=hours.opens,
                closes=hours.closes,
                note=hours.note,
            )
            for hours in special
        )
        # The hours were written in bulk, which sends no signal (core.public_cache).
        public_cache.bump("organizations")
        organization.opening_hours = notes.strip()
        organization.save(update_fields=["opening_hours"])
        log_action(
            by,
            "organizations.hours_changed",
            organization,
            organization_id=organization.pk,
            open_weekdays=sorted(week),
            seasonal=bool(seasonal),
            special_days=len({hours.day for hours in special}),
        )
    return organization
