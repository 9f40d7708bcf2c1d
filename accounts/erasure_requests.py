"""Erasure on someone's behalf: staff record the person's request, the person is told first,
and the daily job carries it out after a grace period in which the person may object.

``request_erasure`` records the request (its reason and the day it was made), logs it and
emails the person the day of deletion and how to keep the account. ``object_to_erasure`` is
the person's objection (a button on "My data"). ``carry_out_requested_erasures`` is a rule of
the daily retention job: it erases, through ``erase_person``, every account whose request
has passed its grace period without an objection, and sends the last email. An account with
something still open (a device on loan) is kept and tried again on the next run. Run twice,
the second run finds nothing: the request goes with the account.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.errors import DomainError

from .audit import log_action
from .emails import Recipient, send_erasure_confirmation
from .models import ErasureRequest, User
from .privacy import (
    ErasureBlocked,
    PersonalData,
    Retention,
    erase_person,
    erasure_blockers,
    register,
    register_retention,
)
from .tasks import send_erasure_notice

logger = logging.getLogger(__name__)


class ErasureAlreadyRequested(DomainError):
    """A request for this account is already waiting for its day."""


DEFAULT_GRACE_DAYS = 7


def grace_days() -> int:
    """Days between the request being recorded (and the person emailed) and the deletion."""
    return int(settings.LERNPOOL_RETENTION.get("erasure_grace_days", DEFAULT_GRACE_DAYS))


def pending(user: User) -> ErasureRequest | None:
    """The request waiting to be carried out for ``user``, if any."""
    return ErasureRequest.objects.filter(user=user, objected_at__isnull=True).first()


def request_erasure(
    user: User,
    *,
    by: User,
    reason: str,
    requested_on: datetime.date,
    organization_id: int | None = None,
    organization_name: str = "",
    now: datetime.datetime | None = None,
) -> ErasureRequest:
    """Record that ``user`` asked ``by`` to delete their account; the account goes after the
    grace period. Raises ErasureBlocked while something is still open, and
    ErasureAlreadyRequested when a request is already waiting."""

    now = now or timezone.now()
    erase_after = now + datetime.timedelta(days=grace_days())
    already = ErasureAlreadyRequested(_("The deletion of this account has already been requested."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        blockers = erasure_blockers(user)
        if blockers:
            raise ErasureBlocked(" ".join(blockers))
        if pending(user) is not None:
            raise already
        try:
            with transaction.atomic():
                request = ErasureRequest.objects.create(
                    user=user,
                    requested_by=by,
                    organization_id=organization_id,
                    organization_name=organization_name,
                    reason=reason,
                    requested_on=requested_on,
                    created_at=now,
                    erase_after=erase_after,
                )
        except IntegrityError as error:  # recorded by someone else just now
            raise already from error
        log_action(
            by,
            "accounts.erasure_requested",
            user,
            organization_id=organization_id,
            requested_on=requested_on.isoformat(),
            erase_after=erase_after.isoformat(),
        )
        transaction.on_commit(partial(send_erasure_notice.enqueue, request.pk))
    return request


def object_to_erasure(user: User, *, now: datetime.datetime | None = None) -> int:
    """The person keeps their account: every waiting request is withdrawn. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = ErasureRequest.objects.filter(user=user, objected_at__isnull=True).update(
            objected_at=now
        )
        if changed:
            log_action(user, "accounts.erasure_objected", user)
    return changed


def carry_out_requested_erasures(now: datetime.datetime) -> int:
    """Erase each account whose request has passed its grace period without an objection;
    returns how many were erased. Accounts with something still open wait for the next run."""

    due = (
        ErasureRequest.objects.filter(objected_at__isnull=True, erase_after__lte=now)
        .select_related("user", "requested_by")
        .order_by("erase_after", "pk")
    )
    erased = 0
    for request in due:
        person = request.user
        if erasure_blockers(person):
            continue
        recipient = Recipient.of(person)
        try:
            erase_person(
                person,
                by=request.requested_by,
                reason="staff_request",
                organization_id=request.organization_id,
            )
        except ErasureBlocked:  # something opened since the check above
            continue
        send_erasure_confirmation(
            recipient, by_staff=True, organization_name=request.organization_name
        )
        erased += 1
    return erased


# --- what is registered ---------------------------------------------------------------------


def _grace_kept() -> str:
    days = grace_days()
    return ngettext(
        "Until your account is deleted, %(days)d day after we emailed you, unless you object",
        "Until your account is deleted, %(days)d days after we emailed you, unless you object",
        days,
    ) % {"days": days}


register_retention(
    Retention(
        key="accounts.erasure_requests",
        purpose=gettext_lazy("Your request to delete your account, made through staff"),
        stored=gettext_lazy(
            "The reason, the day you asked, who recorded it, the day of deletion and whether "
            "you objected."
        ),
        kept=_grace_kept,
        apply=carry_out_requested_erasures,
        order=11,
    )
)


def export_erasure_requests(user: User) -> list[dict[str, Any]]:
    return [
        {
            "reason": request.reason,
            "requested_on": request.requested_on,
            "recorded": request.created_at,
            "erase_after": request.erase_after,
            "objected": request.objected_at,
        }
        for request in ErasureRequest.objects.filter(user=user).order_by("created_at", "pk")
    ]


register(
    PersonalData(
        key="erasure_requests",
        label=gettext_lazy("Requests to delete the account"),
        # ``requested_by`` is the staff member who recorded it: SET_NULL when they go.
        covers=("accounts.ErasureRequest.user", "accounts.ErasureRequest.requested_by"),
        export=export_erasure_requests,
        columns=(
            ("reason", gettext_lazy("Reason")),
            ("requested_on", gettext_lazy("Asked on")),
            ("recorded", gettext_lazy("Recorded")),
            ("erase_after", gettext_lazy("To be deleted after")),
            ("objected", gettext_lazy("Objected")),
        ),
    )
)
