"""The fixed frame of every page, worked out once per process instead of once per request.

Every page pays for its frame before its own content: the base template's links to named
pages, its stylesheets and scripts, the footer's translations, the main navigation. Those are
the same for everyone who sees the page in one language (the navigation: for everyone with the
same roles), so they are computed once per process and kept here, in this process's memory
(bench/README.md, "The fixed cost of every page"). A shared cache would cost a round trip to
the database cache, more than computing them again.

Nothing about a person or a request is kept: no CSRF token, no name, no path. The key of an
entry names everything its value depends on (language, script prefix, URLconf); a changed
setting (tests) empties the memory. Under ``DEBUG`` the rendered fragments are not kept, so that
an edited template shows at once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language

# Languages × role combinations × fragments × named pages: a few hundred entries. The bound
# only guards against a key that should not vary but does.
MOST_ENTRIES = 5_000

_memory: dict[Hashable, object] = {}


def place() -> tuple[str | None, str, str | None]:
    """What every rendered frame depends on besides its own key: the active language, and
    the script prefix and URLconf that ``reverse()`` builds addresses with."""
    return get_language(), get_script_prefix(), get_urlconf()


def remembered[T](key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, once per process for ``key`` (which must name everything the value
    depends on)."""
    try:
        return _memory[key]  # type: ignore[return-value]
    except KeyError:
        pass
    value = compute()
    if len(_memory) >= MOST_ENTRIES:
        _memory.clear()
    _memory[key] = value
    return value


def rendered(key: Hashable, render: Callable[[], SafeString]) -> SafeString:
    """The HTML that ``render()`` renders from a template, once per process for ``key``
    (every time under ``DEBUG``, so that an edited template shows at once)."""
    if settings.DEBUG:
        return render()
    return remembered(key, render)


def fixed_url(name: str) -> str:
    """``reverse(name)`` of a page without arguments, worked out once per process."""
    return remembered(("url", name, get_script_prefix(), get_urlconf()), lambda: reverse(name))


@receiver(setting_changed, dispatch_uid="lernpool_forget_the_frame")
def forget(**kwargs) -> None:
    """A setting changed (tests): addresses, translations and the operator may differ now."""
    _memory.clear()
