"""schema.org ``Course`` JSON-LD for a course page, so that search engines and regional
portals can read what, when, where and for how much.

The block is data (``type="application/ld+json"``), which browsers never execute, so the
Content Security Policy does not apply to it. Like ``json_script``, the JSON escapes ``<``,
``>`` and ``&``, so no text of a course can close the element."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.conf import settings

from core.jsonld import script  # noqa: F401 (the page's block, shared with organizations)

from .models import Course, Meeting


def _place(course: Course) -> dict:
    organization = course.organization
    location = course.location
    address = {
        "@type": "PostalAddress",
        "streetAddress": (location.street if location and location.street else organization.street),
        "postalCode": organization.postal_code,
        "addressLocality": organization.city,
        "addressCountry": "DE",
    }
    return {
        "@type": "Place",
        "name": location.name if location else organization.name,
        "address": address,
    }


def course_data(
    course: Course, meetings: Sequence[Meeting], *, absolute: Callable[[str], str]
) -> dict:
    """The ``Course`` with one ``CourseInstance`` spanning all its meetings (in order).
    ``absolute`` turns a path into a full URL (``core.mail.site_url``)."""
    organization = course.organization
    url = absolute(course.get_absolute_url())
    provider = {
        "@type": "Organization",
        "name": organization.name,
        "url": absolute(organization.get_absolute_url()),
    }
    if organization.email:
        provider["email"] = organization.email
    if organization.phone:
        provider["telephone"] = organization.phone
    instance = {
        "@type": "CourseInstance",
        "courseMode": "onsite",
        "location": _place(course),
        "inLanguage": _language_tag(course.language),
        "offers": {
            "@type": "Offer",
            "price": f"{course.price:.2f}",
            "priceCurrency": "EUR",
            "url": url,
            "category": "Free" if not course.price else "Paid",
        },
        "courseSchedule": {
            "@type": "Schedule",
            "repeatCount": len(meetings),
            "scheduleTimezone": settings.TIME_ZONE,
        },
    }
    if meetings:
        instance["startDate"] = meetings[0].start.isoformat()
        instance["endDate"] = meetings[-1].end.isoformat()
    if course.status == Course.Status.CANCELLED:
        instance["eventStatus"] = "https://schema.org/EventCancelled"
    return {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": course.title,
        "description": course.summary,
        "url": url,
        "inLanguage": _language_tag(course.language),
        "educationalLevel": course.get_level_display(),
        "audience": {"@type": "Audience", "audienceType": course.get_audience_display()},
        "about": course.get_topic_display(),
        "coursePrerequisites": course.prerequisites or None,
        "provider": provider,
        "hasCourseInstance": [instance],
    }


def _language_tag(language: str) -> str:
    """A BCP 47 tag: plain German (Leichte Sprache) is German to a search engine."""
    return language.split("-")[0]
