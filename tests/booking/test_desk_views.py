"""The staff desk: today's work, requests, hand-out, return, the pool calendar and its feed.
Staff of the pool's organization see it; teachers and outsiders get 404, never data."""

from __future__ import annotations

import datetime
import zoneinfo
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from booking import services
from booking.models import Loan, LoanItem, Reservation
from devices.models import Device
from organizations.models import Role
from tests.booking.conftest import today_slot, tomorrow
from tests.factories import (
    LIBRARY_WEEK,
    DeviceFactory,
    DevicePoolFactory,
    MembershipFactory,
    ReservationFactory,
    UserFactory,
    give_hours,
)

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


# ---------------------------------------------------------------------------------------
# Fixtures and helpers


def tomorrow_at(hour: int, minutes: int = 90) -> tuple[datetime.datetime, datetime.datetime]:
    day = timezone.localdate() + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    return start, start + datetime.timedelta(minutes=minutes)


@pytest.fixture
def pool(organization):
    return DevicePoolFactory(
        organization=organization,
        name="iPad-Koffer 1",
        return_checklist="3 iPads\n3 Ladekabel",
    )


@pytest.fixture
def loan(staff, todays, devices):
    return services.hand_out(by=staff, reservation=todays, devices=devices[:3])


@pytest.fixture
def request_from_elsewhere(pool, other_organization):
    """A teacher of another school asks for two devices tomorrow."""
    asker = MembershipFactory(organization=other_organization, role=Role.TEACHER).user
    start, end = tomorrow_at(10)
    return ReservationFactory(
        pool=pool, user=asker, quantity=2, start=start, end=end, status="requested"
    )


def open_items() -> int:
    return LoanItem.objects.filter(returned_at__isnull=True).count()


# ---------------------------------------------------------------------------------------
# Who may see the desk


@pytest.mark.parametrize("user", ["teacher", "resident", "outsider"])
def test_others_get_404_on_every_desk_page(
    client, request, user, pool, todays, loan, request_from_elsewhere
):
    client.force_login(request.getfixturevalue(user))
    for url in [
        f"/desk/?organization={pool.organization.slug}",
        f"/desk/requests/?organization={pool.organization.slug}",
        f"/desk/reservations/{todays.pk}/hand-out/",
        f"/desk/loans/{loan.pk}/",
        f"/pools/{pool.pk}/calendar/",
    ]:
        assert client.get(url).status_code == 404, url
    decided = client.post(
        f"/desk/requests/{request_from_elsewhere.pk}/", {"action": "approve"}
    ).status_code
    assert decided == 404
    returned = client.post(
        f"/desk/loans/{loan.pk}/",
        {f"returned_{item.pk}": "on" for item in loan.items.all()}
        | {f"condition_{item.pk}": "complete" for item in loan.items.all()},
    )
    assert returned.status_code == 404
    request_from_elsewhere.refresh_from_db()
    assert request_from_elsewhere.status == "requested"
    assert open_items() == 3


def test_logged_out_people_are_sent_to_log_in(client, pool):
    response = client.get("/desk/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/desk/"),
        ("post", "/desk/requests/"),
        ("get", "/desk/requests/{request}/"),
        ("put", "/desk/reservations/{reservation}/hand-out/"),
        ("delete", "/desk/loans/{loan}/"),
        ("post", "/pools/{pool}/calendar/"),
        ("post", "/calendar/pools/{pool}/{token}.ics"),
    ],
)
def test_the_wrong_method_gets_405(
    client, staff, method, url, pool, todays, loan, request_from_elsewhere
):
    token = services.pool_feed_key(user=staff, pool=pool)
    client.force_login(staff)
    url = url.format(
        request=request_from_elsewhere.pk,
        reservation=todays.pk,
        loan=loan.pk,
        pool=pool.pk,
        token=token,
    )
    assert getattr(client, method)(url).status_code == 405


# ---------------------------------------------------------------------------------------
# The desk


