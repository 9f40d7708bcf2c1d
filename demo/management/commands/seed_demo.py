"""``manage.py seed_demo``: the demo region with its organizations, closures and people.

Idempotent: every row is found by its natural key (slug, email, organization + name, ...)
and updated, so running it again changes nothing and duplicates nothing. It only adds and
updates; it never deletes what someone created by hand. The data is in
``demo/data/organizations.py``.
"""

from __future__ import annotations

import datetime
from collections import Counter

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.mfa import DEMO_TOTP_SECRET
from accounts.models import User
from core import public_cache
from demo import seeders
from demo.data import organizations as demo_data
from organizations.models import (
    Closure,
    District,
    LessonPeriod,
    Location,
    Membership,
    OpeningInterval,
    OpeningSchedule,
    Organization,
    Role,
    SpecialHours,
)

ONE_DAY = datetime.timedelta(days=1)

# The demo password is public, so a fixed salt gives nothing away; it makes the hash the
# same on every run, so that seeding again neither changes the users nor ends their sessions.
# Never do this with a real password.
DEMO_PASSWORD_SALT = "lernpooldemo"

# How the summary names what was seeded, in the order it is printed.
LABELS = {
    "districts": "Bezirke",
    "organizations": "Organisationen",
    "locations": "Orte",
    "lesson_periods": "Unterrichtsstunden",
    "closures": "Schließzeiten",
    "opening_hours": "Öffnungszeiten",
    "special_hours": "Sonderöffnungszeiten",
    "users": "Personen",
    "memberships": "Rollen",
}


class Command(BaseCommand):
    help = (
        "Create or update the demo region (districts, organizations, rooms, lesson periods, "
        "closures 2026/27, demo users) and print the demo logins. Safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--quiet", action="store_true", help="Do not print the summary and the demo logins."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even where LERNPOOL_DEMO is off (production): creates demo accounts!",
        )

    def handle(self, *args, quiet: bool = False, force: bool = False, **options) -> None:
        if not settings.LERNPOOL_DEMO and not force:
            raise CommandError(
                "This installation is not a demo (LERNPOOL_DEMO is off): seed_demo would create "
                "accounts with a public password. Pass --force if you really want that."
            )
        check_featured_logins()
        with transaction.atomic():
            seen: Counter[str] = Counter()
            created: Counter[str] = Counter()
            organizations = seed_organizations(seen, created)
            seed_closures(organizations, seen, created)
            seed_opening_hours(organizations, seen, created)
            seed_users(organizations, seen, created)
            # The apps above organizations (devices, booking, courses …) add their part.
            app_summaries = [seeder(self.stdout) for seeder in seeders.seeders()]
            # The seeders write in bulk, which sends no signal: every public page anew, and
            # every person's own pages.
            public_cache.bump(*public_cache.MODELS_OF_KIND, public_cache.EVERYONE)
        if quiet or options.get("verbosity", 1) == 0:
            return
        self.stdout.write(self.style.SUCCESS(summary(seen, created)))
        for line in app_summaries:
            self.stdout.write(self.style.SUCCESS(line))
        self.stdout.write(login_table())


def check_featured_logins() -> None:
    emails = {person["email"] for person in demo_data.USERS}
    missing = [email for _role, email in demo_data.FEATURED_LOGINS if email not in emails]
    if missing:
        raise CommandError(f"FEATURED_LOGINS names unknown demo users: {', '.join(missing)}")


def _count(seen: Counter[str], created: Counter[str], key: str, was_created: bool) -> None:
    seen[key] += 1
    if was_created:
        created[key] += 1


def seed_organizations(seen: Counter[str], created: Counter[str]) -> dict[str, Organization]:
    districts: dict[str, District] = {}
    for entry in demo_data.DISTRICTS:
        district, was_created = District.objects.update_or_create(
            slug=entry["slug"], defaults={"name": entry["name"]}
        )
        districts[district.slug] = district
        _count(seen, created, "districts", was_created)

    organizations: dict[str, Organization] = {}
    for entry in demo_data.ORGANIZATIONS:
        organization, was_created = Organization.objects.update_or_create(
            slug=entry["slug"],
            defaults={
                "name": entry["name"],
                "kind": Organization.Kind(entry["kind"]),
                "district": districts[entry["district"]],
                "description": entry.get("description", ""),
                "street": entry.get("street", ""),
                "postal_code": entry.get("postal_code", ""),
                "city": entry.get("city", ""),
                "email": entry.get("email", ""),
                "phone": entry.get("phone", ""),
                "website": entry.get("website", ""),
                "opening_hours": entry.get("opening_hours", ""),
                "is_active": True,
            },
        )
        organizations[organization.slug] = organization
        _count(seen, created, "organizations", was_created)

        for location in entry.get("locations", []):
            _location, was_created = Location.objects.update_or_create(
                organization=organization,
                name=location["name"],
                defaults={
                    "street": location.get("street", ""),
                    "step_free": location.get("step_free", False),
                    "accessibility_notes": location.get("accessibility_notes", ""),
                },
            )
            _count(seen, created, "locations", was_created)

        for number, start, end in entry.get("lesson_periods", []):
            _period, was_created = LessonPeriod.objects.update_or_create(
                organization=organization,
                number=number,
                defaults={"name": f"{number}. Stunde", "start": start, "end": end},
            )
            _count(seen, created, "lesson_periods", was_created)
    return organizations


