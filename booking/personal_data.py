"""What booking holds about a person: export, erase (registered with accounts.privacy).

Erasure ends what is still open so that nobody else is harmed (upcoming bookings and
pick-ups are cancelled, waiting-list places left, each through the services, so a freed
device goes to the next person), clears the free text about the person, and leaves
reservations, loans and waiting-list entries as anonymous rows for the statistics. An open
loan blocks it: the device must come back first.

A course's meeting booking belongs to the course, not to the staff member who made it:
erasing them neither cancels it nor clears its purpose (``course_meeting`` is the reverse
name of ``courses.Meeting.reservation``; a lookup by name, not an import from above).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.privacy import PersonalData, register
from devices.models import Device, DeviceEvent, DevicePool
from devices.services import REASON_MAX_LENGTH

from . import services
from .models import CalendarToken, Loan, LoanItem, Reservation, Series

ACTIVE = (Reservation.Status.REQUESTED, Reservation.Status.CONFIRMED)
COURSE_MEETING = Q(course_meeting__isnull=False)


def choice_label(choices, value: str) -> str:
    return str(dict(choices).get(value, value))


def _device(name: str, asset_tag: str) -> str:
    return f"{name} ({asset_tag})" if name else asset_tag


# --- series --------------------------------------------------------------------------------


def export_series(user: User) -> list[dict[str, Any]]:
    return [
        {
            "pool": row["pool__name"],
            "organization": row["pool__organization__name"],
            "first_date": row["first_date"],
            "until": row["until"],
            "time": f"{row['start_time']:%H:%M}–{row['end_time']:%H:%M}",
            "every_weeks": row["interval_weeks"],
            "devices": row["quantity"],
            "purpose": row["purpose"],
        }
        for row in Series.objects.filter(user=user)
        .order_by("first_date", "pk")
        .values(
            "pool__name",
            "pool__organization__name",
            "first_date",
            "until",
            "start_time",
            "end_time",
            "interval_weeks",
            "quantity",
            "purpose",
        )
    ]


register(
    PersonalData(
        key="series",
        label=_("Weekly bookings"),
        covers=("booking.Series.user",),
        export=export_series,
        columns=(
            ("pool", _("Pool")),
            ("organization", _("Organization")),
            ("first_date", _("First date")),
            ("until", _("Until")),
            ("time", _("Time")),
            ("every_weeks", _("Every … weeks")),
            ("devices", _("Devices")),
            ("purpose", _("Purpose")),
        ),
    )
)


# --- reservations --------------------------------------------------------------------------


def export_reservations(user: User) -> list[dict[str, Any]]:
    return [
        {
            "pool": row["pool__name"],
            "organization": row["pool__organization__name"],
            "start": row["start"],
            "end": row["end"],
            "devices": row["quantity"],
            "status": choice_label(Reservation.Status.choices, row["status"]),
            "purpose": row["purpose"],
            "decision_reason": row["decision_reason"],
            "booked_on": row["created_at"],
        }
        for row in Reservation.objects.filter(user=user)
        .order_by("start", "pk")
        .values(
            "pool__name",
            "pool__organization__name",
            "start",
            "end",
            "quantity",
            "status",
            "purpose",
            "decision_reason",
            "created_at",
        )
    ]


def open_reservations(user: User, now) -> QuerySet[Reservation]:
    """The person's upcoming and running bookings and pick-ups that nothing was handed out
    for (a course's meeting booking excepted)."""
    return (
        Reservation.objects.filter(user=user, status__in=ACTIVE, end__gt=now, loans__isnull=True)
        .exclude(COURSE_MEETING)
        .select_related("pool__organization")
        .order_by("start", "pk")
    )


def _cancel_open(user: User) -> None:
    """Cancel the upcoming bookings, by the person themselves, so they are sent nothing. A
    lesson booking under way stays: it ends by itself, as an anonymous row. Pick-ups from a
    pool lent to residents and waiting lists are lending's (``lending.personal_data``, which
    runs its part in its own section)."""
    now = timezone.now()
    for reservation in open_reservations(user, now).exclude(
        pool__booking_scope=DevicePool.Scope.RESIDENTS
    ):
        if reservation.start > now:
            services.cancel(by=user, reservation=reservation, now=now)


def erase_reservations(user: User) -> None:
    _cancel_open(user)
    Reservation.objects.filter(user=user).exclude(COURSE_MEETING).exclude(
        purpose="", decision_reason=""
    ).update(purpose="", decision_reason="")
    Series.objects.filter(user=user).exclude(purpose="").update(purpose="")


def booked_with(organization_ids: Iterable[int]) -> Iterable[int]:
    return (
        Reservation.objects.filter(pool__organization_id__in=organization_ids, user__isnull=False)
        .exclude(COURSE_MEETING)
        .values_list("user_id", flat=True)
        .distinct()
    )


register(
    PersonalData(
        key="reservations",
        label=_("Reservations"),
        covers=("booking.Reservation.user",),
        export=export_reservations,
        columns=(
            ("pool", _("Pool")),
            ("organization", _("Organization")),
            ("start", _("From")),
            ("end", _("Until")),
            ("devices", _("Devices")),
            ("status", _("Status")),
            ("purpose", _("Purpose")),
            ("decision_reason", _("Reason given")),
            ("booked_on", _("Booked on")),
        ),
        erase=erase_reservations,
        people=booked_with,
    )
)


# --- requests the person decided (staff) ---------------------------------------------------


def export_decisions(user: User) -> list[dict[str, Any]]:
    # Whose request it was is not said: that is another person.
    return [
        {
            "reservation": row["pk"],
            "pool": row["pool__name"],
            "start": row["start"],
            "decision": choice_label(Reservation.Status.choices, row["status"]),
        }
        for row in Reservation.objects.filter(decided_by=user)
        .order_by("start", "pk")
        .values("pk", "pool__name", "start", "status")
    ]


register(
    PersonalData(
        key="decisions",
        label=_("Requests you answered"),
        covers=("booking.Reservation.decided_by",),
        export=export_decisions,
        columns=(
            ("reservation", _("Reservation number")),
            ("pool", _("Pool")),
            ("start", _("From")),
            ("decision", _("Status")),
        ),
    )
)


# --- calendar subscription -----------------------------------------------------------------


def export_calendar(user: User) -> list[dict[str, Any]]:
    # Never the token: it is what opens the calendar.
    return [
        {"subscription": True, "created": created}
        for created in CalendarToken.objects.filter(user=user).values_list("created_at", flat=True)
    ]


register(
    PersonalData(
        key="calendar",
        label=_("Calendar subscription"),
        covers=("booking.CalendarToken.user",),
        export=export_calendar,
        columns=(("subscription", _("Subscription address exists")), ("created", _("Created"))),
    )
)


# --- loans ---------------------------------------------------------------------------------


def _items():
    return Prefetch(
        "items", queryset=LoanItem.objects.select_related("device").order_by("device__asset_tag")
    )


def export_loans(user: User) -> list[dict[str, Any]]:
    loans = (
        Loan.objects.filter(borrower=user)
        .select_related("pool__organization")
        .prefetch_related(_items())
        .order_by("handed_out_at", "pk")
    )
    return [
        {
            "pool": loan.pool.name,
            "organization": loan.pool.organization.name,
            "devices": ", ".join(
                _device(item.device.name, item.device.asset_tag) for item in loan.items.all()
            ),
            "handed_out": loan.handed_out_at,
            # A resident's loan is due by a day (due_at is the midnight after it): the day,
            # never that midnight's clock time, which would read as the next day.
            "due": services.last_day(loan.due_at)
            if loan.pool.booking_scope == DevicePool.Scope.RESIDENTS
            else loan.due_at,
            "returned": loan.closed_at,
            "renewals": loan.renewals,
            "notes": "; ".join(item.note for item in loan.items.all() if item.note),
        }
        for loan in loans
    ]


def _repair_reasons(note: str) -> set[str]:
    """The reason a damaged return wrote into the device's history for ``note``, exactly as
    ``services.return_items`` built it, in each language the staff member may have used."""
    reasons = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            text = gettext("Damaged on return: %(note)s") % {"note": note}
        reasons.add(text[:REASON_MAX_LENGTH].strip())
    return reasons


def _closeness_to(item: dict[str, Any]) -> Callable[[dict[str, Any]], tuple]:
    """Sort key of the device events for a return: by the same staff member first (unless
    either was unlinked), then the ones written after it, then the nearest in time."""
    returned_at = item["returned_at"] or timezone.now()

    def key(event: dict[str, Any]) -> tuple:
        actors = (event["actor_id"], item["returned_to_id"])
        return (
            None not in actors and actors[0] != actors[1],
            event["created_at"] < returned_at,  # the return writes its event afterwards
            abs(event["created_at"] - returned_at),
        )

    return key


def erase_loans(user: User) -> None:
    """The notes on the person's returns go; where a damaged return sent a device to repair,
    the device's history carries the note too (``Damaged on return: …``): that entry goes as
    well, and only that one. It is found by the device and exactly the reason built from the
    note (never a part of it); of several such entries, each return takes the one written
    first after it (by the same staff member, where both are still known). Another
    borrower's report on the same device stays, even one that says the same."""
    items = list(
        LoanItem.objects.filter(loan__borrower=user, condition=LoanItem.Condition.DAMAGED)
        .exclude(note="")
        .order_by("returned_at", "pk")
        .values("device_id", "note", "returned_at", "returned_to_id")
    )
    for item in items:
        item["reasons"] = _repair_reasons(item["note"])
    events = list(
        DeviceEvent.objects.filter(
            device_id__in={item["device_id"] for item in items},
            kind=DeviceEvent.Kind.STATUS,
            to_status=Device.Status.IN_REPAIR,
            reason__in=set().union(*(item["reasons"] for item in items)),
        ).values("pk", "device_id", "actor_id", "reason", "created_at")
    )
    taken: set[int] = set()
    for item in items:
        candidates = [
            event
            for event in events
            if event["pk"] not in taken
            and event["device_id"] == item["device_id"]
            and event["reason"] in item["reasons"]
        ]
        if candidates:
            taken.add(min(candidates, key=_closeness_to(item))["pk"])
    DeviceEvent.objects.filter(pk__in=taken).update(reason="")
    LoanItem.objects.filter(loan__borrower=user).exclude(note="").update(note="")


def open_loans(user: User) -> list[str]:
    """One message per open loan: which devices to bring back, and where."""
    loans = (
        Loan.objects.open()
        .filter(borrower=user)
        .select_related("pool__organization")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=LoanItem.objects.filter(returned_at__isnull=True)
                .select_related("device")
                .order_by("device__asset_tag"),
            )
        )
        .order_by("due_at", "pk")
    )
    return [
        gettext(
            "Please bring %(devices)s back to %(organization)s first: "
            "an account with a device on loan cannot be deleted."
        )
        % {
            "devices": ", ".join(
                _device(item.device.name, item.device.asset_tag) for item in loan.items.all()
            ),
            "organization": loan.pool.organization.name,
        }
        for loan in loans
    ]


