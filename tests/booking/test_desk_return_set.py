"""Returning a set at the desk: a scan ticks the device (without recording anything yet),
"all the others came back complete" is one button, and a damage note on a device that is not
ticked is an error that says so, never dropped."""

from __future__ import annotations

import pytest

from booking.models import LoanItem
from devices.models import Device
from tests.booking import test_desk_views as desk

# The desk tests' fixtures: a pool of five iPads, today's booking, a loan of three.
pool, loan = desk.pool, desk.loan  # devices and todays: tests/booking/conftest.py
_return_data, open_items = desk._return_data, desk.open_items

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


def _item(loan, tag: str) -> LoanItem:
    return loan.items.get(device__asset_tag=tag)


def test_a_scan_ticks_the_device_and_records_nothing(client, staff, loan):
    client.force_login(staff)
    first = _item(loan, "KRG-IPAD-001")
    response = client.post(
        f"/desk/loans/{loan.pk}/", {"scan": "krg-ipad-002", f"returned_{first.pk}": "on"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "KRG-IPAD-002 ticked as returned." in html
    second = _item(loan, "KRG-IPAD-002")
    assert f'name="returned_{second.pk}" id="id_returned_{second.pk}" checked' in html
    assert f'name="returned_{first.pk}" id="id_returned_{first.pk}" checked' in html
    third = _item(loan, "KRG-IPAD-003")
    assert f'name="returned_{third.pk}" id="id_returned_{third.pk}" checked' not in html
    assert open_items() == 3


def test_a_scan_by_label_code_ticks_the_device(client, staff, loan):
    client.force_login(staff)
    code = Device.objects.get(asset_tag="KRG-IPAD-003").label_code
    response = client.post(f"/desk/loans/{loan.pk}/", {"scan": code})
    assert "KRG-IPAD-003 ticked as returned." in response.content.decode()


def test_an_unknown_scan_says_so(client, staff, loan):
    client.force_login(staff)
    response = client.post(f"/desk/loans/{loan.pk}/", {"scan": "KRG-IPAD-099"})
    assert response.status_code == 400
    assert "No device still out on this loan" in response.content.decode()
    assert open_items() == 3


def test_the_tick_button_with_an_empty_scan_field_records_nothing(client, staff, loan):
    client.force_login(staff)
    data = _return_data(loan, **{"KRG-IPAD-001": ("complete", "")}) | {"tick": "1", "scan": ""}
    response = client.post(f"/desk/loans/{loan.pk}/", data)
    assert response.status_code == 400
    assert open_items() == 3


def test_all_the_others_come_back_complete_in_one_action_with_one_damaged(client, staff, loan):
    client.force_login(staff)
    data = _return_data(loan, **{"KRG-IPAD-002": ("damaged", "Display gesprungen")})
    response = client.post(f"/desk/loans/{loan.pk}/", data | {"rest_complete": "1"})
    assert response.status_code == 302
    loan.refresh_from_db()
    assert loan.closed_at is not None and open_items() == 0
    conditions = dict(loan.items.values_list("device__asset_tag", "condition"))
    assert conditions == {
        "KRG-IPAD-001": "complete",
        "KRG-IPAD-002": "damaged",
        "KRG-IPAD-003": "complete",
    }
    assert Device.objects.get(asset_tag="KRG-IPAD-002").status != "in_service"


def test_a_damage_note_without_the_tick_is_an_error_that_says_so(client, staff, loan):
    client.force_login(staff)
    untickd = _item(loan, "KRG-IPAD-003")
    data = _return_data(loan, **{"KRG-IPAD-001": ("complete", "")}) | {
        f"condition_{untickd.pk}": "damaged",
        f"note_{untickd.pk}": "Ecke abgebrochen",
    }
    response = client.post(f"/desk/loans/{loan.pk}/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "KRG-IPAD-003 has a note or a damage but is not ticked as returned." in html
    assert "Ecke abgebrochen" in html  # what was written is still there
    assert open_items() == 3  # and nothing was recorded


def test_a_note_alone_on_an_unticked_device_is_kept_too(client, staff, loan):
    client.force_login(staff)
    untickd = _item(loan, "KRG-IPAD-002")
    response = client.post(f"/desk/loans/{loan.pk}/", {f"note_{untickd.pk}": "Hülle fehlt"})
    assert response.status_code == 400
    assert "KRG-IPAD-002 has a note or a damage" in response.content.decode()
    assert "Choose at least one device" not in response.content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_a_scan_costs_the_same_queries(client, staff, loan, django_assert_max_num_queries, count):
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        client.post(f"/desk/loans/{loan.pk}/", {"scan": f"KRG-IPAD-00{count}"})
