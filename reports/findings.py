"""The key findings of a report in words: a few plain sentences made from its figures, for
the top of the page and of the PDF. Nothing is written here that is not a figure of the
report; every number is printed as in the tables (``formatting.display``)."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .formatting import display


def _most_used(report):
    """The pool with the highest utilization (of those with available hours), or None."""
    pools = [pool for pool in report.devices.pools if pool.utilization is not None]
    if not pools:
        return None
    return max(pools, key=lambda pool: (pool.utilization, pool.reserved_hours))


def findings(report) -> list[str]:
    """The findings in the active language; one sentence saying so when there is no data."""
    if not report.has_data:
        return [_("No data for this period.")]
    devices, courses = report.devices, report.courses
    before = report.previous_devices
    sentences = []
    if report.is_running:
        sentences.append(
            _("The period is still running: the figures count up to today, %(day)s.")
            % {"day": date_format(report.counted.last_day, "SHORT_DATE_FORMAT")}
        )
    if devices.utilization is not None:
        if before.has_data and before.utilization is not None:
            sentences.append(
                _(
                    "The device pools were used %(value)s of the time "
                    "(previous period %(previous)s)."
                )
                % {
                    "value": display(devices.utilization, "%"),
                    "previous": display(before.utilization, "%"),
                }
            )
        else:
            sentences.append(
                _("The device pools were used %(value)s of the time.")
                % {"value": display(devices.utilization, "%")}
            )
    most_used = _most_used(report)
    if most_used is not None and len(devices.pools) > 1:
        name = most_used.pool
        if report.scope.kind != "organization":
            name = f"{most_used.pool}, {most_used.organization}"
        sentences.append(
            _("Most used: %(pool)s (%(value)s).")
            % {"pool": name, "value": display(most_used.utilization, "%")}
        )
    if devices.avg_in_repair:
        # Both on average over the period: the devices in repair of those in service or in
        # repair (the figures "in service on average" and "in repair on average").
        devices_total = round(devices.avg_in_service + devices.avg_in_repair, 1)
        sentences.append(
            ngettext(
                "%(count)s of %(total)s device was in repair on average over the period.",
                "%(count)s of %(total)s devices were in repair on average over the period.",
                round(devices_total),
            )
            % {"count": display(devices.avg_in_repair), "total": display(devices_total)}
        )
    if devices.bookings_by_teachers:
        sentences.append(
            ngettext(
                "There was %(count)s booking by teachers.",
                "There were %(count)s bookings by teachers.",
                devices.bookings_by_teachers,
            )
            % {"count": display(devices.bookings_by_teachers)}
        )
    if devices.loans_to_residents:
        sentences.append(
            ngettext(
                "There was %(count)s loan to residents.",
                "There were %(count)s loans to residents.",
                devices.loans_to_residents,
            )
            % {"count": display(devices.loans_to_residents)}
        )
        if devices.overdue_rate:
            sentences.append(
                _("%(value)s of these loans came back late or are overdue.")
                % {"value": display(devices.overdue_rate, "%")}
            )
    if courses.offered:
        sentences.append(
            ngettext(
                "%(count)s course was offered.",
                "%(count)s courses were offered.",
                courses.offered,
            )
            % {"count": display(courses.offered)}
        )
        if courses.enrolments:
            sentences.append(
                ngettext(
                    "%(count)s person enrolled.",
                    "%(count)s people enrolled.",
                    courses.enrolments,
                )
                % {"count": display(courses.enrolments)}
            )
        if courses.attendance_rate is not None:
            sentences.append(
                _("Attendance was %(value)s.") % {"value": display(courses.attendance_rate, "%")}
            )
    if not report.has_previous_data:
        sentences.append(_("The previous period has no data: there is nothing to compare with."))
    return sentences
