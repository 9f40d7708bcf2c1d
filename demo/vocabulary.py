"""What the demo and the region generator (bench/generate_region.py) both draw from: the
region's districts and towns, the device types, the course programme, and the made-up
serial numbers. Choice values (a course's topic, a device's kind …) come from the models'
choices, never from a copy, so that neither can write a value the app would refuse.

Importing this module needs Django set up (it reads the models' choices); it writes nothing.
"""

from __future__ import annotations

import random
from typing import Any

from courses.models import Audience, Topic
from demo.data import courses as course_data
from demo.data import devices as device_data
from demo.data import organizations as organization_data
from devices.models import DeviceType

# (name, slug) of the region's districts.
DISTRICTS: list[tuple[str, str]] = [
    (entry["name"], entry["slug"]) for entry in organization_data.DISTRICTS
]

# (town, postal code) of the demo's organizations, each once, in a stable order.
TOWNS: list[tuple[str, str]] = sorted(
    {(entry["city"], entry["postal_code"]) for entry in organization_data.ORGANIZATIONS}
)

# The demo's device types, by kind (a DeviceType.Kind value).
DEVICE_TYPES: dict[str, list[dict[str, str]]] = {}
for _entry in device_data.DEVICE_TYPES.values():
    DEVICE_TYPES.setdefault(DeviceType.Kind(_entry["kind"]).value, []).append(_entry)
del _entry

TOPICS: list[str] = list(Topic.values)
AUDIENCES: list[str] = list(Audience.values)

# The demo programme's course descriptions, by topic (every topic a Topic value).
COURSE_TEMPLATES: dict[str, list[dict[str, Any]]] = {}
for _template in course_data.TEMPLATES.values():
    COURSE_TEMPLATES.setdefault(Topic(_template["topic"]).value, []).append(_template)
del _template

SERIAL_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I and O: they look like 1 and 0
SERIAL_DIGITS = "0123456789"


def serial_number(pattern: str, seed: str) -> str:
    """A made-up serial number in the maker's pattern (``?`` a letter or digit, ``#`` a digit,
    anything else as written), the same for the same seed."""
    rng = random.Random(seed)
    return "".join(
        rng.choice(SERIAL_CHARACTERS)
        if character == "?"
        else rng.choice(SERIAL_DIGITS)
        if character == "#"
        else character
        for character in pattern
    )


def course_text(rng: random.Random, topic: str) -> dict[str, str]:
    """Title, summary and description of a course on ``topic`` from the demo programme (a
    plain title where the programme has no course on that topic)."""
    templates = COURSE_TEMPLATES.get(topic)
    if not templates:
        label = str(Topic(topic).label)
        return {"title": label, "summary": label, "description": label}
    template = rng.choice(templates)
    return {key: template[key] for key in ("title", "summary", "description")}
