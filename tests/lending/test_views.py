"""The residents' lending pages: the pools, one pool with its reserve form (and the borrowing
agreement), one reservation, my loans (renew, waiting lists), and the agreement page.

Pages are requested in English so that the assertions hold before and after the German
translation is filled in."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from booking import services as booking_services
from booking.models import Loan, LoanItem, Reservation
from devices.models import Device
from lending import services
from lending.models import AgreementAcceptance, WaitlistEntry
from organizations.models import Role
from tests.factories import (
    BorrowingAgreementFactory,
    DeviceFactory,
    DevicePoolFactory,
    DeviceTypeFactory,
    DistrictFactory,
    LendingPoolFactory,
    LocationFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    WaitlistEntryFactory,
)
from tests.html_lang import languages_of

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def laptop():
    return DeviceTypeFactory(
        kind="laptop", make="Lenovo", model="ThinkPad E14", operating_system="Ubuntu"
    )


@pytest.fixture
def library(db):
    return OrganizationFactory(
        name="Stadtbibliothek Aschaffenburg",
        slug="stadtbibliothek",
        kind="library",
        district=DistrictFactory(name="Stadt Aschaffenburg", slug="stadt-ab"),
        street="Schlossplatz 1",
        postal_code="63739",
        city="Aschaffenburg",
        opening_hours="Di–Fr 10–18 Uhr\nSa 10–14 Uhr",
    )


@pytest.fixture
def pool(library, laptop):
    pool = LendingPoolFactory(
        organization=library,
        name="Leih-Laptops",
        location=LocationFactory(organization=library, name="Ausleihtheke EG"),
        pickup_note="Please bring your ID card.",
        per_person_limit=1,
    )
    pool.device_types.add(laptop)
    DeviceFactory.create_batch(3, pool=pool, device_type=laptop)
    return pool


@pytest.fixture
def agreement(library):
    return BorrowingAgreementFactory(
        organization=library,
        title="Borrowing terms",
        text="Handle the device with care.\n\nA lost device must be replaced.",
    )


def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


def make_loan(pool, borrower, *, due_in_days: int = 7, devices: int = 1, closed=False) -> Loan:
    """A loan as the desk writes it: handed out (at least) 14 days before it is due, with the
    reservation that holds its devices until then."""
    now = timezone.now()
    due = now + datetime.timedelta(days=due_in_days)
    handed_out = min(due - datetime.timedelta(days=14), now - datetime.timedelta(hours=1))
    reservation = Reservation.objects.create(
        pool=pool, user=borrower, quantity=devices, start=handed_out, end=due
    )
    loan = Loan.objects.create(
        pool=pool,
        reservation=reservation,
        borrower=borrower,
        handed_out_at=handed_out,
        due_at=due,
        closed_at=now if closed else None,
    )
    out = LoanItem.objects.filter(returned_at__isnull=True).values("device")
    free = Device.objects.filter(pool=pool).exclude(pk__in=out)
    for device in free[:devices]:
        LoanItem.objects.create(loan=loan, device=device, returned_at=now if closed else None)
    return loan


def lend_everything(pool, *, days: int = 20) -> None:
    """Every device of the pool is out to somebody else for ``days`` more days."""
    make_loan(pool, UserFactory(), due_in_days=days, devices=pool.devices.count())


def reserve_data(**overrides) -> dict:
    return {"pickup_date": tomorrow().isoformat(), **overrides}


# --- the pools ------------------------------------------------------------------------------


def test_anyone_sees_the_lendable_pools_with_what_matters(client, pool, library):
    DevicePoolFactory(organization=library, name="Tablets for staff only")
    closed = LendingPoolFactory(name="Old laptops", is_active=False)
    DeviceFactory(pool=closed)
    gone = LendingPoolFactory(name="Laptops of a closed library")
    gone.organization.is_active = False
    gone.organization.save()

    # A Wednesday: "free now" counts only on a day the library may be open (not on Sundays).
    with time_machine.travel(datetime.datetime(2027, 3, 31, 12, tzinfo=BERLIN), tick=False):
        response = client.get(reverse("lending:pools"))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Leih-Laptops" in text
    assert "Stadtbibliothek Aschaffenburg" in text
    assert "Stadt Aschaffenburg" in text
    assert "3 free now" in text
    assert "14 days" in text
    assert "Ausleihtheke EG" in text
    assert "Lenovo ThinkPad E14" in text
    assert "Tablets for staff only" not in text
    assert "Old laptops" not in text
    assert "Laptops of a closed library" not in text


def test_a_pool_with_nothing_free_says_when_and_how_many_wait(client, pool):
    lend_everything(pool, days=5)
    WaitlistEntryFactory.create_batch(2, pool=pool)

    text = client.get(reverse("lending:pools")).content.decode()

    assert "free now" not in text
    assert "2 people waiting" in text


def test_the_pools_filter_by_district_town_and_kind(client, pool, laptop):
    miltenberg = DistrictFactory(name="Landkreis Miltenberg", slug="lk-mil")
    elsewhere = LendingPoolFactory(
        name="Tablets in Miltenberg",
        organization__district=miltenberg,
        organization__city="Miltenberg",
    )
    elsewhere.device_types.add(DeviceTypeFactory())  # a tablet
    LendingPoolFactory(
        name="Laptops in Amorbach", organization__district=miltenberg, organization__city="Amorbach"
    )

    def shown(**filters) -> str:
        return client.get(reverse("lending:pools"), filters).content.decode()

    by_district = shown(district="lk-mil")
    by_town = shown(town="Miltenberg")
    by_kind = shown(kind="laptop")
    both = shown(district="lk-mil", town="Amorbach")

    assert "Tablets in Miltenberg" in by_district and "Laptops in Amorbach" in by_district
    assert "Leih-Laptops" not in by_district
    assert "2 lending offers in Landkreis Miltenberg" in by_district
    assert "Tablets in Miltenberg" in by_town and "Laptops in Amorbach" not in by_town
    assert "1 lending offer in Miltenberg" in by_town
    assert "Leih-Laptops" in by_kind and "Tablets in Miltenberg" not in by_kind
    assert "1 lending offer in the region" in by_kind
    assert "Laptops in Amorbach" in both and "Tablets in Miltenberg" not in both
    assert "1 lending offer in Amorbach, Landkreis Miltenberg" in both


def test_the_place_filter_offers_the_districts_and_towns_that_lend(client, pool):
    LendingPoolFactory(organization__city="Östringen")
    LendingPoolFactory(organization__city="Obernburg a.Main")
    school = DevicePoolFactory(organization__city="Nowhere-with-a-school-pool")

    text = client.get(reverse("lending:pools")).content.decode()

    start = text.index('name="town"')
    towns = text[start : text.index("</select>", start)]
    assert towns.index("Aschaffenburg") < towns.index("Obernburg") < towns.index("Östringen")
    assert school.organization.city not in text
    assert '<option value="stadt-ab">Stadt Aschaffenburg</option>' in text


@pytest.mark.parametrize(
    "filters",
    [{"district": "<x>"}, {"town": "Atlantis"}, {"district": "<x>", "town": "Atlantis"}],
)
def test_an_unknown_place_is_named_and_ignored(client, pool, filters):
    response = client.get(reverse("lending:pools"), {**filters, "kind": "toaster"})

    text = response.content.decode()
    assert response.status_code == 200
    assert "Leih-Laptops" in text  # the filters that are wrong are left out
    assert "1 lending offer in the region" in text
    for value in filters.values():
        escaped = value.replace("<", "&lt;").replace(">", "&gt;")
        assert f"No lending offer in “{escaped}”. Choose a place from the list." in text


def test_an_empty_result_says_what_to_do(client, pool):
    LendingPoolFactory(organization__city="Amorbach")

    text = client.get(
        reverse("lending:pools"), {"district": "stadt-ab", "town": "Amorbach"}
    ).content.decode()

    assert "0 lending offers in Amorbach, Stadt Aschaffenburg" in text
    assert "Nothing matches. Choose another place or kind of device." in text
    assert f'href="{reverse("lending:pools")}">Show all</a>' in text


def pools_in(district: str, count: int) -> list[str]:
    """``count`` pools of one library in ``district``; their names as the list orders them."""
    library = OrganizationFactory(
        name=f"Bibliothek {district}",
        kind="library",
        district=DistrictFactory(name=f"Gebiet {district}", slug=district),
    )
    names = [f"{district} pool {number:02}" for number in range(count)]
    for name in names:
        LendingPoolFactory(organization=library, name=name)
    return names


def cards(response) -> list[str]:
    """The pools' names on a page, in order."""
    text = response.content.decode()
    return [
        part.split("</a>")[0].split(">")[-1] for part in text.split('<h4 class="kern-title">')[1:]
    ]


