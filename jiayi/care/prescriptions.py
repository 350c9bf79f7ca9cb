"""Long-term prescriptions (R-SVC-6): 4–12 weeks (the policy's range) for eligible chronic patients.

Writes live here rather than in services.py to keep modules small; they follow the same rules
(permission, scope, one transaction, audit)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.contracts.models import Contract
from jiayi.core.audit import record_write, snapshot
from jiayi.core.errors import NotFound, ValidationFailed
from jiayi.core.permissions import require_perm
from jiayi.policy.queries import policy_for
from jiayi.registry.models import KeyPopulationRecord, Resident
from jiayi.teams.models import Practitioner

from .errors import IllegalTransition, NotEligible
from .models import ChronicCondition, LongTermPrescription, RiskAssessment, RxStatus

# Chronic conditions a long-term prescription may be for, and how each is evidenced: a current
# risk colour for the condition, or a valid key-population record of that kind.
CHRONIC_CONDITIONS = {
    ChronicCondition.HYPERTENSION: ("hypertension", "hypertension"),
    ChronicCondition.DIABETES: ("diabetes", "diabetes"),
    ChronicCondition.HYPERLIPIDAEMIA: ("hyperlipidaemia", None),
    ChronicCondition.COPD: (None, "copd"),
    ChronicCondition.TUBERCULOSIS: (None, "tuberculosis"),
    ChronicCondition.SEVERE_MENTAL: (None, "severe_mental"),
    ChronicCondition.PNEUMOCONIOSIS: (None, "pneumoconiosis"),
}
CONDITION_CHOICES = ChronicCondition.choices


def eligible_conditions(resident, on: dt.date | None = None) -> list[str]:
    """The chronic conditions the resident is known to have on a date (two indexed queries)."""
    on = on or timezone.localdate()
    colours = set(
        RiskAssessment.objects.filter(resident=resident, is_current=True).values_list("condition", flat=True)
    )
    kinds = set(
        KeyPopulationRecord.objects.valid_on(on).filter(resident=resident).values_list("kind", flat=True)
    )
    return [
        key
        for key, (colour_cond, kp_kind) in CHRONIC_CONDITIONS.items()
        if (colour_cond and colour_cond in colours) or (kp_kind and kp_kind in kinds)
    ]


def _clean_medicines(medicines) -> list[dict]:
    lines = []
    for m in medicines or []:
        if isinstance(m, str):
            m = {"name": m}
        name = str(m.get("name", "")).strip()
        if not name:
            continue
        lines.append(
            {
                "name": name[:100],
                "dose": str(m.get("dose", "")).strip()[:50],
                "frequency": str(m.get("frequency", "")).strip()[:50],
            }
        )
    if not lines:
        raise ValidationFailed(_("请至少填写一种药品"), details={"field": "medicines"})
    return lines


def prescription_issue(
    *,
    actor,
    resident: Resident,
    practitioner: Practitioner,
    condition: str,
    medicines: list,
    weeks: int,
    start: dt.date | None = None,
) -> LongTermPrescription:
    """Issue a long-term prescription: weeks within the policy's range, a chronic condition the
    resident is known to have, and a contract in force on the start date."""
    require_perm(actor, "care.record")
    start = start or timezone.localdate()
    if condition not in CHRONIC_CONDITIONS:
        raise ValidationFailed(_("慢性病类别无效"), details={"field": "condition"})
    if not practitioner.is_active or not practitioner.can_be_family_doctor:
        raise ValidationFailed(_("开具医生须为在岗的医师"), details={"field": "practitioner"})
    lines = _clean_medicines(medicines)
    with transaction.atomic():
        row = Resident.objects.visible_to(actor).filter(pk=resident.pk).select_related("region").first()
        if row is None:
            raise NotFound()
        resident = row
        policy = policy_for(resident.region, start.year)
        low, high = policy.long_rx_min_weeks, policy.long_rx_max_weeks
        if not isinstance(weeks, int) or not low <= weeks <= high:
            raise ValidationFailed(
                _("长期处方应为 %(lo)s–%(hi)s 周") % {"lo": low, "hi": high},
                details={"field": "weeks", "min": low, "max": high},
            )
        contract = (
            Contract.objects.in_force().filter(resident=resident, start__lte=start, end__gte=start).first()
        )
        if contract is None:
            raise NotEligible(_("该居民在开具日期没有生效的签约"), details={"field": "resident"})
        if condition not in eligible_conditions(resident, start):
            raise NotEligible(
                _("该居民没有“%(c)s”的慢病管理记录（色标评估或重点人群登记）")
                % {"c": ChronicCondition(condition).label},
                details={"field": "condition"},
            )
        rx = LongTermPrescription.objects.create(
            resident=resident,
            contract=contract,
            practitioner=practitioner,
            condition=condition,
            medicines=lines,
            weeks=weeks,
            start=start,
            end=start + dt.timedelta(weeks=weeks, days=-1),
            institution=practitioner.institution,
            team_id=contract.team_id,
        )
        record_write(actor=actor, action="prescription_issue", obj=rx, after=snapshot(rx))
    return rx


def prescription_stop(
    *, actor, prescription: LongTermPrescription, reason: str, stopped_on: dt.date | None = None
) -> LongTermPrescription:
    require_perm(actor, "care.record")
    if not reason.strip():
        raise ValidationFailed(_("请填写停用原因"), details={"field": "reason"})
    stopped_on = stopped_on or timezone.localdate()
    with transaction.atomic():
        rx = (
            LongTermPrescription.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .filter(pk=prescription.pk)
            .first()
        )
        if rx is None:
            raise NotFound()
        if rx.status != RxStatus.ACTIVE:
            raise IllegalTransition(_("该处方已停用"))
        if stopped_on < rx.start:
            raise ValidationFailed(_("停用日期不能早于开始日期"), details={"field": "stopped_on"})
        before = snapshot(rx, ["status", "stopped_on", "stop_reason"])
        rx.status = RxStatus.STOPPED
        rx.stopped_on = stopped_on
        rx.stop_reason = reason.strip()[:200]
        rx.save(update_fields=["status", "stopped_on", "stop_reason", "updated_at"])
        record_write(
            actor=actor,
            action="prescription_stop",
            obj=rx,
            before=before,
            after=snapshot(rx, ["status", "stopped_on", "stop_reason"]),
        )
    return rx
