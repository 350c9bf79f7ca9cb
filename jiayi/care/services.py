"""Writes of the care app: service records, risk colours, health assessments (R-SVC-1 … R-SVC-5)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.contracts.models import Contract, ContractStatus
from jiayi.core.audit import record_write, snapshot
from jiayi.core.errors import NotFound, ValidationFailed
from jiayi.core.permissions import require_perm
from jiayi.policy.models import OveruseMode
from jiayi.policy.queries import policy_for
from jiayi.registry.models import Resident
from jiayi.teams.models import Practitioner

from .contact import contact_plan_sync
from .entitlements import entitlement
from .errors import EntitlementExceeded, InvalidMeasurement
from .models import (
    MEASUREMENT_RANGES,
    Condition,
    HealthAssessment,
    Measurement,
    MeasurementKind,
    MeasurementSource,
    RecordStatus,
    RiskAssessment,
    RiskColour,
    ServiceChannel,
    ServiceRecord,
    TcmTechnique,
)


@dataclass
class RecordResult:
    record: ServiceRecord
    warnings: list[str] = field(default_factory=list)


def _visible_resident(actor, resident) -> Resident:
    row = (
        Resident.objects.visible_to(actor)
        .filter(pk=resident.pk)
        .select_related("region", "institution")
        .first()
    )
    if row is None:
        raise NotFound()
    return row


def _contract_on(resident_id: int, on: dt.date) -> Contract | None:
    """The contract a service on `on` counts against: in force then (renewed/expired ones cover their dates)."""
    return (
        Contract.objects.filter(resident_id=resident_id, start__lte=on, end__gte=on)
        .exclude(status=ContractStatus.TERMINATED)
        .exclude(status=ContractStatus.PENDING)
        .order_by("-start")
        .first()
    )


def _parse_measurements(measurements: dict | None) -> list[tuple[str, Decimal, str]]:
    out = []
    for kind, raw in (measurements or {}).items():
        if kind not in MeasurementKind.values:
            raise InvalidMeasurement(_("未知的测量指标：%(k)s") % {"k": kind}, details={"field": kind})
        value, source = raw if isinstance(raw, tuple | list) else (raw, MeasurementSource.ENTERED)
        if value in (None, ""):
            continue
        try:
            d = Decimal(str(value)).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise InvalidMeasurement(
                _("%(k)s 应为数字") % {"k": MeasurementKind(kind).label}, details={"field": kind}
            ) from None
        low, high = MEASUREMENT_RANGES[kind]
        if not low <= d <= high:
            raise InvalidMeasurement(
                _("%(k)s %(v)s 超出合理范围（%(lo)s–%(hi)s）")
                % {"k": MeasurementKind(kind).label, "v": d, "lo": low, "hi": high},
                details={"field": kind},
            )
        if source not in MeasurementSource.values:
            raise InvalidMeasurement(details={"field": kind})
        out.append((kind, d, source))
    kinds = {k for k, _v, _s in out}
    if ("sbp" in kinds) != ("dbp" in kinds):
        raise InvalidMeasurement(_("血压须同时填写收缩压和舒张压"), details={"field": "sbp"})
    values = {k: v for k, v, _s in out}
    if "sbp" in values and values["sbp"] <= values["dbp"]:
        raise InvalidMeasurement(_("收缩压应高于舒张压"), details={"field": "sbp"})
    return out


def service_record_create(
    *,
    actor,
    resident: Resident,
    item,
    performed_on: dt.date,
    channel: str,
    practitioner: Practitioner,
    place: str = "",
    notes: str = "",
    measurements: dict | None = None,
    tcm_technique: str = "",
    is_contact: bool = True,
    source: str = "entered",
) -> RecordResult:
    """Record one service. It counts against the contract in force on its date (if any); beyond the
    package's yearly quantity it is warned or refused as the policy says; a contact moves the plan."""
    require_perm(actor, "care.record")
    today = timezone.localdate()
    if performed_on > today:
        raise ValidationFailed(_("服务日期不能晚于今天"), details={"field": "performed_on"})
    if channel not in ServiceChannel.values:
        raise ValidationFailed(_("服务方式无效"), details={"field": "channel"})
    if tcm_technique not in TcmTechnique.values:
        raise ValidationFailed(_("中医药技术无效"), details={"field": "tcm_technique"})
    if not practitioner.is_active:
        raise ValidationFailed(_("该服务人员已不在岗"), details={"field": "practitioner"})
    parsed = _parse_measurements(measurements)
    warnings: list[str] = []
    with transaction.atomic():
        resident = _visible_resident(actor, resident)
        Resident.objects.select_for_update(of=("self",)).filter(pk=resident.pk).exists()
        contract = _contract_on(resident.pk, performed_on)
        beyond = False
        if contract is not None:
            ent = entitlement(contract, performed_on)
            line = ent.line_for(item.pk)
            if line is not None and line.promised and line.remaining == 0:
                policy = policy_for(contract.institution.region, performed_on.year)
                message = _("“%(item)s”本签约年度应提供 %(n)s 次，已提供 %(d)s 次") % {
                    "item": item.name,
                    "n": line.promised,
                    "d": line.delivered,
                }
                if policy.overuse_mode == OveruseMode.REFUSE:
                    raise EntitlementExceeded(message, details={"item": item.pk, "promised": line.promised})
                warnings.append(message)
                beyond = True
        else:
            warnings.append(_("该居民在服务日期没有生效的签约，本次服务不计入任何签约"))
        record = ServiceRecord.objects.create(
            resident=resident,
            contract=contract,
            item=item,
            performed_on=performed_on,
            institution=practitioner.institution,
            place=place[:100],
            channel=channel,
            practitioner=practitioner,
            # Without a contract the record belongs to the resident's team, else to the recorder's.
            team_id=contract.team_id if contract else (resident.team_id or getattr(actor, "team_id", None)),
            notes=notes,
            tcm_technique=tcm_technique,
            is_contact=is_contact,
            beyond_entitlement=beyond,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            source=source,
        )
        Measurement.objects.bulk_create(
            [Measurement(record=record, kind=k, value=v, source=s) for k, v, s in parsed]
        )
        after = snapshot(record)
        after["measurements"] = {k: str(v) for k, v, _s in parsed}
        record_write(actor=actor, action="service_record_create", obj=record, after=after)
        if is_contact:
            contact_plan_sync(resident.pk)
    return RecordResult(record=record, warnings=warnings)


