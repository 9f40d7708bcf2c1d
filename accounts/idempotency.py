"""``Idempotency-Key`` for the API: a retried ``POST`` does the work once.

A client that sends ``Idempotency-Key: <any text up to 255 characters>`` with a ``POST`` under
``/api/`` gets, for the same key and the same request (method, path, query and body) within
24 hours, the first answer again (marked ``Idempotent-Replayed: true``) and nothing is done
twice. The same key with a different request is a 409; so is a second request while the
first one with its key is still being answered (two at once: exactly one does the work).
Answers of 5xx, 401 and 403 are not kept, so that such a request may be retried.

The key is claimed by inserting its row before the work starts (the unique constraint decides
between two requests at once), and the answer is stored after it. Keys belong to whoever
sent them: the API token, or the account of a browser session. The daily retention job
deletes the rows after 24 hours (they hold the answers, which may name the person).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import IdempotentRequest
from .privacy import Retention, register_retention

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255
WINDOW = datetime.timedelta(hours=24)
NOT_KEPT = frozenset({401, 403})


def _json(status: int, detail: str) -> HttpResponse:
    return HttpResponse(
        json.dumps({"detail": detail}), status=status, content_type="application/json"
    )


def _scope(request: HttpRequest) -> str | None:
    """Whose keys these are: the bearer token, else the session's account; None for nobody."""
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        who = "token:" + authorization[7:].strip()
    elif getattr(request, "user", None) is not None and request.user.is_authenticated:
        who = f"user:{request.user.pk}"
    else:
        return None
    return hashlib.sha256(who.encode()).hexdigest()


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not key or len(key) > KEY_MAX_LENGTH or not key.isprintable() or "\x00" in key:
            return _json(
                400,
                _("The Idempotency-Key must be 1 to %(max)d printable characters.")
                % {"max": KEY_MAX_LENGTH},
            )
        scope = _scope(request)
        if scope is None:  # the operation itself answers 401
            return self.get_response(request)
        fingerprint = _fingerprint(request)
        now = timezone.now()
        IdempotentRequest.objects.filter(
            scope=scope, key=key, created_at__lte=now - WINDOW
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    scope=scope, key=key, fingerprint=fingerprint, created_at=now
                )
        except IntegrityError:
            return self._answer_again(scope, key, fingerprint)
        try:
            response = self.get_response(request)
        except BaseException:
            record.delete()
            raise
        if response.status_code >= 500 or response.status_code in NOT_KEPT or response.streaming:
            record.delete()
            return response
        record.status_code = response.status_code
        record.content_type = response.get("Content-Type", "")[:100]
        record.body = response.content
        record.save(update_fields=["status_code", "content_type", "body"])
        return response

    def _answer_again(self, scope: str, key: str, fingerprint: str) -> HttpResponse:
        record = IdempotentRequest.objects.filter(scope=scope, key=key).first()
        if record is None or record.status_code is None:
            return _json(
                409,
                _(
                    "A request with this Idempotency-Key is still being answered. "
                    "Please try again in a moment."
                ),
            )
        if record.fingerprint != fingerprint:
            return _json(409, _("This Idempotency-Key was already used for a different request."))
        return _replay(record)


def forget_old_keys(now: datetime.datetime) -> int:
    deleted, _per_model = IdempotentRequest.objects.filter(created_at__lte=now - WINDOW).delete()
    return deleted


register_retention(
    Retention(
        key="accounts.idempotency",
        purpose=gettext_lazy("Answering a repeated API request only once"),
        stored=gettext_lazy(
            "For an API request sent with an Idempotency-Key: the key, a fingerprint of the "
            "request and its first answer."
        ),
        kept=lambda: str(_("24 hours, then deleted")),
        apply=forget_old_keys,
        order=72,
    )
)
