"""Hand-out at the desk: the devices in a grid of tiles, and a scan field that adds the scanned
device to the selection. Without JavaScript the scan's Enter (or its "Tick" button) sends the
form and the server ticks the device and re-renders, handing nothing out; the hand-out button
then hands out what is ticked. And a school's desk offers no resident search, a library's does.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from booking import services
from booking.models import Loan
from devices.models import Device
from organizations.models import Organization, Role
from tests.booking.conftest import today_slot
from tests.factories import (
    DeviceFactory,
    DevicePoolFactory,
    LendingPoolFactory,
    MembershipFactory,
    OrganizationFactory,
    ReservationFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


@pytest.fixture
def pool(organization):
    return DevicePoolFactory(organization=organization, name="iPad-Koffer 1")


def url(reservation) -> str:
    return f"/desk/reservations/{reservation.pk}/hand-out/"


def ticked(html: str) -> set[str]:
    """The asset tags whose box is ticked on the page."""
    boxes = re.findall(r'<input[^>]*name="devices"[^>]*>\s*<label[^>]*><span[^>]*>([^<]+)<', html)
    checked = re.findall(
        r'<input[^>]*name="devices"[^>]*checked>\s*<label[^>]*><span[^>]*>([^<]+)<', html
    )
    assert set(checked) <= set(boxes)
    return set(checked)


def test_the_page_offers_a_scan_field_and_the_devices_as_tiles(client, staff, todays, devices):
    client.force_login(staff)
    html = client.get(url(todays)).content.decode()
    assert re.search(r'<input[^>]*name="add" id="id_scan"[^>]*autofocus', html)
    assert '<label class="kern-label" for="id_scan">Scan a device to hand out</label>' in html
    assert 'class="desk-device-grid' in html or "desk-device-grid" in html
    tile = f'data-codes="{devices[0].label_code} KRG-IPAD-001" data-device="KRG-IPAD-001"'
    assert tile in html
    assert "iPad 01" in html  # the name under the asset tag
    assert ticked(html) == set()


def test_a_scan_ticks_the_device_keeps_the_ticks_and_hands_out_nothing(
    client, staff, todays, devices
):
    client.force_login(staff)
    response = client.post(url(todays), {"add": "krg-ipad-002", "devices": [devices[0].pk]})
    html = response.content.decode()
    assert response.status_code == 200
    assert ticked(html) == {"KRG-IPAD-001", "KRG-IPAD-002"}
    assert "KRG-IPAD-002 ticked to hand out." in html
    assert not Loan.objects.exists()

    # A label code works as well, and several codes at once (a scanner's burst).
    response = client.post(
        url(todays),
        {"add": f"{devices[2].label_code} KRG-IPAD-004", "devices": [devices[0].pk]},
    )
    assert ticked(response.content.decode()) == {"KRG-IPAD-001", "KRG-IPAD-003", "KRG-IPAD-004"}
    assert not Loan.objects.exists()


def test_the_tick_button_with_an_empty_field_hands_out_nothing(client, staff, todays, devices):
    client.force_login(staff)
    response = client.post(url(todays), {"tick": "1", "add": "", "devices": [devices[1].pk]})
    assert response.status_code == 200
    assert ticked(response.content.decode()) == {"KRG-IPAD-002"}
    assert not Loan.objects.exists()


def test_the_ticked_devices_are_handed_out_with_the_button(client, staff, todays, devices):
    client.force_login(staff)
    response = client.post(url(todays), {"devices": [devices[0].pk, devices[3].pk]})
    assert response.status_code == 302
    loan = Loan.objects.get(reservation=todays)
    assert {item.device for item in loan.items.all()} == {devices[0], devices[3]}


def test_the_scan_from_the_desk_comes_ticked(client, staff, todays, devices):
    client.force_login(staff)
    html = client.get(url(todays), {"scan": "krg-ipad-004"}).content.decode()
    assert ticked(html) == {"KRG-IPAD-004"}
    assert not Loan.objects.exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("NOPE-1", "No device of yours has the label or asset tag “NOPE-1”."),
        ("KRG-IPAD-005", "KRG-IPAD-005 is handed out already."),
        ("OTHER-1", "OTHER-1 belongs to another pool (Laptopwagen)."),
        ("KRG-IPAD-003", "KRG-IPAD-003 is not in service (In repair)."),
        ("FOREIGN-1", "No device of yours has the label or asset tag “FOREIGN-1”."),
    ],
)
def test_a_scan_that_has_no_box_says_why_and_keeps_the_ticks(
    client, staff, teacher, pool, todays, devices, other_organization, code, message
):
    start, end = today_slot()
    other_booking = ReservationFactory(pool=pool, user=teacher, quantity=1, start=start, end=end)
    services.hand_out(by=staff, reservation=other_booking, devices=[devices[4]])
    DeviceFactory(
        pool=DevicePoolFactory(organization=pool.organization, name="Laptopwagen"),
        asset_tag="OTHER-1",
    )
    DeviceFactory(pool=DevicePoolFactory(organization=other_organization), asset_tag="FOREIGN-1")
    Device.objects.filter(pk=devices[2].pk).update(status=Device.Status.IN_REPAIR)
    client.force_login(staff)

    response = client.post(url(todays), {"add": code, "devices": [devices[0].pk]})

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert ticked(html) == {"KRG-IPAD-001"}
    assert Loan.objects.count() == 1  # only the one set up above


def test_a_scan_keeps_a_residents_chosen_due_date(client, organization, staff):
    library = OrganizationFactory(kind=Organization.Kind.LIBRARY)
    librarian = MembershipFactory(organization=library, role=Role.STAFF).user
    lending = LendingPoolFactory(organization=library, loan_period_days=14)
    DeviceFactory(pool=lending, asset_tag="SB-LAP-001")
    start = timezone.now() - datetime.timedelta(hours=1)
    reservation = ReservationFactory(
        pool=lending, start=start, end=start + datetime.timedelta(days=14)
    )
    day = timezone.localdate() + datetime.timedelta(days=5)
    client.force_login(librarian)
    response = client.post(url(reservation), {"add": "SB-LAP-001", "due_date": day.isoformat()})
    html = response.content.decode()
    assert f'value="{day:%Y-%m-%d}"' in html and ticked(html) == {"SB-LAP-001"}
    assert not Loan.objects.exists()


def test_outsiders_cannot_scan_into_a_hand_out(client, teacher, outsider, todays, devices):
    for person in (teacher, outsider):
        client.force_login(person)
        assert client.post(url(todays), {"add": "KRG-IPAD-001"}).status_code == 404
    assert not Loan.objects.exists()


@pytest.mark.parametrize("count", [3, 30])
def test_a_scan_costs_the_same_queries_for_3_or_30_devices(
    client, staff, pool, teacher, django_assert_max_num_queries, count
):
    for number in range(1, count + 1):
        DeviceFactory(pool=pool, asset_tag=f"KRG-IPAD-{number:03}")
    start, end = today_slot()
    reservation = ReservationFactory(pool=pool, user=teacher, quantity=3, start=start, end=end)
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        response = client.post(url(reservation), {"add": "KRG-IPAD-002 NOPE"})
    assert response.status_code == 400
    assert "KRG-IPAD-002 ticked to hand out." in response.content.decode()


# ---------------------------------------------------------------------------------------
# Resident search: a library's desk, never a school's


@pytest.fixture
def library():
    return OrganizationFactory(name="Stadtbibliothek", slug="sb", kind=Organization.Kind.LIBRARY)


def test_a_school_desk_offers_no_resident_search(client, organization, staff):
    assert not organization.lends_to_residents
    client.force_login(staff)
    for page in ("/desk/", "/desk/return/"):
        html = client.get(page, {"organization": organization.slug}).content.decode()
        assert "Find a resident" not in html and "/desk/residents/" not in html, page
    assert client.get("/desk/residents/").status_code == 404
    response = client.get("/desk/residents/", {"organization": organization.slug, "q": "a"})
    assert response.status_code == 404


def test_a_library_desk_offers_resident_search(client, library):
    librarian = MembershipFactory(organization=library, role=Role.STAFF).user
    client.force_login(librarian)
    for page in ("/desk/", "/desk/return/"):
        html = client.get(page, {"organization": library.slug}).content.decode()
        assert f'href="/desk/residents/?organization={library.slug}"' in html, page
        assert "Find a resident" in html
    assert client.get("/desk/residents/", {"organization": library.slug}).status_code == 200


def test_staff_of_a_school_and_a_library_find_residents_only_for_the_library(
    client, organization, library, staff
):
    MembershipFactory(organization=library, user=staff, role=Role.STAFF)
    client.force_login(staff)
    school_desk = client.get("/desk/", {"organization": organization.slug}).content.decode()
    assert "Find a resident" not in school_desk
    for_school = client.get("/desk/residents/", {"organization": organization.slug, "q": "x"})
    assert for_school.status_code == 404
    for_library = client.get("/desk/residents/", {"organization": library.slug})
    assert for_library.status_code == 200


def test_the_desk_says_how_many_of_a_booking_are_handed_out(client, staff, todays, devices):
    client.force_login(staff)
    assert "0 of 3 handed out" in client.get("/desk/").content.decode()
    services.hand_out(by=staff, reservation=todays, devices=[devices[0]])
    assert "1 of 3 handed out" in client.get("/desk/").content.decode()


def test_a_school_cannot_lend_to_a_resident_through_the_api(client, organization, staff, resident):
    """The API's door to lending at the desk holds the same rule: a school's pool, even one
    set to the residents' scope, lends nobody anything without a reservation."""
    from accounts.services import create_api_token

    pool = DevicePoolFactory(organization=organization, booking_scope="residents")
    DeviceFactory(pool=pool, asset_tag="KRG-LAP-001")
    ReservationFactory(pool=pool, user=resident)  # the school "knows" the person
    token = create_api_token(by=staff, name="desk")[1]
    response = client.post(
        "/api/v1/loans",
        {"pool_id": pool.pk, "borrower_id": resident.pk, "devices": ["KRG-LAP-001"]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code in (404, 409), response.content
    assert not Loan.objects.exists()
