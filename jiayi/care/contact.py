"""The contact plan: one indexed `next_due_on` per signed resident (R-SVC-5)."""

import datetime as dt

from django.db.models import Max
from django.utils import timezone

from jiayi.contracts.models import Contract
from jiayi.policy.queries import policy_for

from .models import COLOUR_RANK, ContactPlan, RecordStatus, RiskAssessment, RiskColour, ServiceRecord


def worst_colour(resident_id: int) -> str:
    colours = RiskAssessment.objects.filter(resident_id=resident_id, is_current=True).values_list(
        "colour", flat=True
    )
    return max(colours, key=lambda c: COLOUR_RANK[c], default="")


def interval_for(policy, colour: str) -> int:
    return {
        RiskColour.RED: policy.contact_days_red,
        RiskColour.YELLOW: policy.contact_days_yellow,
        RiskColour.GREEN: policy.contact_days_green,
    }.get(colour, policy.contact_days_default)


def last_contact(resident_id: int, since: dt.date | None = None) -> dt.date | None:
    qs = ServiceRecord.objects.filter(resident_id=resident_id, is_contact=True, status=RecordStatus.VALID)
    if since is not None:
        qs = qs.filter(performed_on__gte=since)
    return qs.aggregate(d=Max("performed_on"))["d"]


def contact_plan_sync(resident_id: int, *, today: dt.date | None = None) -> ContactPlan | None:
    """Recompute one resident's plan from their contract in force, risk colours and last contact.

    Called by the services that change any of those, inside their transaction. Derived data:
    a resident without a contract in force has no plan.
    """
    today = today or timezone.localdate()
    contract = (
        Contract.objects.in_force()
        .filter(resident_id=resident_id)
        .select_related("agreement", "institution__region", "resident")
        .first()
    )
    if contract is None:
        ContactPlan.objects.filter(resident_id=resident_id).delete()
        return None
    policy = policy_for(contract.institution.region, today.year)
    colour = worst_colour(resident_id)
    interval = interval_for(policy, colour)
    signed_on = contract.agreement.signed_on
    last = last_contact(resident_id, since=signed_on)
    plan, _created = ContactPlan.objects.update_or_create(
        resident_id=resident_id,
        defaults={
            "contract": contract,
            "team_id": contract.team_id,
            "doctor_id": contract.doctor_id,
            "institution_id": contract.institution_id,
            "colour": colour,
            "interval_days": interval,
            "signed_on": signed_on,
            "last_contact_on": last,
            "next_due_on": (last or signed_on) + dt.timedelta(days=interval),
            "county_code": contract.county_code,
            "region_code": contract.region_code,
        },
    )
    return plan