def test_the_desk_shows_todays_hand_outs_returns_overdue_requests_and_shortfalls(
    client, staff, pool, devices, teacher, request_from_elsewhere
):
    start, end = today_slot()
    to_hand_out = ReservationFactory(
        pool=pool, user=teacher, quantity=2, start=start, end=end, purpose="Klasse 9a, Physik"
    )
    # Handed out last week and never returned: overdue.
    past = timezone.now() - datetime.timedelta(days=7)
    late = ReservationFactory(
        pool=pool,
        user=UserFactory(name="Petra Spät"),
        quantity=1,
        start=past,
        end=past + datetime.timedelta(hours=1),
    )
    services.hand_out(
        by=staff, reservation=late, devices=[devices[4]], now=past + datetime.timedelta(minutes=5)
    )
    # Out now, due back later today.
    running = ReservationFactory(
        pool=pool, user=UserFactory(name="Rita Heute"), quantity=1, start=start, end=end
    )
    services.hand_out(by=staff, reservation=running, devices=[devices[3]])
    short_start, short_end = tomorrow_at(8)
    ReservationFactory(
        pool=pool,
        user=UserFactory(name="Sven Knapp", email="sven@example.org"),
        quantity=5,
        start=short_start,
        end=short_end,
        shortfall=True,
    )
    client.force_login(staff)
    response = client.get("/desk/")
    html = response.content.decode()
    assert response.status_code == 200
    hand_out_section = html.split('id="hand-out-heading"')[1].split("</section>")[0]
    assert "Klasse 9a, Physik" in hand_out_section and str(teacher) in hand_out_section
    assert f"/desk/reservations/{to_hand_out.pk}/hand-out/" in hand_out_section
    assert "Rita Heute" not in hand_out_section  # handed out in full
    overdue = html.split('id="overdue-heading"')[1].split("</section>")[0]
    assert "Petra Spät" in overdue and "Rita Heute" not in overdue
    take_back = html.split('id="take-back-heading"')[1].split("</section>")[0]
    assert "Rita Heute" in take_back and "Petra Spät" not in take_back
    requests = html.split('id="requests-heading"')[1].split("</section>")[0]
    assert "1 request waits" in requests and "/desk/requests/" in requests
    shortfalls = html.split('id="shortfalls-heading"')[1].split("</section>")[0]
    assert "Sven Knapp" in shortfalls and "mailto:sven@example.org" in shortfalls
    assert 'data-label="In service now">5</td>' in shortfalls  # booked 5, 5 in service


def test_another_days_desk_lists_what_is_due_back_then_and_what_is_overdue_now(
    client, staff, pool, devices, teacher
):
    """The open loans are read once for both lists: a loan due tomorrow is to take back on
    tomorrow's page only, and an overdue one is overdue on every day's page."""
    past = timezone.now() - datetime.timedelta(days=7)
    late = ReservationFactory(
        pool=pool,
        user=UserFactory(name="Petra Spät"),
        start=past,
        end=past + datetime.timedelta(hours=1),
    )
    services.hand_out(
        by=staff, reservation=late, devices=[devices[4]], now=past + datetime.timedelta(minutes=5)
    )
    start, end = tomorrow_at(8)
    ahead = ReservationFactory(
        pool=pool, user=UserFactory(name="Theo Morgen"), start=timezone.now(), end=end
    )
    services.hand_out(by=staff, reservation=ahead, devices=[devices[3]])
    client.force_login(staff)

    def sections(html: str) -> tuple[str, str]:
        overdue = html.split('id="overdue-heading"')[1].split("</section>")[0]
        take_back = html.split('id="take-back-heading"')[1].split("</section>")[0]
        return overdue, take_back

    overdue, take_back = sections(client.get("/desk/").content.decode())
    assert "Petra Spät" in overdue and "Theo Morgen" not in overdue + take_back
    html = client.get("/desk/", {"date": start.date().isoformat()}).content.decode()
    overdue, take_back = sections(html)
    assert "Petra Spät" in overdue and "Petra Spät" not in take_back
    assert "Theo Morgen" in take_back and "Theo Morgen" not in overdue


def test_the_desk_shows_another_day(client, staff, pool, teacher, devices):
    start, end = tomorrow_at(9)
    ReservationFactory(pool=pool, user=teacher, start=start, end=end, purpose="Klasse 5c")
    client.force_login(staff)
    html = client.get("/desk/").content.decode()
    assert "Klasse 5c" not in html
    html = client.get("/desk/", {"date": start.date().isoformat()}).content.decode()
    assert "Klasse 5c" in html


