"""The catalog's queries (the page and its count, shared by ``/courses/`` and
``GET /api/v1/courses``) reach meetings and enrolments through indexes that match their
conditions, so they grow with the courses still running, not with every meeting ever held
(bench/README.md).

PostgreSQL only. The test tables are tiny, so the planner would scan them whatever the
indexes. With sequential scans, hash and merge joins off it is left with nested loops over
index reads, and it still scans a table, or reads a whole index, where no index matches a
condition: that is what the test looks for."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.utils import timezone

from courses import filters
from tests.factories import CourseFactory, EnrollmentFactory, MeetingFactory

pytestmark = pytest.mark.django_db

# What must not grow with history: finding the courses still running (through the maintained
# ``Course.meetings_end`` and its index), the search for their next meeting, and the counts
# per course.
TABLES = {"courses_course", "courses_meeting", "courses_enrollment"}


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def unindexed_reads(queryset) -> list[str]:
    """The plan nodes that read one of ``TABLES`` without an index condition."""
    with connection.cursor() as cursor:
        for method in ("seqscan", "hashjoin", "mergejoin"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
    plan = json.loads(queryset.explain(format="json"))[0]["Plan"]
    bad = []
    for node in nodes(plan):
        relation = node.get("Relation Name")
        if relation not in TABLES:
            continue
        if node["Node Type"] == "Seq Scan":
            bad.append(f"Seq Scan on {relation}")
        elif node["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" not in node:
            bad.append(f"{node['Node Type']} of all of {node['Index Name']}")
    return bad


@pytest.fixture
def region(on_postgres):
    if not on_postgres:
        pytest.skip("query plans are PostgreSQL's")
    now = timezone.now()
    for days in range(-400, 0, 10):  # history: courses that are over
        course = CourseFactory(status="published")
        MeetingFactory(course=course, start=now + datetime.timedelta(days=days))
    for days in (1, 3, 8):  # still running
        course = CourseFactory(status="published")
        MeetingFactory(course=course, start=now + datetime.timedelta(days=days))
        EnrollmentFactory.create_batch(2, course=course)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE courses_course, courses_meeting, courses_enrollment")


def test_the_catalog_reads_courses_meetings_and_enrolments_only_through_matching_indexes(region):
    courses = filters.upcoming()
    assert courses.count() == 3
    assert unindexed_reads(courses[:20]) == []
    assert unindexed_reads(courses.values("pk").order_by()) == []  # what the count reads


def test_it_sees_a_missing_index(region):
    """Negative control: without the index on courses' last meeting end the running courses
    are found by reading every course, and the check says so (DDL is undone with the test's
    transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX course_status_meetings_end")
    assert unindexed_reads(filters.upcoming()[:20]) != []
    assert unindexed_reads(filters.upcoming().values("pk").order_by()) != []
