from django.contrib import admin

from .models import (
    ContactPlan,
    HealthAssessment,
    HomeBed,
    LongTermPrescription,
    Reminder,
    RiskAssessment,
    ServiceRecord,
)


class _ReadOnly(admin.ModelAdmin):
    """Care data changes through the services (rules, audit); the admin only looks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServiceRecord)
class ServiceRecordAdmin(_ReadOnly):
    list_display = ("resident", "item", "performed_on", "channel", "practitioner", "status")
    list_filter = ("status", "channel")
    raw_id_fields = ("resident", "contract")
    date_hierarchy = "performed_on"


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(_ReadOnly):
    list_display = ("resident", "condition", "colour", "assessed_on", "is_current")
    list_filter = ("condition", "colour", "is_current")


@admin.register(HealthAssessment)
class HealthAssessmentAdmin(_ReadOnly):
    list_display = ("resident", "assessed_on", "practitioner", "next_assessment_on")


@admin.register(ContactPlan)
class ContactPlanAdmin(_ReadOnly):
    list_display = ("resident", "team", "doctor", "colour", "last_contact_on", "next_due_on")
    list_filter = ("colour",)


@admin.register(LongTermPrescription)
class LongTermPrescriptionAdmin(_ReadOnly):
    list_display = ("resident", "condition", "weeks", "start", "end", "status")
    list_filter = ("status", "condition")


@admin.register(HomeBed)
class HomeBedAdmin(_ReadOnly):
    list_display = ("resident", "diagnosis", "admitted_on", "discharged_on", "status")
    list_filter = ("status",)


@admin.register(Reminder)
class ReminderAdmin(_ReadOnly):
    list_display = ("resident", "kind", "channel", "status", "sent_on")
    list_filter = ("kind", "status", "channel")
