"""How long a large inventory import takes: parse_device_csv and import_devices, timed apart.

    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python bench/bench_import.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lernpool \\
        DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python bench/bench_import.py

Works in a throwaway test database (created and destroyed here), never in the real one.
``--rows`` changes the file size (default 5,000).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_csv(
    rows: int, type_names: list[str], pool_names: list[str], room_names: list[str]
) -> str:
    from devices.csv_io import COLUMNS

    lines = [";".join(COLUMNS)]
    statuses = ["", "in_service", "In repair", "lost"]
    for number in range(rows):
        lines.append(
            ";".join(
                [
                    f"BENCH-{number:05}",
                    f"SN{number:08}",
                    type_names[number % len(type_names)],
                    f"Gerät {number}",
                    pool_names[number % len(pool_names)],
                    room_names[number % len(room_names)],
                    statuses[number % len(statuses)],
                    "Ladegerät, Hülle",
                    "",
                ]
            )
        )
    return "\r\n".join(lines) + "\r\n"


def database_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10_000)
        return f"postgresql {major}.{minor}"
    if connection.vendor == "sqlite":
        return f"sqlite {connection.Database.sqlite_version}"
    return connection.vendor


def run(rows: int) -> None:
    from accounts.models import User
    from devices.csv_io import parse_device_csv
    from devices.models import Device, DevicePool, DeviceType
    from devices.services import import_devices
    from organizations.models import District, Location, Membership, Organization, Role

    district = District.objects.create(name="Stadt Aschaffenburg", slug="aschaffenburg")
    organization = Organization.objects.create(
        name="Bench-Gymnasium", slug="bench", kind=Organization.Kind.SCHOOL, district=district
    )
    staff = User.objects.create_user("lager@bench.example", password=None)
    Membership.objects.create(user=staff, organization=organization, role=Role.STAFF)
    types = [
        DeviceType.objects.create(kind="tablet", make="Apple", model="iPad 10. Generation"),
        DeviceType.objects.create(kind="laptop", make="Lenovo", model="ThinkPad L13"),
        DeviceType.objects.create(kind="tablet", make="Samsung", model="Galaxy Tab S9"),
    ]
    pools = [
        DevicePool.objects.create(organization=organization, name=f"Tablet-Koffer {n}")
        for n in range(1, 4)
    ]
    rooms = [
        Location.objects.create(organization=organization, name=f"Raum {n}") for n in (101, 204)
    ]
    # Devices already there, so that the duplicate check has something to look through.
    Device.objects.bulk_create(
        Device(organization=organization, device_type=types[0], asset_tag=f"OLD-{n:05}")
        for n in range(1_000)
    )
    data = build_csv(
        rows, [str(t) for t in types], [p.name for p in pools], [r.name for r in rooms]
    ).encode("utf-8-sig")

    started = time.perf_counter()
    result = parse_device_csv(organization, data)
    parsed = time.perf_counter() - started
    if result.errors:
        raise SystemExit(f"the generated file has errors: {result.errors[:3]}")

    started = time.perf_counter()
    imported = import_devices(by=staff, organization=organization, rows=result.rows)
    written = time.perf_counter() - started
    assert imported == rows == Device.objects.filter(asset_tag__startswith="BENCH-").count()

    print(f"database: {database_version()}")
    print(
        f"machine:  {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"file:     {rows:,} rows, {len(data) / 1024:,.0f} KiB")
    for label, seconds in (("parse", parsed), ("import", written), ("total", parsed + written)):
        print(f"{label:7}   {seconds:7.3f} s   {rows / seconds:10,.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000)
    rows = parser.parse_args().rows

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(rows)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
