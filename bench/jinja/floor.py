"""The floor for ``bench/jinja_pages.py``: the same rows written by plain Python with
``format_html``, no template engine at all. What a row costs when only its data, its
translations, its dates and its escaping are left. A benchmark only (bench/README.md)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext

from booking.templatetags import rows
from core.templatetags.rowtags import _MARKER


def _pattern(name: str) -> tuple[str, str]:
    before, after = reverse(name, args=[_MARKER]).split(str(_MARKER))
    return before, after


def _url(pattern: tuple[str, str], pk: int) -> str:
    return f"{pattern[0]}{int(pk)}{pattern[1]}"


# -- "Meine Buchungen" ----------------------------------------------------------------------

RESERVATION_ROW = """
<tr>
  <th scope="row" class="kern-table__cell" data-label="{when_label}"><a class="kern-link" href="{detail}">{when}</a></th>
  <td class="kern-table__cell" data-label="{pool_label}">{pool}<br><span class="kern-body--small">{organization}</span></td>
  <td class="kern-table__cell" data-label="{devices_label}">{quantity}</td>
  <td class="kern-table__cell" data-label="{purpose_label}">{purpose}</td>
  <td class="kern-table__cell" data-label="{status_label}">{outcome}{notes}</td>
  <td class="kern-table__cell" data-label="{actions_label}">
    <div class="booking-actions">
      <a class="kern-link" href="{ics}" download>{download_label}<span class="visually-hidden">, {when}</span></a>
      {cancel}
    </div>
  </td>
</tr>
"""  # noqa: E501

CANCEL = (
    '<a class="kern-btn kern-btn--secondary kern-btn--x-small" href="{}?scope=one">'
    '<span class="kern-label">{}<span class="visually-hidden"> {}</span></span></a>'
)
BADGE_INFO = (
    ' <span class="kern-badge kern-badge--info"><span class="kern-label kern-label--small">'
    "{}</span></span>"
)


def _teacher_notes(reservation) -> str:
    notes = ""
    if reservation.series_id:
        rhythm = (
            gettext("every second week")
            if reservation.series.interval_weeks == 2
            else gettext("weekly")
        )
        notes += format_html(BADGE_INFO, rhythm)
    if reservation.shortfall and reservation.is_active:
        notes += format_html(
            '<p class="kern-body kern-body--small booking-warning">{}</p>',
            gettext(
                "Some devices of this pool are out of service: staff may not be able to give "
                "you all of them."
            ),
        )
    if reservation.status == "declined" and reservation.decision_reason:
        # As {% blocktranslate %}: the message is markup, the value is escaped.
        reason = gettext("Reason: %(reason)s") % {
            "reason": conditional_escape(reservation.decision_reason)
        }
        notes += format_html('<p class="kern-body kern-body--small">{}</p>', mark_safe(reason))
    return mark_safe(notes)


def my_bookings_rows(context: dict, labels: dict) -> str:
    """The page's two loops: upcoming (single bookings; a series row is not written here and
    raises) and the page of past ones."""
    now = context["now"]
    detail, ics, cancel = (
        _pattern("booking:reservation_detail"),
        _pattern("booking:reservation_ics"),
        _pattern("booking:reservation_cancel"),
    )

    def row(reservation) -> str:
        when = rows.when(reservation)
        return format_html(
            RESERVATION_ROW,
            when=when,
            detail=_url(detail, reservation.pk),
            ics=_url(ics, reservation.pk),
            pool=reservation.pool.name,
            organization=reservation.pool.organization.name,
            quantity=reservation.quantity,
            purpose=reservation.purpose or "–",
            outcome=rows.outcome(reservation, now),
            notes=_teacher_notes(reservation),
            cancel=format_html(CANCEL, _url(cancel, reservation.pk), labels["cancel"], when)
            if reservation.start > now and reservation.is_active
            else "",
            **{f"{key}_label": value for key, value in labels.items()},
        )

    parts = []
    for item in context["upcoming"]:
        if getattr(item, "dates", None):
            raise NotImplementedError("a series row: not written for the floor")
        parts.append(row(item))
    parts.extend(row(reservation) for reservation in context["page"].object_list)
    return mark_safe("".join(parts))


# -- the week view ---------------------------------------------------------------------------


def week_rows(context: dict) -> str:
    closed, past, full = gettext("closed"), gettext("past"), gettext("full")

    def mine(cell) -> str:
        if cell.mine_requested:
            text = gettext("Your request: %(count)s") % {"count": cell.mine}
        else:
            text = gettext("Your booking: %(count)s") % {"count": cell.mine}
        if cell.mine_url:
            return format_html(
                '<span class="week-cell__mine"><a class="kern-link" href="{}">{}</a></span>',
                cell.mine_url,
                mark_safe(text),
            )
        return format_html('<span class="week-cell__mine">{}</span>', mark_safe(text))

    def cell_html(row, cell) -> str:
        mine_class = " week-cell--mine" if cell.mine else ""
        if cell.closure:
            return format_html(
                '<td class="kern-table__cell week-cell week-cell--closed">{}: {}</td>',
                closed,
                cell.closure,
            )
        if cell.outside_hours:
            return format_html(
                '<td class="kern-table__cell week-cell week-cell--closed">{}</td>', closed
            )
        if cell.past:
            return format_html(
                '<td class="kern-table__cell week-cell week-cell--past{}">{}{}</td>',
                mine_class,
                past,
                mine(cell) if cell.mine else "",
            )
        if cell.free:
            body = format_html(
                '<a class="kern-link" href="{}"><span class="visually-hidden">{} </span>{}</a>',
                cell.url,
                rows.book_slot(cell, row.label),
                rows.free_of(cell),
            )
        else:
            body = format_html('<span class="week-cell__status">{}</span>', full)
        return format_html(
            '<td class="kern-table__cell week-cell week-cell--{}{}">{}{}</td>',
            cell.level,
            mine_class,
            body,
            mine(cell) if cell.mine else "",
        )

    return format_html_join(
        "\n",
        '<tr>\n<th scope="row" class="kern-table__cell week-table__slot">{}</th>\n{}\n</tr>',
        (
            (row.label, mark_safe("\n".join(cell_html(row, cell) for cell in row.cells)))
            for row in context["rows"]
        ),
    )


# -- the desk --------------------------------------------------------------------------------

HAND_OUT_ROW = """
<tr>
  <th scope="row" class="kern-table__cell" data-label="{time_label}">{time}</th>
  <td class="kern-table__cell" data-label="{booked_by_label}">{person}</td>
  <td class="kern-table__cell" data-label="{pool_label}">{pool}</td>
  <td class="kern-table__cell" data-label="{devices_label}">{handed}</td>
  <td class="kern-table__cell" data-label="{purpose_label}">{purpose}</td>
  <td class="kern-table__cell" data-label="{action_label}"><a class="kern-btn kern-btn--secondary kern-btn--small" href="{url}"><span class="kern-label">{hand_out}<span class="visually-hidden"> – {user}{start}</span></span></a></td>
