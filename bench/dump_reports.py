"""Dump every figure of some reports and the open-data statistics to a directory, to check
byte for byte that a change to how the figures are counted changes none of them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool_bench \\
        .venv/bin/python bench/dump_reports.py /tmp/before [--period 2025]
    ... (change the code) ...
    DATABASE_URL=... .venv/bin/python bench/dump_reports.py /tmp/after
    diff -r /tmp/before /tmp/after

Per scope (the region, the first district, the first school, the first library and the
first other organization by primary key): the report's ZIP as the app exports it (every
table as CSV, in German and in English), the ``Report`` object's ``repr`` (every float
unrounded), and the open-data statistics as CSV. The clock is fixed (``--now``), so the
running year's figures compare too. Only reads.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def scopes():
    from organizations.models import District, Organization
    from reports.scope import district_scope, organization_scope, region_scope

    found = [("region", region_scope())]
    district = District.objects.order_by("pk").first()
    if district is not None:
        found.append((f"district-{district.slug}", district_scope(district)))
    for kind in (Organization.Kind.SCHOOL, Organization.Kind.LIBRARY):
        organization = Organization.objects.filter(kind=kind).order_by("pk").first()
        if organization is not None:
            found.append((f"org-{organization.slug}", organization_scope(organization)))
    other = (
        Organization.objects.exclude(kind__in=[Organization.Kind.SCHOOL, Organization.Kind.LIBRARY])
        .order_by("pk")
        .first()
    )
    if other is not None:
        found.append((f"org-{other.slug}", organization_scope(other)))
    return found


def dump(directory: Path, period_value: str, now: datetime.datetime) -> None:
    from django.utils import translation

    from reports import csv_export, opendata
    from reports.figures import build_report
    from reports.periods import parse_period

    directory.mkdir(parents=True, exist_ok=True)
    period = parse_period(period_value, today=now.date())
    for name, scope in scopes():
        report = build_report(scope=scope, period=period, now=now)
        (directory / f"{name}-report.repr").write_text(repr(report))
        for language in ("de", "en"):
            with translation.override(language):
                content = csv_export.render_zip(report, scope_key=scope.key, period_key=period.key)
                with zipfile.ZipFile(io.BytesIO(content)) as archive:
                    for member in archive.namelist():
                        target = directory / f"{name}-{language}" / member
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(archive.read(member))
        statistics = opendata.build_statistics(
            scope=scope, period=opendata.public_period(period_value, today=now.date()), now=now
        )
        (directory / f"{name}-opendata.csv").write_text(opendata.statistics_csv(statistics))
        print(name, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--period", default="2025")
    parser.add_argument("--now", default="2026-12-07T12:00:00+00:00")
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    dump(arguments.directory, arguments.period, datetime.datetime.fromisoformat(arguments.now))


if __name__ == "__main__":
    main()