def nav_of(response) -> str:
    text = response.content.decode()
    start = text.index('<nav class="lending-pages"')
    return text[start : text.index("</nav>", start)]


def test_the_list_shows_twenty_a_page_and_every_pool_is_reached_by_its_page_numbers(client):
    names = pools_in("lk-ab", 45)

    pages = [client.get(reverse("lending:pools"), {"page": number}) for number in (1, 2, 3)]
    first = client.get(reverse("lending:pools"))

    assert [len(cards(page)) for page in pages] == [20, 20, 5]
    assert [name for page in pages for name in cards(page)] == names
    assert cards(first) == names[:20]
    assert "45 lending offers in the region" in first.content.decode()
    assert "Showing 1–20 (page 1 of 3)." in first.content.decode()
    assert "Showing 21–40 (page 2 of 3)." in pages[1].content.decode()
    nav = nav_of(pages[1])
    assert 'aria-label="Pages of the lending offers"' in nav
    assert (
        'href="?page=2" aria-current="page"><span class="visually-hidden">Page </span>2</a>' in nav
    )
    assert nav.count("aria-current") == 1
    for number in (1, 3):
        assert (
            f'href="?page={number}"><span class="visually-hidden">Page </span>{number}</a>' in nav
        )
    assert 'href="?page=1" rel="prev">Previous page</a>' in nav
    assert 'href="?page=3" rel="next">Next page</a>' in nav


def test_a_long_list_of_pages_is_elided_around_the_current_one(client):
    pools_in("lk-ab", 20 * 12)

    nav = nav_of(client.get(reverse("lending:pools"), {"page": 6}))

    shown = [number for number in range(1, 13) if f"</span>{number}</a>" in nav]
    assert shown == [1, 4, 5, 6, 7, 8, 12]
    assert nav.count("…") == 2


