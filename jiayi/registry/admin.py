"""Read-only admin: every write goes through the services (audited), never through the admin."""

from django.contrib import admin

from . import models


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "is_urban")
    search_fields = ("code", "name")
    list_filter = ("level",)


@admin.register(models.Institution)
class InstitutionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "level", "region", "is_active")
    search_fields = ("code", "name")
    list_filter = ("kind", "level")


@admin.register(models.Resident)
class ResidentAdmin(ReadOnlyAdmin):
    # Only masked forms: the admin is no way around the logged reveal.
    list_display = ("name", "sex", "birth_date", "id_masked", "phone_masked", "region", "is_active")
    search_fields = ("name",)
    exclude = ("id_cipher", "id_index", "phone_cipher", "phone_index")


@admin.register(models.Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ("code", "head", "region", "institution")
    search_fields = ("code",)


@admin.register(models.FunctionalCommunity)
class CommunityAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "institution", "is_active")


@admin.register(models.PopulationBaseline)
class BaselineAdmin(ReadOnlyAdmin):
    list_display = ("institution", "year", "population", "count")
