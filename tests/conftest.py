"""Fixtures for every test: one person per role, an outsider with no role anywhere, and a
course provider with its staff."""

from __future__ import annotations

import logging
import os

import pytest
from django.db import connection
from django.utils import translation

from organizations.models import Organization, Role

from .factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

# Playwright runs its own event loop in the test thread; the live server's database access
# from that thread is synchronous on purpose.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_POSTGRES = os.environ.get("LERNPOOL_REQUIRE_POSTGRES") == "1"


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests are skipped on SQLite, and fail CI if they would be skipped there."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    if REQUIRE_POSTGRES and not on_postgres:
        raise pytest.UsageError("LERNPOOL_REQUIRE_POSTGRES=1 needs DATABASE_URL=postgres://…")
    if on_postgres:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


_skipped_postgres_tests: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and "postgres" in report.keywords:
        _skipped_postgres_tests.append(report.nodeid)


class LogCollector(logging.Handler):
    """Keeps every log record of the run, as it was logged (before any handler's filter), so
    that the run fails if the code logged an email address (accounts' logs hold ids only)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.with_email: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        from core.logging import EMAIL_ADDRESS

        try:
            text = logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)
        except Exception as error:  # a record that cannot be formatted is a bug of its own
            text = f"{record.name} unformattable record {record.msg!r}: {error}"
        if EMAIL_ADDRESS.search(text):
            self.with_email.append(f"{text} (in {os.environ.get('PYTEST_CURRENT_TEST', '?')})")


_log_collector = LogCollector()


def pytest_sessionstart(session):
    # First among the handlers: the settings' handlers redact what they see, in place.
    for name in ("", "django.server"):
        logging.getLogger(name).handlers.insert(0, _log_collector)


def pytest_sessionfinish(session, exitstatus):
    if REQUIRE_POSTGRES and _skipped_postgres_tests:
        print(f"\n{len(_skipped_postgres_tests)} PostgreSQL tests were skipped on PostgreSQL:")
        for nodeid in _skipped_postgres_tests:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if _log_collector.with_email:
        print(f"\n{len(_log_collector.with_email)} log records contain an email address:")
        for text in _log_collector.with_email:
            print(f"  {text}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# Tests assert English text (the msgids); German comes with the translations. Three ways a
# test gets it, named by a module in its pytestmark (pytest.mark.usefixtures):


@pytest.fixture
def english_pages(client, settings) -> None:
    """Pages fetched through ``client`` come in English (the visitor's language cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def english_messages():
    """Text the test builds itself (services, PDFs, emails) is in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def english_default(settings) -> None:
    """The site's own language is English (API answers, people without a preference)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Kronberg-Gymnasium", slug="kronberg-gymnasium")


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(
        name="Stadtbücherei Miltenberg", slug="stadtbuecherei-miltenberg", kind="library"
    )


def _member(organization, role):
    return MembershipFactory(organization=organization, role=role).user


@pytest.fixture
def teacher(organization):
    return _member(organization, Role.TEACHER)


@pytest.fixture
def staff(organization):
    return _member(organization, Role.STAFF)


@pytest.fixture
def org_admin(organization):
    return _member(organization, Role.ORG_ADMIN)


@pytest.fixture
def region_admin(db):
    return UserFactory(is_region_admin=True)


@pytest.fixture
def staff_without_2fa(organization):
    """Staff who has not set up two-factor authentication yet (the factories give it)."""
    return MembershipFactory(organization=organization, role=Role.STAFF, totp=False).user


@pytest.fixture
def resident(db):
    return UserFactory()


@pytest.fixture
def outsider(other_organization):
    """Staff and admin of another organization: has roles, but none where the test looks."""
    user = _member(other_organization, Role.ORG_ADMIN)
    MembershipFactory(user=user, organization=other_organization, role=Role.STAFF)
    return user


@pytest.fixture
def provider(db):
    """An adult-education centre that offers courses (no devices)."""
    return OrganizationFactory(
        name="Volkshochschule Aschaffenburg",
        slug="vhs-aschaffenburg",
        kind=Organization.Kind.ADULT_EDUCATION,
        street="Luitpoldstraße 2",
        postal_code="63739",
        city="Aschaffenburg",
    )


@pytest.fixture
def provider_staff(provider):
    return _member(provider, Role.STAFF)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth's rate limits live in the cache: one test's sign-ups must not throttle the next;
    the public pages' content versions live there too (core.public_cache)."""
    from django.core.cache import cache

    from core import public_cache

    cache.clear()
    public_cache.forget()
    yield
    cache.clear()
    public_cache.forget()


@pytest.fixture(autouse=True)
def _same_fake_data_every_run(request):
    """Factories draw names from Faker: seed it per test, so a test sees the same names on
    every run and in any order (a name that happens to contain an asserted word fails every
    time, not now and then)."""
    import factory.random

    factory.random.reseed_random(request.node.nodeid)


@pytest.fixture(scope="session", autouse=True)
def _no_connection_outlives_the_run(django_db_setup, django_db_blocker):
    """On PostgreSQL the test database is dropped at the end of the run, which fails while
    any connection to it is still open ("is being accessed by other users") and leaves
    ``test_lernpool`` behind. Threads of the live server, of the concurrency tests or of a
    background task may end without closing theirs: close them all before the teardown."""
    yield
    from django.db import connections

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            left_open = cursor.rowcount
        connections.close_all()
    if left_open:
        print(f"\n{left_open} connection(s) to the test database were left open and closed.")


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """For tests that call the real WSGI handler (as an HTTP client would): its request
    signals close any connection that is not in autocommit, and on PostgreSQL that is the
    test's own, inside its transaction. Django's test client disconnects them the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """A real OpenID provider (npm oidc-provider) on loopback, one for the whole session."""
    from tests.oidc.provider import TestProvider

    provider = TestProvider(tmp_path_factory.mktemp("oidc"))
    yield provider
    provider.stop()


@pytest.fixture
def school_login(db, oidc_provider, organization):
    """The provider registered in Lernpool as "schule": staff of the organization come from
    the group ``kg-staff``, teachers from ``kg-teachers``; "pwd otp" counts as 2FA."""
    from allauth.socialaccount.models import SocialApp

    from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET

    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id="schule",
        name="Mit Schul-Login anmelden",
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        settings=oidc_provider.app_settings(
            organizations=[organization.slug],
            mfa_amr=["otp", "mfa", "hwk"],
            roles=[
                {
                    "claim": "groups",
                    "value": "kg-staff",
                    "organization": organization.slug,
                    "role": "staff",
                },
                {
                    "claim": "groups",
                    "value": "kg-teachers",
                    "organization": organization.slug,
                    "role": "teacher",
                },
            ],
        ),
    )
