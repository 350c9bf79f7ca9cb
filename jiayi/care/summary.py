"""Reads of a resident's care page (multi-disease view, R-SVC-1 … R-SVC-9). Scoped: the resident
is fetched through the user's scope first; viewing the health record leaves an access event."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from jiayi.contracts.models import Contract
from jiayi.core.audit import record_access
from jiayi.registry import queries as rq

from . import queries as q
from .entitlements import Entitlement, entitlement
from .models import (
    Condition,
    ContactPlan,
    HealthAssessment,
    HomeBed,
    LongTermPrescription,
    Measurement,
    MeasurementSource,
    Reminder,
    RiskAssessment,
)


@dataclass
class ConditionRow:
    condition: str
    label: str
    current: RiskAssessment | None


def device_share(measurements) -> dict:
    """Share of measurements uploaded by standardised devices (R-SVC-1), as counts and percent."""
    agg = measurements.aggregate(
        total=Count("pk"), device=Count("pk", filter=Q(source=MeasurementSource.DEVICE))
    )
    agg["percent"] = round(agg["device"] * 100 / agg["total"], 1) if agg["total"] else None
    return agg


def condition_rows(resident) -> list[ConditionRow]:
    current = {
        r.condition: r
        for r in RiskAssessment.objects.filter(resident=resident, is_current=True).select_related(
            "practitioner"
        )
    }
    return [ConditionRow(c.value, c.label, current.get(c.value)) for c in Condition]


def contract_in_force(resident) -> Contract | None:
    return (
        Contract.objects.in_force()
        .filter(resident=resident)
        .select_related("team", "doctor", "institution")
        .first()
    )


def current_entitlement(contract, today: dt.date | None = None) -> Entitlement | None:
    return entitlement(contract, today or timezone.localdate()) if contract else None


def chart_series(resident) -> dict:
    """BP and glucose readings as [date, value] pairs for the chart, plus the rows for the table."""
    rows = q.measurement_series(resident, ("sbp", "dbp", "fasting_glucose", "random_glucose"))
    series: dict[str, list] = {"sbp": [], "dbp": [], "fasting_glucose": [], "random_glucose": []}
    table: dict[tuple, dict] = {}
    for m in rows:
        day = m.record.performed_on.isoformat()
        series[m.kind].append([day, float(m.value)])
        entry = table.setdefault((m.record.performed_on, m.record_id), {"date": m.record.performed_on})
        entry[m.kind] = m.value
        entry["device"] = entry.get("device", False) or m.source == MeasurementSource.DEVICE
    return {"series": series, "table": [table[k] for k in sorted(table, reverse=True)][:30]}


def care_summary(user, pk: int) -> dict:
    rq.require_people_access(user)
    resident = rq.resident_get(user, pk)
    record_access(actor=user, obj=resident, field="care_record")
    contract = contract_in_force(resident)
    return {
        "r": resident,
        "today": timezone.localdate(),
        "conditions": condition_rows(resident),
        "assessment": HealthAssessment.objects.filter(resident=resident)
        .select_related("practitioner")
        .first(),
        "plan": ContactPlan.objects.filter(resident=resident).select_related("doctor").first(),
        "contract": contract,
        "ent": current_entitlement(contract),
        "records": list(q.resident_records(user, resident, limit=30)),
        "chart": chart_series(resident),
        "device": device_share(Measurement.objects.filter(record__resident=resident, record__status="valid")),
        "prescriptions": list(
            LongTermPrescription.objects.visible_to(user)
            .filter(resident=resident)
            .select_related("practitioner")[:10]
        ),
        "beds": list(
            HomeBed.objects.visible_to(user).filter(resident=resident).select_related("practitioner")[:5]
        ),
        "reminders": list(Reminder.objects.filter(resident=resident)[:10]),
    }


def brief_summary(user, pk: int) -> dict:
    """The small card on the registry's resident page: colours, next contact, last service."""
    rq.require_people_access(user)
    resident = rq.resident_get(user, pk)
    return {
        "r": resident,
        "today": timezone.localdate(),
        "conditions": [c for c in condition_rows(resident) if c.current],
        "plan": ContactPlan.objects.filter(resident=resident).first(),
        "last": q.resident_records(user, resident, limit=1),
        "reminders": list(Reminder.objects.filter(resident=resident)[:3]),
    }
