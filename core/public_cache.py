"""Public pages served from what they answered last time, until their data or the clock
changes what they show (bench/README.md, "Public pages from what they answered last time").

A public page (the catalog, a course, the directory, an organization, the API's catalog) shows
the same to every anonymous visitor with the same address and language at the same moment.
What it shows changes only when its data changes or when time passes a boundary (a meeting
ends, registration opens, a library opens, the day changes). So:

- **Content versions.** Each kind of data (``courses``, ``organizations``, ``lending``) has a
  version: a random token in Django's cache (shared by every process; the database cache in
  production), read with one ``get_many`` per request. Every write of a model of that kind
  replaces it when its transaction commits (``transaction.on_commit``, once per kind and
  transaction): a ``post_save``/``post_delete`` receiver for the models that go through
  ``.save()`` and ``.delete()`` (services, admin, forms, factories), and a call of ``bump()``
  where a service or the demo seed writes in bulk (``bulk_create``, ``QuerySet.update``),
  which sends no signal. A reader inside the writing transaction (every test is one) sees
  the transaction's own version, which a rollback drops. A reader reads the version before
  the rows, so a page rendered from rows older than a commit is kept under a version older
  than it. A token the cache lost is a new token: a miss, never stale content.
- **Answers in this process's memory**, keyed by the page, the versions of the kinds it
  reads, the language, the address and the htmx headers, and kept until the moment the
  view said its content can change by time alone (``changes_at()``; at the latest the next
  midnight). A hit costs the version read and no rendering; in-process memory beats the
  database cache (a second query and unpickling ~60 KiB) and empties on restart, so a
  deploy or a regenerated database never shows an old page.
- **Per visitor:** only anonymous visitors without pending messages are served from memory
  (a signed-in person's page names them and their enrolments; they get the page rendered).
  The one per-visitor part of an anonymous page is its CSRF token: it is kept as a
  placeholder and filled in with the visitor's own token on every answer. A miss reads from
  the primary database, never from a replica that may not have replayed the write behind
  the new token.
- **A person's own pages** ("Meine Buchungen", "Meine Ausleihen", "Meine Kurse") are kept the
  same way for the signed-in person they belong to (``own_page``): keyed by the person too,
  and by a version of that person (``person:<pk>``), which every write of a row about them
  replaces (``PEOPLE_OF_MODEL``, ``bump_people``), beside the shared kinds the page shows
  (pool and organization names, a course's dates) and ``people``, which a write about many
  people at once replaces (retention, the demo seed). Never one person's page to another:
  the key holds the person, and a visitor who is not signed in is never served one.
- **Conditional GET.** Every answer carries an ``ETag`` (the stored body's digest, plus the
  visitor's CSRF secret where the page holds a token) and ``Cache-Control: no-cache``
  (``private`` where the page holds a token), and an ``If-None-Match`` that matches is a 304.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import get_language

from core.replica import pinned_to_primary

# What each kind of data is made of: a write of any of these models changes the pages that
# read the kind. (Attendance, certificates, memberships, lesson periods are on no public page.)
# Where a service writes one of them in bulk, it calls ``bump()`` itself.
MODELS_OF_KIND = {
    "courses": ("courses.Course", "courses.Meeting", "courses.Enrollment"),
    "organizations": (
        "organizations.District",
        "organizations.Organization",
        "organizations.Location",
        "organizations.OpeningSchedule",
        "organizations.OpeningInterval",
        "organizations.SpecialHours",
        "organizations.Closure",
        "organizations.LessonPeriod",  # a series' rhythm on "Meine Buchungen"
    ),
    # Reservations count only in pools lent to residents: lending's own receiver bumps for
    # those (lending.signals), so that a teacher's lesson booking leaves these pages be.
    "lending": (
        "devices.DeviceType",
        "devices.DevicePool",
        "devices.Device",
        "booking.Loan",
        "booking.LoanItem",
        "lending.WaitlistEntry",
        "lending.BorrowingAgreement",
        "lending.LendingPolicy",
    ),
}
KIND_OF_MODEL = {label: kind for kind, labels in MODELS_OF_KIND.items() for label in labels}

# Who a row of these models is about (attribute paths to a user's pk): a write of one changes
# that person's own pages. Where a service writes them in bulk, it calls ``bump_people()`` with
# the people (or ``bump(EVERYONE)`` where they are many: retention, the demo seed).
PEOPLE_OF_MODEL = {
    "accounts.User": ("pk",),
    "organizations.Membership": ("user_id",),  # the menu
    "booking.Reservation": ("user_id",),
    "booking.Series": ("user_id",),
    "booking.CalendarToken": ("user_id",),
    "booking.Loan": ("borrower_id",),
    "lending.WaitlistEntry": ("user_id",),
    "lending.LibraryCard": ("user_id",),
    "lending.AgreementAcceptance": ("user_id",),
    "courses.Enrollment": ("user_id",),
    "courses.Attendance": ("enrollment.user_id",),
    "courses.Certificate": ("enrollment.user_id",),
}
PERSON = "person:{}"
# Every person's own pages at once.
EVERYONE = "people"
MANY_PEOPLE = 200

VERSION_KEY = "lernpool:content-version:{}"
# Stands for the visitor's CSRF token in a stored page; letters only, as a token is.
PLACEHOLDER = b"lernpoolcsrfplaceholderlernpoolcsrfplaceholderlernpoolcsrfplaceh"
TOKEN = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
# What a stored answer may be: a page, or a page whose filters were wrong (the same for
# everyone who sends them). A 404 is not kept (addresses are unbounded).
KEPT_STATUSES = frozenset({200, 400, 422})
# Bounds of this process's memory: pages are 5–70 KiB.
MOST_ENTRIES = 2_000
MOST_BYTES = 64 * 1024 * 1024
# Request headers that change what a view answers besides the address and the language.
HTMX_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request", "HX-Target")


# --- content versions -----------------------------------------------------------------------


def _new_token(kind: str) -> str:
    token = uuid.uuid4().hex
    cache.set(VERSION_KEY.format(kind), token, None)
    return token


class _Bump:
    """What a transaction that wrote data of ``kind`` does when it commits: a new token for
    everyone. Until then, its ``overlay`` names the uncommitted state for readers inside the
    same transaction (tests; a command that writes, then renders); a rollback drops it with
    the callback, and those readers are back to what was committed."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.overlay = uuid.uuid4().hex

    def __call__(self) -> None:
        _new_token(self.kind)


