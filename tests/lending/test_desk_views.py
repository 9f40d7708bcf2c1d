"""The library desk: find a resident, their page, lend without a reservation, hand out against
one, take a device back by scanning it. Staff of the library see it; teachers, residents and
staff of other organizations get 404, never data."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from booking.models import Loan, LoanItem
from booking.services import end_of_day
from devices.models import Device, DeviceType
from lending.models import AgreementAcceptance, LibraryCard, WaitlistEntry
from organizations.models import Role
from tests.factories import (
    BorrowingAgreementFactory,
    DeviceFactory,
    DeviceTypeFactory,
    LendingPoolFactory,
    LibraryCardFactory,
    MembershipFactory,
    ReservationFactory,
    UserFactory,
    WaitlistEntryFactory,
)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(autouse=True)
def _in_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def library_teacher(library):
    """Someone with a role at the library that is not a managing one."""
    return MembershipFactory(organization=library, role=Role.TEACHER).user


@pytest.fixture
def other_librarian(other_organization):
    return MembershipFactory(organization=other_organization, role=Role.STAFF).user


@pytest.fixture
def laptop_type(db):
    return DeviceTypeFactory(kind=DeviceType.Kind.LAPTOP, make="Lenovo", model="ThinkPad E14")


@pytest.fixture
def lending_pool(pool):
    return pool


@pytest.fixture
def laptops(lending_pool, laptop_type):
    return [
        DeviceFactory(
            pool=lending_pool,
            device_type=laptop_type,
            asset_tag=f"SB-LAP-{number:03}",
            name=f"Laptop {number:02}",
        )
        for number in range(1, 4)
    ]


@pytest.fixture
def erika(db):
    return UserFactory(name="Erika Mustermann", email="erika.mustermann@example.org")


@pytest.fixture
def agreement(library):
    return BorrowingAgreementFactory(
        organization=library,
        version=2,
        title="Leihbedingungen für Laptops",
        text="Das Gerät ist pfleglich zu behandeln.\n\nBei Verlust wird Ersatz fällig.",
    )


@pytest.fixture
def accepted(agreement, erika):
    return AgreementAcceptance.objects.create(agreement=agreement, user=erika)


def lend(pool, borrower, devices, *, days: int = 14, ago: int = 0) -> Loan:
    """A loan written directly (test setup): handed out ``ago`` days ago, due ``days`` later."""
    handed_out = timezone.now() - datetime.timedelta(days=ago)
    loan = Loan.objects.create(
        pool=pool,
        borrower=borrower,
        handed_out_at=handed_out,
        due_at=handed_out + datetime.timedelta(days=days),
    )
    LoanItem.objects.bulk_create([LoanItem(loan=loan, device=device) for device in devices])
    return loan


def due_day(loan: Loan) -> datetime.date:
    """The day shown as due: a loan due at midnight is due by the end of the day before."""
    return timezone.localtime(loan.due_at - datetime.timedelta(microseconds=1)).date()


def desk_url(path: str, organization, **query) -> str:
    from django.utils.http import urlencode

    return f"{path}?{urlencode({'organization': organization.slug, **query})}"


def open_items() -> int:
    return LoanItem.objects.filter(returned_at__isnull=True).count()


# ---------------------------------------------------------------------------------------
# Who may use the library desk


@pytest.mark.parametrize("who", ["library_teacher", "resident", "other_librarian", "teacher"])
def test_others_get_404_on_every_library_desk_page(
    client, request, who, library, lending_pool, laptops, erika, agreement
):
    loan = lend(lending_pool, erika, laptops[:1])
    client.force_login(request.getfixturevalue(who))
    for url in [
        f"/desk/residents/?organization={library.slug}&q=Erika",
        f"/desk/residents/{erika.pk}/?organization={library.slug}",
        f"/desk/return/?organization={library.slug}",
        f"/desk/agreements/{agreement.pk}.pdf",
        f"/desk/agreements/{agreement.pk}.pdf?user={erika.pk}",
    ]:
        assert client.get(url).status_code == 404, url
    posts = {
        f"/desk/residents/{erika.pk}/card/": {"number": "X1"},
        f"/desk/residents/{erika.pk}/agreement/": {"agreement": agreement.pk},
        f"/desk/residents/{erika.pk}/lend/": {"pool": lending_pool.pk, "scan": "SB-LAP-002"},
        "/desk/return/": {"code": "SB-LAP-001", "condition": "complete"},
    }
    for url, data in posts.items():
        assert client.post(url, {"organization": library.slug, **data}).status_code == 404, url
    assert open_items() == 1 and Loan.objects.count() == 1
    assert not LibraryCard.objects.exists() and not AgreementAcceptance.objects.exists()
    assert loan.items.get().returned_at is None


def test_logged_out_people_are_sent_to_log_in(client, library):
    response = client.get("/desk/residents/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/desk/residents/"),
        ("post", "/desk/residents/{erika}/"),
        ("get", "/desk/residents/{erika}/card/"),
        ("get", "/desk/residents/{erika}/agreement/"),
        ("get", "/desk/residents/{erika}/lend/"),
        ("put", "/desk/return/"),
        ("post", "/desk/agreements/{agreement}.pdf"),
    ],
)
def test_the_wrong_method_gets_405(client, librarian, method, url, erika, agreement):
    LibraryCardFactory(organization=agreement.organization, user=erika)
    client.force_login(librarian)
    url = url.format(erika=erika.pk, agreement=agreement.pk)
    assert getattr(client, method)(url).status_code == 405


# ---------------------------------------------------------------------------------------
# Find a resident


def test_staff_find_a_resident_by_part_of_name_or_email(
    client, librarian, library, lending_pool, laptops, erika
):
    lend(lending_pool, erika, laptops[:1])
    client.force_login(librarian)
    for query in ["muster", "ERIKA.MUSTER"]:
        response = client.get(desk_url("/desk/residents/", library, q=query))
        html = response.content.decode()
        assert response.status_code == 200
        assert "1 person found" in html and "Erika Mustermann" in html
        assert f"/desk/residents/{erika.pk}/" in html


def test_a_scanned_library_card_opens_the_residents_page(client, librarian, library, erika):
    LibraryCardFactory(organization=library, user=erika, number="SB0012345")
    client.force_login(librarian)
    response = client.get(desk_url("/desk/residents/", library, q="sb0012345"))
    assert response.status_code == 302
    assert response["Location"].startswith(f"/desk/residents/{erika.pk}/")


def test_a_card_of_another_library_finds_nobody(client, librarian, library, erika):
    LibraryCardFactory(user=erika, number="MIL-777")  # another library's card
    client.force_login(librarian)
    html = client.get(desk_url("/desk/residents/", library, q="MIL-777")).content.decode()
    assert "0 people found" in html and "Erika" not in html


def test_people_without_anything_here_are_found_only_by_their_exact_email(
    client, librarian, library, erika
):
    client.force_login(librarian)
    for query in ["Erika", "erika.mustermann", "example.org"]:
        html = client.get(desk_url("/desk/residents/", library, q=query)).content.decode()
        assert "Erika Mustermann" not in html, query
    response = client.get(desk_url("/desk/residents/", library, q="Erika.Mustermann@example.org"))
    html = response.content.decode()
    assert "Erika Mustermann" in html
    # The link carries the address, which is what lets staff open the page.
    assert "email=Erika.Mustermann%40example.org" in html
    page = client.get(
        desk_url(f"/desk/residents/{erika.pk}/", library, email="erika.mustermann@example.org")
    )
    assert page.status_code == 200
    assert client.get(desk_url(f"/desk/residents/{erika.pk}/", library)).status_code == 404
    wrong = desk_url(f"/desk/residents/{erika.pk}/", library, email="someone@example.org")
    assert client.get(wrong).status_code == 404


def test_people_of_another_organization_are_not_found(
    client, librarian, library, other_organization, erika
):
    pool = LendingPoolFactory(organization=other_organization)
    lend(pool, erika, [DeviceFactory(pool=pool)])
    client.force_login(librarian)
    html = client.get(desk_url("/desk/residents/", library, q="Erika")).content.decode()
    assert "0 people found" in html


@pytest.mark.parametrize("query", ["x" * 151, "Erika\x00"])
def test_bad_search_input_is_a_400(client, librarian, library, query):
    client.force_login(librarian)
    response = client.get(desk_url("/desk/residents/", library, q=query))
    assert response.status_code == 400


def test_an_empty_search_shows_the_field_and_nobody(client, librarian, library, erika):
    LibraryCardFactory(organization=library, user=erika)
    client.force_login(librarian)
    response = client.get(desk_url("/desk/residents/", library))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="q"' in html and "autofocus" in html and "Erika" not in html


@pytest.mark.parametrize("people", [3, 30])
def test_the_search_runs_a_constant_number_of_queries(
    client, librarian, library, lending_pool, laptops, people, django_assert_max_num_queries
):
    for n in range(people):
        person = UserFactory(name=f"Max Muster {n:03}")
        LibraryCardFactory(organization=library, user=person, number=f"C{n:05}")
        lend(lending_pool, person, [], ago=20)  # overdue, without devices: still "blocked"
    client.force_login(librarian)
    with django_assert_max_num_queries(8):
        response = client.get(desk_url("/desk/residents/", library, q="Max Muster"))
    html = response.content.decode()
    assert f"{people} people found" in html
    assert html.count("Blocked: overdue") == people


# ---------------------------------------------------------------------------------------
# The resident's page


def test_the_residents_page_shows_what_they_have_owe_wait_for_and_signed(
    client, librarian, library, lending_pool, laptops, erika, agreement
):
    LibraryCardFactory(organization=library, user=erika, number="SB0012345")
    lend(lending_pool, erika, laptops[:1], days=14, ago=20)  # overdue for 6 days
    lend(lending_pool, erika, laptops[1:2], days=14)
    pickup = timezone.now() - datetime.timedelta(hours=1)
    reservation = ReservationFactory(
        pool=lending_pool, user=erika, start=pickup, end=pickup + datetime.timedelta(days=14)
    )
    other_pool = LendingPoolFactory(organization=library, name="Leih-Tablets")
    WaitlistEntryFactory(pool=other_pool, user=UserFactory())
    WaitlistEntryFactory(pool=other_pool, user=erika)
    client.force_login(librarian)

    response = client.get(desk_url(f"/desk/residents/{erika.pk}/", library))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Erika Mustermann" in html and "erika.mustermann@example.org" in html
    assert "SB0012345" in html
    assert "Blocked: overdue devices" in html
    was_due = timezone.localtime(timezone.now() - datetime.timedelta(days=6))
    assert f"SB-LAP-001 (Laptop 01, Leih-Laptops): due on {was_due:%m/%d/%Y}" in html
    assert "2 open loans" in html
    assert html.count("/desk/loans/") == 2
    assert f"/desk/reservations/{reservation.pk}/hand-out/" in html
    assert "Leih-Tablets: place 2" in html
    assert "Version 2: not accepted yet." in html
    assert f"/desk/agreements/{agreement.pk}.pdf?user={erika.pk}" in html
    assert "Signed on paper" in html
    assert "Lend without reservation" in html
    assert "The borrowing agreement was signed on paper" in html


def test_the_page_says_which_version_was_accepted(
    client, librarian, library, lending_pool, erika, accepted
):
    LibraryCardFactory(organization=library, user=erika)
    client.force_login(librarian)
    html = client.get(desk_url(f"/desk/residents/{erika.pk}/", library)).content.decode()
    accepted_on = timezone.localtime(accepted.accepted_at)
    assert f"Accepted version 2 on {accepted_on:%m/%d/%Y}." in html
    assert "Signed on paper" not in html
    assert "The borrowing agreement was signed on paper" not in html


def test_an_overdue_device_elsewhere_is_mentioned_without_details(
    client, librarian, library, other_organization, erika
):
    LibraryCardFactory(organization=library, user=erika)
    pool = LendingPoolFactory(organization=other_organization, name="Fremde Laptops")
    lend(pool, erika, [DeviceFactory(pool=pool, asset_tag="MIL-9")], ago=30)
    client.force_login(librarian)
    html = client.get(desk_url(f"/desk/residents/{erika.pk}/", library)).content.decode()
    assert "also has an overdue device at another organization" in html
    assert "MIL-9" not in html and "Fremde Laptops" not in html


@pytest.mark.parametrize("loans", [3, 30])
def test_the_residents_page_runs_a_constant_number_of_queries(
    client,
    librarian,
    library,
    lending_pool,
    laptop_type,
    erika,
    agreement,
    loans,
    django_assert_max_num_queries,
):
    devices = Device.objects.bulk_create(
        [
            Device(
                organization=library,
                pool=lending_pool,
                device_type=laptop_type,
                asset_tag=f"Q-{n:04}",
                label_code=f"Q{n:07}",
            )
            for n in range(loans)
        ]
    )
    for n, device in enumerate(devices):
        lend(lending_pool, erika, [device], ago=20 if n % 2 else 0)
        ReservationFactory(pool=lending_pool, user=erika, quantity=1)
    client.force_login(librarian)
    # 4 of them read the opening calendar for the default due date.
    with django_assert_max_num_queries(17):
        response = client.get(desk_url(f"/desk/residents/{erika.pk}/", library))
    assert response.status_code == 200
    assert response.content.decode().count("/desk/loans/") == loans


# ---------------------------------------------------------------------------------------
# Library card and agreement


def test_staff_set_and_change_the_library_card_number(
    client, librarian, library, lending_pool, erika
):
    ReservationFactory(pool=lending_pool, user=erika)  # the library knows her
    client.force_login(librarian)
    url = f"/desk/residents/{erika.pk}/card/"
    response = client.post(url, {"organization": library.slug, "number": " SB-1 "})
    assert response.status_code == 302
    assert LibraryCard.objects.get(user=erika, organization=library).number == "SB-1"
    page = client.get(response["Location"], follow=True)
    assert "Library card number saved." in page.content.decode()
    client.post(url, {"organization": library.slug, "number": "SB-2"})
    assert LibraryCard.objects.get(user=erika, organization=library).number == "SB-2"


def test_a_card_number_in_use_is_refused(client, librarian, library, erika):
    LibraryCardFactory(organization=library, number="SB-1")
    LibraryCardFactory(organization=library, user=erika, number="SB-2")
    client.force_login(librarian)
    response = client.post(
        f"/desk/residents/{erika.pk}/card/", {"organization": library.slug, "number": "SB-1"}
    )
    assert response.status_code == 400
    assert LibraryCard.objects.get(user=erika).number == "SB-2"


def test_an_empty_card_number_removes_the_card(client, librarian, library, erika):
    LibraryCardFactory(organization=library, user=erika, number="SB-2")
    client.force_login(librarian)
    response = client.post(
        f"/desk/residents/{erika.pk}/card/", {"organization": library.slug, "number": " "}
    )
    assert response.status_code == 302
    assert not LibraryCard.objects.exists()
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Library card number removed." in page.content.decode()


def test_a_card_number_that_is_too_long_is_a_400(client, librarian, library, erika):
    LibraryCardFactory(organization=library, user=erika, number="SB-2")
    client.force_login(librarian)
    response = client.post(
        f"/desk/residents/{erika.pk}/card/", {"organization": library.slug, "number": "9" * 41}
    )
    assert response.status_code == 400
    assert LibraryCard.objects.get(user=erika).number == "SB-2"


def test_staff_record_an_agreement_signed_on_paper(client, librarian, library, erika, agreement):
    LibraryCardFactory(organization=library, user=erika)
    client.force_login(librarian)
    response = client.post(
        f"/desk/residents/{erika.pk}/agreement/",
        {"organization": library.slug, "agreement": agreement.pk},
        follow=True,
    )
    acceptance = AgreementAcceptance.objects.get()
    assert (acceptance.agreement, acceptance.user, acceptance.recorded_by) == (
        agreement,
        erika,
        librarian,
    )
    assert "signed version 2 on paper" in response.content.decode()


def test_an_agreement_of_another_organization_cannot_be_recorded(
    client, librarian, library, other_organization, erika
):
    LibraryCardFactory(organization=library, user=erika)
    foreign = BorrowingAgreementFactory(organization=other_organization)
    client.force_login(librarian)
    for value in [foreign.pk, "x", ""]:
        response = client.post(
            f"/desk/residents/{erika.pk}/agreement/",
            {"organization": library.slug, "agreement": value},
        )
        assert response.status_code == 404
    assert not AgreementAcceptance.objects.exists()


# ---------------------------------------------------------------------------------------
# Lend without a reservation


def test_staff_lend_a_scanned_laptop_without_reservation(
    client, librarian, library, lending_pool, laptops, erika, accepted
):
    client.force_login(librarian)
    response = client.post(
        f"/desk/residents/{erika.pk}/lend/",
        {
            "organization": library.slug,
            "email": erika.email,
            "pool": lending_pool.pk,
            "scan": "sb-lap-002\n",
        },
        follow=True,
    )
    loan = Loan.objects.get()
    assert loan.borrower == erika and loan.handed_out_by == librarian
    assert [item.device for item in loan.items.all()] == [laptops[1]]
    due = due_day(loan)
    assert due == timezone.localdate() + datetime.timedelta(days=14)
    assert f"SB-LAP-002 lent to Erika Mustermann, due on {due:%m/%d/%Y}." in (
        response.content.decode()
    )


def test_staff_lend_for_a_shorter_time(
    client, librarian, library, lending_pool, laptops, erika, accepted
):
    day = timezone.localdate() + datetime.timedelta(days=3)
    client.force_login(librarian)
    client.post(
        f"/desk/residents/{erika.pk}/lend/",
        {
            "organization": library.slug,
            "email": erika.email,
            "pool": lending_pool.pk,
            "scan": "SB-LAP-001",
            "due_date": day.isoformat(),
        },
    )
    assert due_day(Loan.objects.get()) == day


def test_lending_without_the_agreement_asks_for_it(
    client, librarian, library, lending_pool, laptops, erika, agreement
):
    client.force_login(librarian)
    data = {
        "organization": library.slug,
        "email": erika.email,
        "pool": lending_pool.pk,
        "scan": "SB-LAP-001",
    }
    response = client.post(f"/desk/residents/{erika.pk}/lend/", data)
    assert response.status_code == 400
    assert "agreement" in response.content.decode()
    assert not Loan.objects.exists()

    response = client.post(f"/desk/residents/{erika.pk}/lend/", data | {"agreement_signed": "on"})
    assert response.status_code == 302
    assert Loan.objects.get().borrower == erika
    assert AgreementAcceptance.objects.get().recorded_by == librarian


@pytest.mark.parametrize(
    ("scan", "message"),
    [
        ("SB-LAP-999", "No device of yours has the label or asset tag SB-LAP-999."),
        ("", "This field is required."),
        (" , ", "Please scan or type at least one device."),
        ("SB-LAP-001", "already handed out"),
        ("\x00", "Request not understood"),  # a NUL byte is a 400 before any view
    ],
)
def test_lending_what_cannot_go_out_is_a_400_and_writes_nothing(
    client, librarian, library, lending_pool, laptops, erika, accepted, scan, message
):
    lend(lending_pool, UserFactory(), laptops[:1])
    client.force_login(librarian)
    response = client.post(
        f"/desk/residents/{erika.pk}/lend/",
        {"organization": library.slug, "email": erika.email, "pool": lending_pool.pk, "scan": scan},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Loan.objects.count() == 1 and open_items() == 1


def test_a_due_date_in_the_past_is_refused(
    client, librarian, library, lending_pool, laptops, erika, accepted
):
    client.force_login(librarian)
    response = client.post(
        f"/desk/residents/{erika.pk}/lend/",
        {
            "organization": library.slug,
            "email": erika.email,
            "pool": lending_pool.pk,
            "scan": "SB-LAP-001",
            "due_date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "The due date cannot be in the past." in response.content.decode()
    assert not Loan.objects.exists()


def test_a_pool_of_another_organization_cannot_be_chosen(
    client, librarian, library, other_organization, erika, accepted
):
    foreign = LendingPoolFactory(organization=other_organization)
    DeviceFactory(pool=foreign, asset_tag="MIL-1")
    client.force_login(librarian)
    response = client.post(
        f"/desk/residents/{erika.pk}/lend/",
        {"organization": library.slug, "email": erika.email, "pool": foreign.pk, "scan": "MIL-1"},
    )
    assert response.status_code == 400
    assert not Loan.objects.exists()


# ---------------------------------------------------------------------------------------
# Hand out against a reservation, from the resident's page


def test_hand_out_from_the_residents_page_returns_there(
    client, librarian, library, lending_pool, laptops, erika, accepted
):
    pickup = timezone.now() - datetime.timedelta(hours=1)
    reservation = ReservationFactory(
        pool=lending_pool, user=erika, start=pickup, end=pickup + datetime.timedelta(days=14)
    )
    page = desk_url(f"/desk/residents/{erika.pk}/", library)
    client.force_login(librarian)
    response = client.post(
        f"/desk/reservations/{reservation.pk}/hand-out/", {"scan": "SB-LAP-003", "next": page}
    )
    assert response.status_code == 302 and response["Location"] == page
    assert [item.device for item in Loan.objects.get().items.all()] == [laptops[2]]


def test_hand_out_never_returns_to_another_site(
    client, librarian, library, lending_pool, laptops, erika, accepted
):
    pickup = timezone.now() - datetime.timedelta(hours=1)
    reservation = ReservationFactory(
        pool=lending_pool, user=erika, start=pickup, end=pickup + datetime.timedelta(days=14)
    )
    client.force_login(librarian)
    response = client.post(
        f"/desk/reservations/{reservation.pk}/hand-out/",
        {"scan": "SB-LAP-003", "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"].startswith("/desk/")


def test_hand_out_to_a_resident_takes_a_shorter_due_date(
    client, librarian, library, lending_pool, laptops, erika, accepted
):
    pickup = timezone.now() - datetime.timedelta(hours=1)
    reservation = ReservationFactory(
        pool=lending_pool, user=erika, start=pickup, end=pickup + datetime.timedelta(days=14)
    )
    client.force_login(librarian)
    form = client.get(f"/desk/reservations/{reservation.pk}/hand-out/").content.decode()
    default = timezone.localdate() + datetime.timedelta(days=14)
    assert f'value="{default:%Y-%m-%d}"' in form
    day = timezone.localdate() + datetime.timedelta(days=7)
    client.post(
        f"/desk/reservations/{reservation.pk}/hand-out/",
        {"scan": "SB-LAP-001", "due_date": day.isoformat()},
    )
    assert due_day(Loan.objects.get()) == day


def test_a_teachers_hand_out_has_no_due_date_field(client, staff, organization):
    from tests.factories import DevicePoolFactory

    reservation = ReservationFactory(pool=DevicePoolFactory(organization=organization))
    client.force_login(staff)
    html = client.get(f"/desk/reservations/{reservation.pk}/hand-out/").content.decode()
    assert "Due on" not in html and 'name="due_date"' not in html


# ---------------------------------------------------------------------------------------
# Take back by scanning


def test_the_return_page_waits_for_a_scan(client, librarian, library):
    client.force_login(librarian)
    response = client.get(desk_url("/desk/return/", library))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_code"' in html and "autofocus" in html.split('id="id_code"')[1].split(">")[0]
    assert 'value="complete" id="id_condition_0" checked' in html


def test_the_desk_links_to_take_back_and_to_the_residents(client, librarian, library):
    client.force_login(librarian)
    html = client.get(desk_url("/desk/", library)).content.decode()
    assert f"/desk/return/?organization={library.slug}" in html
    assert f"/desk/residents/?organization={library.slug}" in html


def test_staff_take_back_a_scanned_device_and_read_what_is_still_out(
    client, librarian, library, lending_pool, laptops, erika
):
    lend(lending_pool, erika, laptops[:2])
    client.force_login(librarian)
    response = client.post(
        "/desk/return/",
        {"organization": library.slug, "code": "sb-lap-001", "condition": "complete"},
        follow=True,
    )
    html = response.content.decode()
    assert "Laptop 01 (SB-LAP-001) is back from Erika Mustermann." in html
    assert "1 more device is still out." in html
    assert LoanItem.objects.get(device=laptops[0]).condition == "complete"

    response = client.post(
        "/desk/return/",
        {"organization": library.slug, "code": laptops[1].label_code, "condition": "complete"},
        follow=True,
    )
    assert "All returned." in response.content.decode()
    assert Loan.objects.get().closed_at is not None


def test_a_damaged_device_goes_to_repair_with_the_note(
    client, librarian, library, lending_pool, laptops, erika
):
    lend(lending_pool, erika, laptops[:1])
    client.force_login(librarian)
    response = client.post(
        "/desk/return/",
        {
            "organization": library.slug,
            "code": "SB-LAP-001",
            "condition": "damaged",
            "note": "Display cracked",
        },
        follow=True,
    )
    assert "It has been sent to repair." in response.content.decode()
    item = LoanItem.objects.get()
    assert (item.condition, item.note) == ("damaged", "Display cracked")
    laptops[0].refresh_from_db()
    assert laptops[0].status == Device.Status.IN_REPAIR


@pytest.mark.parametrize("condition", ["damaged", "missing_parts"])
def test_not_complete_without_a_note_is_a_400(
    client, librarian, library, lending_pool, laptops, erika, condition
):
    lend(lending_pool, erika, laptops[:1])
    client.force_login(librarian)
    response = client.post(
        "/desk/return/",
        {"organization": library.slug, "code": "SB-LAP-001", "condition": condition},
    )
    assert response.status_code == 400
    assert "Please describe the damage or what is missing." in response.content.decode()
    assert open_items() == 1


@pytest.mark.parametrize(
    ("code", "message"),
    [("SB-LAP-002", "not on loan"), ("NOPE-42", "NOPE-42"), ("", "This field is required")],
)
def test_a_code_that_is_not_on_loan_is_a_400_and_changes_nothing(
    client, librarian, library, lending_pool, laptops, erika, code, message
):
    lend(lending_pool, erika, laptops[:1])
    client.force_login(librarian)
    response = client.post(
        "/desk/return/", {"organization": library.slug, "code": code, "condition": "complete"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    # The field is empty again, ready for the next scan.
    assert 'value="' not in html.split('id="id_code"')[1].split(">")[0]
    assert open_items() == 1 and Loan.objects.get().closed_at is None


def test_a_device_of_another_library_cannot_be_taken_back(
    client, librarian, library, other_organization, erika
):
    pool = LendingPoolFactory(organization=other_organization)
    lend(pool, erika, [DeviceFactory(pool=pool, asset_tag="MIL-1")])
    client.force_login(librarian)
    response = client.post(
        "/desk/return/", {"organization": library.slug, "code": "MIL-1", "condition": "complete"}
    )
    assert response.status_code == 400
    assert open_items() == 1


# ---------------------------------------------------------------------------------------
# Overdue per pool on the desk


def test_the_desk_groups_overdue_loans_by_pool(
    client, librarian, library, lending_pool, laptops, erika
):
    tablets = LendingPoolFactory(organization=library, name="Leih-Tablets")
    lend(lending_pool, erika, laptops[:1], ago=20)
    lend(tablets, UserFactory(name="Tom Tablet"), [DeviceFactory(pool=tablets)], ago=20)
    client.force_login(librarian)
    html = client.get(desk_url("/desk/", library)).content.decode()
    overdue = html.split('id="overdue-heading"')[1].split("</section>")[0]
    assert "Leih-Laptops: 1 overdue" in overdue and "Leih-Tablets: 1 overdue" in overdue
    laptops_part = overdue.split("Leih-Laptops: 1 overdue")[1].split("Leih-Tablets")[0]
    assert "Erika Mustermann" in laptops_part and "Tom Tablet" not in laptops_part
    assert "Overdue loans of Leih-Tablets" in overdue


def test_waitlist_shows_a_held_device(client, librarian, library, lending_pool, erika):
    hold = timezone.now() + datetime.timedelta(days=2)
    WaitlistEntry.objects.create(pool=lending_pool, user=erika, status="offered", hold_until=hold)
    client.force_login(librarian)
    html = client.get(desk_url(f"/desk/residents/{erika.pk}/", library)).content.decode()
    assert "Leih-Laptops: a device is held until" in html


# --- Day-based loans on the staff desk ------------------------------------------------------


def test_the_desk_shows_residents_loans_and_pick_ups_by_day_not_at_midnight(
    client, librarian, lending_pool, laptops, erika, accepted
):
    from booking import services
    from lending import services as lending_services

    today = timezone.localdate()
    lending_services.reserve_loan(by=erika, pool=lending_pool, pickup_date=today)
    overdue = lend(lending_pool, erika, laptops[1:2], days=3, ago=5)
    due_day = services.last_day(overdue.due_at)
    client.force_login(librarian)

    html = client.get("/desk/").content.decode()

    due = f"{due_day:%a}, {due_day:%m/%d/%Y}"
    assert due in html
    assert "00:00" not in html
    last = today + datetime.timedelta(days=lending_pool.loan_period_days)
    assert f"{today:%m/%d/%Y} – {last:%a}, {last:%m/%d/%Y}" in html


# --- holds at the desk --------------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_the_desk_shows_the_last_day_of_a_hold(make_pool, client, library, librarian):
    pool = make_pool(library, devices=1)
    anna = UserFactory()
    last = timezone.localdate() + datetime.timedelta(days=3)
    WaitlistEntry.objects.create(
        pool=pool, user=anna, status="offered", hold_until=end_of_day(last)
    )
    client.force_login(librarian)
    url = reverse("lending_desk:resident", kwargs={"pk": anna.pk})
    html = client.get(url, {"organization": library.slug}).content.decode()
    assert f"a device is held until {date_format(last, 'SHORT_DATE_FORMAT')}" in html


def test_in_german_the_desk_says_the_resident_returned_the_device(
    client, librarian, library, lending_pool, laptops, erika, settings
):
    lend(lending_pool, erika, laptops[:1])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    client.force_login(librarian)
    response = client.post(
        "/desk/return/",
        {"organization": library.slug, "code": "sb-lap-001", "condition": "complete"},
        follow=True,
    )
    html = response.content.decode()
    assert "Laptop 01 (SB-LAP-001) wurde von Erika Mustermann zurückgegeben." in html
    assert "zurückgenommen" not in html
    assert "Zurücknehmen" in html  # the staff's own action keeps its word
