"""Read-only views of course data: every change goes through courses.services."""

from __future__ import annotations

from django.contrib import admin

from .models import Attendance, Certificate, Course, Enrollment, Meeting


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MeetingInline(admin.TabularInline):
    model = Meeting
    extra = 0
    can_delete = False
    readonly_fields = ["start", "end", "reservation"]
    fields = readonly_fields


@admin.register(Course)
class CourseAdmin(ReadOnlyAdmin):
    list_display = ["title", "organization", "status", "capacity", "topic", "audience"]
    list_filter = ["status", "topic", "audience", "language", "organization"]
    search_fields = ["title"]
    list_select_related = ["organization"]
    inlines = [MeetingInline]


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = ["course", "user", "status", "created_at", "waitlisted_at"]
    list_filter = ["status"]
    list_select_related = ["course", "user"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["enrollment", "meeting", "present", "recorded_at"]
    list_select_related = ["enrollment__course", "enrollment__user", "meeting__course"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["code", "course_title", "provider_name", "issued_at"]
    search_fields = ["code"]
