"""``{% opening_hours_for organization as hours %}`` then
``{% include "organizations/includes/opening_hours.html" %}``: an organization's opening
hours on any page or email, from the data (five queries)."""

from __future__ import annotations

from django import template

from organizations.hours_display import OpeningHours, opening_hours
from organizations.models import Organization

register = template.Library()


@register.simple_tag
def opening_hours_for(organization: Organization) -> OpeningHours:
    return opening_hours(organization)
