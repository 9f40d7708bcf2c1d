"""Every page of the demo renders without a failed template lookup, for every demo role.

A failed lookup (``{{ device.home_location.name }}`` where there is no such attribute) renders
as an empty string and hides a bug: a missing value, or a name that changed. The test seeds
the demo once, signs in as each of the people that ``seed_demo`` prints (and as nobody), and
follows the links of every page it sees from the start page on, a few pages per URL pattern,
with ``string_if_invalid`` set to an object that records each failed lookup.

Django leaves ``string_if_invalid`` out of ``{% if %}`` (an absent value is false there) and
of ``{% for %}``, so a lookup that is legitimately absent is written inside an ``{% if %}``
that tests what exists.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.template import Context, Template
from django.template.base import Node, Origin, Variable, VariableDoesNotExist
from django.test import Client
from django.urls import Resolver404, resolve

from accounts import mfa
from accounts.models import User
from demo.data.organizations import FEATURED_LOGINS
from devices.models import Device
from tests.demo.conftest import seed_once

# Pages of one URL pattern are rendered by the same template: a few of each are enough.
PAGES_PER_PATTERN = 2
# Links that sign out, leave the app or are no HTML page of the app.
SKIPPED = re.compile(
    r"^/(static|media|admin|api|accounts/logout|__debug__)/|\.(pdf|ics|csv|xlsx|json)$"
)
HREF = re.compile(r'\bhref="([^"]*)"')


class FailedLookups:
    """Records the variable lookups that fail while the app's templates render, with the page.

    A lookup fails when an object the template has lacks the attribute or key it asks for
    (``page.paginator`` where ``page`` is no page, ``device.home_location.name`` where there is
    no home location). A name the view did not put into the context at all is Django's idiom
    for an optional value (``{% if saved %}``) and is not recorded, nor are the lookups of
    other packages' templates, nor the attributes of allauth's elements, which pass only the
    attributes given (``attrs``, ``slots``)."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()
        self.where = ""
        self.templates: list[str] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        resolve_lookup = Variable._resolve_lookup
        render_annotated = Node.render_annotated
        ours = str(Path(settings.BASE_DIR) / "templates") + "/"

        def rendering(node, context):
            self.templates.append(getattr(node.origin, "name", ""))
            try:
                return render_annotated(node, context)
            finally:
                self.templates.pop()

        def recording(variable, context):
            try:
                return resolve_lookup(variable, context)
            except VariableDoesNotExist:
                template = self.templates[-1] if self.templates else ""
                allauth_element = "/allauth/elements/" in template and variable.lookups[0] in (
                    "attrs",
                    "slots",
                )
                if (
                    template.startswith(ours)
                    and variable.lookups[0] in context
                    and not allauth_element
                ):
                    name = template.removeprefix(ours)
                    self.seen.add((self.where, f"{variable.var} in {name}"))
                raise

        monkeypatch.setattr(Node, "render_annotated", rendering)
        monkeypatch.setattr(Variable, "_resolve_lookup", recording)


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker) -> Iterator[str]:
    with seed_once(django_db_blocker) as output:
        yield output


@pytest.fixture
def failed_lookups(seeded_once, db, monkeypatch) -> FailedLookups:
    recorder = FailedLookups()
    recorder.install(monkeypatch)
    return recorder


def signed_in(email: str | None) -> Client:
    client = Client()
    if email is not None:
        user = User.objects.get(email=email)
        client.force_login(user)
        session = client.session
        session[mfa.CHECKED_SESSION_KEY] = mfa.checked_marker(user)
        session.save()
    return client


def pattern(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def walk(client: Client, recorder: FailedLookups, label: str) -> int:
    """Follow the app's links from the start page; returns how many pages were rendered."""
    queue, seen, per_pattern = ["/"], {"/"}, defaultdict(int)
    rendered = 0
    while queue:
        path = queue.pop(0)
        name = pattern(urlsplit(path).path)
        if name is None or per_pattern[name] >= PAGES_PER_PATTERN:
            continue
        per_pattern[name] += 1
        recorder.where = f"{label} {path}"
        response = client.get(path)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        rendered += 1
        for href in HREF.findall(response.content.decode()):
            link = urldefrag(unescape(href)).url
            if link.startswith("?"):
                link = urlsplit(path).path + link
            if not link.startswith("/") or link.startswith("//") or SKIPPED.search(link):
                continue
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return rendered


PEOPLE = [("nobody", None), *FEATURED_LOGINS]


@pytest.mark.parametrize(("label", "email"), PEOPLE, ids=[label for label, _email in PEOPLE])
def test_no_page_of_a_demo_role_has_a_failed_template_lookup(failed_lookups, label, email):
    rendered = walk(signed_in(email), failed_lookups, label)

    assert rendered >= 10  # the walk reached the app's pages, not only a login form
    first_page = {}
    for where, variable in sorted(failed_lookups.seen):
        first_page.setdefault(variable, where)
    assert first_page == {}


def test_a_device_without_a_home_location_has_no_failed_lookup(failed_lookups):
    staff = "ausleihe.stadtbibliothek"
    device = Device.objects.filter(organization__memberships__user__email__startswith=staff)[0]
    Device.objects.filter(pk=device.pk).update(home_location=None)
    client = signed_in(User.objects.get(email__startswith=staff).email)

    inventory = client.get(f"/devices/?organization={device.organization.slug}")
    detail = client.get(f"/devices/{device.pk}/")

    assert inventory.status_code == detail.status_code == 200
    assert failed_lookups.seen == set()


def test_the_recorder_sees_a_failed_lookup_in_the_apps_templates_only(failed_lookups):
    source = "{{ device.home_location.name }}{% if missing %}{{ missing.name }}{% endif %}"
    ours = Origin(str(Path(settings.BASE_DIR) / "templates" / "devices" / "example.html"))
    theirs = Origin("/elsewhere/example.html")
    context = Context({"device": Device(home_location=None)})
    failed_lookups.where = "here"

    Template(source, origin=ours).render(context)
    Template(source, origin=theirs).render(context)

    assert failed_lookups.seen == {("here", "device.home_location.name in devices/example.html")}