def borrowed_from(organization_ids: Iterable[int]) -> Iterable[int]:
    return (
        Loan.objects.filter(pool__organization_id__in=organization_ids, borrower__isnull=False)
        .values_list("borrower_id", flat=True)
        .distinct()
    )


register(
    PersonalData(
        key="loans",
        label=_("Loans"),
        covers=("booking.Loan.borrower",),
        export=export_loans,
        columns=(
            ("pool", _("Pool")),
            ("organization", _("Organization")),
            ("devices", _("Devices")),
            ("handed_out", _("Handed out")),
            ("due", _("Due")),
            ("returned", _("All returned")),
            ("renewals", _("Renewals")),
            ("notes", _("Notes on return")),
        ),
        erase=erase_loans,
        blockers=open_loans,
        people=borrowed_from,
    )
)


# --- what the person recorded at the desk (staff) ------------------------------------------


def export_desk_work(user: User) -> list[dict[str, Any]]:
    """Hand-outs and returns the person recorded: ids and times only, since each of them is
    about another person (lending adds the desk signatures to this section)."""
    handed_out = Loan.objects.filter(handed_out_by=user).values_list("pk", "handed_out_at")
    returned = LoanItem.objects.filter(returned_to=user).values_list("loan_id", "returned_at")
    rows = [
        *({"kind": gettext("Handed out"), "loan": pk, "time": at} for pk, at in handed_out),
        *({"kind": gettext("Taken back"), "loan": pk, "time": at} for pk, at in returned),
    ]
    return sorted(rows, key=lambda row: row["time"])


DESK_WORK = PersonalData(
    key="desk_work",
    label=_("What you recorded at the lending desk"),
    covers=(
        "booking.Loan.handed_out_by",
        "booking.LoanItem.returned_to",
    ),
    export=export_desk_work,
    columns=(
        ("kind", _("What")),
        ("loan", _("Loan number")),
        ("agreement", _("Agreement number")),
        ("time", _("Time")),
    ),
)
register(DESK_WORK)