def _pending(connection, kind: str) -> tuple[set, _Bump] | None:
    """The latest bump of ``kind`` waiting for this connection's commit, with the savepoints
    it was registered in."""
    found = None
    for savepoints, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _Bump) and callback.kind == kind:
            found = (savepoints, callback)
    return found


def versions(kinds: Iterable[str]) -> tuple[str, ...]:
    """The current version of each kind, in one cache read (plus, inside a transaction that
    wrote, its own uncommitted state)."""
    kinds = tuple(kinds)
    found = cache.get_many([VERSION_KEY.format(kind) for kind in kinds])
    connection = connections[DEFAULT_DB_ALIAS]
    current = []
    for kind in kinds:
        token = found.get(VERSION_KEY.format(kind)) or _new_token(kind)
        pending = _pending(connection, kind) if connection.in_atomic_block else None
        current.append(token + (pending[1].overlay if pending else ""))
    return tuple(current)


def bump(*kinds: str) -> None:
    """The data of ``kinds`` changed: every page that reads them is rendered anew once the
    transaction commits (at once outside a transaction). Nothing is written to the cache
    inside the transaction (with the database cache that would lock the version's row until
    the commit), and a transaction that writes many rows bumps each kind once."""
    connection = transaction.get_connection()
    for kind in kinds:
        if not connection.in_atomic_block:
            _new_token(kind)
            continue
        pending = _pending(connection, kind)
        if pending is not None and pending[0] == set(connection.savepoint_ids):
            pending[1].overlay = uuid.uuid4().hex
        else:
            # A savepoint of its own: if that savepoint rolls back, so does this bump.
            transaction.on_commit(_Bump(kind))


def bump_people(person_ids: Iterable[int | None]) -> None:
    """These people's own data changed: their own pages are rendered anew after the commit.
    Beyond ``MANY_PEOPLE`` (a retention run, a large shortfall), one bump of everyone's pages
    instead of a cache write per person at the commit."""
    people = sorted({pk for pk in person_ids if pk is not None})
    if len(people) > MANY_PEOPLE:
        bump(EVERYONE)
    else:
        bump(*(PERSON.format(pk) for pk in people))


