"""How long the QR label PDF of the allowed maximum (devices.views.MAX_LABELS, 240 labels)
takes to render: alone, and with every CPU rendering one at the same time (a machine under
load). Prints its figures; it asserts nothing about time.

    .venv/bin/python bench/bench_labels.py [--labels 240] [--runs 3]

Renders unsaved devices (no database is touched); the PDF is what /devices/labels.pdf sends.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def render(count: int) -> tuple[float, int]:
    """Seconds for one PDF of ``count`` labels, and its size in bytes."""
    _setup()
    from devices.labels import render_labels
    from devices.models import Device, DeviceType
    from organizations.models import Organization

    organization = Organization(name="Staatliches Kronberg-Gymnasium Aschaffenburg", slug="kg")
    device_type = DeviceType(kind="tablet", make="Apple", model="iPad 10. Generation")
    devices = [
        Device(
            organization=organization,
            device_type=device_type,
            asset_tag=f"KG-IPAD-{number:04}",
            name=f"iPad {number:03} Medienraum",
            label_code=f"B{number:07}",
        )
        for number in range(1, count + 1)
    ]
    started = time.perf_counter()
    pdf = render_labels(devices, base_url="https://lernpool.example.org/")
    return time.perf_counter() - started, len(pdf)


def main() -> None:
    _setup()
    from devices.views import MAX_LABELS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=MAX_LABELS)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    cpus = os.cpu_count() or 1
    print(f"machine:  {platform.machine()}, {cpus} CPUs, Python {platform.python_version()}")
    print(f"labels:   {options.labels} per PDF, {options.runs} runs")

    alone = [render(options.labels) for _ in range(options.runs)]
    seconds = [time for time, _size in alone]
    print(
        f"alone:    median {statistics.median(seconds):6.2f} s, worst {max(seconds):6.2f} s,"
        f" {alone[0][1] / 1024:,.0f} KiB, {options.labels / statistics.median(seconds):,.0f}"
        " labels/s"
    )
    with ProcessPoolExecutor(max_workers=cpus) as pool:
        loaded = list(pool.map(render, [options.labels] * cpus * options.runs))
    seconds = [time for time, _size in loaded]
    print(
        f"loaded:   {cpus} at once, median {statistics.median(seconds):6.2f} s,"
        f" worst {max(seconds):6.2f} s"
    )


if __name__ == "__main__":
    main()
