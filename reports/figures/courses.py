"""Course figures: courses offered, meetings held, seats, enrolments, waiting lists,
cancellations, attendance and certificates, by topic and audience. All SQL aggregates grouped
by topic, audience (and month); Python adds the groups up."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, Trunc

from courses.models import Attendance, Audience, Certificate, Course, Enrollment, Meeting, Topic
from organizations.models import Organization
from reports.periods import Period

from .calendar import bounds, zone
from .data import CourseFigures, GroupRow, rate

PUBLISHED = Course.Status.PUBLISHED
CANCELLED = Course.Status.CANCELLED
CONFIRMED = Enrollment.Status.CONFIRMED
# Keys of the per-group counters for enrolments by status (beside "courses", "seats", …).
ENROLLED = f"enrolments_{Enrollment.Status.CONFIRMED}"
WAITING = f"enrolments_{Enrollment.Status.WAITLISTED}"
LEFT = f"enrolments_{Enrollment.Status.CANCELLED}"


def _local_month(field_name: str) -> Trunc:
    return Trunc(field_name, "month", output_field=DateField(), tzinfo=zone())


@dataclass
class MonthlyCourses:
    """The course part of the month-by-month trend."""

    enrolments: int = 0
    present: int = 0
    expected: int = 0  # confirmed enrolments × meetings held

    @property
    def attendance_rate(self) -> float | None:
        return rate(self.present, self.expected)


def _counter() -> dict[str, int]:
    return defaultdict(int)


def course_figures(
    organizations: QuerySet[Organization], period: Period, *, now: datetime.datetime
) -> tuple[CourseFigures, dict[datetime.date, MonthlyCourses]]:
    """The course figures of the organizations over the period, and their months."""
    start, end = bounds(period)
    held_until = min(end, now)
    in_period = Meeting.objects.filter(course=OuterRef("pk"), start__gte=start, start__lt=end)
    offered = Course.objects.filter(
        organization__in=organizations.values("pk"), status__in=[PUBLISHED, CANCELLED]
    ).filter(Exists(in_period))
    published = offered.filter(status=PUBLISHED)

    # Grouped by (topic, audience, organization): the topic and audience tables and the
    # per-organization table add up the same groups.
    by_group: dict[tuple[str, str, int], dict[str, int]] = defaultdict(_counter)
    for row in (
        offered.values("topic", "audience", "organization", "status")
        .annotate(n=Count("pk"), seats=Sum("capacity"))
        .order_by()
    ):
        group = by_group[row["topic"], row["audience"], row["organization"]]
        group["courses"] += row["n"]
        if row["status"] == PUBLISHED:
            group["seats"] += row["seats"] or 0
        else:
            group["cancelled_courses"] += row["n"]
    for row in (
        Enrollment.objects.filter(course__in=published.values("pk"))
        .values(
            "status",
            topic=F("course__topic"),
            audience=F("course__audience"),
            organization=F("course__organization"),
        )
        .annotate(n=Count("pk"))
        .order_by()
    ):
        group = by_group[row["topic"], row["audience"], row["organization"]]
        group[f"enrolments_{row['status']}"] += row["n"]

    months = {month: MonthlyCourses() for month in period.months()}
    held = Meeting.objects.filter(
        course__organization__in=organizations.values("pk"),
        course__status=PUBLISHED,
        start__gte=start,
        start__lt=held_until,
    )
    # Per meeting held: its course's confirmed enrolments (expected) and those present, each
    # counted by an index lookup per meeting, summed per group in one query (joining the
    # enrolments and the attendance rows to the meetings took a sort of every pair).
    confirmed = (
        Enrollment.objects.filter(course=OuterRef("course"), status=CONFIRMED)
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    present = (
        Attendance.objects.filter(
            meeting=OuterRef("pk"), present=True, enrollment__status=CONFIRMED
        )
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    for row in (
        held.values(
            month=_local_month("start"),
            topic=F("course__topic"),
            audience=F("course__audience"),
            organization=F("course__organization"),
        )
        .annotate(
            meetings=Count("pk"),
            expected=Sum(Coalesce(Subquery(confirmed), 0)),
            present=Sum(Coalesce(Subquery(present), 0)),
        )
        .order_by()
    ):
        group = by_group[row["topic"], row["audience"], row["organization"]]
        group["meetings"] += row["meetings"]
        group["expected"] += row["expected"]
        group["present"] += row["present"]
        months[row["month"]].expected += row["expected"]
        months[row["month"]].present += row["present"]

    # The trend counts a course's enrolments in the month of its first meeting in the period,
    # so that the months add up to the period's enrolments.
    first_meeting = Meeting.objects.filter(
        course=OuterRef("course"), start__gte=start, start__lt=end
    ).order_by("start")
    for row in (
        Enrollment.objects.filter(course__in=published.values("pk"), status=CONFIRMED)
        .annotate(first=Subquery(first_meeting.values("start")[:1]))
        .values(month=_local_month("first"))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        months[row["month"]].enrolments += row["n"]

    certificates = Certificate.objects.filter(
        enrollment__course__organization__in=organizations.values("pk"),
        issued_at__gte=start,
        issued_at__lt=end,
    ).count()

    total = _sum(by_group.values())
    figures = CourseFigures(
        offered=total["courses"],
        meetings_held=total["meetings"],
        seats_offered=total["seats"],
        enrolments=total[ENROLLED],
        fill_rate=rate(total[ENROLLED], total["seats"]),
        waiting=total[WAITING],
        cancellations=total["cancelled_courses"],
        enrollment_cancellations=total[LEFT],
        attendance_rate=rate(total["present"], total["expected"]),
        certificates=certificates,
        by_topic=_groups(by_group, 0, Topic),
        by_audience=_groups(by_group, 1, Audience),
        by_organization=_by_organization(by_group),
    )
    return figures, months


def _sum(groups) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for group in groups:
        for name, value in group.items():
            total[name] += value
    return total


def _groups(
    by_group: dict[tuple[str, str, int], dict[str, int]], index: int, choices
) -> list[GroupRow]:
    rows = []
    for key, label in choices.choices:
        total = _sum(values for group, values in by_group.items() if group[index] == key)
        if not total["courses"]:
            continue
        rows.append(
            GroupRow(
                key=key,
                label=str(label),
                courses=total["courses"],
                seats=total["seats"],
                enrolments=total[ENROLLED],
                fill_rate=rate(total[ENROLLED], total["seats"]),
                attendance_rate=rate(total["present"], total["expected"]),
            )
        )
    return rows


def _by_organization(by_group: dict[tuple[str, str, int], dict[str, int]]) -> dict[int, dict]:
    """Per organization: its courses, enrolments and the counts of its attendance rate."""
    totals: dict[int, dict[str, int]] = defaultdict(_counter)
    for (_topic, _audience, organization), values in by_group.items():
        for name, value in values.items():
            totals[organization][name] += value
    return {
        organization: {
            "courses": values["courses"],
            "enrolments": values[ENROLLED],
            "present": values["present"],
            "expected": values["expected"],
        }
        for organization, values in totals.items()
    }