def _model_written(sender, **kwargs) -> None:
    bump(KIND_OF_MODEL[sender._meta.label])


def _person_of(instance, path: str) -> int | None:
    for name in path.split("."):
        instance = getattr(instance, name, None)
        if instance is None:
            return None
    return instance


def _person_written(sender, instance, **kwargs) -> None:
    bump_people(_person_of(instance, path) for path in PEOPLE_OF_MODEL[sender._meta.label])


def connect_receivers() -> None:
    """Listen to the writes of exactly these models (``CoreConfig.ready``): a receiver for
    every model would stop Django from deleting any model's rows in bulk."""
    for label in KIND_OF_MODEL:
        model = apps.get_model(label)
        for signal in (post_save, post_delete):
            signal.connect(_model_written, sender=model, dispatch_uid=f"lernpool_content_{label}")
    for label in PEOPLE_OF_MODEL:
        model = apps.get_model(label)
        for signal in (post_save, post_delete):
            signal.connect(_person_written, sender=model, dispatch_uid=f"lernpool_person_{label}")


# --- time boundaries ------------------------------------------------------------------------


def changes_at(request: HttpRequest, moment: Callable[[], datetime.datetime | None]) -> None:
    """The page this request renders may show something else from ``moment()`` on, by time
    alone (None: no such moment). ``moment`` is only called when the answer is to be kept."""
    plan = getattr(request, "_public_cache", None)
    if plan is None:
        return
    when = moment()
    if when is not None:
        plan.until = min(plan.until, when)


def next_midnight(now: datetime.datetime) -> datetime.datetime:
    """The start of the next local day: every page's "today" changes then."""
    tomorrow = timezone.localtime(now).date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time()))


# --- which views ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    name: str
    kinds: tuple[str, ...]
    # True: the answer holds nothing about the visitor (the API's open data), so signed-in
    # visitors are served from memory too.
    everyone: bool = False
    # True: the signed-in person's own page, kept for them alone (``own_page``).
    personal: bool = False


_policies_by_view_name: dict[str, Policy] = {}


def public_page(*kinds: str) -> Callable:
    """Marks a view whose answer to anonymous visitors is kept until ``kinds`` change or the
    view's ``changes_at()`` moment passes."""

    def mark(view: Callable) -> Callable:
        view.public_cache = Policy(f"{view.__module__}.{view.__qualname__}", kinds)
        return view

    return mark


def own_page(*kinds: str) -> Callable:
    """Marks a signed-in person's own page: kept for that person until their own data, a
    write about everyone, ``kinds`` or the view's ``changes_at()`` moment changes it."""

    def mark(view: Callable) -> Callable:
        name = f"{view.__module__}.{view.__qualname__}"
        view.public_cache = Policy(name, (*kinds, EVERYONE), personal=True)
        return view

    return mark


def public_operation(view_name: str, *kinds: str) -> None:
    """The same for an API operation (``"api:list_courses"``), whose view function is ninja's:
    its answer holds no personal data, so it is kept for every visitor."""
    _policies_by_view_name[view_name] = Policy(view_name, kinds, everyone=True)


def _policy(request: HttpRequest, view: Callable) -> Policy | None:
    policy = getattr(view, "public_cache", None)
    if policy is None and request.resolver_match is not None:
        policy = _policies_by_view_name.get(request.resolver_match.view_name)
    return policy


# --- the stored answers ---------------------------------------------------------------------


@dataclass
class Plan:
    """A miss in the making: where its answer goes, and until when it holds."""

    key: tuple
    since: datetime.datetime
    until: datetime.datetime
    personal: bool = False


@dataclass
class Entry:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    digest: str
    with_token: bool
    private: bool
    # What the answer showed holds from ``since`` (when it was asked for) until ``until``.
    since: datetime.datetime
    until: datetime.datetime
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = len(self.body) + 512


_memory: dict[tuple, Entry] = {}
_memory_bytes = 0


def _remember(key: tuple, entry: Entry) -> None:
    global _memory_bytes
    old = _memory.pop(key, None)
    if old is not None:
        _memory_bytes -= old.size
    while _memory and (len(_memory) >= MOST_ENTRIES or _memory_bytes + entry.size > MOST_BYTES):
        _memory_bytes -= _memory.pop(next(iter(_memory))).size
    _memory[key] = entry
    _memory_bytes += entry.size


