"""The main navigation: at most six top-level items for anyone, the rest grouped. The
person's own controls (log in, my account, log out) sit in the header beside the language
switch, visible on every screen without opening the menu.

Built here rather than in the base template so that what a role sees can be tested and
counted, and so that the current section (the link whose address is the longest start of
the page's path) is worked out once for the whole menu.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MOST_TOP_LEVEL_ITEMS = 6
MANAGING = {"staff", "org_admin", "region_admin"}
ADMINISTERING = {"org_admin", "region_admin"}


@dataclass
class NavLink:
    label: str
    url: str
    current: str = ""  # "page" on the page itself, "true" anywhere below it, else ""


@dataclass
class NavGroup:
    key: str
    label: str
    links: list[NavLink] = field(default_factory=list)

    @property
    def current(self) -> str:
        return "true" if any(link.current for link in self.links) else ""


def _link(label, name: str, **kwargs) -> NavLink | None:
    """A link to a named page, or nothing where the page is not installed."""
    try:
        return NavLink(label, reverse(name), **kwargs)
    except NoReverseMatch:
        return None


def _group(key: str, label, *links: NavLink | None) -> NavGroup | None:
    links = [link for link in links if link is not None]
    return NavGroup(key, label, links) if links else None


def _items_for(user) -> list[NavLink | NavGroup]:
    if not user.is_authenticated:
        return [
            _link(_("Start"), "home"),
            _link(_("Courses"), "courses:catalog"),
            _link(_("Borrow a device"), "lending:pools"),
            _link(_("Organizations"), "organizations:directory"),
            _link(_("Sign up"), "account_signup"),
        ]
    roles = user.role_names()
    books = bool(roles)  # teachers, staff and admins book devices for their organizations
    items: list[NavLink | NavGroup | None] = [
        _link(_("Start"), "start"),
        _group(
            "offers",
            pgettext_lazy("navigation group", "Offers"),
            _link(_("Courses"), "courses:catalog"),
            _link(_("Borrow a device"), "lending:pools"),
            _link(_("Organizations"), "organizations:directory"),
        ),
        _group(
            "mine",
            pgettext_lazy("navigation group", "Mine"),
            _link(_("My bookings"), "booking:my_bookings") if books else None,
            _link(_("Book a device"), "devices:pool_list") if books else None,
            _link(_("My loans"), "lending:my_loans"),
            _link(_("My courses"), "courses:my_courses"),
        ),
    ]
    if roles & MANAGING:
        items.append(_link(_("Desk"), "booking:desk"))
        administers = roles & ADMINISTERING
        items.append(
            _group(
                "manage",
                pgettext_lazy("navigation group", "Management"),
                _link(_("Inventory"), "devices:inventory"),
                _link(_("Run courses"), "provide:courses"),
                _link(_("Members"), "members:index") if administers else None,
                _link(_("Log"), "audit:index") if administers else None,
                _link(_("Data requests"), "privacy_requests:index"),
                _link(_("Reports"), "reports:index") if administers else None,
                _link(_("Administration"), "admin:index") if user.is_staff else None,
            )
        )
    elif user.is_staff:  # Django's admin site, for its own staff without a role here
        items.append(_link(_("Administration"), "admin:index"))
    return [item for item in items if item is not None]


def _mark_current(items: list[NavLink | NavGroup], path: str) -> None:
    links = [
        link for item in items for link in (item.links if isinstance(item, NavGroup) else [item])
    ]
    # The home page and the start page are current only on themselves.
    only_themselves = {reverse("home"), reverse("start")}
    matching = [
        link
        for link in links
        if link.url == path or (link.url not in only_themselves and path.startswith(link.url))
    ]
    if matching:
        best = max(matching, key=lambda link: len(link.url))
        best.current = "page" if best.url == path else "true"


def main_navigation(user, path: str) -> list[NavLink | NavGroup]:
    """The top-level items (links and groups of links) of the main navigation for ``user``,
    the current section marked."""
    items = _items_for(user)
    _mark_current(items, path)
    return items
