"""Reflow at 320 CSS pixels (WCAG 1.4.10): for each role, every page reachable by following
the links of the app (from the start page and the navigation) is loaded in a 320 × 640
window; none scrolls sideways (`scrollWidth <= clientWidth`), axe-core checks each at that
width, and every box that scrolls sideways by itself (a wide table) can be reached and
scrolled with the keyboard (2.1.1). The people and organizations have long email addresses
and names, as real ones do."""

from __future__ import annotations

import datetime
from urllib.parse import urldefrag, urlsplit

import pytest
from django.utils import timezone

from organizations.models import Organization, Role
from tests.booking.conftest import today_slot
from tests.factories import (
    BorrowingAgreementFactory,
    CourseFactory,
    DeviceFactory,
    DevicePoolFactory,
    EnrollmentFactory,
    LendingPoolFactory,
    LessonPeriodFactory,
    MeetingFactory,
    MembershipFactory,
    OrganizationFactory,
    ReservationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH, HEIGHT = 320, 640
MOST_PAGES = 90
# Not pages: downloads, feeds, the API, Django's own admin (not Lernpool's interface).
SKIP_PREFIXES = ("/api/", "/admin/", "/static/", "/media/", "/accounts/logout/", "/calendar/")
SKIP_SUFFIXES = (".pdf", ".csv", ".ics", ".json", ".svg", ".png", ".txt")
LONG = "verwaltungsfachangestellte.medienzentrum"

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const inScroller = el => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  return {
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: width,
    widest: [...document.querySelectorAll('body *')]
      .filter(el => el.getBoundingClientRect().right > width + 1 && !inScroller(el))
      .slice(-3)
      .map(el => el.tagName.toLowerCase() + '.' + el.className + ' '
                 + (el.textContent || '').trim().slice(0, 50)),
  };
}"""
SCROLLERS_OUT_OF_REACH = """() => [...document.querySelectorAll('body *')].filter(el => {
  const s = getComputedStyle(el);
  return ['auto', 'scroll'].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 1
         && el.tabIndex < 0;
}).map(el => el.tagName.toLowerCase() + '.' + el.className)"""


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": WIDTH, "height": HEIGHT}}


@pytest.fixture
def world(organization, other_organization):
    """A school with a pool, bookings (one today, for the desk), a library that lends with
    an agreement, and a course provider with a course that people are enrolled in."""
    organization.email = f"{LONG}@kronberg-gymnasium-aschaffenburg.example"
    organization.save()
    for number, start in enumerate(["08:00", "08:50"], start=1):
        LessonPeriodFactory(
            organization=organization,
            number=number,
            start=datetime.time.fromisoformat(start),
            end=(
                datetime.datetime.combine(datetime.date.today(), datetime.time.fromisoformat(start))
                + datetime.timedelta(minutes=45)
            ).time(),
        )
    pool = DevicePoolFactory(organization=organization, name="iPad-Koffer Naturwissenschaften")
    DeviceFactory.create_batch(3, pool=pool)
    start, end = today_slot()
    person = UserFactory(name="Theresa Lehrer-Oberhuber", email=f"{LONG}@schule.example")
    ReservationFactory(pool=pool, user=person, start=start, end=end)
    ReservationFactory(pool=pool, user=person)
    library = other_organization
    library.email = f"{LONG}@stadtbuecherei-miltenberg.example"
    library.save()
    lending = LendingPoolFactory(organization=library, name="Leih-Laptops Stadtbücherei")
    DeviceFactory.create_batch(2, pool=lending)
    BorrowingAgreementFactory(organization=library)
    vhs = OrganizationFactory(
        name="Volkshochschule Aschaffenburg",
        kind=Organization.Kind.ADULT_EDUCATION,
        email=f"{LONG}@vhs-aschaffenburg.example",
    )
    course = CourseFactory(organization=vhs, title="Digitale Teilnahmebescheinigungen")
    MeetingFactory(course=course)
    past = CourseFactory(organization=vhs, title="Smartphone-Grundlagen für Seniorinnen")
    MeetingFactory(course=past, start=timezone.now() - datetime.timedelta(days=30))
    return {"pool": pool, "course": course, "vhs": vhs}


def _long_email(user) -> None:
    from allauth.account.models import EmailAddress

    user.email = f"{LONG}.{user.pk}@landratsamt-miltenberg.example"
    user.save()
    EmailAddress.objects.filter(user=user).update(email=user.email)


def _same_site_links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map(link => link.href)"
    )
    found = []
    for href in hrefs:
        url, _fragment = urldefrag(href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue
        if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_SUFFIXES):
            continue
        found.append(url)
    return found


def crawl(page, live_server, audit) -> list[str]:
    """Visit every page reachable from the start page (each path once: a page's other
    weeks, days and result pages share its layout); check each at 320 px. Returns the
    problems found."""
    problems, seen_paths, queue = [], set(), [f"{live_server.url}/"]
    while queue and len(seen_paths) < MOST_PAGES:
        url = queue.pop(0)
        path = urlsplit(url).path
        if path in seen_paths:
            continue
        seen_paths.add(path)
        response = page.goto(url)
        if response is None or response.status >= 400 or urlsplit(page.url).path != path:
            audit.audited.add(page.url)  # a 404, or a redirect to a page visited anyway
            if response is not None and response.status >= 500:
                problems.append(f"{url}: {response.status}")
            queue.append(page.url)
            continue
        audit.check(page)
        overflow = page.evaluate(OVERFLOW)
        if overflow["scrollWidth"] > overflow["clientWidth"]:
            problems.append(f"{path} scrolls sideways: {overflow}")
        unreachable = page.evaluate(SCROLLERS_OUT_OF_REACH)
        if unreachable:
            problems.append(f"{path}: boxes scroll sideways without keyboard access {unreachable}")
        queue.extend(_same_site_links(page, live_server.url))
    assert len(seen_paths) > 8, seen_paths
    return problems


ROLES = ["anonymous", "resident", "teacher", "staff", "org_admin", "region_admin", "provider"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_fits_320_pixels(
    page, live_server, world, audit, log_in, organization, request, role
):
    if role == "provider":
        user = MembershipFactory(organization=world["vhs"], role=Role.STAFF).user
        EnrollmentFactory(course=world["course"], user=UserFactory(email=f"{LONG}@mail.example"))
    elif role != "anonymous":
        user = request.getfixturevalue(role)
        EnrollmentFactory(course=world["course"], user=user)
    if role != "anonymous":
        _long_email(user)
        log_in(page, user)
    assert crawl(page, live_server, audit) == []
