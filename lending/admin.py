"""Read-only views of lending data: every change goes through lending.services. Lending
policies and borrowing agreements are plain settings texts, edited here."""

from __future__ import annotations

from django.contrib import admin

from booking.admin import ReadOnlyAdmin

from . import services
from .models import (
    AgreementAcceptance,
    BorrowingAgreement,
    LendingPolicy,
    LibraryCard,
    OverdueNotice,
    WaitlistEntry,
)


@admin.register(LendingPolicy)
class LendingPolicyAdmin(admin.ModelAdmin):
    list_display = ["organization", "reminder_days_before", "overdue_notice_days", "hold_days"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]


@admin.register(BorrowingAgreement)
class BorrowingAgreementAdmin(admin.ModelAdmin):
    """A published version is what people accepted: it cannot be deleted, and its version
    number stays. A changed text is best published as a new version."""

    list_display = ["organization", "version", "title", "created_at"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]

    def get_readonly_fields(self, request, obj=None):
        # What people accepted stays as it was: a new text is a new version.
        if obj is not None:
            return ["organization", "version", "title", "text", "created_at"]
        return ["version", "created_at"]

    def save_model(self, request, obj, form, change) -> None:
        """A new version goes through the service (next number under a lock, logged)."""
        if change:
            return
        published = services.publish_agreement(
            by=request.user, organization=obj.organization, title=obj.title, text=obj.text
        )
        obj.pk, obj.version, obj.created_at = published.pk, published.version, published.created_at

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["agreement", "user", "accepted_at", "recorded_by"]
    list_filter = ["agreement__organization"]
    list_select_related = ["agreement__organization", "user", "recorded_by"]


@admin.register(LibraryCard)
class LibraryCardAdmin(ReadOnlyAdmin):
    list_display = ["number", "organization", "user", "created_at"]
    list_select_related = ["organization", "user"]
    search_fields = ["number"]


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyAdmin):
    list_display = ["pool", "user", "quantity", "status", "created_at", "hold_until"]
    list_filter = ["status", "pool__organization"]
    list_select_related = ["pool", "user"]


@admin.register(OverdueNotice)
class OverdueNoticeAdmin(ReadOnlyAdmin):
    list_display = ["loan", "kind", "days", "sent_at"]
    list_filter = ["kind"]
