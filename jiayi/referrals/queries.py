"""Reads of two-way referral, always scoped to the user (jiayi.core.scope)."""

from django.db.models import Count, Q
from django.utils import timezone

from jiayi.contracts.models import Contract
from jiayi.core.errors import Forbidden
from jiayi.core.models import Role
from jiayi.core.permissions import role_of
from jiayi.core.scope import INSTITUTION, TEAM
from jiayi.registry.models import Institution, InstitutionLevel, Resident

from .models import Referral, Slot, SlotPool

COMMON_DEPARTMENTS = [
    "心血管内科",
    "呼吸内科",
    "内分泌科",
    "神经内科",
    "消化内科",
    "肾内科",
    "骨科",
    "普外科",
    "妇产科",
    "儿科",
    "眼科",
    "肿瘤科",
    "康复医学科",
    "精神科",
    "医学影像科",
]


def require_staff(user) -> None:
    role = role_of(user)
    if role is None or role == Role.RESIDENT:
        raise Forbidden()


def _box_q(user, box: str | None) -> Q:
    """Incoming = the user's side receives; outgoing = the user's side sends."""
    scope = user.scope
    if box not in ("in", "out") or scope.sees_all:
        return Q()
    prefix = "to" if box == "in" else "from"
    if scope.kind == INSTITUTION:
        return Q(**{f"{prefix}_institution_id__in": scope.institution_ids})
    if scope.kind == TEAM:
        if box == "out":
            return Q(from_team_id=scope.team_id)
        return Q(to_team_id=scope.team_id) | Q(
            to_team__isnull=True, to_institution_id=scope.team_institution_id
        )
    return Q()


def referrals_for(user, filters=None):
    qs = Referral.objects.visible_to(user).select_related(
        "resident", "from_institution", "from_team", "from_practitioner", "to_institution", "to_team"
    )
    if filters is not None:
        qs = filters.filter(qs.filter(_box_q(user, getattr(filters, "box", None))))
    return qs.order_by("-requested_at", "-id")


def referral_get(user, pk) -> Referral:
    return Referral.objects.select_related(
        "resident",
        "from_institution__region",
        "from_institution__alliance",
        "from_team",
        "from_practitioner",
        "to_institution__alliance",
        "to_team",
        "up_referral",
        "contract__team",
        "contract__doctor",
    ).get_visible(user, pk=pk)


def referral_events(referral: Referral):
    return referral.events.all()


def default_box(user) -> str:
    """The desk starts from what comes in; doctors from what they sent."""
    return "in" if role_of(user) == Role.REFERRAL_DESK else ""


def hospitals_for(user):
    return (
        Institution.objects.visible_to(user)
        .filter(is_active=True, level__in=[InstitutionLevel.SECONDARY, InstitutionLevel.TERTIARY])
        .order_by("level", "code")
    )


def own_hospitals(user):
    """Hospitals whose slots the user may publish."""
    qs = Institution.objects.filter(
        is_active=True, level__in=[InstitutionLevel.SECONDARY, InstitutionLevel.TERTIARY]
    )
    scope = user.scope
    if scope.sees_all:
        return qs.order_by("code")
    if scope.kind == INSTITUTION:
        return qs.filter(pk__in=scope.institution_ids).order_by("code")
    return qs.none()


def departments_for(user) -> list[str]:
    used = SlotPool.objects.visible_to(user).values_list("department", flat=True).distinct()[:200]
    return sorted(set(COMMON_DEPARTMENTS) | set(used))


def resident_for_referral(user, pk) -> Resident:
    return Resident.objects.select_related("institution").get_visible(user, pk=pk)


def resident_search(user, q: str, limit: int = 20):
    q = (q or "").strip()
    if not q:
        return Resident.objects.none()
    qs = Resident.objects.visible_to(user).active().select_related("institution")
    if len(q) >= 15 and q[:-1].isdigit():
        return qs.with_national_id(q)[:limit]
    return qs.filter(name__icontains=q).order_by("name")[:limit]


def contract_in_force(resident: Resident):
    return Contract.objects.in_force().filter(resident=resident).select_related("team", "doctor").first()


def slotpools_for(user, filters=None):
    qs = (
        SlotPool.objects.visible_to(user)
        .select_related("hospital")
        .annotate(booked=Count("slots", filter=Q(slots__referral__isnull=False)))
    )
    if filters is not None:
        qs = filters.filter(qs)
    return qs.order_by("date", "start_time", "department", "id")


def slotpool_get(user, pk) -> SlotPool:
    return SlotPool.objects.select_related("hospital").get_visible(user, pk=pk)


def pool_slots(pool: SlotPool):
    return pool.slots.select_related("referral__resident").order_by("seq")


def free_slots(user, *, hospital_id: int, department: str, kind: str | None = None, limit: int = 200):
    """Free, future slots of one department of a hospital, reserved ones first in each hour."""
    pools = SlotPool.objects.visible_to(user).filter(hospital_id=hospital_id, department=department.strip())
    if kind:
        pools = pools.filter(kind=kind)
    return (
        Slot.objects.free()
        .filter(pool__in=pools, starts_at__gt=timezone.now())
        .select_related("pool")
        .order_by("starts_at", "-reserved", "seq")[:limit]
    )


def slot_get(user, pk) -> Slot:
    from jiayi.core.errors import NotFound

    slot = (
        Slot.objects.select_related("pool").filter(pk=pk, pool__in=SlotPool.objects.visible_to(user)).first()
    )
    if slot is None:
        raise NotFound()
    return slot


def waiting_for_team(user, *, team_id: int):
    """What a team must look at on its workbench: its open up-referrals (the hospital may have
    answered) and down-referrals sent back to it that it has not yet received."""
    from .models import OPEN_STATUSES, Direction, ReferralStatus

    return (
        Referral.objects.visible_to(user)
        .filter(
            Q(direction=Direction.UP, from_team_id=team_id, status__in=OPEN_STATUSES)
            | Q(direction=Direction.DOWN, to_team_id=team_id, status=ReferralStatus.REQUESTED)
        )
        .select_related("resident", "to_institution")
        .order_by("-requested_at", "-pk")
    )
