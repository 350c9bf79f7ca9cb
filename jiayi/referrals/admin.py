from django.contrib import admin

from .models import Referral, ReferralEvent, SlotPool


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor_name", "institution_name", "action", "from_status", "to_status", "note"]
    fields = readonly_fields


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    # Read-only here: every change of a referral goes through the services (audit, history).
    list_display = [
        "id",
        "direction",
        "resident",
        "from_institution",
        "to_institution",
        "department",
        "status",
    ]
    list_filter = ["direction", "status", "urgency", "via_family_doctor"]
    search_fields = ["resident__name", "department", "reason"]
    inlines = [ReferralEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(SlotPool)
class SlotPoolAdmin(admin.ModelAdmin):
    list_display = ["hospital", "department", "kind", "date", "start_time", "capacity", "reserved_count"]
    list_filter = ["kind", "date"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
