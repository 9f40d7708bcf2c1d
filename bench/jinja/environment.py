"""A Jinja2 environment for ``bench/jinja_pages.py``: the same filters, URLs, translations and
date formats as the app's Django templates, so the ported templates in ``templates/`` here
render the same HTML. A benchmark only: nothing in the app uses it (bench/README.md)."""

from __future__ import annotations

import itertools
from pathlib import Path
from types import SimpleNamespace

from django.middleware.csrf import get_token
from django.template import defaultfilters, defaulttags
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.timezone import template_localtime
from jinja2 import Environment, FileSystemLoader, pass_context

from accounts.templatetags.lernpool import is_choice_group
from booking.templatetags import rows
from core.templatetags.rowtags import _MARKER

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _date(value, arg=None):
    # Django converts aware datetimes to the current time zone before |date (expects_localtime).
    return defaultfilters.date(template_localtime(value), arg)


def _time(value, arg=None):
    return defaultfilters.time(template_localtime(value), arg)


def _default(value, arg):
    """Django's ``|default``: the argument for any false value, not only an undefined one."""
    return value or arg


@pass_context
def pk_url(context, name: str, *keys: int) -> str:
    """``{% pk_url %}``: the pattern reversed once per rendering (its cache is a dict the
    caller puts into each rendering's context, as Django keeps it in the render context)."""
    *fixed, pk = keys
    cache = context["pk_url_cache"]
    pattern = (name, *fixed)
    if pattern not in cache:
        cache[pattern] = reverse(name, args=[*fixed, _MARKER]).split(str(_MARKER))
    before, after = cache[pattern]
    return f"{before}{int(pk)}{after}"


def url(name: str, *args) -> str:
    return reverse(name, args=args or None)


@pass_context
def querystring(context, **kwargs) -> str:
    return defaulttags.querystring(SimpleNamespace(request=context["request"]), **kwargs)


def regroup(items, attribute: str) -> list[SimpleNamespace]:
    """``{% regroup items by attribute %}``: runs of equal values, in order (not sorted)."""
    return [
        SimpleNamespace(grouper=key, list=list(group))
        for key, group in itertools.groupby(items, key=lambda item: getattr(item, attribute))
    ]


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,  # as Django's cached loader in production
        cache_size=-1,
    )
    # New-style gettext, as Django treats a translated literal: the message is markup (a
    # literal in a Django template is safe, and so is its translation, in {% translate %} and
    # {% blocktranslate %} alike), the values put into it are escaped.
    env.install_gettext_callables(
        translation.gettext,
        translation.ngettext,
        newstyle=True,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    env.globals.update(url=url, pk_url=pk_url, querystring=querystring, regroup=regroup)
    env.filters.update(
        date=_date,
        time=_time,
        dj_default=_default,
        slugify=defaultfilters.slugify,
        urlencode=defaultfilters.urlencode,
        is_choice_group=is_choice_group,
        when=rows.when,
        when_days=rows.when_days,
        outcome=rows.outcome,
        status_tone=rows.status_tone,
        due=rows.due,
        contact=rows.contact,
        free_of=rows.free_of,
        book_slot=rows.book_slot,
    )
    return env


def context(view_context: dict, request) -> dict:
    """What a rendering needs beside the view's context: the request, the CSRF field and a
    fresh cache for ``pk_url`` (the context processors' other values are not used here)."""
    csrf = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )
    return {**view_context, "request": request, "csrf_input": csrf, "pk_url_cache": {}}
