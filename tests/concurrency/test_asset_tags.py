"""Two desks adding the same asset tag at the same moment: one device, one friendly error."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from devices import services
from devices.models import Device
from tests.factories import DeviceTypeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 10


def _race(work) -> list[str]:
    """Run ``work`` in THREADS threads released together; each thread has its own connection."""
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def run() -> None:
        try:
            barrier.wait()
            work()
            outcomes.append("created")
        except services.DuplicateAssetTag:
            outcomes.append("duplicate")
        except IntegrityError:
            outcomes.append("integrity_error")
        except Exception as error:
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_control_threads_really_race_past_a_plain_existence_check(staff, organization):
    """Without the constraint handling, checking then inserting lets several threads through
    the check: the database constraint is what stops them, so the test can see the race."""
    device_type = DeviceTypeFactory()

    def check_then_insert() -> None:
        with transaction.atomic():
            if Device.objects.filter(organization=organization, asset_tag="RACE-1").exists():
                raise services.DuplicateAssetTag("seen by the check")
            Device.objects.create(
                organization=organization, device_type=device_type, asset_tag="RACE-1"
            )

    for _ in range(5):
        Device.objects.filter(asset_tag="RACE-1").delete()
        outcomes = _race(check_then_insert)
        if "integrity_error" in outcomes:
            break
    assert outcomes.count("created") == 1
    assert "integrity_error" in outcomes, outcomes


def test_the_service_turns_the_race_into_one_device_and_friendly_errors(staff, organization):
    device_type = DeviceTypeFactory()
    for attempt in range(5):
        tag = f"RACE-{attempt}"
        outcomes = _race(
            lambda tag=tag: services.create_device(
                by=staff, organization=organization, device_type=device_type, asset_tag=tag
            )
        )
        assert outcomes.count("created") == 1, outcomes
        assert outcomes.count("duplicate") == THREADS - 1, outcomes
        assert Device.objects.filter(organization=organization, asset_tag=tag).count() == 1