def test_the_page_links_keep_the_filters(client):
    pools_in("lk-ab", 25)
    pools_in("lk-mil", 3)

    text = client.get(reverse("lending:pools"), {"district": "lk-ab", "kind": ""}).content.decode()
    second = client.get(reverse("lending:pools"), {"district": "lk-ab", "kind": "", "page": 2})

    assert "25 lending offers in Gebiet lk-ab" in text
    assert 'href="?district=lk-ab&amp;kind=&amp;page=2" rel="next"' in text
    assert len(cards(second)) == 5
    assert all(name.startswith("lk-ab") for name in cards(second))


def test_a_new_filter_starts_at_its_first_page(client):
    pools_in("lk-ab", 25)

    text = client.get(reverse("lending:pools"), {"page": 2}).content.decode()

    # The filter form carries no page number.
    form = text[text.index('role="search"') : text.index("</form>")]
    assert 'name="page"' not in form


@pytest.mark.parametrize(
    ("asked", "shown", "note"),
    [
        ("9", 2, "There is no page “9” of this list. This is page 2 of 2."),
        ("0", 1, "There is no page “0” of this list. This is page 1 of 2."),
        ("-3", 1, "There is no page “-3” of this list. This is page 1 of 2."),
        ("abc", 1, "There is no page “abc” of this list. This is page 1 of 2."),
        ("1.5", 1, "There is no page “1.5” of this list. This is page 1 of 2."),
        ("99999999999999999999999", 2, "There is no page “99999999999999999999” of this list."),
    ],
)
def test_a_page_number_that_is_none_is_a_404_showing_the_nearest_page(client, asked, shown, note):
    names = pools_in("lk-ab", 25)

    response = client.get(reverse("lending:pools"), {"page": asked})

    assert response.status_code == 404
    assert note in response.content.decode()
    assert cards(response) == (names[:20] if shown == 1 else names[20:])


def test_a_page_number_of_an_empty_list_is_a_404_that_says_so(client):
    response = client.get(reverse("lending:pools"), {"page": "2"})

    text = response.content.decode()
    assert response.status_code == 404
    assert "There is no page “2” of this list. This is page 1 of 1." in text
    assert "No organization lends devices to residents yet." in text


def test_two_pages_of_the_list_are_kept_apart_by_the_public_cache(
    client, django_assert_num_queries
):
    """Anonymous pages are answered from memory, keyed by the address with its query string:
    the second page is not the first one again, also when each is asked for twice."""
    names = pools_in("lk-ab", 25)
    first = client.get(reverse("lending:pools"))
    second = client.get(reverse("lending:pools"), {"page": 2})

    with django_assert_num_queries(0):
        first_again = client.get(reverse("lending:pools"))
        second_again = client.get(reverse("lending:pools"), {"page": 2})

    assert cards(first) == cards(first_again) == names[:20]
    assert cards(second) == cards(second_again) == names[20:]


