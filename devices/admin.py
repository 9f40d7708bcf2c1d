from django.contrib import admin

from .models import Device, DevicePool, DeviceType


@admin.register(DeviceType)
class DeviceTypeAdmin(admin.ModelAdmin):
    """Device types are the region's shared reference list: region admins keep it here."""

    list_display = ["make", "model", "operating_system", "kind"]
    list_filter = ["kind"]
    search_fields = ["make", "model", "operating_system"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Devices and pools change through the staff pages (and their services, which check,
    record the history and log); the admin only shows them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DevicePool)
class DevicePoolAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "booking_scope", "is_active"]
    list_filter = ["booking_scope", "is_active"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization"]


@admin.register(Device)
class DeviceAdmin(ReadOnlyAdmin):
    list_display = ["asset_tag", "name", "organization", "device_type", "pool", "status"]
    list_filter = ["status", "device_type"]
    search_fields = ["asset_tag", "serial_number", "name", "label_code"]
    list_select_related = ["organization", "device_type", "pool"]
