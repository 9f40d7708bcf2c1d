"""A keyboard user sees where the focus is (WCAG 2.4.7): Tab through the week view, my
bookings, a report and the desk, and every element that takes the focus looks different
while it has it (its outline, box shadow, border, background or underline changes). The
scroll boxes of wide tables are focusable so that the keyboard can scroll them; KERN's
`[tabindex]:focus:focus-visible { outline: 0 }` once made the focus on them invisible."""

from __future__ import annotations

import pytest
from django.utils import translation

from reports.periods import period_choices
from tests.booking.conftest import today_slot
from tests.factories import DeviceFactory, DevicePoolFactory, ReservationFactory, UserFactory
from tests.reports.conftest import report_world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

# What a sighted person can see change on the element that takes the focus.
LOOK = """el => {
  const s = getComputedStyle(el);
  // An outline of style none or width 0 draws nothing, whatever its other values say.
  const outline = s.outlineStyle === 'none' || parseFloat(s.outlineWidth) === 0
    ? 'no outline' : [s.outlineStyle, s.outlineWidth, s.outlineColor].join(' ');
  return [outline, s.boxShadow, s.borderColor, s.backgroundColor, s.textDecorationLine,
          s.color].join(' | ');
}"""
DESCRIBE = """el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
  + (typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '')
  + ' "' + (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 40) + '"'"""
MOST_TABS = 250


def focus_is_visible_on_every_stop(page) -> list[str]:
    """Tab from the top of the page to its end; return the focus stops that look the same
    focused and not focused (empty when every stop shows its focus)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.evaluate("window.scrollTo(0, 0)")
    invisible, seen, previous = [], 0, None
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        handle = page.evaluate_handle("document.activeElement")
        if page.evaluate("el => el === document.body || el === null", handle):
            break
        if previous is not None and page.evaluate("([a, b]) => a === b", [handle, previous[0]]):
            continue  # Tab moves between the parts of a date input: still the same element
        focused = page.evaluate(LOOK, handle)
        if previous is not None:
            _check(page, *previous, invisible)
        previous = (handle, focused)
        seen += 1
    if previous is not None:
        page.evaluate("document.activeElement && document.activeElement.blur()")
        _check(page, *previous, invisible)
    assert seen > 5, "the page has hardly any focus stops: did it load?"
    return invisible


def _check(page, handle, focused: str, invisible: list[str]) -> None:
    if page.evaluate(LOOK, handle) == focused:
        invisible.append(page.evaluate(DESCRIBE, handle))


def _report_url() -> str:
    with translation.override("en"):
        key = next(key for key, label in period_choices() if label.startswith("Last school"))
    return f"/reports/view/?period={key}&scope=org:kronberg-gymnasium"


@pytest.mark.usefixtures("report_world")
def test_every_focus_stop_of_week_bookings_report_and_desk_is_visible(
    page, live_server, org_admin, organization, audit, log_in
):
    pool = DevicePoolFactory(organization=organization, name="Laptopwagen")
    DeviceFactory.create_batch(4, pool=pool)
    start, end = today_slot()
    ReservationFactory(pool=pool, user=UserFactory(name="Theresa Lehrer"), start=start, end=end)
    ReservationFactory(pool=pool, user=org_admin, quantity=1)
    log_in(page, org_admin)
    for path in [
        f"/pools/{pool.pk}/week/",
        "/bookings/",
        _report_url(),
        "/desk/",
    ]:
        page.goto(f"{live_server.url}{path}")
        audit.check(page)
        scroll_boxes = page.locator(".kern-table-responsive[tabindex='0']").count()
        assert scroll_boxes, f"{path} has no table scroll box to check"
        assert focus_is_visible_on_every_stop(page) == [], path