def test_the_filter_answers_htmx_with_the_results_only(client, pool):
    pools_in("lk-ab", 25)

    response = client.get(
        reverse("lending:pools"), {"district": "lk-ab"}, headers={"HX-Request": "true"}
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="results"' in text and 'data-announce="25 lending offers in Gebiet lk-ab"' in text
    assert "<html" not in text and "Leih-Laptops" not in text
    assert 'href="?district=lk-ab&amp;page=2"' in text
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(("count", "page"), [(3, 1), (45, 1), (45, 3)])
def test_the_pools_page_runs_a_constant_number_of_queries(
    client, count, page, django_assert_max_num_queries
):
    for number in range(count):
        pool = LendingPoolFactory(name=f"Pool {number:02}")
        DeviceFactory(pool=pool)
        WaitlistEntryFactory(pool=pool)

    with django_assert_max_num_queries(13):
        response = client.get(reverse("lending:pools"), {"page": page})

    assert response.status_code == 200
    assert len(cards(response)) == min(count - (page - 1) * 20, 20)


def test_the_pools_page_answers_only_get(client):
    assert client.post(reverse("lending:pools")).status_code == 405


# --- one pool and the reserve form ----------------------------------------------------------


def test_anyone_sees_where_and_when_and_a_login_link(client, pool, agreement):
    response = client.get(reverse("lending:pool", args=[pool.pk]))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Ausleihtheke EG" in text
    assert "Schlossplatz 1" in text
    assert "Sa 10–14 Uhr" in text
    assert "Please bring your ID card." in text
    assert "14 days" in text
    assert f"{reverse('account_login')}?next={reverse('lending:pool', args=[pool.pk])}" in text
    assert "Log in to reserve" in text
    assert reverse("lending:agreement", args=[agreement.pk]) in text
    assert 'name="pickup_date"' not in text


def test_an_anonymous_post_goes_to_the_login(client, pool):
    response = client.post(reverse("lending:pool", args=[pool.pk]), reserve_data())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Reservation.objects.exists()


def test_a_resident_sees_the_agreement_to_accept_in_the_form(client, resident, pool, agreement):
    client.force_login(resident)
    text = client.get(reverse("lending:pool", args=[pool.pk])).content.decode()

    assert "Handle the device with care." in text
    assert "A lost device must be replaced." in text
    assert "I accept the “Borrowing terms” (version 1)." in text
    assert 'name="quantity"' not in text  # one device per person: no number to choose


def test_a_resident_reserves_and_accepts_the_agreement_in_one_step(
    client, resident, pool, agreement
):
    client.force_login(resident)
    response = client.post(
        reverse("lending:pool", args=[pool.pk]),
        reserve_data(accept="on", agreement_version=1),
    )

    reservation = Reservation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("lending:reservation", args=[reservation.pk])
    assert reservation.user == resident and reservation.pool == pool
    assert timezone.localtime(reservation.start).date() == tomorrow()
    assert AgreementAcceptance.objects.filter(agreement=agreement, user=resident).exists()

    page = client.get(response["Location"]).content.decode()
    assert "Reserved: Leih-Laptops" in page
    assert "Please bring your ID card." in page
    assert "Ausleihtheke EG" in page
    assert "Di–Fr 10–18 Uhr" in page
    assert languages_of(page, "Di–Fr 10–18 Uhr") == {("de", None)}  # German on an English page
    with translation.override("en"):
        assert date_format(services.due_date(pool, tomorrow()), "DATE_FORMAT") in page
    assert "Cancel this reservation" in page


def test_once_accepted_the_agreement_is_not_asked_again(client, resident, pool, agreement):
    AgreementAcceptance.objects.create(agreement=agreement, user=resident)
    client.force_login(resident)

    assert "I accept" not in client.get(reverse("lending:pool", args=[pool.pk])).content.decode()
    response = client.post(reverse("lending:pool", args=[pool.pk]), reserve_data())

    assert response.status_code == 302
    assert Reservation.objects.count() == 1


def test_without_ticking_the_agreement_nothing_is_written(client, resident, pool, agreement):
    client.force_login(resident)
    response = client.post(
        reverse("lending:pool", args=[pool.pk]), reserve_data(agreement_version=1)
    )

    assert response.status_code == 400
    assert "Please accept the borrowing agreement to continue." in response.content.decode()
    assert not Reservation.objects.exists()
    assert not AgreementAcceptance.objects.exists()


def test_an_agreement_changed_meanwhile_must_be_read_again(client, resident, pool, agreement):
    BorrowingAgreementFactory(organization=pool.organization, version=2, title="New terms")
    client.force_login(resident)
    response = client.post(
        reverse("lending:pool", args=[pool.pk]), reserve_data(accept="on", agreement_version=1)
    )

    assert response.status_code == 400
    assert "Please read it again." in response.content.decode()
    assert not Reservation.objects.exists()
    assert not AgreementAcceptance.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pickup_date": "2020-01-01"}, "Choose today or a later day."),
        ({"pickup_date": "31.02.2027"}, "Enter a valid date."),
        ({"pickup_date": ""}, "This field is required."),
        ({"quantity": "0"}, "greater than or equal to 1"),
        ({"quantity": "99999999999"}, "less than or equal to"),
        ({"quantity": "many"}, "Enter a whole number."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(client, resident, pool, data, message):
    pool.per_person_limit = 0
    pool.save()
    client.force_login(resident)
    response = client.post(
        reverse("lending:pool", args=[pool.pk]), {**reserve_data(quantity="1"), **data}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Reservation.objects.exists()


def test_when_none_is_free_the_waiting_list_is_offered(client, resident, pool):
    lend_everything(pool, days=20)
    client.force_login(resident)

    response = client.post(reverse("lending:pool", args=[pool.pk]), reserve_data())

    text = response.content.decode()
    assert response.status_code == 400
    assert "Join the waiting list" in text
    assert reverse("lending:waitlist_join", args=[pool.pk]) in text
    assert Reservation.objects.filter(user=resident).count() == 0


def test_a_person_with_an_overdue_device_is_told_and_cannot_reserve(client, resident, pool):
    make_loan(pool, resident, due_in_days=-2)
    reservations = Reservation.objects.count()
    client.force_login(resident)

    page = client.get(reverse("lending:pool", args=[pool.pk])).content.decode()
    response = client.post(reverse("lending:pool", args=[pool.pk]), reserve_data())

    assert "You cannot reserve at the moment" in page
    assert reverse("lending:my_loans") in page
    assert 'name="pickup_date"' not in page
    assert response.status_code == 400
    assert Reservation.objects.count() == reservations


def test_pools_not_lent_to_residents_are_404(client, resident, library):
    members_only = DevicePoolFactory(organization=library, name="Staff tablets")
    client.force_login(resident)
    assert client.get(reverse("lending:pool", args=[members_only.pk])).status_code == 404
    assert client.get(reverse("lending:pool", args=[999999])).status_code == 404
    response = client.post(reverse("lending:pool", args=[members_only.pk]), reserve_data())
    assert response.status_code == 404
    assert not Reservation.objects.exists()


def test_the_pool_page_answers_only_get_and_post(client, resident, pool):
    client.force_login(resident)
    assert client.put(reverse("lending:pool", args=[pool.pk])).status_code == 405
    assert client.delete(reverse("lending:pool", args=[pool.pk])).status_code == 405


# --- one reservation ------------------------------------------------------------------------


@pytest.fixture
def reservation(pool, resident):
    start = timezone.make_aware(datetime.datetime.combine(tomorrow(), datetime.time()))
    return Reservation.objects.create(
        pool=pool,
        user=resident,
        quantity=1,
        start=start,
        end=start + datetime.timedelta(days=15),
    )


def test_only_the_person_sees_their_reservation(client, reservation, teacher):
    client.force_login(UserFactory())
    assert client.get(reverse("lending:reservation", args=[reservation.pk])).status_code == 404

    # A teacher's booking of a school pool is not a loan reservation.
    school_booking = Reservation.objects.create(
        pool=DevicePoolFactory(),
        user=teacher,
        quantity=1,
        start=reservation.start,
        end=reservation.start + datetime.timedelta(hours=2),
    )
    client.force_login(teacher)
    assert client.get(reverse("lending:reservation", args=[school_booking.pk])).status_code == 404


def test_the_reservation_page_needs_a_login(client, reservation):
    response = client.get(reverse("lending:reservation", args=[reservation.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_resident_cancels_before_the_pick_up_day(client, resident, reservation):
    client.force_login(resident)
    response = client.post(reverse("lending:cancel", args=[reservation.pk]))

    reservation.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("lending:my_loans")
    assert reservation.status == Reservation.Status.CANCELLED
    assert "is cancelled" in client.get(response["Location"]).content.decode()


def test_a_cancelled_reservation_cannot_be_cancelled_again(client, resident, reservation):
    reservation.status = Reservation.Status.CANCELLED
    reservation.save()
    client.force_login(resident)

    page = client.get(reverse("lending:reservation", args=[reservation.pk])).content.decode()
    response = client.post(reverse("lending:cancel", args=[reservation.pk]), follow=True)

    assert "Cancel this reservation" not in page
    assert response.status_code == 200
    assert "no longer active" in response.content.decode()


def test_others_cannot_cancel_a_reservation(client, reservation):
    client.force_login(UserFactory())
    assert client.post(reverse("lending:cancel", args=[reservation.pk])).status_code == 404
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CONFIRMED


def test_reservation_pages_refuse_wrong_methods(client, resident, reservation):
    client.force_login(resident)
    assert client.post(reverse("lending:reservation", args=[reservation.pk])).status_code == 405
    assert client.put(reverse("lending:cancel", args=[reservation.pk])).status_code == 405


# --- my loans -------------------------------------------------------------------------------


def test_my_loans_shows_loans_pick_ups_waiting_lists_and_returns(
    client, resident, pool, reservation
):
    make_loan(pool, resident, due_in_days=5)
    make_loan(pool, resident, closed=True)
    other_pool = LendingPoolFactory(name="Tablets to go")
    DeviceFactory(pool=other_pool)
    WaitlistEntryFactory(pool=other_pool)
    WaitlistEntryFactory(pool=other_pool, user=resident)
    make_loan(pool, UserFactory())  # somebody else's
    client.force_login(resident)

    response = client.get(reverse("lending:my_loans"))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Renewed 0 of 1 time" in text
    assert "Renew" in text
    assert "Overdue" not in text
    assert reverse("lending:reservation", args=[reservation.pk]) in text
    assert "You are number 2 on the waiting list." in text
    assert reverse("lending:waitlist_leave", args=[other_pool.pk]) in text
    assert "Your last returned loan" in text
    assert "A device is overdue" not in text


def test_an_overdue_loan_is_marked_and_the_person_told(client, resident, pool):
    make_loan(pool, resident, due_in_days=-3)
    client.force_login(resident)

    text = client.get(reverse("lending:my_loans")).content.decode()

    assert "Overdue" in text
    assert "A device is overdue" in text


def test_my_loans_needs_a_login_and_get(client, resident):
    response = client.get(reverse("lending:my_loans"))
    assert response.status_code == 302
    client.force_login(resident)
    assert client.post(reverse("lending:my_loans")).status_code == 405


@pytest.mark.parametrize("count", [3, 30])
def test_my_loans_runs_a_constant_number_of_queries(
    client, resident, count, django_assert_max_num_queries
):
    pool = LendingPoolFactory(max_renewals=2)
    DeviceFactory.create_batch(count * 2, pool=pool)
    for _ in range(count):
        make_loan(pool, resident)
        make_loan(pool, resident, closed=True)
    for number in range(3):
        entry_pool = LendingPoolFactory(name=f"Waiting {number}")
        WaitlistEntryFactory(pool=entry_pool, user=resident)
    client.force_login(resident)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("lending:my_loans"))
    assert response.content.decode().count('action="/loans/') == count


# --- renewing -------------------------------------------------------------------------------


def test_a_resident_renews_a_loan(client, resident, pool):
    loan = make_loan(pool, resident, due_in_days=2)
    due = loan.due_at
    client.force_login(resident)

    response = client.post(reverse("lending:renew", args=[loan.pk]))

    loan.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("lending:my_loans")
    assert loan.renewals == 1
    assert loan.due_at > due
    assert (
        "Renewed: Leih-Laptops is now due on" in client.get(response["Location"]).content.decode()
    )


def test_renewing_past_the_limit_says_why_next_to_the_loan(client, resident, pool):
    loan = make_loan(pool, resident, due_in_days=2)
    loan.renewals = 1
    loan.save()
    client.force_login(resident)

    response = client.post(reverse("lending:renew", args=[loan.pk]))

    loan.refresh_from_db()
    text = response.content.decode()
    assert response.status_code == 409
    assert f'id="loan-{loan.pk}-refusal"' in text
    assert loan.renewals == 1


def test_renewing_with_htmx_swaps_the_loan_only(client, resident, pool):
    loan = make_loan(pool, resident, due_in_days=2)
    client.force_login(resident)

    response = client.post(reverse("lending:renew", args=[loan.pk]), headers={"HX-Request": "true"})

    text = response.content.decode()
    assert response.status_code == 200
    assert text.strip().startswith(f'<li id="loan-{loan.pk}"')
    assert "Renewed: Leih-Laptops is now due on" in text
    assert "<html" not in text


def test_a_refusal_with_htmx_is_shown_in_the_loan(client, resident, pool):
    loan = make_loan(pool, resident, due_in_days=2)
    WaitlistEntryFactory(pool=pool)
    client.force_login(resident)

    response = client.post(reverse("lending:renew", args=[loan.pk]), headers={"HX-Request": "true"})

    loan.refresh_from_db()
    assert response.status_code == 200
    assert f'id="loan-{loan.pk}-refusal"' in response.content.decode()
    assert loan.renewals == 0


def test_nobody_renews_someone_elses_loan(client, resident, pool):
    loan = make_loan(pool, UserFactory())
    client.force_login(resident)
    assert client.post(reverse("lending:renew", args=[loan.pk])).status_code == 404
    loan.refresh_from_db()
    assert loan.renewals == 0


def test_renew_needs_post_and_a_login(client, resident, pool):
    loan = make_loan(pool, resident)
    assert client.post(reverse("lending:renew", args=[loan.pk])).status_code == 302
    client.force_login(resident)
    assert client.get(reverse("lending:renew", args=[loan.pk])).status_code == 405


# --- waiting lists --------------------------------------------------------------------------


@pytest.fixture
def full_pool(pool):
    """Every device of the pool is out for longer than it may be reserved ahead."""
    lend_everything(pool, days=40)
    return pool


def test_a_resident_joins_and_leaves_a_waiting_list(client, resident, full_pool):
    client.force_login(resident)

    joined = client.post(reverse("lending:waitlist_join", args=[full_pool.pk]))
    page = client.get(reverse("lending:my_loans")).content.decode()
    left = client.post(reverse("lending:waitlist_leave", args=[full_pool.pk]), follow=True)

    assert joined.status_code == 302 and joined["Location"] == reverse("lending:my_loans")
    assert "You are on the waiting list for Leih-Laptops: number 1." in page
    assert left.status_code == 200
    assert "You have left the waiting list for Leih-Laptops." in left.content.decode()
    assert not WaitlistEntry.objects.active().exists()


def test_joining_twice_is_refused_with_a_message(client, resident, full_pool):
    WaitlistEntryFactory(pool=full_pool, user=resident)
    client.force_login(resident)

    response = client.post(reverse("lending:waitlist_join", args=[full_pool.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("lending:pool", args=[full_pool.pk])
    assert WaitlistEntry.objects.filter(user=resident).count() == 1
    assert "You are number 1 on the waiting list." in response.content.decode()


def test_bad_waitlist_input_is_400(client, resident, full_pool):
    client.force_login(resident)
    response = client.post(reverse("lending:waitlist_join", args=[full_pool.pk]), {"quantity": "0"})
    assert response.status_code == 400
    assert not WaitlistEntry.objects.exists()


def test_a_resident_joins_and_accepts_the_agreement_in_one_step(
    client, resident, full_pool, agreement
):
    client.force_login(resident)
    page = client.get(reverse("lending:pool", args=[full_pool.pk])).content.decode()
    waitlist = page[page.index('id="waitlist-heading"') :]

    response = client.post(
        reverse("lending:waitlist_join", args=[full_pool.pk]),
        {"accept": "on", "agreement_version": 1},
    )

    # The agreement and its checkbox are in the waiting-list form itself.
    assert "A lost device must be replaced." in waitlist
    assert 'id="waitlist_accept"' in waitlist
    assert "I accept the “Borrowing terms” (version 1)." in waitlist
    assert response.status_code == 302 and response["Location"] == reverse("lending:my_loans")
    assert WaitlistEntry.objects.active().get().user == resident
    assert AgreementAcceptance.objects.filter(agreement=agreement, user=resident).exists()


def test_joining_without_ticking_the_agreement_shows_it_and_writes_nothing(
    client, resident, full_pool, agreement
):
    client.force_login(resident)
    response = client.post(
        reverse("lending:waitlist_join", args=[full_pool.pk]), {"agreement_version": 1}
    )

    text = response.content.decode()
    assert response.status_code == 400
    assert "A lost device must be replaced." in text
    assert 'href="#waitlist_accept"' in text  # the error summary leads to the checkbox
    assert 'id="waitlist_accept_error"' in text  # the error next to the checkbox
    assert text.count("Please accept the borrowing agreement to continue.") >= 2
    assert not WaitlistEntry.objects.exists()
    assert not AgreementAcceptance.objects.exists()


def test_a_refused_join_keeps_no_acceptance(client, resident, pool, agreement):
    # A device is free: the service refuses the join, and the acceptance goes with it.
    client.force_login(resident)
    response = client.post(
        reverse("lending:waitlist_join", args=[pool.pk]),
        {"accept": "on", "agreement_version": 1},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("lending:pool", args=[pool.pk])
    assert "A device is free: please reserve it instead." in response.content.decode()
    assert not WaitlistEntry.objects.exists()
    assert not AgreementAcceptance.objects.exists()


def test_an_agreement_changed_before_joining_must_be_read_again(
    client, resident, full_pool, agreement
):
    BorrowingAgreementFactory(organization=full_pool.organization, version=2, title="New terms")
    client.force_login(resident)
    response = client.post(
        reverse("lending:waitlist_join", args=[full_pool.pk]),
        {"accept": "on", "agreement_version": 1},
    )

    assert response.status_code == 400
    assert "I accept the “New terms” (version 2)." in response.content.decode()
    assert not WaitlistEntry.objects.exists()
    assert not AgreementAcceptance.objects.exists()


def test_once_accepted_joining_asks_nothing_more(client, resident, full_pool, agreement):
    AgreementAcceptance.objects.create(agreement=agreement, user=resident)
    client.force_login(resident)

    page = client.get(reverse("lending:pool", args=[full_pool.pk])).content.decode()
    response = client.post(reverse("lending:waitlist_join", args=[full_pool.pk]))

    assert "I accept" not in page
    assert response.status_code == 302
    assert WaitlistEntry.objects.active().count() == 1


def test_with_nothing_free_only_the_waiting_list_is_offered_with_the_next_return(
    client, resident, full_pool
):
    client.force_login(resident)
    with translation.override("en"):
        day = date_format(timezone.localdate() + datetime.timedelta(days=40), "DATE_FORMAT")

    text = client.get(reverse("lending:pool", args=[full_pool.pk])).content.decode()

    assert 'id="reserve-heading"' not in text
    assert "Join the waiting list" in text
    assert f"The next device is expected back on {day}." in text


def test_with_a_device_free_the_page_says_reserve_now(client, resident, pool, laptops):
    client.force_login(resident)
    text = client.get(reverse("lending:pool", args=[pool.pk])).content.decode()
    assert "Reserve now" in text
    assert "Join the waiting list" not in text


def test_leaving_a_list_one_is_not_on_says_so(client, resident, pool):
    WaitlistEntryFactory(pool=pool, user=resident, status="left")
    client.force_login(resident)
    response = client.post(reverse("lending:waitlist_leave", args=[pool.pk]), follow=True)
    assert "You are not on the waiting list for Leih-Laptops." in response.content.decode()


def test_waiting_lists_of_other_pools_are_404(client, resident, library):
    members_only = DevicePoolFactory(organization=library)
    client.force_login(resident)
    assert client.post(reverse("lending:waitlist_join", args=[members_only.pk])).status_code == 404
    assert client.post(reverse("lending:waitlist_leave", args=[members_only.pk])).status_code == 404
    assert not WaitlistEntry.objects.exists()


def test_waiting_lists_need_post(client, resident, pool):
    client.force_login(resident)
    assert client.get(reverse("lending:waitlist_join", args=[pool.pk])).status_code == 405
    assert client.put(reverse("lending:waitlist_leave", args=[pool.pk])).status_code == 405


# --- agreements -----------------------------------------------------------------------------


def test_anyone_reads_an_agreement(client, agreement):
    text = client.get(reverse("lending:agreement", args=[agreement.pk])).content.decode()
    assert "Borrowing terms" in text and "A lost device must be replaced." in text
    assert "Log in to accept the agreement" in text


def test_a_resident_accepts_an_agreement_and_sees_when(client, resident, agreement, pool):
    client.force_login(resident)
    url = reverse("lending:agreement", args=[agreement.pk])
    back = reverse("lending:pool", args=[pool.pk])

    refused = client.post(url, {"next": back})
    accepted = client.post(url, {"accept": "on", "next": back})
    evil = client.post(url, {"accept": "on", "next": "https://evil.example/"})

    assert refused.status_code == 400
    assert accepted.status_code == 302 and accepted["Location"] == back
    assert evil.status_code == 302 and evil["Location"] == url
    assert AgreementAcceptance.objects.filter(user=resident).count() == 1
    assert "You accepted version 1 on" in client.get(url).content.decode()


def test_an_earlier_version_links_to_the_current_one(client, resident, agreement):
    current = BorrowingAgreementFactory(organization=agreement.organization, version=2)
    client.force_login(resident)
    text = client.get(reverse("lending:agreement", args=[agreement.pk])).content.decode()
    assert "This is an earlier version." in text
    assert reverse("lending:agreement", args=[current.pk]) in text
    assert "Accept the agreement" not in text


def test_agreements_of_closed_organizations_are_404_and_methods_checked(client, agreement):
    assert client.put(reverse("lending:agreement", args=[agreement.pk])).status_code == 405
    agreement.organization.is_active = False
    agreement.organization.save()
    assert client.get(reverse("lending:agreement", args=[agreement.pk])).status_code == 404


def test_staff_of_the_library_use_the_same_pages_as_residents(client, pool, library):
    staff = MembershipFactory(organization=library, role=Role.STAFF).user
    client.force_login(staff)
    assert client.get(reverse("lending:pool", args=[pool.pk])).status_code == 200
    assert client.get(reverse("lending:my_loans")).status_code == 200


def test_the_pick_up_day_is_filled_in_with_the_first_free_day(client, resident, pool):
    client.force_login(resident)
    html = client.get(reverse("lending:pool", args=[pool.pk])).content.decode()
    first = services.lending_outlook([pool])[pool.pk].next_free
    assert first - timezone.localdate() <= datetime.timedelta(days=1)  # a Sunday is skipped
    assert f'name="pickup_date" value="{first:%Y-%m-%d}"' in html

    lend_everything(pool, days=5)
    html = client.get(reverse("lending:pool", args=[pool.pk])).content.decode()
    assert f'name="pickup_date" value="{timezone.localdate():%Y-%m-%d}"' not in html
    outlook = services.lending_outlook([pool])[pool.pk]
    assert outlook.next_free is not None
    assert f'name="pickup_date" value="{outlook.next_free:%Y-%m-%d}"' in html


# --- cancelling on the pick-up day --------------------------------------------------------


@pytest.fixture
def reserved_for_today(make_pool, library):
    pool = make_pool(library, devices=1, min_notice_hours=0)
    resident = UserFactory()
    reservation = services.reserve_loan(by=resident, pool=pool, pickup_date=timezone.localdate())
    return reservation


@pytest.mark.usefixtures("english")
def test_a_resident_can_cancel_a_reservation_on_the_pick_up_day_before_pick_up(
    client, reserved_for_today
):
    reservation = reserved_for_today
    client.force_login(reservation.user)
    page = client.get(reverse("lending:reservation", kwargs={"pk": reservation.pk}))
    assert "Cancel this reservation" in page.content.decode()

    response = client.post(reverse("lending:cancel", kwargs={"pk": reservation.pk}))
    assert response.status_code == 302
    assert response["Location"] == reverse("lending:my_loans")
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED
    assert (
        booking_services.free_count(
            reservation.pool, timezone.now(), reservation.end, now=timezone.now()
        )
        == 1
    )


@pytest.mark.usefixtures("english")
def test_a_picked_up_reservation_cannot_be_cancelled(client, reserved_for_today, library):
    reservation = reserved_for_today
    staff = MembershipFactory(organization=library, role=Role.STAFF).user
    booking_services.hand_out(
        by=staff, reservation=reservation, devices=[reservation.pool.devices.get()]
    )
    client.force_login(reservation.user)
    page = client.get(reverse("lending:reservation", kwargs={"pk": reservation.pk}))
    assert "Cancel this reservation" not in page.content.decode()
    response = client.post(reverse("lending:cancel", kwargs={"pk": reservation.pk}), follow=True)
    assert "The device has been picked up" in response.content.decode()
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CONFIRMED
    assert LoanItem.objects.filter(returned_at__isnull=True).count() == 1


@pytest.mark.usefixtures("english")
def test_someone_else_cannot_cancel_a_residents_reservation(client, reserved_for_today):
    client.force_login(UserFactory())
    response = client.post(reverse("lending:cancel", kwargs={"pk": reserved_for_today.pk}))
    assert response.status_code == 404
    reserved_for_today.refresh_from_db()
    assert reserved_for_today.status == Reservation.Status.CONFIRMED


# --- days, not midnights ------------------------------------------------------------------


@pytest.fixture
def lent_today(make_pool, library, librarian):
    """Lent at the desk now: due by the end of the day 14 days from today (stored as the
    midnight that starts the day after)."""
    pool = make_pool(library, devices=1, max_renewals=1)
    resident = UserFactory()
    return services.lend_at_desk(
        by=librarian, pool=pool, borrower=resident, devices=[pool.devices.get()]
    )


def _long(day: datetime.date) -> str:
    return date_format(day, "DATE_FORMAT")


@pytest.mark.usefixtures("english")
def test_my_loans_shows_the_day_a_loan_is_due_not_the_midnight_after_it(client, lent_today):
    due_day = timezone.localdate() + datetime.timedelta(days=14)
    client.force_login(lent_today.borrower)
    page = client.get(reverse("lending:my_loans")).content.decode()
    assert f"Due back on {_long(due_day)}" in page
    assert _long(due_day + datetime.timedelta(days=1)) not in page


@pytest.mark.usefixtures("english")
def test_the_renewal_message_names_the_new_due_day(client, lent_today):
    new_due_day = timezone.localdate() + datetime.timedelta(days=28)
    client.force_login(lent_today.borrower)
    response = client.post(reverse("lending:renew", kwargs={"pk": lent_today.pk}), follow=True)
    page = response.content.decode()
    assert f"is now due on {_long(new_due_day)}" in page
    assert f"Due back on {_long(new_due_day)}" in page
    card = client.post(
        reverse("lending:renew", kwargs={"pk": lent_today.pk}), headers={"HX-Request": "true"}
    ).content.decode()
    assert f"Due back on {_long(new_due_day)}" in card  # refused now, the date stays right


@pytest.mark.usefixtures("english")
def test_a_held_device_shows_the_last_day_to_pick_it_up(make_pool, client, library, librarian):
    pool = make_pool(library, devices=1)
    anna = UserFactory()
    since = timezone.now() - datetime.timedelta(days=1)
    loan = services.lend_at_desk(
        by=librarian, pool=pool, borrower=UserFactory(), devices=[pool.devices.get()], now=since
    )
    entry = services.join_waitlist(by=anna, pool=pool, now=since)
    booking_services.return_items(
        by=librarian,
        loan=loan,
        returns=[booking_services.ItemReturn(loan.items.get().pk, "complete")],
    )
    services.offer_next(pool=pool)
    entry.refresh_from_db()
    last_day = timezone.localdate() + datetime.timedelta(days=3)
    client.force_login(anna)

    page = client.get(reverse("lending:my_loans")).content.decode()
    assert f"A device is held for you until {_long(last_day)}." in page
    assert f"held for you, pick up by {last_day:%A}, {_long(last_day)}" in page

    page = client.get(
        reverse("lending:reservation", kwargs={"pk": entry.reservation_id})
    ).content.decode()
    assert "Pick up by" in page
    assert _long(last_day) in page


@pytest.mark.usefixtures("english")
def test_a_picked_up_and_renewed_reservation_shows_the_loans_due_day(client, lent_today):
    services.renew(by=lent_today.borrower, loan=lent_today)
    client.force_login(lent_today.borrower)
    page = client.get(
        reverse("lending:reservation", kwargs={"pk": lent_today.reservation_id})
    ).content.decode()
    assert _long(timezone.localdate() + datetime.timedelta(days=28)) in page
