"""What the apps above offer at an organization, for its public page.

The organization's page lives here, below the apps that know what an organization offers
(courses, lending): each of them registers a function in its AppConfig.ready() that says what
it offers at one organization (a link and its text, or nothing), so this app imports none of
them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from .models import Organization


@dataclass(frozen=True)
class Offer:
    text: str  # translated, e.g. "3 courses in the catalog"
    url: str
    until: datetime.datetime | None = None  # when the text changes by time alone


OfferOf = Callable[[Organization, datetime.datetime], Offer | None]
_offers: list[OfferOf] = []


def register(offer_of: OfferOf) -> None:
    _offers.append(offer_of)


def offers(organization: Organization, now: datetime.datetime) -> list[Offer]:
    """What the registered apps offer at ``organization`` at ``now``."""
    return [offer for offer_of in _offers if (offer := offer_of(organization, now)) is not None]
