from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Closure, District, LessonPeriod, Location, Membership, Organization


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0


class LessonPeriodInline(admin.TabularInline):
    model = LessonPeriod
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "district", "city", "is_active", "retention"]
    list_filter = ["kind", "district", "is_active"]
    list_select_related = ["district"]
    search_fields = ["name", "city"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [LocationInline, LessonPeriodInline, MembershipInline]

    @admin.display(description=_("keeps bookings and loans for (days)"), ordering="retention_days")
    def retention(self, organization: Organization) -> str:
        days = organization.effective_retention_days
        if organization.retention_days is None:
            return _("%(days)d (region's default)") % {"days": days}
        return str(days)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization__kind"]
    search_fields = ["user__email", "user__name", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "step_free"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization"]


@admin.register(LessonPeriod)
class LessonPeriodAdmin(admin.ModelAdmin):
    list_display = ["organization", "number", "name", "start", "end"]
    list_filter = ["organization"]
    list_select_related = ["organization"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organization", "start", "end"]
    list_select_related = ["organization"]
    list_filter = ["kind", "organization"]
    date_hierarchy = "start"
