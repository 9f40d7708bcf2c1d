"""Playwright on Debian's Chromium, with axe-core on every page a test visits, and the W3C Nu
HTML checker over the HTML every checked page was served with (once, at the end of the run)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
# A phone's screen in CSS pixels, as the phone-sized tests look at a page.
PHONE = {"width": 390, "height": 844}
_axe = Axe()
# url → the HTML it was served with, for every page audited in this run (tests/browser/nu.py).
SERVED: dict[str, str] = {}


@pytest.fixture(scope="session", autouse=True)
def _nu_html_checker():
    """After the last browser test: the Nu HTML checker over every page the tests audited.
    A page with invalid HTML fails the run here, with the page and the message."""
    yield
    if SERVED:
        from tests.browser import nu

        problems = nu.check(SERVED)
        SERVED.clear()
        assert not problems, "The Nu HTML checker found:\n" + "\n".join(problems)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "de-DE", "timezone_id": "Europe/Berlin"}


class Audit:
    """Runs axe-core on each page; remembers which loaded pages were audited."""

    def __init__(self) -> None:
        self.loaded: list[str] = []
        self.audited: set[str] = set()
        self.console_errors: list[str] = []
        self.documents: dict[str, object] = {}

    def watch(self, page) -> None:
        page.on("load", lambda p: self.loaded.append(p.url))
        page.on("console", self._on_console)
        page.on("response", self._on_response)

    def _on_console(self, message) -> None:
        # A page answered with 400 (a form with errors) logs "Failed to load resource"; what
        # matters is a failed asset or request, which _on_response records.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(message.text)

    def _on_response(self, response) -> None:
        if response.request.resource_type == "document":
            self.documents[response.url] = response
        elif response.status >= 400:
            self.console_errors.append(f"{response.status} {response.url}")

    def _keep_served_html(self, page) -> None:
        response = self.documents.get(page.url.split("#", 1)[0])
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            return
        try:
            SERVED[page.url] = response.text()
        except PlaywrightError:  # a body the browser no longer holds: nothing to check
            return

    def check(self, page) -> None:
        page.wait_for_load_state("load")
        if getattr(page, "javascript_disabled", False):
            results = self._run_on_copy(page)
        else:
            results = _axe.run(page)
        assert results.violations_count == 0, results.generate_report()
        self.audited.add(page.url)
        self._keep_served_html(page)

    @staticmethod
    def _run_on_copy(page):
        """axe-core is JavaScript, which cannot run in a page that has it switched off: audit
        the very HTML that page received, served at the same address to a scripted page."""
        html, url = page.content(), page.url
        copy = page.context.browser.new_page()
        try:
            copy.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
            copy.goto(url)
            return _axe.run(copy)
        finally:
            copy.close()


@pytest.fixture
def audit():
    return Audit()


@pytest.fixture
def page(page, audit):
    """The Playwright page, audited: any page a test loaded but did not check with
    ``audit.check(page)`` is checked at the end, and a console error (a CSP violation,
    a missing asset) fails the test."""
    audit.watch(page)
    yield page
    if page.url not in audit.audited and not page.is_closed():
        audit.check(page)
    unchecked = [url for url in audit.loaded if url not in audit.audited]
    assert not unchecked, f"pages loaded without an axe-core check: {unchecked}"
    assert not audit.console_errors, audit.console_errors


@pytest.fixture
def no_js_page(browser, browser_context_args, audit):
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    page.javascript_disabled = True
    audit.watch(page)
    yield page
    if page.url not in audit.audited:
        audit.check(page)
    context.close()


@pytest.fixture
def _totp_periods_used() -> dict[int, int]:
    """The TOTP period in which each person last entered a code in this test: allauth refuses
    a code used once already (the cache, emptied between tests, remembers it), so a second
    login in the same period waits for the next code."""
    return {}


def current_totp_code(secret: str, used: dict[int, int], user_pk: int) -> str:
    """The code to enter now: not one this person used already, and not one about to expire
    (TOTP_TOLERANCE is 0, so the server only accepts the current period's code)."""
    import time

    from allauth.mfa import app_settings

    from accounts.mfa import totp_code

    period = app_settings.TOTP_PERIOD
    now = time.time()
    if period - now % period < 3 or used.get(user_pk) == int(now // period):
        time.sleep(period - now % period + 0.1)
        now = time.time()
    used[user_pk] = int(now // period)
    return totp_code(secret, now)


@pytest.fixture
def enter_code(audit, _totp_periods_used):
    """On the login's second step, enter the current code of the person's authenticator app
    (the factories give one to staff and admins). Does nothing for a person without one."""
    from playwright.sync_api import expect

    from accounts.mfa import totp_secret

    def enter_code(page, user) -> None:
        secret = totp_secret(user)
        if not secret:
            return
        code = page.locator("input[name=code]")
        expect(code).to_be_visible()
        audit.check(page)
        code.fill(current_totp_code(secret, _totp_periods_used, user.pk))
        code.press("Enter")

    return enter_code


@pytest.fixture
def log_in(live_server, password, audit, enter_code):
    """Log in through the real login page (every page audited), as the given person; enters
    the current code of the person's authenticator app when the login asks for it."""
    from playwright.sync_api import expect

    def log_in(page, user) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        audit.check(page)
        page.get_by_label("E-Mail").fill(user.email)
        page.get_by_label("Passwort").first.fill(password)
        page.get_by_label("Passwort").first.press("Enter")
        enter_code(page, user)
        expect(page.get_by_role("link", name="Mein Konto")).to_be_visible()
        audit.check(page)

    return log_in


@pytest.fixture
def on_phone(log_in):
    """Put a page on a phone's screen (``PHONE``) and log in there as the given person."""

    def on_phone(page, user) -> None:
        page.set_viewport_size(PHONE)
        log_in(page, user)

    return on_phone


def press(page, locator, key: str = "Enter") -> None:
    """Move the keyboard focus to an element and press a key, as Tab would bring it there."""
    locator.focus()
    expect(locator).to_be_focused()
    page.keyboard.press(key)


def open_menu_to(page, link):
    """Open what hides ``link`` in the main navigation, as a person does: the menu button on
    a phone, then the link's group ("Verwaltung", "Meins", …). Returns the link."""
    summaries = link.locator("xpath=ancestor::details/summary")
    for index in range(summaries.count()):  # outermost first
        summary = summaries.nth(index)
        if summary.is_visible() and summary.locator("xpath=..").get_attribute("open") is None:
            summary.click()
    return link


def nav_link(page, name: str, *, exact: bool = False):
    """A link of the main navigation (German or English), its menu and group opened."""
    import re

    nav = page.get_by_role("navigation", name=re.compile("^(Main navigation|Hauptnavigation)$"))
    link = nav.get_by_role("link", name=name, exact=exact, include_hidden=True)
    return open_menu_to(page, link)
