"""REST API of the care app, mounted at /api/care/. Thin: parse, call a query or a service."""

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import PageNumberPagination, paginate

from jiayi.catalog.models import ServiceItem
from jiayi.core.errors import NotFound, ValidationFailed
from jiayi.registry import queries as rq
from jiayi.registry.models import Resident
from jiayi.teams.models import Practitioner

from . import homecare, prescriptions, reminders, services
from . import queries as q
from .filters import HomeBedFilter, PrescriptionFilter, ReminderFilter, ServiceRecordFilter
from .models import HealthAssessment, HomeBed, LongTermPrescription, Reminder, RiskAssessment, ServiceRecord
from .schemas import (
    AssessmentIn,
    AssessmentOut,
    DischargeIn,
    EntitlementOut,
    HomeBedIn,
    HomeBedOut,
    HomeBedVisitIn,
    MeasurementPoint,
    PrescriptionIn,
    PrescriptionOut,
    ReasonIn,
    RecordCreated,
    ReminderIn,
    ReminderOut,
    RiskIn,
    RiskOut,
    ServiceRecordIn,
    ServiceRecordOut,
    StopIn,
    WorklistCounts,
    WorklistRowOut,
)
from .workbench import plan_counts, workbench_team

router = Router(tags=["care"])


def _resident(user, pk) -> Resident:
    rq.require_people_access(user)
    return rq.resident_get(user, pk)


def _practitioner(user, pk: int | None) -> Practitioner:
    """The practitioner named, else the user's own; someone without one must name one."""
    if pk is not None:
        return Practitioner.objects.get_visible(user, pk=pk)
    mine = getattr(user, "practitioner", None)
    if mine is None:
        raise ValidationFailed(_("请指定服务人员"), details={"field": "practitioner_id"})
    return mine


def _item(pk: int) -> ServiceItem:
    item = ServiceItem.objects.filter(pk=pk).first()
    if item is None:
        raise NotFound(details={"field": "item_id"})
    return item


def _record_out(user, pk):
    return (
        ServiceRecord.objects.visible_to(user)
        .select_related("resident", "item", "practitioner")
        .prefetch_related("measurements")
        .get(pk=pk)
    )


def _measurements(raw: dict) -> dict:
    return {k: (v.value, v.source) if hasattr(v, "source") else v for k, v in (raw or {}).items()}


# --- service records ------------------------------------------------------------------------


@router.get("/records", response=list[ServiceRecordOut])
@paginate(PageNumberPagination)
def record_list(request, filters: Query[ServiceRecordFilter]):
    rq.require_people_access(request.auth)
    qs = ServiceRecord.objects.visible_to(request.auth).select_related("resident", "item", "practitioner")
    return filters.filter(qs).prefetch_related("measurements").order_by("-performed_on", "-pk")


@router.post("/records", response={201: RecordCreated})
def record_create(request, payload: ServiceRecordIn):
    user = request.auth
    result = services.service_record_create(
        actor=user,
        resident=_resident(user, payload.resident_id),
        item=_item(payload.item_id),
        performed_on=payload.performed_on,
        channel=payload.channel,
        practitioner=_practitioner(user, payload.practitioner_id),
        place=payload.place,
        notes=payload.notes,
        tcm_technique=payload.tcm_technique,
        is_contact=payload.is_contact,
        measurements=_measurements(payload.measurements),
    )
    return 201, {"record": _record_out(user, result.record.pk), "warnings": result.warnings}


@router.get("/records/{pk}", response=ServiceRecordOut)
def record_get(request, pk: int):
    rq.require_people_access(request.auth)
    return ServiceRecord.objects.select_related("resident", "item", "practitioner").get_visible(
        request.auth, pk=pk
    )


@router.post("/records/{pk}/void", response=ServiceRecordOut)
def record_void(request, pk: int, payload: ReasonIn):
    user = request.auth
    record = ServiceRecord.objects.get_visible(user, pk=pk)
    services.service_record_void(actor=user, record=record, reason=payload.reason)
    return _record_out(user, pk)


# --- a resident's measurements, risk colours, assessments -----------------------------------


@router.get("/residents/{pk}/measurements", response=list[MeasurementPoint])
def measurement_list(request, pk: int, kinds: str = "sbp,dbp"):
    resident = _resident(request.auth, pk)
    wanted = tuple(k for k in kinds.split(",") if k)
    return q.measurement_series(resident, wanted)


@router.get("/residents/{pk}/risk", response=list[RiskOut])
def risk_list(request, pk: int, history: bool = False):
    resident = _resident(request.auth, pk)
    qs = RiskAssessment.objects.filter(resident=resident)
    return qs.order_by("condition", "-assessed_on", "-pk") if history else qs.filter(is_current=True)


@router.post("/residents/{pk}/risk", response={201: RiskOut})
def risk_set(request, pk: int, payload: RiskIn):
    user = request.auth
    row = services.risk_assess(
        actor=user,
        resident=_resident(user, pk),
        condition=payload.condition,
        colour=payload.colour,
        reason=payload.reason,
        assessed_on=payload.assessed_on,
        practitioner=_practitioner(user, payload.practitioner_id),
    )
    return 201, row


@router.get("/residents/{pk}/assessments", response=list[AssessmentOut])
def assessment_list(request, pk: int):
    resident = _resident(request.auth, pk)
    return HealthAssessment.objects.visible_to(request.auth).filter(resident=resident)