def service_record_void(*, actor, record: ServiceRecord, reason: str) -> ServiceRecord:
    """A wrong record is voided with a reason, never deleted; it stops counting."""
    require_perm(actor, "care.record")
    if not reason.strip():
        raise ValidationFailed(_("请填写作废原因"), details={"field": "reason"})
    with transaction.atomic():
        record = (
            ServiceRecord.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .filter(pk=record.pk)
            .first()
        )
        if record is None:
            raise NotFound()
        if record.status == RecordStatus.VOID:
            raise ValidationFailed(_("该记录已作废"))
        before = snapshot(record, ["status", "void_reason"])
        record.status = RecordStatus.VOID
        record.void_reason = reason.strip()[:200]
        record.save(update_fields=["status", "void_reason", "updated_at"])
        record_write(
            actor=actor,
            action="service_record_void",
            obj=record,
            before=before,
            after=snapshot(record, ["status", "void_reason"]),
        )
        contact_plan_sync(record.resident_id)
    return record


def risk_assess(
    *,
    actor,
    resident: Resident,
    condition: str,
    colour: str,
    reason: str,
    practitioner: Practitioner,
    assessed_on: dt.date | None = None,
) -> RiskAssessment:
    """Set the current risk colour of one condition (R-SVC-4); the contact interval follows it."""
    require_perm(actor, "care.record")
    if condition not in Condition.values:
        raise ValidationFailed(_("疾病类别无效"), details={"field": "condition"})
    if colour not in RiskColour.values:
        raise ValidationFailed(_("色标无效"), details={"field": "colour"})
    if not reason.strip():
        raise ValidationFailed(_("请填写评估依据"), details={"field": "reason"})
    assessed_on = assessed_on or timezone.localdate()
    if assessed_on > timezone.localdate():
        raise ValidationFailed(_("评估日期不能晚于今天"), details={"field": "assessed_on"})
    with transaction.atomic():
        resident = _visible_resident(actor, resident)
        previous = (
            RiskAssessment.objects.select_for_update(of=("self",))
            .filter(resident=resident, condition=condition, is_current=True)
            .first()
        )
        if previous is not None:
            previous.is_current = False
            previous.save(update_fields=["is_current", "updated_at"])
        row = RiskAssessment.objects.create(
            resident=resident,
            condition=condition,
            colour=colour,
            reason=reason.strip()[:300],
            assessed_on=assessed_on,
            practitioner=practitioner,
            institution=practitioner.institution,
            team_id=resident.team_id,
        )
        record_write(
            actor=actor,
            action="risk_assess",
            obj=row,
            before={"colour": previous.colour} if previous else None,
            after={"condition": condition, "colour": colour, "reason": row.reason},
        )
        contact_plan_sync(resident.pk)
    return row


def health_assessment_create(
    *,
    actor,
    resident: Resident,
    practitioner: Practitioner,
    findings: str,
    plan: str,
    lifestyle: str = "",
    assessed_on: dt.date | None = None,
    item=None,
    measurements: dict | None = None,
) -> HealthAssessment:
    """The annual health assessment (R-SVC-3): a service record of the assessment item plus the
    findings and the management plan; the next one is due a year later."""
    require_perm(actor, "care.record")
    if not findings.strip() or not plan.strip():
        raise ValidationFailed(_("请填写评估发现和健康管理计划"), details={"field": "plan"})
    assessed_on = assessed_on or timezone.localdate()
    from jiayi.catalog.models import ServiceItem

    item = item or ServiceItem.objects.filter(code="ANNUAL_ASSESSMENT").first()
    if item is None:
        raise ValidationFailed(_("服务项目目录中缺少“年度健康评估”"))
    with transaction.atomic():
        result = service_record_create(
            actor=actor,
            resident=resident,
            item=item,
            performed_on=assessed_on,
            channel=ServiceChannel.FACE_TO_FACE,
            practitioner=practitioner,
            notes=findings,
            measurements=measurements,
        )
        from jiayi.contracts.rules import term_end

        row = HealthAssessment.objects.create(
            resident=result.record.resident,
            record=result.record,
            assessed_on=assessed_on,
            practitioner=practitioner,
            findings=findings.strip(),
            lifestyle=lifestyle.strip(),
            plan=plan.strip(),
            next_assessment_on=term_end(assessed_on, 1) + dt.timedelta(days=1),
            institution=practitioner.institution,
            team_id=result.record.team_id,
        )
        record_write(actor=actor, action="health_assessment_create", obj=row, after=snapshot(row))
    return row
