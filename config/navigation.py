"""The main navigation: at most six top-level items for anyone, the rest grouped. The
person's own controls (log in, my account, log out) sit in the header beside the language
switch, visible on every screen without opening the menu.

Built here rather than in the base template so that what a role sees can be tested and
counted, and so that the current section (the link whose address is the longest start of
the page's path) is worked out once for the whole menu. The menu of a role is the same for
everyone with that role: it is built once per process for each language and set of roles
(core/frame.py), and only the current section is marked per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from django.template.loader import render_to_string
from django.urls import NoReverseMatch
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import frame

MOST_TOP_LEVEL_ITEMS = 6
MANAGING = {"staff", "org_admin", "region_admin"}
ADMINISTERING = {"org_admin", "region_admin"}


@dataclass
class NavLink:
    label: str
    url: str
    current: str = ""  # "page" on the page itself, "true" anywhere below it, else ""
    links: ClassVar[tuple] = ()  # a link opens no group (the menu asks each item)


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
        return NavLink(str(label), frame.fixed_url(name), **kwargs)
    except NoReverseMatch:
        return None


def _group(key: str, label, *links: NavLink | None) -> NavGroup | None:
    links = [link for link in links if link is not None]
    return NavGroup(key, str(label), links) if links else None


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


def _links(items: list[NavLink | NavGroup]) -> list[NavLink]:
    return [
        link for item in items for link in (item.links if isinstance(item, NavGroup) else [item])
    ]


def _current(items: list[NavLink | NavGroup], path: str) -> tuple[int, str] | None:
    """The current section on ``path``: the place of its link among all links of the menu,
    and ``"page"`` on the page itself or ``"true"`` anywhere below it. None outside them all."""
    # The home page and the start page are current only on themselves.
    only_themselves = {frame.fixed_url("home"), frame.fixed_url("start")}
    matching = [
        (place, link)
        for place, link in enumerate(_links(items))
        if link.url == path or (link.url not in only_themselves and path.startswith(link.url))
    ]
    if not matching:
        return None
    place, best = max(matching, key=lambda pair: len(pair[1].url))
    return place, "page" if best.url == path else "true"


def _marked(menu: list[NavLink | NavGroup], current: tuple[int, str] | None):
    """A copy of ``menu`` with the current section marked (the menu itself is shared)."""
    items = [
        NavGroup(item.key, item.label, [NavLink(link.label, link.url) for link in item.links])
        if isinstance(item, NavGroup)
        else NavLink(item.label, item.url)
        for item in menu
    ]
    if current is not None:
        place, how = current
        _links(items)[place].current = how
    return items


def _who(user) -> tuple[bool, frozenset[str], bool]:
    """Everything about ``user`` that ``_items_for`` looks at."""
    if not user.is_authenticated:
        return False, frozenset(), False
    return True, user.role_names(), user.is_staff


def _menu_of(user) -> list[NavLink | NavGroup]:
    """The menu of everyone who holds the same roles as ``user``, in the active language,
    built once per process. Shared: never marked, never changed."""
    return frame.remembered(("navigation", _who(user), *frame.place()), lambda: _items_for(user))


def rendered_navigation(user, path: str) -> SafeString:
    """The main navigation's HTML (``includes/main_navigation.html``) for ``user`` on
    ``path``: rendered once per process for each set of roles, language and current
    section."""
    menu = _menu_of(user)
    current = _current(menu, path)
    return frame.rendered(
        ("navigation html", _who(user), current, *frame.place()),
        lambda: render_to_string(
            "includes/main_navigation.html", {"main_nav": _marked(menu, current)}
        ),
    )