@router.post("/residents/{pk}/assessments", response={201: AssessmentOut})
def assessment_create(request, pk: int, payload: AssessmentIn):
    user = request.auth
    row = services.health_assessment_create(
        actor=user,
        resident=_resident(user, pk),
        practitioner=_practitioner(user, payload.practitioner_id),
        findings=payload.findings,
        plan=payload.plan,
        lifestyle=payload.lifestyle,
        assessed_on=payload.assessed_on,
        measurements=dict(payload.measurements),
    )
    return 201, row


# --- worklists and entitlement -------------------------------------------------------------


@router.get("/worklists", response=WorklistCounts)
def worklist_counts(request, team: int | None = None):
    rq.require_people_access(request.auth)
    chosen = workbench_team(request.auth, team)
    if chosen is None:
        return {"team_id": None, "overdue": 0, "due_week": 0, "never": 0}
    return {"team_id": chosen.pk, **plan_counts(request.auth, chosen.pk, timezone.localdate())}


@router.get("/worklists/{kind}", response=list[WorklistRowOut])
@paginate(PageNumberPagination)
def worklist(request, kind: str, team: int | None = None, doctor: int | None = None):
    rq.require_people_access(request.auth)
    if kind not in q.WORKLISTS:
        raise NotFound(details={"kind": kind})
    return q.worklist(request.auth, kind, team_id=team, doctor_id=doctor)


@router.get("/contracts/{pk}/entitlement", response=EntitlementOut)
def contract_entitlement(request, pk: int):
    rq.require_people_access(request.auth)
    ent = q.contract_entitlement(request.auth, pk)
    return {
        "contract_id": ent.contract_id,
        "period_start": ent.period[0],
        "period_end": ent.period[1],
        "promised": ent.promised,
        "delivered_within": ent.delivered_within,
        "rate": ent.rate,
        "lines": [
            {**line.__dict__, "remaining": line.remaining, "beyond": line.beyond} for line in ent.lines
        ],
    }


# --- long-term prescriptions ----------------------------------------------------------------


@router.get("/prescriptions", response=list[PrescriptionOut])
@paginate(PageNumberPagination)
def prescription_list(request, filters: Query[PrescriptionFilter]):
    rq.require_people_access(request.auth)
    return filters.filter(LongTermPrescription.objects.visible_to(request.auth))


@router.post("/prescriptions", response={201: PrescriptionOut})
def prescription_issue(request, payload: PrescriptionIn):
    user = request.auth
    return 201, prescriptions.prescription_issue(
        actor=user,
        resident=_resident(user, payload.resident_id),
        practitioner=_practitioner(user, payload.practitioner_id),
        condition=payload.condition,
        medicines=[m.dict() for m in payload.medicines],
        weeks=payload.weeks,
        start=payload.start,
    )


@router.post("/prescriptions/{pk}/stop", response=PrescriptionOut)
def prescription_stop(request, pk: int, payload: StopIn):
    user = request.auth
    rx = LongTermPrescription.objects.get_visible(user, pk=pk)
    return prescriptions.prescription_stop(
        actor=user, prescription=rx, reason=payload.reason, stopped_on=payload.stopped_on
    )


# --- home beds -----------------------------------------------------------------------------


@router.get("/homebeds", response=list[HomeBedOut])
@paginate(PageNumberPagination)
def homebed_list(request, filters: Query[HomeBedFilter]):
    rq.require_people_access(request.auth)
    return filters.filter(HomeBed.objects.visible_to(request.auth).select_related("resident"))


@router.post("/homebeds", response={201: HomeBedOut})
def homebed_admit(request, payload: HomeBedIn):
    user = request.auth
    bed = homecare.homebed_admit(
        actor=user,
        resident=_resident(user, payload.resident_id),
        practitioner=_practitioner(user, payload.practitioner_id),
        diagnosis=payload.diagnosis,
        admitted_on=payload.admitted_on,
    )
    return 201, HomeBed.objects.select_related("resident").get(pk=bed.pk)


@router.post("/homebeds/{pk}/visits", response={201: RecordCreated})
def homebed_visit(request, pk: int, payload: HomeBedVisitIn):
    user = request.auth
    bed = HomeBed.objects.get_visible(user, pk=pk)
    result = homecare.homebed_visit(
        actor=user,
        bed=bed,
        item=_item(payload.item_id),
        practitioner=_practitioner(user, payload.practitioner_id),
        performed_on=payload.performed_on,
        notes=payload.notes,
        measurements=dict(payload.measurements),
    )
    return 201, {"record": _record_out(user, result.record.pk), "warnings": result.warnings}


@router.post("/homebeds/{pk}/discharge", response=HomeBedOut)
def homebed_discharge(request, pk: int, payload: DischargeIn):
    user = request.auth
    bed = HomeBed.objects.get_visible(user, pk=pk)
    homecare.homebed_discharge(
        actor=user, bed=bed, summary=payload.summary, discharged_on=payload.discharged_on
    )
    return HomeBed.objects.select_related("resident").get(pk=pk)


# --- reminders -----------------------------------------------------------------------------


@router.get("/reminders", response=list[ReminderOut])
@paginate(PageNumberPagination)
def reminder_list(request, filters: Query[ReminderFilter]):
    rq.require_people_access(request.auth)
    return filters.filter(Reminder.objects.visible_to(request.auth))


@router.post("/reminders", response={201: ReminderOut})
def reminder_send(request, payload: ReminderIn):
    user = request.auth
    return 201, reminders.reminder_send(
        actor=user, resident=_resident(user, payload.resident_id), message=payload.message, kind=payload.kind
    )