def forget() -> None:
    """Empty this process's memory (tests)."""
    global _memory_bytes
    _memory.clear()
    _memory_bytes = 0


def _key(request: HttpRequest, policy: Policy) -> tuple:
    if policy.everyone:
        # Nothing in the answer echoes the address: the parameters in any order are one page.
        address = (request.path, tuple(sorted((k, tuple(v)) for k, v in request.GET.lists())))
    else:
        # The page links back to itself ("Log in" with ?next=): the address as it came.
        address = request.get_full_path()
    htmx = tuple(request.headers.get(name, "") for name in HTMX_HEADERS)
    if policy.personal:
        person = request.user.pk
        kinds = (*policy.kinds, PERSON.format(person))
        return (policy.name, person, versions(kinds), get_language(), address, htmx)
    return (policy.name, versions(policy.kinds), get_language(), address, htmx)


def _with_placeholder(request: HttpRequest, body: bytes) -> tuple[bytes, bool]:
    """The body with this visitor's CSRF token (every masking of their secret) replaced by
    the placeholder."""
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        return body, False
    found = False

    def replace(match: re.Match) -> bytes:
        nonlocal found
        if _unmask_cipher_token(match.group().decode()) == secret:
            found = True
            return PLACEHOLDER
        return match.group()

    body = TOKEN.sub(replace, body)
    return body, found


def _etag(request: HttpRequest, entry: Entry) -> str:
    if not entry.with_token:
        return f'"{entry.digest}"'
    secret = request.META.get("CSRF_COOKIE", "")
    return f'"{hashlib.sha256((entry.digest + secret).encode()).hexdigest()[:32]}"'


def _answer(request: HttpRequest, entry: Entry) -> HttpResponse:
    if entry.with_token:
        # Before the ETag: a visitor without a CSRF cookie gets one now (the middleware sets it).
        body = entry.body.replace(PLACEHOLDER, get_token(request).encode())
    else:
        body = entry.body
    etag = _etag(request, entry) if entry.status == 200 else None
    if etag is not None and etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, status=entry.status)
        for name, value in entry.headers:
            response.headers[name] = value
    if etag is not None:
        response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-cache" if entry.private else "no-cache"
    patch_vary_headers(response, ["Cookie", "Accept-Language", "HX-Request"])
    return response


def _entry(request: HttpRequest, response: HttpResponse, plan: Plan) -> Entry:
    body, with_token = _with_placeholder(request, response.content)
    headers = [(name, value) for name, value in response.headers.items()]
    digest = hashlib.sha256(body).hexdigest()[:32]
    private = with_token or plan.personal
    return Entry(
        response.status_code, headers, body, digest, with_token, private, plan.since, plan.until
    )


class PublicCacheMiddleware:
    """Serves the views marked ``public_page`` (and the operations named by
    ``public_operation``) from this process's memory. Last in ``MIDDLEWARE``: everything
    about the visitor (session, language, CSRF cookie, user, messages) is known by then, and
    every other middleware still sees each answer on its way out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        plan = getattr(request, "_public_cache", None)
        if plan is None:
            return response
        pinned = request._public_cache_pin
        pinned.__exit__(None, None, None)
        if response.status_code not in KEPT_STATUSES or response.streaming:
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        entry = _entry(request, response, plan)
        _remember(plan.key, entry)
        return _answer(request, entry)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD") or settings.DEBUG:
            return None
        policy = _policy(request, view)
        if policy is None:
            return None
        if policy.personal:
            # Only the person's own answer, and never over a message waiting for them.
            if not request.user.is_authenticated or len(get_messages(request)):
                return None
        elif not policy.everyone and (request.user.is_authenticated or len(get_messages(request))):
            return None
        key = _key(request, policy)
        now = timezone.now()
        entry = _memory.get(key)
        if entry is not None and entry.since <= now < entry.until:
            return _answer(request, entry)
        request._public_cache = Plan(key, now, next_midnight(now), policy.personal)
        # A miss reads what the new version stands for: the primary, not a replica behind it.
        request._public_cache_pin = pinned_to_primary()
        request._public_cache_pin.__enter__()
        return None
