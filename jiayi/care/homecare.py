"""Home hospital beds (家庭病床, R-SVC-7): admit → visits (service records, channel home visit) →
discharge with a summary. Plain home visits are just service records with channel home_visit."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.contracts.models import Contract
from jiayi.core.audit import record_write, snapshot
from jiayi.core.errors import NotFound, ValidationFailed
from jiayi.core.permissions import require_perm
from jiayi.registry.models import Resident
from jiayi.teams.models import Practitioner

from .errors import IllegalTransition
from .models import BedStatus, HomeBed, HomeBedVisit, ServiceChannel
from .services import RecordResult, service_record_create


def _open_bed(actor, bed: HomeBed) -> HomeBed:
    row = HomeBed.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=bed.pk).first()
    if row is None:
        raise NotFound()
    if row.status != BedStatus.ADMITTED:
        raise IllegalTransition(_("该家庭病床已撤床"))
    return row


def homebed_admit(
    *,
    actor,
    resident: Resident,
    practitioner: Practitioner,
    diagnosis: str,
    admitted_on: dt.date | None = None,
) -> HomeBed:
    require_perm(actor, "care.record")
    admitted_on = admitted_on or timezone.localdate()
    if admitted_on > timezone.localdate():
        raise ValidationFailed(_("建床日期不能晚于今天"), details={"field": "admitted_on"})
    if not diagnosis.strip():
        raise ValidationFailed(_("请填写建床诊断"), details={"field": "diagnosis"})
    if not practitioner.is_active:
        raise ValidationFailed(_("该医生已不在岗"), details={"field": "practitioner"})
    with transaction.atomic():
        resident = Resident.objects.visible_to(actor).filter(pk=resident.pk).first()
        if resident is None:
            raise NotFound()
        if resident.deceased_on:
            raise ValidationFailed(_("该居民已故"), details={"field": "resident"})
        if HomeBed.objects.filter(resident=resident, status=BedStatus.ADMITTED).exists():
            raise IllegalTransition(_("该居民已有未撤床的家庭病床"))
        contract = Contract.objects.in_force().filter(resident=resident).first()
        try:
            with transaction.atomic():
                bed = HomeBed.objects.create(
                    resident=resident,
                    contract=contract,
                    institution=practitioner.institution,
                    practitioner=practitioner,
                    team_id=contract.team_id
                    if contract
                    else (resident.team_id or getattr(actor, "team_id", None)),
                    diagnosis=diagnosis.strip()[:200],
                    admitted_on=admitted_on,
                )
        except IntegrityError:  # a concurrent admit won the partial unique index
            raise IllegalTransition(_("该居民已有未撤床的家庭病床")) from None
        record_write(actor=actor, action="homebed_admit", obj=bed, after=snapshot(bed))
    return bed


def homebed_visit(
    *,
    actor,
    bed: HomeBed,
    item,
    practitioner: Practitioner,
    performed_on: dt.date | None = None,
    notes: str = "",
    measurements: dict | None = None,
) -> RecordResult:
    """A visit to an open bed: a service record (home visit) linked to the bed."""
    require_perm(actor, "care.record")
    performed_on = performed_on or timezone.localdate()
    with transaction.atomic():
        bed = _open_bed(actor, bed)
        if performed_on < bed.admitted_on:
            raise ValidationFailed(_("查床日期不能早于建床日期"), details={"field": "performed_on"})
        result = service_record_create(
            actor=actor,
            resident=bed.resident,
            item=item,
            performed_on=performed_on,
            channel=ServiceChannel.HOME_VISIT,
            practitioner=practitioner,
            place=_("家庭病床"),
            notes=notes,
            measurements=measurements,
        )
        HomeBedVisit.objects.create(bed=bed, record=result.record)
    return result


def homebed_discharge(*, actor, bed: HomeBed, summary: str, discharged_on: dt.date | None = None) -> HomeBed:
    require_perm(actor, "care.record")
    discharged_on = discharged_on or timezone.localdate()
    if not summary.strip():
        raise ValidationFailed(_("请填写撤床小结"), details={"field": "summary"})
    if discharged_on > timezone.localdate():
        raise ValidationFailed(_("撤床日期不能晚于今天"), details={"field": "discharged_on"})
    with transaction.atomic():
        bed = _open_bed(actor, bed)
        if discharged_on < bed.admitted_on:
            raise ValidationFailed(_("撤床日期不能早于建床日期"), details={"field": "discharged_on"})
        before = snapshot(bed, ["status", "discharged_on", "summary"])
        bed.status = BedStatus.DISCHARGED
        bed.discharged_on = discharged_on
        bed.summary = summary.strip()
        bed.save(update_fields=["status", "discharged_on", "summary", "updated_at"])
        record_write(
            actor=actor,
            action="homebed_discharge",
            obj=bed,
            before=before,
            after=snapshot(bed, ["status", "discharged_on", "summary"]),
        )
    return bed
