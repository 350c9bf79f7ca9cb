"""Reads of the care app: worklists, a resident's care summary, entitlements (scoped)."""

import datetime as dt

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from jiayi.contracts.models import Contract

from .entitlements import entitlement
from .models import ContactPlan, Measurement, RiskAssessment, ServiceRecord

OVERDUE = "overdue"
DUE_THIS_WEEK = "due_week"
NEVER_CONTACTED = "never"
WORKLISTS = (OVERDUE, DUE_THIS_WEEK, NEVER_CONTACTED)

_COLOUR_ORDER = Case(
    When(colour="red", then=Value(0)),
    When(colour="yellow", then=Value(1)),
    When(colour="green", then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def week_end(today: dt.date) -> dt.date:
    """Sunday of the ISO week containing `today` (weeks run across month and year ends)."""
    return today + dt.timedelta(days=6 - today.weekday())


def worklist(
    user, kind: str, *, team_id: int | None = None, doctor_id: int | None = None, today: dt.date | None = None
):
    """Signed residents due for contact, from the indexed contact plan: one range scan per team."""
    today = today or timezone.localdate()
    qs = ContactPlan.objects.visible_to(user)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    if doctor_id is not None:
        qs = qs.filter(doctor_id=doctor_id)
    if kind == OVERDUE:
        qs = qs.filter(next_due_on__lt=today)
    elif kind == DUE_THIS_WEEK:
        qs = qs.filter(next_due_on__gte=today, next_due_on__lte=week_end(today))
    elif kind == NEVER_CONTACTED:
        qs = qs.filter(last_contact_on__isnull=True)
    else:
        raise ValueError(kind)
    return qs.select_related("resident", "doctor").order_by(_COLOUR_ORDER, "next_due_on", "resident_id")


def worklist_counts(user, *, team_id=None, doctor_id=None, today=None) -> dict[str, int]:
    return {
        k: worklist(user, k, team_id=team_id, doctor_id=doctor_id, today=today).count() for k in WORKLISTS
    }


def current_colours(resident) -> list[RiskAssessment]:
    return list(RiskAssessment.objects.filter(resident=resident, is_current=True).order_by("condition"))


def resident_records(user, resident, limit: int | None = 50):
    qs = (
        ServiceRecord.objects.visible_to(user)
        .filter(resident=resident)
        .select_related("item", "practitioner")
        .prefetch_related("measurements")
        .order_by("-performed_on", "-pk")
    )
    return qs[:limit] if limit else qs


def measurement_series(resident, kinds: tuple[str, ...] = ("sbp", "dbp")) -> list[Measurement]:
    return list(
        Measurement.objects.filter(record__resident=resident, record__status="valid", kind__in=kinds)
        .select_related("record")
        .order_by("record__performed_on", "record_id")
    )


def contract_entitlement(user, contract_id: int, on: dt.date | None = None):
    contract = Contract.objects.get_visible(user, pk=contract_id)
    return entitlement(contract, on)
