"""The personal API token behind core.api's ``token_or_session`` (registered on load)."""

from __future__ import annotations

from ninja.errors import HttpError

from .mfa import lacks_required_mfa, mfa_required_message
from .services import user_for_token


def user_for_api_token(token: str):
    """The token's user, None for an unknown token; 403 for staff without 2FA."""
    user = user_for_token(token)
    if user is not None and lacks_required_mfa(user):
        # The same rule as every page (accounts.middleware): staff use nothing without 2FA.
        raise HttpError(403, mfa_required_message())
    return user
