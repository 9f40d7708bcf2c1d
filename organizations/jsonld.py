"""schema.org JSON-LD for an organization's page: who it is, where, and when it is open
(``openingHoursSpecification``: weekly hours with their validity, special hours, and the
closed days of the next weeks as opens = closes = 00:00, as schema.org advises)."""

from __future__ import annotations

from collections.abc import Callable

from .hours_display import PublishedHours
from .models import Organization, Weekday

TYPES = {
    Organization.Kind.LIBRARY: "Library",
    Organization.Kind.SCHOOL: "School",
    # openingHoursSpecification belongs to places: a provider is an organization and a place.
    Organization.Kind.ADULT_EDUCATION: ["EducationalOrganization", "CivicStructure"],
    Organization.Kind.OTHER: ["Organization", "CivicStructure"],
}
DAY_NAMES = {day: f"https://schema.org/{day.name.capitalize()}" for day in Weekday}


def opening_hours_specification(hours: PublishedHours) -> list[dict]:
    specification = []
    for schedule in hours.schedules:
        for interval in schedule.intervals.all():
            entry = {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": DAY_NAMES[Weekday(interval.weekday)],
                "opens": f"{interval.opens:%H:%M}",
                "closes": f"{interval.closes:%H:%M}",
            }
            if schedule.valid_from:
                entry["validFrom"] = schedule.valid_from.isoformat()
            if schedule.valid_until:
                entry["validThrough"] = schedule.valid_until.isoformat()
            specification.append(entry)
    specials = {special.day for special in hours.special}
    for special in hours.special:
        specification.append(
            {
                "@type": "OpeningHoursSpecification",
                "opens": f"{special.opens:%H:%M}",
                "closes": f"{special.closes:%H:%M}",
                "validFrom": special.day.isoformat(),
                "validThrough": special.day.isoformat(),
                **({"description": special.note} if special.note else {}),
            }
        )
    for day, reason in hours.closed:
        if day in specials:
            continue
        specification.append(
            {
                "@type": "OpeningHoursSpecification",
                "opens": "00:00",
                "closes": "00:00",
                "validFrom": day.isoformat(),
                "validThrough": day.isoformat(),
                "description": reason,
            }
        )
    return specification


def organization_data(
    organization: Organization, hours: PublishedHours, *, absolute: Callable[[str], str]
) -> dict:
    """``absolute`` turns a path into a full URL (``core.mail.site_url``)."""
    data = {
        "@context": "https://schema.org",
        "@type": TYPES.get(organization.kind, "Organization"),
        "name": organization.name,
        "url": absolute(organization.get_absolute_url()),
        "description": organization.description or None,
        "email": organization.email or None,
        "telephone": organization.phone or None,
        "sameAs": organization.website or None,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": organization.street,
            "postalCode": organization.postal_code,
            "addressLocality": organization.city,
            "addressCountry": "DE",
        },
    }
    specification = opening_hours_specification(hours)
    if specification:
        data["openingHoursSpecification"] = specification
    return data
