"""A resident on a phone reserves a laptop from the library with the keyboard: finds it under
"Borrow a device", accepts the borrowing agreement in the reserve form, sees where and when to
pick it up and what to bring, then finds it in "My loans" and renews a loan there. Also once
without JavaScript. The pages are switched to English (the texts' msgids)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import Loan, LoanItem, Reservation
from lending.models import AgreementAcceptance, WaitlistEntry
from tests.browser.conftest import nav_link
from tests.factories import (
    LIBRARY_WEEK,
    BorrowingAgreementFactory,
    DeviceFactory,
    DeviceTypeFactory,
    DistrictFactory,
    LendingPoolFactory,
    LocationFactory,
    OrganizationFactory,
    UserFactory,
    give_hours,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "has_touch": True}


@pytest.fixture
def pool(db):
    library = OrganizationFactory(
        name="Stadtbibliothek Aschaffenburg",
        kind="library",
        street="Schlossplatz 1",
        opening_hours="Di–Fr 10–18 Uhr\nSa 10–14 Uhr",
    )
    laptop = DeviceTypeFactory(
        kind="laptop", make="Lenovo", model="ThinkPad E14", operating_system="Ubuntu"
    )
    pool = LendingPoolFactory(
        organization=library,
        name="Leih-Laptops",
        location=LocationFactory(organization=library, name="Ausleihtheke EG"),
        pickup_note="Please bring your ID card.",
        per_person_limit=1,
    )
    pool.device_types.add(laptop)
    DeviceFactory.create_batch(3, pool=pool, device_type=laptop)
    BorrowingAgreementFactory(
        organization=library,
        title="Borrowing terms",
        text="Handle the device with care.\n\nA lost device must be replaced.",
    )
    return pool


def in_english(page, audit) -> None:
    page.get_by_role("button", name="English").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    audit.check(page)


def press(page, locator, key: str = "Enter") -> None:
    locator.focus()
    page.keyboard.press(key)


def test_a_resident_reserves_a_laptop_on_a_phone_by_keyboard(
    page, live_server, resident, pool, audit, log_in
):
    pickup = timezone.localdate() + datetime.timedelta(days=2)
    log_in(page, resident)
    in_english(page, audit)

    press(page, nav_link(page, "Borrow a device"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Borrow a device")
    expect(page.get_by_text("3 free now")).to_be_visible()
    audit.check(page)
    # The live filter: htmx swaps the results and says how many there are.
    press(page, page.get_by_label("Kind of device"), "ArrowDown")  # → Tablet
    page.keyboard.press("Tab")
    expect(page.locator("#results")).to_contain_text("0 lending offers in the region")
    expect(page.locator("#live-announcer")).to_have_text("0 lending offers in the region")
    audit.check(page)
    page.get_by_label("Kind of device").select_option("laptop")
    expect(page.locator("#results")).to_contain_text("Leih-Laptops")
    audit.check(page)

    press(page, page.get_by_role("link", name="Leih-Laptops"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Leih-Laptops")
    expect(page.get_by_text("Please bring your ID card.")).to_be_visible()
    expect(page.get_by_text("A lost device must be replaced.")).to_be_visible()
    audit.check(page)

    # Without ticking the agreement, the form says what is missing and keeps the day.
    page.get_by_label("Pick-up day").fill(pickup.isoformat())
    press(page, page.get_by_role("button", name="Reserve"))
    expect(page.locator("#error-summary")).to_contain_text(
        "Please accept the borrowing agreement to continue."
    )
    expect(page.get_by_label("Pick-up day")).to_have_value(pickup.isoformat())
    audit.check(page)
    assert not Reservation.objects.exists()

    press(page, page.get_by_label("I accept the “Borrowing terms” (version 1)."), "Space")
    press(page, page.get_by_role("button", name="Reserve"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Your reservation: Leih-Laptops")
    expect(page.get_by_role("status").first).to_contain_text("Reserved: Leih-Laptops.")
    expect(page.get_by_text("Please bring your ID card.")).to_be_visible()
    expect(page.get_by_text("Ausleihtheke EG")).to_be_visible()
    expect(page.get_by_text("Sa 10–14 Uhr")).to_be_visible()
    audit.check(page)
    reservation = Reservation.objects.get()
    assert timezone.localtime(reservation.start).date() == pickup
    assert AgreementAcceptance.objects.filter(user=resident).count() == 1
    # Nothing overflows sideways on the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    press(page, nav_link(page, "My loans"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My loans")
    expect(page.get_by_role("link", name="Leih-Laptops")).to_be_visible()
    audit.check(page)


def test_a_resident_renews_a_loan_in_place(page, live_server, resident, pool, audit, log_in):
    now = timezone.now()
    loan = Loan.objects.create(
        pool=pool,
        borrower=resident,
        handed_out_at=now - datetime.timedelta(days=10),
        due_at=now + datetime.timedelta(days=4),
    )
    LoanItem.objects.create(loan=loan, device=pool.devices.first())
    log_in(page, resident)
    in_english(page, audit)

    page.goto(f"{live_server.url}/loans/")
    expect(page.get_by_text("Renewed 0 of 1 time")).to_be_visible()
    audit.check(page)
    press(page, page.get_by_role("button", name="Renew Leih-Laptops"))

    card = page.locator(f"#loan-{loan.pk}")
    expect(card).to_contain_text("Renewed: Leih-Laptops is now due on")
    expect(card).to_be_focused()
    expect(page.locator("#live-announcer")).to_contain_text("Renewed: Leih-Laptops")
    expect(card.get_by_role("button", name="Renew Leih-Laptops")).to_have_count(0)
    audit.check(page)
    loan.refresh_from_db()
    assert loan.renewals == 1


def test_reserving_works_without_javascript(
    no_js_page, live_server, resident, pool, audit, password
):
    page = no_js_page
    page.goto(f"{live_server.url}/accounts/login/?next=/lending/{pool.pk}/")
    audit.check(page)
    page.get_by_label("E-Mail").fill(resident.email)
    page.get_by_label("Passwort").first.fill(password)
    page.get_by_label("Passwort").first.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Leih-Laptops")
    audit.check(page)

    pickup = timezone.localdate() + datetime.timedelta(days=1)
    # German labels: the locators go by the fields' ids, which do not change with it.
    page.locator("#id_pickup_date").fill(pickup.isoformat())
    page.locator("#id_accept").check()
    page.locator("form.form-stack button[type=submit]").click()

    reservation = Reservation.objects.get()
    expect(page).to_have_url(f"{live_server.url}/lending/reservations/{reservation.pk}/")
    expect(page.get_by_text("Please bring your ID card.")).to_be_visible()
    audit.check(page)


def test_a_resident_joins_a_waiting_list_and_accepts_the_agreement_by_keyboard(
    page, live_server, resident, pool, audit, log_in
):
    # Every laptop is out for longer than the pool may be reserved ahead.
    now = timezone.now()
    due = now + datetime.timedelta(days=40)
    other = UserFactory()
    reservation = Reservation.objects.create(
        pool=pool, user=other, quantity=3, start=now - datetime.timedelta(hours=1), end=due
    )
    loan = Loan.objects.create(
        pool=pool,
        reservation=reservation,
        borrower=other,
        handed_out_at=now - datetime.timedelta(hours=1),
        due_at=due,
    )
    for device in pool.devices.all():
        LoanItem.objects.create(loan=loan, device=device)
    log_in(page, resident)
    in_english(page, audit)
    page.goto(f"{live_server.url}/lending/{pool.pk}/")

    # Nothing to reserve: only the waiting list, with the day the next laptop comes back.
    expect(page.get_by_role("heading", name="Reserve")).to_have_count(0)
    expect(page.get_by_text("The next device is expected back on")).to_be_visible()
    audit.check(page)

    press(page, page.get_by_role("button", name="Join the waiting list"))
    expect(page.locator("#error-summary")).to_contain_text(
        "Please accept the borrowing agreement to continue."
    )
    audit.check(page)
    assert not WaitlistEntry.objects.exists()

    press(page, page.get_by_label("I accept the “Borrowing terms” (version 1)."), "Space")
    press(page, page.get_by_role("button", name="Join the waiting list"))

    expect(page.get_by_role("heading", level=1)).to_have_text("My loans")
    expect(page.get_by_role("status").first).to_contain_text(
        "You are on the waiting list for Leih-Laptops: number 1."
    )
    audit.check(page)
    assert WaitlistEntry.objects.get().user == resident
    assert AgreementAcceptance.objects.filter(user=resident).count() == 1


def test_without_javascript_a_resident_joins_a_waiting_list_with_the_agreement_in_one_step(
    no_js_page, live_server, resident, pool, audit, log_in
):
    """The library has opening hours (closed on Sunday and Monday); every laptop is out. The
    resident has not accepted the agreement: the waiting-list form asks for it, and one
    submit, by keyboard and without JavaScript, accepts it and joins."""
    give_hours(pool.organization, LIBRARY_WEEK)
    now = timezone.now()
    other = UserFactory()
    reservation = Reservation.objects.create(
        pool=pool,
        user=other,
        quantity=3,
        start=now - datetime.timedelta(hours=1),
        end=now + datetime.timedelta(days=40),
    )
    loan = Loan.objects.create(
        pool=pool,
        reservation=reservation,
        borrower=other,
        handed_out_at=now - datetime.timedelta(hours=1),
        due_at=reservation.end,
    )
    for device in pool.devices.all():
        LoanItem.objects.create(loan=loan, device=device)
    page = no_js_page
    log_in(page, resident)
    page.goto(f"{live_server.url}/lending/{pool.pk}/")
    audit.check(page)
    # German page; the locators go by ids, which do not change with the language.
    expect(page.locator("#id_pickup_date")).to_have_count(0)
    press(page, page.locator("#waitlist_accept"), "Space")
    expect(page.locator("#waitlist_accept")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Ausleihen")
    audit.check(page)
    assert WaitlistEntry.objects.get().user == resident
    assert AgreementAcceptance.objects.filter(user=resident).count() == 1


# --- the region's list, a page at a time ------------------------------------------------------


@pytest.fixture
def region(db) -> dict[str, list[str]]:
    """25 pools of a library in Alzenau (Landkreis Aschaffenburg) and 25 in Miltenberg
    (Landkreis Miltenberg): three pages of the list; their names by town, as listed."""
    names = {}
    for library, town, district, slug in (
        ("Bibliothek Alzenau", "Alzenau", "Landkreis Aschaffenburg", "lk-ab"),
        ("Stadtbibliothek Miltenberg", "Miltenberg", "Landkreis Miltenberg", "lk-mil"),
    ):
        organization = OrganizationFactory(
            name=library,
            kind="library",
            city=town,
            district=DistrictFactory(name=district, slug=slug),
        )
        names[town] = [f"Laptops {town} {number:02}" for number in range(25)]
        for name in names[town]:
            LendingPoolFactory(organization=organization, name=name)
    return names


def card_names(page) -> list[str]:
    return page.locator("#results h4").all_inner_texts()


def test_a_visitor_pages_through_the_region_and_narrows_it_to_a_town_on_a_phone(
    page, live_server, region, audit
):
    everything = region["Alzenau"] + region["Miltenberg"]
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/lending/")

    results = page.locator("#results")
    expect(page.get_by_role("heading", level=2)).to_have_text("50 lending offers in the region")
    expect(results).to_contain_text("Showing 1–20 (page 1 of 3).")
    assert card_names(page) == everything[:20]
    pages = page.get_by_role("navigation", name="Pages of the lending offers")
    expect(pages.get_by_role("link", name="Page 1", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    audit.check(page)

    # By keyboard to the second page: the next twenty, one of two libraries' sections each.
    press(page, pages.get_by_role("link", name="Page 2", exact=True))
    expect(page).to_have_url(f"{live_server.url}/lending/?page=2")
    expect(results).to_contain_text("Showing 21–40 (page 2 of 3).")
    assert card_names(page) == everything[20:40]
    expect(results.get_by_role("heading", level=3)).to_have_count(2)
    expect(pages.get_by_role("link", name="Page 2", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    audit.check(page)

    # One town: htmx swaps the results, says how many, and the address says which.
    page.get_by_label("Place", exact=True).select_option("Miltenberg")
    expect(page.get_by_role("heading", level=2)).to_have_text("25 lending offers in Miltenberg")
    expect(page.locator("#live-announcer")).to_have_text("25 lending offers in Miltenberg")
    expect(page).to_have_url(f"{live_server.url}/lending/?district=&town=Miltenberg&kind=")
    assert card_names(page) == region["Miltenberg"][:20]
    audit.check(page)

    press(page, page.get_by_role("link", name="Next page"))
    expect(page).to_have_url(f"{live_server.url}/lending/?district=&town=Miltenberg&kind=&page=2")
    assert card_names(page) == region["Miltenberg"][20:]
    expect(page.get_by_label("Place", exact=True)).to_have_value("Miltenberg")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    audit.check(page)

    # An old link to a page the list no longer has: the last one, and a note that says so.
    page.goto(f"{live_server.url}/lending/?town=Miltenberg&page=7")
    expect(results).to_contain_text("There is no page “7” of this list. This is page 2 of 2.")
    assert card_names(page) == region["Miltenberg"][20:]
    audit.check(page)


def test_without_javascript_the_district_filter_and_the_pages_work(
    no_js_page, live_server, region, audit
):
    page = no_js_page  # in German, the site's language
    page.goto(f"{live_server.url}/lending/")
    expect(page.get_by_role("heading", level=2)).to_have_text("50 Angebote in der Region")
    audit.check(page)

    page.get_by_label("Gebiet").select_option("lk-mil")
    page.get_by_role("search").get_by_role("button").click()
    expect(page).to_have_url(f"{live_server.url}/lending/?district=lk-mil&town=&kind=")
    expect(page.get_by_role("heading", level=2)).to_have_text("25 Angebote in Landkreis Miltenberg")
    assert card_names(page) == region["Miltenberg"][:20]
    audit.check(page)

    page.get_by_role("navigation", name="Seiten der Angebote").get_by_role(
        "link", name="Seite 2", exact=True
    ).click()
    expect(page).to_have_url(f"{live_server.url}/lending/?district=lk-mil&town=&kind=&page=2")
    expect(page.get_by_role("heading", level=2)).to_have_text("25 Angebote in Landkreis Miltenberg")
    assert card_names(page) == region["Miltenberg"][20:]
    expect(page.get_by_label("Gebiet")).to_have_value("lk-mil")
    audit.check(page)
