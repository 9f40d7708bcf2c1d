"""Roles from an identity provider's claims: accounts announces a verified login
(``accounts.identity.identity_verified``), the membership service applies the mapping."""

from __future__ import annotations

from django.dispatch import receiver

from accounts.identity import identity_verified

from . import services


@receiver(identity_verified, dispatch_uid="lernpool_roles_from_claims")
def roles_from_claims(sender, user, provider_id, claims, config, **kwargs) -> None:
    services.sync_claimed_roles(user=user, provider_id=provider_id, claims=claims, config=config)
