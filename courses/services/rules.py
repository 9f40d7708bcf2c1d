"""The errors every course service raises, access checks and the course lock."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from core.locking import locked
from organizations.models import Organization

from ..models import Course


class CourseError(DomainError):
    """A course rule says no."""


class EnrollmentClosed(CourseError):
    """The course takes no enrolments now: a draft, cancelled, before or after the
    registration window, or over."""


class AlreadyEnrolled(CourseError):
    """The person is confirmed or waiting in this course already."""


class NotCancellable(CourseError):
    """The enrolment cannot be cancelled (any more) by this person."""


class NotPublishable(CourseError):
    """The course cannot be published as it is; ``problems`` says why, one line each."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


def locked_course(course: Course) -> Course:
    """The course row, locked until the transaction ends: every change to its seats, its
    waiting list or its status happens under this lock."""
    return locked(course)


def ensure_manages(user: User, organization_id: int) -> None:
    if not user.is_authenticated:
        raise PermissionDenied
    if not Organization.objects.managed_by(user).filter(pk=organization_id).exists():
        raise PermissionDenied


def manages(user: User, organization_id: int) -> bool:
    try:
        ensure_manages(user, organization_id)
    except PermissionDenied:
        return False
    return True


def local_text(value: datetime.datetime) -> str:
    """A moment as people read it: local date and time, in the active language."""
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def clean_text(value: str, *, max_length: int, too_long: str) -> str:
    """Stripped text, or a CourseError: ``too_long`` (with ``%(max)d``) when it is longer
    than ``max_length``; NUL characters are refused (PostgreSQL cannot store them)."""
    value = (value or "").strip()
    if "\x00" in value:
        raise CourseError(_("The text contains a character that is not allowed."))
    if len(value) > max_length:
        raise CourseError(too_long % {"max": max_length})
    return value