</tr>
"""  # noqa: E501

LOAN_ROW = """
<tr>
  <th scope="row" class="kern-table__cell" data-label="{due_label}">{overdue}{due}</th>
  <td class="kern-table__cell" data-label="{borrower_label}">{borrower}</td>
  <td class="kern-table__cell" data-label="{pool_label}">{pool}</td>
  <td class="kern-table__cell" data-label="{out_label}">{still_out}</td>
  <td class="kern-table__cell" data-label="{action_label}"><a class="kern-btn kern-btn--secondary kern-btn--small" href="{url}"><span class="kern-label">{take_back}<span class="visually-hidden"> – {user}</span></span></a></td>
</tr>
"""  # noqa: E501


def desk_hand_out_rows(context: dict) -> str:
    hand_out = _pattern("booking:hand_out")
    labels = {
        "time_label": gettext("Time"),
        "booked_by_label": gettext("Booked by"),
        "pool_label": gettext("Pool"),
        "devices_label": gettext("Devices to hand out"),
        "purpose_label": gettext("Purpose"),
        "action_label": gettext("Action"),
        "hand_out": gettext("Hand out"),
    }
    deleted = gettext("a deleted account")
    parts = []
    for reservation in context["to_hand_out"]:
        residents = reservation.pool.booking_scope == "residents"
        start = template_localtime(reservation.start).strftime("%H:%M")
        end = template_localtime(reservation.end).strftime("%H:%M")
        handed = gettext("%(handed)s of %(booked)s handed out") % {
            "handed": reservation.handed,
            "booked": reservation.quantity,
        }
        parts.append(
            format_html(
                HAND_OUT_ROW,
                time=rows.when_days(reservation) if residents else f"{start}–{end}",
                person=reservation.user or deleted,
                pool=reservation.pool.name,
                handed=mark_safe(handed),
                purpose=reservation.purpose or "–",
                url=_url(hand_out, reservation.pk),
                user=reservation.user or "",
                start="" if residents else f" {start}",
                **labels,
            )
        )
    return mark_safe("".join(parts))


def desk_loan_rows(loans, now) -> str:
    loan_return = _pattern("booking:loan_return")
    labels = {
        "due_label": gettext("Due"),
        "borrower_label": gettext("Borrower"),
        "pool_label": gettext("Pool"),
        "out_label": gettext("Devices out"),
        "action_label": gettext("Action"),
        "take_back": gettext("Take back"),
    }
    overdue = format_html(
        '<span class="kern-badge kern-badge--danger"><span class="kern-label kern-label--small">'
        "{}</span></span> ",
        gettext("Overdue"),
    )
    return mark_safe(
        "".join(
            format_html(
                LOAN_ROW,
                overdue=overdue if loan.due_at < now else "",
                due=rows.due(loan),
                borrower=rows.contact(loan.borrower),
                pool=loan.pool.name,
                still_out=loan.still_out,
                url=_url(loan_return, loan.pk),
                user=loan.borrower or "",
                **labels,
            )
            for loan in loans
        )
    )
