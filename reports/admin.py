"""Report runs are read-only here (their files are downloaded from the reports pages by the
person who asked); the monthly opt-ins and sent markers can be looked at and removed."""

from __future__ import annotations

from django.contrib import admin

from .models import MonthlyReportSent, MonthlyReportSubscription, ReportRun


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ["scope_label", "period_label", "user", "status", "progress", "created_at"]
    list_filter = ["status"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    exclude = ["pdf", "csv", "html"]
    readonly_fields = [
        "user",
        "scope_key",
        "scope_label",
        "period_key",
        "period_label",
        "language",
        "status",
        "progress",
        "message",
        "created_at",
        "finished_at",
        "expires_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf", "csv", "html")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MonthlyReportSubscription)
class MonthlyReportSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["organization", "user", "created_at"]
    list_select_related = ["organization", "user"]
    raw_id_fields = ["user", "organization"]


@admin.register(MonthlyReportSent)
class MonthlyReportSentAdmin(admin.ModelAdmin):
    list_display = ["organization", "month", "user", "sent_at"]
    list_filter = ["month"]
    list_select_related = ["organization", "user"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
