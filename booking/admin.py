"""Read-only views of booking data: every change goes through booking.services."""

from __future__ import annotations

from django.contrib import admin

from .models import Loan, LoanItem, Reservation, Series


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ["pool", "start", "end", "quantity", "status", "user"]
    list_filter = ["status", "pool__organization"]
    date_hierarchy = "start"
    list_select_related = ["pool", "user"]


@admin.register(Series)
class SeriesAdmin(ReadOnlyAdmin):
    list_display = ["pool", "first_date", "until", "start_time", "end_time", "user"]
    list_select_related = ["pool", "user"]


class LoanItemInline(admin.TabularInline):
    model = LoanItem
    extra = 0
    can_delete = False
    readonly_fields = ["device", "returned_at", "condition", "note"]
    fields = readonly_fields


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ["pool", "borrower", "handed_out_at", "due_at", "closed_at"]
    list_select_related = ["pool", "borrower"]
    inlines = [LoanItemInline]
