"""Read-only admin: contract writes belong to the services (rules, audit), so the admin is for looking."""

from django.contrib import admin

from .models import Agreement, Contract, ContractEvent, ContractPackage


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(_ReadOnly):
    list_display = ["number", "kind", "institution", "team", "doctor", "signed_on", "channel"]
    list_filter = ["kind", "channel", "consent_mode"]
    search_fields = ["number"]
    exclude = ["signature_png"]


class PackageInline(admin.TabularInline):
    model = ContractPackage
    extra = 0
    can_delete = False


class EventInline(admin.TabularInline):
    model = ContractEvent
    extra = 0
    can_delete = False


@admin.register(Contract)
class ContractAdmin(_ReadOnly):
    list_display = ["resident", "team", "doctor", "status", "start", "end"]
    list_filter = ["status"]
    search_fields = ["agreement__number", "resident__name"]
    raw_id_fields = ["resident", "agreement", "previous"]
    inlines = [PackageInline, EventInline]
