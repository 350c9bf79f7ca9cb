"""REST API of two-way referral, mounted at /api/referrals/. Thin: parse, call a query or a service."""

from ninja import Query, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from jiayi.core.errors import ValidationFailed
from jiayi.registry.models import Institution

from . import queries, services
from .filters import ReferralFilter, SlotPoolFilter
from .schemas import (
    NoteIn,
    ReasonIn,
    ReferDownIn,
    ReferralDetailOut,
    ReferralIn,
    ReferralOut,
    ScheduleIn,
    SlotOut,
    SlotPoolIn,
    SlotPoolOut,
)

router = Router(tags=["referrals"])


def _detail(user, pk: int):
    return queries.referral_get(user, pk)


@router.get("/", response=list[ReferralOut])
@paginate(PageNumberPagination)
def referral_list(request, filters: Query[ReferralFilter]):
    queries.require_staff(request.auth)
    return queries.referrals_for(request.auth, filters)


@router.post("/", response={201: ReferralDetailOut})
def referral_request(request, payload: ReferralIn):
    user = request.auth
    resident = queries.resident_for_referral(user, payload.resident_id)
    hospital = Institution.objects.get_visible(user, pk=payload.to_institution_id)
    r = services.referral_request(
        actor=user,
        resident=resident,
        to_institution=hospital,
        department=payload.department,
        reason=payload.reason,
        clinical_summary=payload.clinical_summary,
        urgency=payload.urgency,
    )
    return Status(201, _detail(user, r.pk))


@router.get("/slot-pools", response=list[SlotPoolOut])
@paginate(PageNumberPagination)
def slotpool_list(request, filters: Query[SlotPoolFilter]):
    queries.require_staff(request.auth)
    return queries.slotpools_for(request.auth, filters)


@router.post("/slot-pools", response={201: SlotPoolOut})
def slotpool_publish(request, payload: SlotPoolIn):
    user = request.auth
    data = payload.dict()
    hospital = Institution.objects.get_visible(user, pk=data.pop("hospital_id"))
    pool = services.slotpool_publish(actor=user, hospital=hospital, **data)
    pool.booked = 0
    return Status(201, pool)


@router.get("/free-slots", response=list[SlotOut])
def free_slots(request, hospital: int, department: str, kind: str | None = None):
    """Free future slots of one department of a hospital, for scheduling a referral."""
    queries.require_staff(request.auth)
    if not department.strip():
        raise ValidationFailed(details={"field": "department"})
    return list(queries.free_slots(request.auth, hospital_id=hospital, department=department, kind=kind))


@router.get("/{pk}", response=ReferralDetailOut)
def referral_get(request, pk: int):
    queries.require_staff(request.auth)
    return _detail(request.auth, pk)


def _step(request, pk: int, fn, **kwargs):
    user = request.auth
    r = queries.referral_get(user, pk)
    done = fn(actor=user, referral=r, **kwargs)
    return _detail(user, done.pk)


@router.post("/{pk}/accept", response=ReferralDetailOut)
def referral_accept(request, pk: int, payload: NoteIn | None = None):
    return _step(request, pk, services.referral_accept, note=payload.note if payload else "")


@router.post("/{pk}/reject", response=ReferralDetailOut)
def referral_reject(request, pk: int, payload: ReasonIn):
    return _step(request, pk, services.referral_reject, reason=payload.reason)


@router.post("/{pk}/schedule", response=ReferralDetailOut)
def referral_schedule(request, pk: int, payload: ScheduleIn):
    slot = queries.slot_get(request.auth, payload.slot_id)
    return _step(request, pk, services.referral_schedule, slot=slot)


@router.post("/{pk}/complete", response=ReferralDetailOut)
def referral_complete(request, pk: int, payload: NoteIn | None = None):
    return _step(request, pk, services.referral_complete, note=payload.note if payload else "")


@router.post("/{pk}/cancel", response=ReferralDetailOut)
def referral_cancel(request, pk: int, payload: ReasonIn):
    return _step(request, pk, services.referral_cancel, reason=payload.reason)


@router.post("/{pk}/refer-down", response={201: ReferralDetailOut})
def referral_refer_down(request, pk: int, payload: ReferDownIn):
    return Status(201, _step(request, pk, services.referral_refer_down, **payload.dict()))


@router.post("/{pk}/return", response=ReferralDetailOut)
def referral_return(request, pk: int, payload: NoteIn | None = None):
    return _step(request, pk, services.referral_return, note=payload.note if payload else "")
