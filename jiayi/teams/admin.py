"""Read-mostly admin: writes belong to the services (audited), so the admin is for looking."""

from django.contrib import admin

from .models import Practitioner, Team, TeamMembership


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Practitioner)
class PractitionerAdmin(_ReadOnly):
    list_display = ["name", "licence_no", "profession", "title", "institution", "is_active"]
    list_filter = ["profession", "is_active", "is_retired", "tcm_capable"]
    search_fields = ["name", "licence_no"]


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    can_delete = False
    readonly_fields = ["practitioner", "role", "since", "until", "is_active"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(_ReadOnly):
    list_display = ["name", "institution", "leader", "is_active"]
    list_filter = ["is_active", "is_individual"]
    search_fields = ["name"]
    inlines = [MembershipInline]