def test_a_bad_date_is_a_400_with_the_error(client, staff, pool):
    client.force_login(staff)
    response = client.get("/desk/", {"date": "2026-13-45"})
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()


def test_staff_of_several_organizations_pick_one(client, staff, pool, other_organization):
    MembershipFactory(user=staff, organization=other_organization, role=Role.STAFF)
    client.force_login(staff)
    html = client.get("/desk/").content.decode()
    assert f"?organization={other_organization.slug}" in html
    assert client.get("/desk/", {"organization": other_organization.slug}).status_code == 200
    assert client.get("/desk/", {"organization": "nowhere"}).status_code == 404


def test_scanning_a_device_that_is_out_opens_its_return(client, staff, loan, devices):
    client.force_login(staff)
    response = client.get("/desk/", {"code": devices[0].label_code.lower()})
    assert response.status_code == 302 and response["Location"] == f"/desk/loans/{loan.pk}/"
    response = client.get("/desk/", {"code": "krg-ipad-002"})
    assert response["Location"] == f"/desk/loans/{loan.pk}/"


def test_scanning_a_device_that_is_here_shows_todays_hand_out(client, staff, todays, devices):
    client.force_login(staff)
    response = client.get("/desk/", {"code": "KRG-IPAD-004"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"/desk/reservations/{todays.pk}/hand-out/?scan=KRG-IPAD-004" in html


def test_scanning_an_unknown_or_foreign_code_says_so(client, staff, pool, other_organization):
    foreign = DeviceFactory(pool=DevicePoolFactory(organization=other_organization))
    client.force_login(staff)
    for code in ["NOPE-123", foreign.asset_tag, foreign.label_code]:
        response = client.get("/desk/", {"code": code})
        assert response.status_code == 200
        assert "No device of yours has the label or asset tag" in response.content.decode()


@pytest.mark.parametrize("rows", [3, 300])
def test_the_desk_runs_a_constant_number_of_queries(
    client, staff, pool, teacher, rows, django_assert_max_num_queries
):
    devices = Device.objects.bulk_create(
        [
            Device(
                organization=pool.organization,
                pool=pool,
                device_type=DeviceFactory().device_type,
                asset_tag=f"Q-{n:04}",
                label_code=f"Q{n:07}",
            )
            for n in range(rows)
        ]
    )
    start, end = today_slot()
    later, later_end = tomorrow_at(8)
    past = timezone.now() - datetime.timedelta(days=3)
    common = {"pool": pool, "user": teacher, "quantity": 1, "status": "confirmed"}
    reservations = Reservation.objects.bulk_create(
        [Reservation(start=start, end=end, **common) for _ in range(rows)]
        + [
            Reservation(start=past, end=past + datetime.timedelta(hours=1), **common)
            for _ in range(rows)
        ]
        + [Reservation(start=later, end=later_end, shortfall=True, **common) for _ in range(rows)]
        + [
            Reservation(start=later, end=later_end, **common | {"status": "requested"})
            for _ in range(rows)
        ]
    )
    loans = Loan.objects.bulk_create(
        [
            Loan(
                pool=pool,
                reservation=reservation,
                borrower=teacher,
                handed_out_at=reservation.start,
                due_at=reservation.end,
            )
            for reservation in reservations[rows : 2 * rows]
        ]
    )
    LoanItem.objects.bulk_create(
        [LoanItem(loan=loan, device=device) for loan, device in zip(loans, devices, strict=True)]
    )
    give_hours(pool.organization, {day: "7-20" for day in range(7)})
    client.force_login(staff)
    with django_assert_max_num_queries(10):  # the open loans in one query (overdue, due back)
        response = client.get("/desk/")
    assert response.status_code == 200
    assert response.content.decode().count("/hand-out/") == rows


# ---------------------------------------------------------------------------------------
# Requests


def test_staff_see_requests_with_whether_they_fit(
    client, staff, pool, devices, request_from_elsewhere, other_organization
):
    client.force_login(staff)
    response = client.get("/desk/requests/")
    html = response.content.decode()
    assert response.status_code == 200
    assert str(request_from_elsewhere.user) in html
    assert other_organization.name in html
    assert "5 devices free for the whole time" in html


def test_a_request_that_no_longer_fits_says_so(
    client, staff, pool, devices, teacher, request_from_elsewhere
):
    ReservationFactory(
        pool=pool,
        user=teacher,
        quantity=4,
        start=request_from_elsewhere.start,
        end=request_from_elsewhere.end,
    )
    client.force_login(staff)
    html = client.get("/desk/requests/").content.decode()
    assert "1 device free for the whole time" in html
    response = client.post(f"/desk/requests/{request_from_elsewhere.pk}/", {"action": "approve"})
    assert response.status_code == 400
    assert "Only 1 device is free for the whole time." in response.content.decode()
    request_from_elsewhere.refresh_from_db()
    assert request_from_elsewhere.status == "requested"


def test_approving_confirms_and_emails_the_teacher(
    client, staff, devices, request_from_elsewhere, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/desk/requests/{request_from_elsewhere.pk}/", {"action": "approve"}
        )
    assert response.status_code == 302 and response["Location"] == "/desk/requests/"
    request_from_elsewhere.refresh_from_db()
    assert request_from_elsewhere.status == "confirmed"
    assert request_from_elsewhere.decided_by == staff
    assert [message.to for message in mail.outbox] == [[request_from_elsewhere.user.email]]
    assert "confirmed" in client.get("/desk/requests/").content.decode()


def test_declining_needs_a_reason_which_is_emailed(
    client, staff, devices, request_from_elsewhere, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    url = f"/desk/requests/{request_from_elsewhere.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "decline", "reason": "  "})
    assert response.status_code == 400
    assert "Please give a reason" in response.content.decode()
    request_from_elsewhere.refresh_from_db()
    assert request_from_elsewhere.status == "requested" and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "decline", "reason": "Projektwoche"})
    assert response.status_code == 302
    request_from_elsewhere.refresh_from_db()
    assert request_from_elsewhere.status == "declined"
    assert request_from_elsewhere.decision_reason == "Projektwoche"
    assert len(mail.outbox) == 1 and "Projektwoche" in mail.outbox[0].body


def test_an_unknown_action_or_a_second_decision_is_refused(
    client, staff, devices, request_from_elsewhere
):
    client.force_login(staff)
    url = f"/desk/requests/{request_from_elsewhere.pk}/"
    assert client.post(url, {"action": "delete"}).status_code == 400
    assert client.post(url, {"action": "approve"}).status_code == 302
    response = client.post(url, {"action": "decline", "reason": "doch nicht"})
    assert response.status_code == 400
    assert "This request has been answered already." in response.content.decode()
    request_from_elsewhere.refresh_from_db()
    assert request_from_elsewhere.status == "confirmed"


@pytest.mark.parametrize("rows", [3, 300])
def test_the_requests_page_runs_a_bounded_number_of_queries(
    client, staff, pool, devices, other_organization, rows, django_assert_max_num_queries
):
    askers = [
        MembershipFactory(organization=other_organization, role=Role.TEACHER).user for _ in range(3)
    ]
    start, end = tomorrow_at(8)
    Reservation.objects.bulk_create(
        [
            Reservation(
                pool=pool,
                user=askers[n % 3],
                quantity=1,
                start=start + datetime.timedelta(minutes=n),
                end=end + datetime.timedelta(minutes=n),
                status=status,
            )
            for n in range(rows)
            for status in ("requested", "confirmed")
        ]
    )
    client.force_login(staff)
    with django_assert_max_num_queries(11):
        response = client.get("/desk/requests/")
    assert response.status_code == 200
    assert response.content.decode().count('value="approve"') == min(rows, 50)


# ---------------------------------------------------------------------------------------
# Hand out


def test_staff_hand_out_by_scanning_and_ticking(client, staff, todays, devices, teacher):
    client.force_login(staff)
    page = client.get(f"/desk/reservations/{todays.pk}/hand-out/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "KRG-IPAD-001" in html and " checked" not in html  # nothing pre-checked
    assert "3 Ladekabel" in html  # the return checklist as a reminder
    response = client.post(
        f"/desk/reservations/{todays.pk}/hand-out/",
        {"scan": f"krg-ipad-001\n{devices[1].label_code}, ", "devices": [devices[2].pk]},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/desk/?organization={todays.pool.organization.slug}"
    loan = Loan.objects.get(reservation=todays)
    assert {item.device for item in loan.items.all()} == set(devices[:3])
    assert loan.borrower == teacher and loan.due_at == todays.end
    assert f"3 devices handed out to {teacher}" in client.get(response["Location"]).content.decode()


def test_the_whole_booking_is_handed_out_with_one_button(client, staff, todays, devices):
    client.force_login(staff)
    html = client.get(f"/desk/reservations/{todays.pk}/hand-out/").content.decode()
    assert "Hand out the whole booking (3 devices)" in html
    response = client.post(f"/desk/reservations/{todays.pk}/hand-out/", {"whole": "1"})
    assert response.status_code == 302
    loan = Loan.objects.get(reservation=todays)
    assert {item.device for item in loan.items.all()} == set(devices[:3])  # by asset tag


def test_the_whole_booking_hands_out_only_what_is_left(client, staff, todays, devices):
    services.hand_out(by=staff, reservation=todays, devices=[devices[4]])
    client.force_login(staff)
    client.post(f"/desk/reservations/{todays.pk}/hand-out/", {"whole": "1"})
    assert open_items() == 3  # the booking is for 3: one already out, two more
    response = client.post(f"/desk/reservations/{todays.pk}/hand-out/", {"whole": "1"})
    assert response.status_code == 400 and open_items() == 3
    assert "Choose or scan at least one device" in response.content.decode()


def test_all_devices_come_back_complete_with_one_button(client, staff, loan):
    client.force_login(staff)
    assert (
        "All 3 devices came back complete" in client.get(f"/desk/loans/{loan.pk}/").content.decode()
    )
    response = client.post(f"/desk/loans/{loan.pk}/", {"all_complete": "1"})
    assert response.status_code == 302
    loan.refresh_from_db()
    assert loan.closed_at is not None and open_items() == 0
    assert set(loan.items.values_list("condition", flat=True)) == {"complete"}


def test_devices_out_are_not_offered_again(client, staff, todays, devices, loan):
    client.force_login(staff)
    html = client.get(f"/desk/reservations/{todays.pk}/hand-out/").content.decode()
    assert "KRG-IPAD-001" not in html and "KRG-IPAD-004" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scan": "KRG-IPAD-001 NOPE-1 NOPE-2"}, "NOPE-1, NOPE-2"),
        ({"scan": "KRG-IPAD-001 KRG-IPAD-002 KRG-IPAD-003 KRG-IPAD-004"}, "handed out already"),
        ({}, "Choose or scan at least one device."),
        ({"scan": "FOREIGN-1"}, "does not belong to this pool"),
        ({"devices": ["999999"]}, "Select a valid choice"),
    ],
)
def test_bad_hand_outs_write_nothing(client, staff, todays, devices, data, message):
    DeviceFactory(
        pool=DevicePoolFactory(organization=todays.pool.organization), asset_tag="FOREIGN-1"
    )
    client.force_login(staff)
    response = client.post(f"/desk/reservations/{todays.pk}/hand-out/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Loan.objects.exists()


def test_a_device_of_another_organization_cannot_be_scanned_in(
    client, staff, todays, devices, other_organization
):
    foreign = DeviceFactory(pool=DevicePoolFactory(organization=other_organization))
    client.force_login(staff)
    response = client.post(
        f"/desk/reservations/{todays.pk}/hand-out/", {"scan": foreign.label_code}
    )
    assert response.status_code == 400
    assert foreign.label_code in response.content.decode()
    assert not Loan.objects.exists()


def test_a_device_already_out_cannot_be_handed_out_twice(
    client, staff, pool, todays, loan, devices, teacher
):
    start, end = today_slot()
    other = ReservationFactory(pool=pool, user=teacher, quantity=1, start=start, end=end)
    client.force_login(staff)
    response = client.post(f"/desk/reservations/{other.pk}/hand-out/", {"scan": "KRG-IPAD-001"})
    assert response.status_code == 400
    assert "already handed out" in response.content.decode()
    assert Loan.objects.count() == 1


# ---------------------------------------------------------------------------------------
# Take back


def _return_data(loan, **conditions):
    """POST data: every device in ``conditions`` (asset tag -> (condition, note)) returned."""
    data = {}
    for item in loan.items.select_related("device"):
        if item.device.asset_tag in conditions:
            condition, note = conditions[item.device.asset_tag]
            data |= {
                f"returned_{item.pk}": "on",
                f"condition_{item.pk}": condition,
                f"note_{item.pk}": note,
            }
    return data


def test_staff_take_devices_back_partially_and_completely(client, staff, loan):
    client.force_login(staff)
    page = client.get(f"/desk/loans/{loan.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "3 devices still out" in html and "3 Ladekabel" in html
    response = client.post(
        f"/desk/loans/{loan.pk}/", _return_data(loan, **{"KRG-IPAD-001": ("complete", "")})
    )
    assert response.status_code == 302
    assert "1 device back." in client.get(response["Location"]).content.decode()
    loan.refresh_from_db()
    assert loan.closed_at is None and open_items() == 2
    html = client.get(f"/desk/loans/{loan.pk}/").content.decode()
    assert "2 devices still out" in html
    returned_table = html.split('id="returned-heading"')[1]
    assert "KRG-IPAD-001" in returned_table and "Complete" in returned_table
    response = client.post(
        f"/desk/loans/{loan.pk}/",
        _return_data(
            loan,
            **{"KRG-IPAD-002": ("complete", ""), "KRG-IPAD-003": ("missing_parts", "Stift fehlt")},
        ),
    )
    assert response.status_code == 302
    loan.refresh_from_db()
    assert loan.closed_at is not None and open_items() == 0


def test_a_damaged_device_needs_a_note(client, staff, loan):
    client.force_login(staff)
    response = client.post(
        f"/desk/loans/{loan.pk}/", _return_data(loan, **{"KRG-IPAD-001": ("damaged", " ")})
    )
    assert response.status_code == 400
    assert "Please describe the damage or what is missing." in response.content.decode()
    assert open_items() == 3
    assert Device.objects.get(asset_tag="KRG-IPAD-001").status == "in_service"


@pytest.mark.parametrize(
    "data",
    [{}, {"condition_1": "complete"}],
    ids=["nothing-ticked", "nothing-ticked-with-noise"],
)
def test_a_return_of_nothing_is_refused(client, staff, loan, data):
    client.force_login(staff)
    response = client.post(f"/desk/loans/{loan.pk}/", data)
    assert response.status_code == 400
    assert "Choose at least one device that came back." in response.content.decode()
    assert open_items() == 3


def test_an_unknown_condition_is_refused(client, staff, loan):
    client.force_login(staff)
    response = client.post(
        f"/desk/loans/{loan.pk}/", _return_data(loan, **{"KRG-IPAD-001": ("burnt", "")})
    )
    assert response.status_code == 400
    assert open_items() == 3


def test_a_damaged_return_sends_the_device_to_repair_and_reports_a_shortfall(
    client, staff, pool, devices, loan, django_capture_on_commit_callbacks
):
    other_teacher = UserFactory(name="Tanja Morgen", email="tanja@example.org")
    start, end = tomorrow_at(8)
    needs_all = ReservationFactory(pool=pool, user=other_teacher, quantity=5, start=start, end=end)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/desk/loans/{loan.pk}/",
            _return_data(
                loan,
                **{
                    "KRG-IPAD-001": ("damaged", "Display gesprungen"),
                    "KRG-IPAD-002": ("complete", ""),
                    "KRG-IPAD-003": ("complete", ""),
                },
            ),
        )
    assert response.status_code == 302
    damaged = Device.objects.get(asset_tag="KRG-IPAD-001")
    assert damaged.status == "in_repair"
    assert damaged.events.filter(reason__contains="Display gesprungen").exists()
    needs_all.refresh_from_db()
    assert needs_all.shortfall
    assert ["tanja@example.org"] in [message.to for message in mail.outbox]
    desk = client.get(response["Location"]).content.decode()
    assert "3 devices back; 1 sent to repair." in desk
    shortfalls = desk.split('id="shortfalls-heading"')[1].split("</section>")[0]
    assert "Tanja Morgen" in shortfalls
    assert "In repair" in client.get(damaged.get_absolute_url()).content.decode()


def test_an_overdue_loan_is_marked(client, staff, pool, devices, teacher):
    past = timezone.now() - datetime.timedelta(days=2)
    late = ReservationFactory(
        pool=pool, user=teacher, start=past, end=past + datetime.timedelta(hours=1)
    )
    loan = services.hand_out(
        by=staff, reservation=late, devices=[devices[0]], now=past + datetime.timedelta(minutes=1)
    )
    client.force_login(staff)
    assert "Overdue: due back on" in client.get(f"/desk/loans/{loan.pk}/").content.decode()


# ---------------------------------------------------------------------------------------
# The pool's calendar and feed


def test_the_pool_calendar_shows_who_booked_what_in_a_week(
    client, staff, pool, teacher, request_from_elsewhere
):
    start, end = tomorrow_at(8)
    ReservationFactory(pool=pool, user=teacher, start=start, end=end, purpose="Klasse 8d")
    ReservationFactory(
        pool=pool, user=teacher, start=start, end=end, purpose="Abgesagt", status="cancelled"
    )
    client.force_login(staff)
    response = client.get(f"/pools/{pool.pk}/calendar/", {"date": start.date().isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Klasse 8d" in html and str(teacher) in html and "Abgesagt" not in html
    assert str(request_from_elsewhere.user) in html and "Requested" in html
    key = services.pool_feed_key(user=staff, pool=pool)
    assert f"/calendar/pools/{pool.pk}/{key}.ics" in html
    later = client.get(
        f"/pools/{pool.pk}/calendar/",
        {"date": (start + datetime.timedelta(days=7)).date().isoformat()},
        headers={"HX-Request": "true"},
    )
    assert "<html" not in later.content.decode() and "Klasse 8d" not in later.content.decode()
    assert "HX-Request" in later["Vary"]


def test_a_bad_week_date_is_a_400(client, staff, pool):
    client.force_login(staff)
    assert client.get(f"/pools/{pool.pk}/calendar/", {"date": "9999-99-99"}).status_code == 400


def test_the_pool_feed_lists_bookings_with_names(client, staff, pool, teacher):
    start, end = tomorrow_at(8)
    ReservationFactory(pool=pool, user=teacher, start=start, end=end, purpose="Klasse 8d")
    old = timezone.now() - datetime.timedelta(days=40)
    ReservationFactory(
        pool=pool, user=teacher, start=old, end=old + datetime.timedelta(hours=1), purpose="Vorjahr"
    )
    key = services.pool_feed_key(user=staff, pool=pool)
    response = client.get(f"/calendar/pools/{pool.pk}/{key}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    # Parsed, not searched: long lines are folded, and names are random.
    summaries = [
        str(event["SUMMARY"]) for event in Calendar.from_ical(response.content).walk("VEVENT")
    ]
    assert len(summaries) == 1  # the one from 40 days ago is left out
    assert "Klasse 8d" in summaries[0] and str(teacher) in summaries[0]


def test_the_pool_feed_needs_a_token_of_someone_who_keeps_the_pool(
    client, staff, teacher, outsider, pool
):
    assert client.get(f"/calendar/pools/{pool.pk}/not-a-key.ics").status_code == 404
    for user in (teacher, outsider):
        key = services.pool_feed_key(user=user, pool=pool)
        assert client.get(f"/calendar/pools/{pool.pk}/{key}.ics").status_code == 404
    old = services.pool_feed_key(user=staff, pool=pool)
    services.reset_calendar_token(by=staff)
    assert client.get(f"/calendar/pools/{pool.pk}/{old}.ics").status_code == 404


@pytest.mark.parametrize("rows", [3, 300])
def test_the_pool_calendar_and_feed_run_a_constant_number_of_queries(
    client, staff, pool, teacher, rows, django_assert_max_num_queries
):
    start, _end = tomorrow_at(0)
    Reservation.objects.bulk_create(
        [
            Reservation(
                pool=pool,
                user=UserFactory() if n < 3 else teacher,
                quantity=1,
                start=start + datetime.timedelta(minutes=10 * n),
                end=start + datetime.timedelta(minutes=10 * n + 5),
                status="confirmed" if n % 2 else "requested",
            )
            for n in range(rows)
        ]
    )
    key = services.pool_feed_key(user=staff, pool=pool)
    client.force_login(staff)
    with django_assert_max_num_queries(7):
        response = client.get(f"/pools/{pool.pk}/calendar/", {"date": start.date().isoformat()})
    assert response.status_code == 200
    client.logout()
    with django_assert_max_num_queries(4):  # the key's owner, the pool, its members, bookings
        response = client.get(f"/calendar/pools/{pool.pk}/{key}.ics")
    assert response.content.decode().count("BEGIN:VEVENT") == rows


# ---------------------------------------------------------------------------------------
# Markup


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.autofocus = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if "autofocus" in attrs:
            self.autofocus += 1


def test_every_desk_page_has_unique_ids_and_one_autofocus_at_most(
    client, staff, pool, todays, loan, request_from_elsewhere
):
    client.force_login(staff)
    pages = [
        client.get("/desk/"),
        client.get("/desk/", {"code": "KRG-IPAD-004"}),
        client.get("/desk/requests/"),
        client.post(f"/desk/requests/{request_from_elsewhere.pk}/", {"action": "decline"}),
        client.get(f"/desk/reservations/{todays.pk}/hand-out/"),
        client.post(f"/desk/reservations/{todays.pk}/hand-out/", {"scan": "NOPE"}),
        client.get(f"/desk/loans/{loan.pk}/"),
        client.post(f"/desk/loans/{loan.pk}/", {}),
        client.get(f"/pools/{pool.pk}/calendar/"),
    ]
    for response in pages:
        parser = _Ids()
        parser.feed(response.content.decode())
        duplicates = {id_ for id_ in parser.ids if parser.ids.count(id_) > 1}
        assert not duplicates, (response.request["PATH_INFO"], duplicates)
        assert parser.autofocus <= 1, response.request["PATH_INFO"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_desk_and_pool_calendar_refuse_extreme_days_with_a_400(client, staff, pool, day):
    client.force_login(staff)
    for url in ("/desk/", f"/pools/{pool.pk}/calendar/"):
        response = client.get(url, {"date": day})
        assert response.status_code == 400, url
        assert "between the years 2000 and 2100" in response.content.decode()


@pytest.mark.parametrize("pools", [3, 30])
def test_the_requests_page_runs_the_same_queries_for_3_or_30_pools(
    client, django_assert_max_num_queries, other_organization, pools
):
    region_admin = UserFactory(is_region_admin=True)
    asker = MembershipFactory(organization=other_organization, role=Role.TEACHER).user
    for number in range(pools):
        shared = DevicePoolFactory(booking_scope="region", name=f"Geteilt {number}")
        DeviceFactory(pool=shared)
        ReservationFactory(
            pool=shared, user=asker, start=tomorrow(8), end=tomorrow(9), status="requested"
        )
    client.force_login(region_admin)
    with django_assert_max_num_queries(12):
        response = client.get("/desk/requests/")
    assert response.status_code == 200
    assert response.content.decode().count("Confirm") >= pools
    assert Reservation.objects.filter(status="requested").count() == pools


def test_the_desk_says_whether_it_is_open_today(client, staff, pool, time_machine):
    """A closed day has nothing to hand out: the desk says it is closed and when it opens,
    from the organization's hours; on an open day, until when it is open."""
    give_hours(pool.organization, LIBRARY_WEEK)  # closed Sunday and Monday
    time_machine.move_to(datetime.datetime(2027, 3, 8, 11, 0, tzinfo=BERLIN), tick=False)  # Mon
    client.force_login(staff)
    page = client.get("/desk/").content.decode()
    assert "Closed today, opens tomorrow at 10:00" in page

    time_machine.move_to(datetime.datetime(2027, 3, 9, 11, 0, tzinfo=BERLIN), tick=False)  # Tue
    page = client.get("/desk/").content.decode()
    assert "Open now until 13:00" in page
    assert "Closed today" not in page

    # Another day than today shows no "now".
    page = client.get("/desk/", {"date": "2027-03-08"}).content.decode()
    assert "Open now" not in page and "Closed today" not in page