def _closure(
    organization: Organization | None,
    kind: str,
    entry: dict,
    seen: Counter[str],
    created: Counter[str],
) -> None:
    first_day: datetime.date = entry["first_day"]
    last_day: datetime.date = entry.get("last_day", first_day)
    _obj, was_created = Closure.objects.update_or_create(
        organization=organization,
        kind=kind,
        name=entry["name"],
        start=first_day,
        # Stored half-open: the first day open again.
        defaults={"end": last_day + ONE_DAY},
    )
    _count(seen, created, "closures", was_created)


def seed_closures(
    organizations: dict[str, Organization], seen: Counter[str], created: Counter[str]
) -> None:
    for entry in demo_data.PUBLIC_HOLIDAYS:
        _closure(None, Closure.Kind.PUBLIC_HOLIDAY, entry, seen, created)
    for entry in demo_data.SCHOOL_HOLIDAYS:
        _closure(None, Closure.Kind.SCHOOL_HOLIDAY, entry, seen, created)
    for entry in demo_data.ORGANIZATION_CLOSURES:
        organization = organizations[entry["organization"]]
        _closure(organization, Closure.Kind.CLOSED, entry, seen, created)


def _weekly_hours(
    organization: Organization,
    week: dict,
    seen: Counter[str],
    created: Counter[str],
    *,
    name: str = "",
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> None:
    schedule, was_created = OpeningSchedule.objects.get_or_create(
        organization=organization, name=name, valid_from=valid_from, valid_until=valid_until
    )
    wanted = sorted((day, opens, closes) for day, spans in week.items() for opens, closes in spans)
    held = sorted(schedule.intervals.values_list("weekday", "opens", "closes"))
    if held != wanted:  # seeding again changes nothing that is already as in the data
        schedule.intervals.all().delete()
        OpeningInterval.objects.bulk_create(
            OpeningInterval(schedule=schedule, weekday=day, opens=opens, closes=closes)
            for day, opens, closes in wanted
        )
    _count(seen, created, "opening_hours", was_created)


def seed_opening_hours(
    organizations: dict[str, Organization], seen: Counter[str], created: Counter[str]
) -> None:
    """Weekly hours for every organization, summer hours and the special hours of Christmas
    Eve and New Year's Eve."""
    for slug, week in demo_data.HOURS.items():
        _weekly_hours(organizations[slug], week, seen, created)
    for entry in demo_data.SEASONAL_HOURS:
        _weekly_hours(
            organizations[entry["organization"]],
            entry["hours"],
            seen,
            created,
            name=entry["name"],
            valid_from=entry["valid_from"],
            valid_until=entry["valid_until"],
        )
    for entry in demo_data.SPECIAL_HOURS:
        _special, was_created = SpecialHours.objects.update_or_create(
            organization=organizations[entry["organization"]],
            day=entry["day"],
            opens=entry["opens"],
            defaults={"closes": entry["closes"], "note": entry["note"]},
        )
        _count(seen, created, "special_hours", was_created)


def seed_users(
    organizations: dict[str, Organization], seen: Counter[str], created: Counter[str]
) -> None:
    password = make_password(demo_data.DEMO_PASSWORD, salt=DEMO_PASSWORD_SALT)
    for entry in demo_data.USERS:
        region_admin = entry.get("region_admin", False)
        user, was_created = User.objects.update_or_create(
            email=entry["email"],
            defaults={
                "name": entry["name"],
                "preferred_language": entry.get("language", "de"),
                "is_region_admin": region_admin,
                # Region admins also reach /admin/.
                "is_staff": region_admin,
                "is_superuser": region_admin,
                "is_active": True,
                "password": password,
            },
        )
        _count(seen, created, "users", was_created)
        # Email verification is mandatory: without a verified address nobody can log in.
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        for slug, role in entry.get("memberships", []):
            _membership, was_created = Membership.objects.get_or_create(
                user=user, organization=organizations[slug], role=Role(role)
            )
            _count(seen, created, "memberships", was_created)


def summary(seen: Counter[str], created: Counter[str]) -> str:
    parts = ", ".join(f"{seen[key]} {label}" for key, label in LABELS.items())
    new = sum(created.values())
    return f"Demodaten bereit: {parts} ({new} neu angelegt)."


def login_table() -> str:
    header = ("Rolle", "E-Mail", "Passwort")
    rows = [(role, email, demo_data.DEMO_PASSWORD) for role, email in demo_data.FEATURED_LOGINS]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(2)]

    def line(cells: tuple[str, str, str]) -> str:
        return f"{cells[0]:<{widths[0]}}  {cells[1]:<{widths[1]}}  {cells[2]}"

    others = len(demo_data.USERS) - len(rows)
    return "\n".join(
        [
            "",
            "Demo-Zugänge:",
            line(header),
            line(("-" * widths[0], "-" * widths[1], "-" * len(demo_data.DEMO_PASSWORD))),
            *(line(row) for row in rows),
            "",
            f"Dazu {others} weitere Demo-Konten mit demselben Passwort, "
            "siehe demo/data/organizations.py.",
            "Konten mit Rollen (Mitarbeitende, Leitungen, Regionaladmin) fragen nach dem Passwort",
            "nach einem Code der Zwei-Faktor-Anmeldung. Den aktuellen Code (er wechselt alle",
            "30 Sekunden) zeigt: .venv/bin/python manage.py demo_code",
            f"Oder tragen Sie den Demo-Schlüssel {DEMO_TOTP_SECRET} in eine Authenticator-App ein.",
        ]
    )
