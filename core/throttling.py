"""API rate limits (django-ninja's throttling), per client address and per personal API token,
and a stricter one for the open-data statistics, which take the longest to count. A client
over a limit gets 429 with ``Retry-After``. Login, sign-up and password reset keep allauth's
own limits (ACCOUNT_RATE_LIMITS).

The counts live in the default cache: the database cache in production, shared by every app
process (or ``CACHE_URL``'s Valkey/Redis). Behind the reverse proxy the client's address is
the last one the proxy added to ``X-Forwarded-For`` (``NINJA_NUM_PROXIES``), so that a
client cannot pick a new address for every request.
"""

from __future__ import annotations

import hashlib
import math

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.throttling import BaseThrottle, SimpleRateThrottle


class _SettingsRateThrottle(SimpleRateThrottle):
    """The rate comes from ``settings.LERNPOOL_API_RATES[scope]`` at each request (None:
    no limit), so that an operator's setting and a test's override both hold."""

    def get_rate(self) -> str | None:
        return getattr(settings, "LERNPOOL_API_RATES", {}).get(self.scope)

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


class AddressRateThrottle(_SettingsRateThrottle):
    """Every API request, by the client's address."""

    scope = "address"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenRateThrottle(_SettingsRateThrottle):
    """Requests with a personal API token, by the token (hashed); with a browser session, by
    the person. Anonymous requests only count by address."""

    scope = "token"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        if getattr(request, "auth", None) is None:
            return None
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header[:7].lower() == "bearer ":
            ident = hashlib.sha256(header[7:].strip().encode()).hexdigest()
        else:
            ident = f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class OpenDataRateThrottle(_SettingsRateThrottle):
    """The open-data statistics (API and CSV), by the client's address."""

    scope = "open_data"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RateLimits(BaseThrottle):
    """Several of the limits above, checked as one. Asked one by one, each limit read its
    history from the cache and wrote it back (with the database cache: six statements and
    a commit a limit, on every API request). Here the histories of all of them are read in
    one query and written in one (``core.cache``). Each limit decides as it would alone: one
    that lets the request through counts it, one that refuses does not; the request is
    refused when any of them refuses, and ``wait()`` is the longest of their waits."""

    def __init__(self, *limits: _SettingsRateThrottle) -> None:
        self.limits = limits
        self.refused: list[_SettingsRateThrottle] = []

    def allow_request(self, request: HttpRequest) -> bool:
        self.refused = []
        counting = []
        for limit in self.limits:
            limit.rate = limit.get_rate()
            if limit.rate is None:
                continue
            limit.num_requests, limit.duration = limit.parse_rate(limit.rate)
            limit.key = limit.get_cache_key(request)
            if limit.key is not None:
                counting.append(limit)
        if not counting:
            return True
        histories = cache.get_many([limit.key for limit in counting])
        writes: dict[int, dict[str, list[float]]] = {}
        for limit in counting:
            # As SimpleRateThrottle.allow_request, without its own read and write.
            limit.history = histories.get(limit.key, [])
            limit.now = limit.timer()
            while limit.history and limit.history[-1] <= limit.now - limit.duration:
                limit.history.pop()
            if len(limit.history) >= limit.num_requests:
                self.refused.append(limit)
                continue
            limit.history.insert(0, limit.now)
            writes.setdefault(limit.duration, {})[limit.key] = limit.history
        for duration, changed in writes.items():
            cache.set_many(changed, duration)
        return not self.refused

    def wait(self) -> float | None:
        waits = [limit.wait() for limit in self.refused]
        return max((wait for wait in waits if wait is not None), default=None)


def api_throttles() -> list[BaseThrottle]:
    return [RateLimits(AddressRateThrottle(), TokenRateThrottle())]


def open_data_throttles() -> list[BaseThrottle]:
    return [RateLimits(AddressRateThrottle(), TokenRateThrottle(), OpenDataRateThrottle())]


def refuse_if_throttled(request: HttpRequest, throttles) -> HttpResponse | None:
    """For a view outside the API (the open-data CSV): the same limits and 429, in plain
    text like the view's other errors."""
    waits = [throttle.wait() for throttle in throttles if not throttle.allow_request(request)]
    if not waits:
        return None
    response = HttpResponse(
        _("Too many requests. Please wait a moment."),
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    known = [wait for wait in waits if wait is not None]
    if known:
        response["Retry-After"] = str(math.ceil(max(known)))
    return response
